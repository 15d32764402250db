package stack

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumiconfig "github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component"
	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/pulumimock"
)

// stackConfigEnv turns a Pulumi.<stack>.yaml into the PULUMI_CONFIG the Go
// SDK reads: every value a string, lists and maps as JSON.
func stackConfigEnv(t *testing.T, file string) string {
	t.Helper()
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	var doc struct {
		Config map[string]any `yaml:"config"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &doc))
	env := map[string]string{}
	for k, v := range doc.Config {
		if s, ok := v.(string); ok {
			env[k] = s
			continue
		}
		b, err := json.Marshal(v)
		require.NoError(t, err)
		env[k] = string(b)
	}
	b, err := json.Marshal(env)
	require.NoError(t, err)
	return string(b)
}

func TestDevStack(t *testing.T) {
	t.Setenv(pulumi.EnvConfig, stackConfigEnv(t, "../../Pulumi.dev.yaml"))
	m := &pulumimock.Mocks{}
	var out pulumimock.Outputs
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		oidc, err := Deploy(ctx)
		if err != nil {
			return err
		}
		pulumimock.Await(oidc, &out)
		return nil
	}, pulumi.WithMocks(Project, "dev", m))
	require.NoError(t, err)

	roles := m.OfType("aws:iam/role:Role")
	require.Len(t, roles, 1)
	assert.Equal(t, "circleci-deploy-dev", roles[0].Inputs["name"].StringValue())
	assert.Equal(t, "/ci/", roles[0].Inputs["path"].StringValue())
	assert.Equal(t, "arn:aws:iam::123456789012:role/ci/circleci-deploy-dev", out.RoleArn)

	assert.Len(t, m.OfType("aws:iam/openIdConnectProvider:OpenIdConnectProvider"), 1)
	assert.Len(t, m.Calls(), 1, "the thumbprint is fetched once")
	attachments := m.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
	require.Len(t, attachments, 1)
	assert.Equal(t, "circleci-ReadOnlyAccess", attachments[0].Name)
	inline := m.OfType("aws:iam/rolePolicy:RolePolicy")
	require.Len(t, inline, 1)
	assert.Equal(t, "deploy-artifacts", inline[0].Inputs["name"].StringValue())

	doc, err := trust.Parse(out.TrustPolicy)
	require.NoError(t, err)
	key := "oidc.circleci.com/org/11111111-1111-4111-8111-111111111111"
	cond := doc.Statement[0].Condition
	assert.Len(t, cond["StringLike"][key+":sub"], 4, "2 origins x 2 branches: the project-id key pins the projects")
	assert.Len(t, cond["StringEquals"][key+":"+trust.ProjectIDClaim], 2)

	allowed := trust.Claims{
		Issuer:    "https://" + key,
		Audience:  []string{"11111111-1111-4111-8111-111111111111"},
		ProjectID: "22222222-2222-4222-8222-222222222222",
		Subject: "org/11111111-1111-4111-8111-111111111111/project/22222222-2222-4222-8222-222222222222" +
			"/user/44444444-4444-4444-8444-444444444444/vcs-origin/github.com/acme/api/vcs-ref/refs/heads/release/2026-11",
	}
	assert.True(t, trust.Evaluate(doc, allowed).Allowed)
	feature := allowed
	feature.Subject = strings.Replace(feature.Subject, "release/2026-11", "feature/x", 1)
	assert.False(t, trust.Evaluate(doc, feature).Allowed)
}

func TestRunExportsOutputs(t *testing.T) {
	t.Setenv(pulumi.EnvConfig, stackConfigEnv(t, "../../Pulumi.dev.yaml"))
	err := pulumi.RunErr(Run, pulumi.WithMocks(Project, "dev", &pulumimock.Mocks{}))
	assert.NoError(t, err)
}

func TestMissingOrganization(t *testing.T) {
	t.Setenv(pulumi.EnvConfig, `{"circleci-oidc:projectIds":"[\"22222222-2222-4222-8222-222222222222\"]"}`)
	m := &pulumimock.Mocks{}
	err := pulumi.RunErr(Run, pulumi.WithMocks(Project, "dev", m))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "config circleci-oidc:organizationId is required")
	assert.Empty(t, m.Resources())
}

func TestMalformedConfig(t *testing.T) {
	t.Setenv(pulumi.EnvConfig, `{"circleci-oidc:organizationId":"11111111-1111-4111-8111-111111111111",`+
		`"circleci-oidc:projectIds":"22222222-2222-4222-8222-222222222222","circleci-oidc:maxSessionDuration":"an hour"}`)
	err := pulumi.RunErr(Run, pulumi.WithMocks(Project, "dev", &pulumimock.Mocks{}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "2 configuration problems")
	assert.Contains(t, err.Error(), "config circleci-oidc:projectIds")
	assert.Contains(t, err.Error(), "config circleci-oidc:maxSessionDuration")
}

func TestInvalidConfigFailsWithComponentMessage(t *testing.T) {
	t.Setenv(pulumi.EnvConfig, `{"circleci-oidc:organizationId":"11111111-1111-4111-8111-111111111111",`+
		`"circleci-oidc:projectIds":"[\"abc\"]"}`)
	m := &pulumimock.Mocks{}
	err := pulumi.RunErr(Run, pulumi.WithMocks(Project, "dev", m))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `projectIds[0] "abc" is not a UUID`)
	assert.Empty(t, m.Resources())
}

// TestPulumiYAMLDeclaresEveryInput keeps Pulumi.yaml's config declarations and
// the component's inputs the same set.
func TestPulumiYAMLDeclaresEveryInput(t *testing.T) {
	raw, err := os.ReadFile("../../Pulumi.yaml")
	require.NoError(t, err)
	var proj struct {
		Name   string `yaml:"name"`
		Config map[string]struct {
			Type        string `yaml:"type"`
			Description string `yaml:"description"`
			Default     any    `yaml:"default"`
		} `yaml:"config"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &proj))
	assert.Equal(t, Project, proj.Name)

	var declared []string
	for k, v := range proj.Config {
		declared = append(declared, k)
		assert.NotEmpty(t, v.Description, "config %s has no description", k)
		assert.NotEmpty(t, v.Type, "config %s has no type", k)
		// A declared key without a default is required: pulumi up refuses a stack that lacks it.
		if k == "organizationId" {
			assert.Nil(t, v.Default, "organizationId is required, so it has no default")
		} else {
			assert.NotNil(t, v.Default, "optional config %s needs a default, or pulumi up requires it", k)
		}
	}
	var inputs []string
	typ := reflect.TypeFor[component.CircleCIOIDCArgs]()
	for i := range typ.NumField() {
		inputs = append(inputs, strings.Split(typ.Field(i).Tag.Get("pulumi"), ",")[0])
	}
	slices.Sort(declared)
	slices.Sort(inputs)
	assert.Equal(t, inputs, declared)
	assert.Equal(t, declared, Keys(), "fleet.yaml is checked against Keys")
}

