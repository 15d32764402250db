package cli_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/stackout"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/circlecitest"
)

// indentedPolicy is a trust policy as the stack's trustPolicy output holds it.
const indentedPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"Federated": "arn:aws:iam::111111111111:oidc-provider/oidc.circleci.com/org/` + org + `"},
      "Action": "sts:AssumeRoleWithWebIdentity"
    }
  ]
}`

// publish --trust-policy writes the role's trust policy, without white
// space, beside AWS_ROLE_ARN, where doctor --from-job reads it; without the
// flag it writes nothing of the kind.
func TestPublishTrustPolicy(t *testing.T) {
	compact := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":` +
		`"arn:aws:iam::111111111111:oidc-provider/oidc.circleci.com/org/` + org + `"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`
	for _, tc := range []struct {
		name string
		args []string
		want map[string]string
	}{
		{"with --trust-policy", []string{"--trust-policy"}, map[string]string{"AWS_ROLE_TRUST_POLICY": compact}},
		{"without", nil, map[string]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := circlecitest.NewServer()
			defer s.Close()
			st := devStack()
			st.Outputs["trustPolicy"] = stackout.Output{Value: indentedPolicy}
			r := run(t, publishEnv(circlecitest.Token, st),
				append([]string{"publish", "--context", "aws-dev", "--circleci-url", s.BaseURL()}, tc.args...)...)
			require.Equal(t, 0, r.code, r.stdout+r.stderr)
			vars := unmarked(s.Vars(s.ContextID(org, "aws-dev")))
			assert.Equal(t, roleARN, vars["AWS_ROLE_ARN"])
			got, ok := vars["AWS_ROLE_TRUST_POLICY"]
			want, wantOK := tc.want["AWS_ROLE_TRUST_POLICY"]
			assert.Equal(t, wantOK, ok)
			assert.Equal(t, want, got)
		})
	}
}

func TestPublishTrustPolicyErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		output any
		want   string
	}{
		{"no output", nil, "--trust-policy: stack dev has no trustPolicy output"},
		{"not JSON", "{not json", "--trust-policy: stack dev's trustPolicy output is not JSON"},
		{"longer than IAM takes", `{"Sid":"` + strings.Repeat("a", 8200) + `"}`, "more than the 8192 IAM takes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := devStack()
			if tc.output != nil {
				st.Outputs["trustPolicy"] = stackout.Output{Value: tc.output}
			}
			r := run(t, publishEnv("", st), "publish", "--context", "aws-dev", "--trust-policy", "--dry-run")
			assert.Equal(t, 1, r.code, r.stdout+r.stderr)
			assert.Contains(t, r.stderr, tc.want)
		})
	}
}
