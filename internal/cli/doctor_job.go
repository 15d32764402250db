package cli

import (
	"fmt"
	"strings"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/publish"
)

// The job's environment that doctor --from-job reads: CircleCI's token
// variables (FACTS, CircleCI OIDC tokens) and what publish writes into the
// context.
const (
	// TokenV2Env holds the v2 token, the one the aws-cli orb v5 sends.
	TokenV2Env = "CIRCLE_OIDC_TOKEN_V2"
	// TokenV1Env holds the v1 token.
	TokenV1Env = "CIRCLE_OIDC_TOKEN"
	// RoleARNEnv is the role publish writes and the aws-cli orb assumes.
	RoleARNEnv = "AWS_ROLE_ARN"
)

// jobInput is what doctor --from-job found in the job's environment. It never
// leaves doctor: the token is judged, not shown.
type jobInput struct {
	token, tokenEnv string
	policy, roleARN string
}

// readJob reads the token, the trust policy and the role ARN from a CircleCI
// job's environment. The policy must be there: without it doctor would need
// AWS credentials, which a job whose assume was refused does not have.
func readJob(env Env) (jobInput, error) {
	get := env.Getenv
	if get == nil {
		get = func(string) string { return "" }
	}
	j := jobInput{roleARN: strings.TrimSpace(get(RoleARNEnv)), policy: strings.TrimSpace(get(publish.TrustPolicyVar))}
	for _, name := range []string{TokenV2Env, TokenV1Env} {
		if v := strings.TrimSpace(get(name)); v != "" {
			j.token, j.tokenEnv = v, name
			break
		}
	}
	if j.token == "" {
		return jobInput{}, fmt.Errorf("--from-job: neither %s nor %s is set: CircleCI sets them only in a job that "+
			"uses a context; add one to the job (the orb's doctor command mints a token with `circleci run oidc get` "+
			"when they are missing)", TokenV2Env, TokenV1Env)
	}
	switch {
	case j.policy == "" && j.roleARN == "":
		return jobInput{}, fmt.Errorf("--from-job: neither %s nor %s is set: is the context that publish wrote attached "+
			"to this job? run circleci-oidc publish with %s to write the trust policy beside %s",
			publish.TrustPolicyVar, RoleARNEnv, publish.TrustPolicyFlag, RoleARNEnv)
	case j.policy == "":
		return jobInput{}, fmt.Errorf("--from-job: %s is not set, so this job has no trust policy to judge the token "+
			"against: run circleci-oidc publish with %s to write it beside %s into the job's context",
			publish.TrustPolicyVar, publish.TrustPolicyFlag, RoleARNEnv)
	}
	return j, nil
}

// source names where the policy came from, for the report.
func (j jobInput) source() string {
	if j.roleARN == "" {
		return "$" + publish.TrustPolicyVar + "; $" + RoleARNEnv + " is not set in this job"
	}
	return "$" + publish.TrustPolicyVar + ", published for $" + RoleARNEnv + " " + j.roleARN
}

// loadPolicy parses the published trust policy.
func (j jobInput) loadPolicy() (trust.Document, string, error) {
	d, err := trust.Parse(j.policy)
	if err != nil {
		return trust.Document{}, "", fmt.Errorf("--from-job: $%s: %w", publish.TrustPolicyVar, err)
	}
	return d, j.source(), nil
}