// TestEveryKeyReachesTheArgs sets every declared key and checks that every
// argument of the component is set from it.
func TestEveryKeyReachesTheArgs(t *testing.T) {
	raw, err := os.ReadFile("../../Pulumi.yaml")
	require.NoError(t, err)
	var proj struct {
		Config map[string]struct {
			Type string `yaml:"type"`
		} `yaml:"config"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &proj))
	values := map[string]string{
		"string":  "set",
		"integer": "7200",
		"boolean": "true",
		"array":   `["set"]`,
		"object":  `{"k":"set"}`,
	}
	env := map[string]string{}
	for k, v := range proj.Config {
		require.Contains(t, values, v.Type, "config %s has type %s", k, v.Type)
		env[Project+":"+k] = values[v.Type]
	}
	env[Project+":extraConditions"] = `{"StringEquals":{"k":["set"]}}`
	env[Project+":rules"] = `[{"projectIds":["set"]}]`
	b, err := json.Marshal(env)
	require.NoError(t, err)
	t.Setenv(pulumi.EnvConfig, string(b))

	var args component.CircleCIOIDCArgs
	err = pulumi.RunErr(func(ctx *pulumi.Context) error {
		args, err = loadArgs(pulumiconfig.New(ctx, ""))
		return err
	}, pulumi.WithMocks(Project, "dev", &pulumimock.Mocks{}))
	require.NoError(t, err)
	v := reflect.ValueOf(args)
	for i := range v.NumField() {
		assert.False(t, v.Field(i).IsZero(), "argument %s is not read from the configuration", v.Type().Field(i).Name)
	}
}
