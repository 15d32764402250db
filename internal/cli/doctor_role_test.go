package cli_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/cli"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/mototest"
)

// TestDoctorRoleARNMustBeTheRoleRead: doctor --role-arn reads the role by
// name with the credentials' account, so an ARN of another account or path
// was judged against a different role, under the asked-for ARN's heading.
func TestDoctorRoleARNMustBeTheRoleRead(t *testing.T) {
	mototest.Start(t)
	cfg, err := awsconfig.LoadDefaultConfig(t.Context())
	require.NoError(t, err)
	c := iam.NewFromConfig(cfg)
	out, err := c.CreateRole(t.Context(), &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(mainOnlyPolicy())})
	require.NoError(t, err)
	real := aws.ToString(out.Role.Arn)
	require.Equal(t, "arn:aws:iam::123456789012:role/r", real)
	createProvider(t, c, org)
	tok := sign(t, issuer(t), onMain)

	for _, tc := range []struct{ asked, want string }{
		{"arn:aws:iam::222222222222:role/other-path/r", "account 222222222222"},
		{"arn:aws:iam::222222222222:role/r", "account 222222222222"},
		{"arn:aws:iam::123456789012:role/other-path/r", "path /other-path/"},
	} {
		t.Run(tc.asked, func(t *testing.T) {
			r := run(t, cli.Env{}, "doctor", "--role-arn", tc.asked, "--token", tok)
			assert.Equal(t, cli.ExitUsage, r.code, r.stdout+r.stderr)
			assert.NotContains(t, r.stdout, "Verdict", "no verdict under another role's heading")
			assert.Contains(t, r.stderr, tc.asked)
			assert.Contains(t, r.stderr, real, "the error names the role that was read")
			assert.Contains(t, r.stderr, tc.want)
		})
	}
	r := run(t, cli.Env{}, "doctor", "--role-arn", real, "--token", tok)
	assert.Equal(t, cli.ExitUnverified, r.code, r.stdout+r.stderr)
}

// TestDoctorFederatedProviderOfAnotherAccount: STS looks the token's issuer
// up among the IAM OIDC providers of the role's account, so a statement whose
// Federated principal is the provider of another account never matches.
func TestDoctorFederatedProviderOfAnotherAccount(t *testing.T) {
	mototest.Start(t)
	cfg, err := awsconfig.LoadDefaultConfig(t.Context())
	require.NoError(t, err)
	c := iam.NewFromConfig(cfg)
	foreign := strings.ReplaceAll(mainOnlyPolicy(), "arn:aws:iam::123456789012:oidc-provider", "arn:aws:iam::111111111111:oidc-provider")
	out, err := c.CreateRole(t.Context(), &iam.CreateRoleInput{RoleName: aws.String("foreign"), AssumeRolePolicyDocument: aws.String(foreign)})
	require.NoError(t, err)
	createProvider(t, c, org)

	r := run(t, cli.Env{}, "doctor", "--role-arn", aws.ToString(out.Role.Arn), "--token", sign(t, issuer(t), onMain))
	assert.Equal(t, cli.ExitRefused, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "Verdict: REFUSED")
	assert.Contains(t, r.stdout, "arn:aws:iam::111111111111:oidc-provider/oidc.circleci.com/org/"+org)
	assert.Contains(t, r.stdout, "not in the role's account 123456789012")
	assert.Contains(t, r.stdout, "name arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/"+org+" instead", "the fix: the provider to name")
}
