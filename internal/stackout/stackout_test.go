package stackout_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/circleci"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/publish"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/stackout"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/circlecitest"
)

const org = "11111111-1111-4111-8111-111111111111"

// TestPublishThroughAutomationAPI deploys an inline program that exports what
// a circleci-oidc stack exports, on a local file:// backend, reads it back
// through the Automation API and publishes it to the fake CircleCI.
func TestPublishThroughAutomationAPI(t *testing.T) {
	if _, err := exec.LookPath("pulumi"); err != nil {
		t.Skip("the pulumi CLI is not on PATH; the end-to-end tools build it (see README, Development)")
	}
	ctx := t.Context()
	dir := t.TempDir()
	env := map[string]string{
		"PULUMI_BACKEND_URL":                          "file://" + filepath.Join(dir, "backend"),
		"PULUMI_CONFIG_PASSPHRASE":                    "circleci-oidc-test",
		"PULUMI_HOME":                                 filepath.Join(dir, "home"),
		"PULUMI_SKIP_UPDATE_CHECK":                    "true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
	}
	program := func(ctx *pulumi.Context) error {
		ctx.Export("roleArn", pulumi.String("arn:aws:iam::111111111111:role/ci/circleci-deploy-dev"))
		ctx.Export("roleName", pulumi.String("circleci-deploy-dev"))
		ctx.Export("token", pulumi.ToSecret(pulumi.String("hunter2")))
		return nil
	}
	for _, d := range []string{"backend", "home", "work"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	st, err := auto.UpsertStackInlineSource(ctx, "dev", "circleci-oidc", program,
		auto.EnvVars(env), auto.WorkDir(filepath.Join(dir, "work")))
	require.NoError(t, err)
	require.NoError(t, st.SetConfig(ctx, "aws:region", auto.ConfigValue{Value: "eu-west-1"}))
	require.NoError(t, st.SetConfig(ctx, "circleci-oidc:organizationId", auto.ConfigValue{Value: org}))
	_, err = st.Up(ctx)
	require.NoError(t, err)

	s, err := stackout.FromWorkspace(ctx, st.Workspace(), "dev")
	require.NoError(t, err)
	assert.Equal(t, "arn:aws:iam::111111111111:role/ci/circleci-deploy-dev", s.Outputs["roleArn"].Value)
	assert.True(t, s.Outputs["token"].Secret)
	assert.Equal(t, "eu-west-1", s.Config["aws:region"])

	plan, err := publish.NewPlan(s, publish.Options{Context: "aws-dev", Vars: []publish.Var{{Name: "TOKEN", Output: "token"}}})
	require.NoError(t, err)
	fake := circlecitest.NewServer()
	defer fake.Close()
	c, err := circleci.New(circlecitest.Token, circleci.WithBaseURL(fake.BaseURL()))
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, publish.Apply(ctx, c, plan, &out))
	vars := fake.Vars(fake.ContextID(org, "aws-dev"))
	assert.Equal(t, "arn:aws:iam::111111111111:role/ci/circleci-deploy-dev", vars["AWS_ROLE_ARN"])
	assert.Equal(t, "hunter2", vars["TOKEN"])
	assert.NotContains(t, out.String(), "hunter2")
}
