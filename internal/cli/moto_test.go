package cli_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/cli"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/mototest"
)

// TestDoctorReadsALiveRole reads the trust policy of a role in moto, as
// doctor --role-arn does against AWS.
func TestDoctorReadsALiveRole(t *testing.T) {
	mototest.Start(t)
	cfg, err := awsconfig.LoadDefaultConfig(t.Context())
	require.NoError(t, err)
	out, err := iam.NewFromConfig(cfg).CreateRole(t.Context(), &iam.CreateRoleInput{
		RoleName:                 aws.String("circleci-deploy"),
		Path:                     aws.String("/ci/"),
		AssumeRolePolicyDocument: aws.String(mainOnlyPolicy()),
	})
	require.NoError(t, err)
	arn := aws.ToString(out.Role.Arn)

	iss := issuer(t)
	r := run(t, cli.Env{}, "doctor", "--role-arn", arn, "--token", sign(t, iss, onMain))
	assert.Equal(t, cli.ExitUnverified, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "Policy (role "+arn+")")
	assert.Contains(t, r.stdout, "Verdict: ALLOWED")

	feature := onMain
	feature.Ref = "refs/heads/feature"
	r = run(t, cli.Env{}, "doctor", "--role-arn", arn, "--token", sign(t, iss, feature))
	assert.Equal(t, cli.ExitRefused, r.code)
	assert.Contains(t, r.stdout, "Verdict: REFUSED")

	r = run(t, cli.Env{}, "doctor", "--role-arn", "arn:aws:iam::123456789012:role/missing", "--token", sign(t, iss, onMain))
	assert.Equal(t, cli.ExitFailed, r.code)
	assert.Contains(t, r.stderr, "reading role missing")
	assert.Contains(t, r.stderr, "NoSuchEntity")
}
