package provider_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"testing"

	"github.com/blang/semver"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/integration"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component"
	"github.com/circleci-oidc/pulumi-circleci-oidc/provider"
)

var update = flag.Bool("update", false, "rewrite the golden schema.json from the running provider")

const goldenSchema = "cmd/pulumi-resource-circleci-oidc/schema.json"

func server(t *testing.T, mocks integration.ServerOption) integration.Server {
	t.Helper()
	prov, err := provider.New()
	require.NoError(t, err)
	opts := []integration.ServerOption{integration.WithProvider(prov)}
	if mocks != nil {
		opts = append(opts, mocks)
	}
	s, err := integration.NewServer(t.Context(), provider.Name, semver.MustParse(provider.PluginVersion()), opts...)
	require.NoError(t, err)
	return s
}

func currentSchema(t *testing.T) []byte {
	t.Helper()
	resp, err := server(t, nil).GetSchema(p.GetSchemaRequest{})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, json.Indent(&buf, []byte(resp.Schema), "", "  "))
	buf.WriteByte('\n')
	return buf.Bytes()
}

// TestSchemaMatchesGolden fails when the provider's schema drifts from the
// committed one. Regenerate with: go test ./provider -run TestSchemaMatchesGolden -update
func TestSchemaMatchesGolden(t *testing.T) {
	got := currentSchema(t)
	if *update {
		require.NoError(t, os.WriteFile(goldenSchema, got, 0o644))
	}
	want, err := os.ReadFile(goldenSchema)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got),
		"schema drifted; run: go test ./provider -run TestSchemaMatchesGolden -update")
}

func resourceSpec(t *testing.T) schema.ResourceSpec {
	t.Helper()
	var pkg schema.PackageSpec
	require.NoError(t, json.Unmarshal(currentSchema(t), &pkg))
	assert.Equal(t, "circleci-oidc", pkg.Name)
	assert.Equal(t, provider.PluginVersion(), pkg.Version)
	assert.Equal(t, provider.Repository, pkg.Repository)
	assert.Equal(t, "Apache-2.0", pkg.License)
	assert.NotEmpty(t, pkg.DisplayName)
	assert.NotEmpty(t, pkg.Description)
	assert.Contains(t, pkg.Keywords, "kind/component")
	require.Len(t, pkg.Resources, 1)
	spec, ok := pkg.Resources["circleci-oidc:index:CircleCIOIDC"]
	require.True(t, ok, "type token circleci-oidc:index:CircleCIOIDC, got %v", pkg.Resources)
	return spec
}

func TestSchemaResource(t *testing.T) {
	spec := resourceSpec(t)
	assert.True(t, spec.IsComponent)
	assert.NotEmpty(t, spec.Description)
	assert.Equal(t, []string{"organizationId"}, spec.RequiredInputs)

	for name, prop := range spec.InputProperties {
		assert.NotEmpty(t, prop.Description, "input %s has no description", name)
	}
	in := spec.InputProperties
	// Scalars that may be outputs of other resources are not plain.
	for _, name := range []string{"organizationId", "issuerUrl", "existingProviderArn", "roleName", "path",
		"maxSessionDuration", "permissionsBoundary"} {
		assert.False(t, in[name].Plain, "%s must accept an output", name)
	}
	// Lists of IDs are one input each: an output of a whole list is accepted.
	for _, name := range []string{"audiences", "projectIds", "branches", "gitTags", "vcsOrigins", "userIds"} {
		assert.False(t, in[name].Plain, "%s must accept an output", name)
		assert.Equal(t, "array", in[name].Type, name)
	}
	// Lists and maps that shape the resources are known in length, their entries may be outputs.
	assert.False(t, in["managedPolicyArns"].Items.Plain, "managedPolicyArns entries must accept outputs")
	assert.False(t, in["inlinePolicies"].AdditionalProperties.Plain, "inlinePolicies values must accept outputs")
	// What decides which resources exist is plain.
	assert.True(t, in["allowAllProjects"].Plain)
	assert.True(t, in["projectPinning"].Plain)
	assert.True(t, in["trustPolicyQuota"].Plain)
	assert.True(t, in["managedPoliciesQuota"].Plain)
	assert.Equal(t, "#/types/circleci-oidc:index:Rule", in["rules"].Items.Ref)
	assert.True(t, in["thumbprints"].Items.Plain)
	assert.True(t, in["additionalThumbprints"].Items.Plain)
	assert.Len(t, spec.InputProperties, reflect.TypeFor[component.CircleCIOIDCArgs]().NumField())
	assert.Equal(t, "string", spec.InputProperties["organizationId"].Type)
	assert.Equal(t, "array", spec.InputProperties["projectIds"].Type)
	assert.Equal(t, "string", spec.InputProperties["projectIds"].Items.Type)
	assert.Equal(t, "integer", spec.InputProperties["maxSessionDuration"].Type)
	assert.EqualValues(t, 3600, spec.InputProperties["maxSessionDuration"].Default)
	assert.Equal(t, "object", spec.InputProperties["inlinePolicies"].Type)

	want := []string{"issuerUrl", "providerArn", "roleArn", "roleName", "thumbprints", "trustPolicy"}
	assert.ElementsMatch(t, want, spec.Required)
	for _, name := range want {
		assert.NotEmpty(t, spec.Properties[name].Description, "output %s has no description", name)
	}
}

// TestRulesArePlain covers the loose end "rules items are not plain": the
// TypeScript and Python types accepted an Output inside a rule, which the
// component, taking plain lists, then failed on at run time. Each list of a
// rule, and its items, are plain, so the SDKs' types refuse an Output there
// (tests/e2e/sdk_test.go type-checks it).
func TestRulesArePlain(t *testing.T) {
	var pkg schema.PackageSpec
	require.NoError(t, json.Unmarshal(currentSchema(t), &pkg))
	rule := pkg.Types["circleci-oidc:index:Rule"]
	require.NotEmpty(t, rule.Properties)
	for name, prop := range rule.Properties {
		assert.True(t, prop.Plain, "Rule.%s", name)
		require.NotNil(t, prop.Items, name)
		assert.True(t, prop.Items.Plain, "Rule.%s items", name)
	}
}
