package publish

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/stackout"
)

// TrustPolicyVar is the variable publish --trust-policy writes the role's
// trust policy into, beside AWS_ROLE_ARN, and that `circleci-oidc doctor
// --from-job` reads in a job.
const TrustPolicyVar = "AWS_ROLE_TRUST_POLICY"

// TrustPolicyFlag is the publish flag that writes TrustPolicyVar.
const TrustPolicyFlag = "--trust-policy"

// maxTrustPolicy is the longest trust policy IAM takes once the quota is
// raised to its maximum, 8,192 characters (FACTS, IAM quotas); a compact
// policy of the stack is never longer, so a longer output is not one.
const maxTrustPolicy = 8192

// addTrustPolicy plans TrustPolicyVar from the stack's trustPolicy output,
// without white space: a policy is data a reviewer may read, not a secret.
func (p *Plan) addTrustPolicy(s stackout.Stack) error {
	out, ok := s.Outputs["trustPolicy"]
	text, isString := out.Value.(string)
	if !ok || !isString {
		return fmt.Errorf("%s: stack %s has no trustPolicy output; is it a circleci-oidc stack, and has it been deployed?",
			TrustPolicyFlag, s.Name)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(text)); err != nil {
		return fmt.Errorf("%s: stack %s's trustPolicy output is not JSON: %w", TrustPolicyFlag, s.Name, err)
	}
	if b.Len() > maxTrustPolicy {
		return fmt.Errorf("%s: stack %s's trustPolicy output is %d characters, more than the %d IAM takes",
			TrustPolicyFlag, s.Name, b.Len(), maxTrustPolicy)
	}
	p.add(TrustPolicyVar, stackout.Output{Value: b.String(), Secret: out.Secret}, "output trustPolicy, compact")
	return nil
}
