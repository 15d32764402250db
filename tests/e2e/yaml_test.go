package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component"
)

// yamlExampleArgs are the Go equivalent of examples/yaml/Pulumi.yaml's
// resource with its default config.
func yamlExampleArgs() component.CircleCIOIDCArgs {
	deploy, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Effect": "Allow", "Action": []string{"s3:PutObject"}, "Resource": "arn:aws:s3:::acme-artifacts/*",
		}},
	})
	return component.CircleCIOIDCArgs{
		OrganizationId: pulumi.String(devOrg),
		Rules: []component.Rule{
			{ProjectIds: []string{devProject}, VcsOrigins: []string{"github.com/acme/api"}, Branches: []string{"main"}},
			{ProjectIds: []string{"33333333-3333-4333-8333-333333333333"}, VcsOrigins: []string{"github.com/acme/infra"},
				Branches: []string{"release/*"}},
		},
		RoleName:           pulumi.String("circleci-deploy"),
		Path:               pulumi.String("/ci/"),
		MaxSessionDuration: pulumi.Int(3600),
		Tags:               pulumi.StringMap{"team": pulumi.String("platform")},
		ManagedPolicyArns:  pulumi.ToStringArray([]string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}),
		InlinePolicies:     pulumi.StringMap{"deploy-artifacts": pulumi.String(deploy)},
	}
}

// Scenario 3: the YAML example, run by the CLI against the component plugin,
// gives the same resources, outputs and trust policy as the component in Go.
func TestYAMLExampleThroughThePlugin(t *testing.T) {
	w := newWorld(t)
	requireTools(t, "pulumi-language-yaml")
	plugin := w.realPlugin(t)
	ctx := t.Context()

	// The example names the released plugin by its version and download URL;
	// the binary built from this checkout, first on PATH, reports the same
	// version (provider/VERSION), and acquisition is off, so the engine runs it.
	dir := filepath.Join(w.dir, "yaml")
	copyFile(t, filepath.Join(repoRoot(), "examples", "yaml", "Pulumi.yaml"), filepath.Join(dir, "Pulumi.yaml"))
	require.FileExists(t, filepath.Join(plugin, pluginName))

	ws, err := auto.NewLocalWorkspace(ctx, auto.WorkDir(dir), auto.EnvVars(w.env))
	require.NoError(t, err)
	st, err := auto.UpsertStack(ctx, "dev", ws)
	require.NoError(t, err)
	require.NoError(t, st.SetConfig(ctx, "aws:region", auto.ConfigValue{Value: "eu-west-1"}))
	yamlRes, err := st.Up(ctx, optup.ProgressStreams(devNull{}))
	require.NoError(t, err)
	yamlPolicy := yamlRes.Outputs["trustPolicy"].Value.(string)
	yamlRole := yamlRes.Outputs["roleArn"].Value.(string)
	roles := w.roleNames(ctx, t)
	providers := w.providerARNs(ctx, t)
	_, err = st.Destroy(ctx)
	require.NoError(t, err)

	goOut := w.upInline(t, "go", yamlExampleArgs())
	assert.Equal(t, goOut["trustPolicy"], yamlPolicy)
	assert.Equal(t, goOut["roleArn"], yamlRole)
	assert.Equal(t, roles, w.roleNames(ctx, t))
	assert.Equal(t, providers, w.providerARNs(ctx, t))
	assert.Equal(t, goOut["creates"], (*yamlRes.Summary.ResourceChanges)["create"])
}

// upInline builds the component directly in Go as an inline program, returns
// its outputs and how many resources it created, and destroys it again.
func (w *world) upInline(t *testing.T, name string, args component.CircleCIOIDCArgs) map[string]any {
	t.Helper()
	ctx := t.Context()
	dir := filepath.Join(w.dir, "inline-"+name)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	st, err := auto.UpsertStackInlineSource(ctx, name, "circleci-oidc-"+name, func(ctx *pulumi.Context) error {
		c, err := component.NewCircleCIOIDC(ctx, "circleci", args)
		if err != nil {
			return err
		}
		ctx.Export("roleArn", c.RoleArn)
		ctx.Export("trustPolicy", c.TrustPolicy)
		return nil
	}, auto.WorkDir(dir), auto.EnvVars(w.env))
	require.NoError(t, err)
	res, err := st.Up(ctx, optup.ProgressStreams(devNull{}))
	require.NoError(t, err)
	out := map[string]any{
		"roleArn": res.Outputs["roleArn"].Value, "trustPolicy": res.Outputs["trustPolicy"].Value,
		"creates": (*res.Summary.ResourceChanges)["create"],
	}
	t.Cleanup(func() { _, _ = st.Destroy(context.Background()) })
	return out
}

type devNull struct{}

func (devNull) Write(b []byte) (int, error) { return len(b), nil }
