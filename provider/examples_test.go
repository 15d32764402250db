package provider_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/circleci-oidc/pulumi-circleci-oidc/provider"
)

// TestYAMLExampleUsesTheSchema keeps the YAML example, which runs without a
// generated SDK, in step with the schema: its type token and every property.
func TestYAMLExampleUsesTheSchema(t *testing.T) {
	raw, err := os.ReadFile("../examples/yaml/Pulumi.yaml")
	require.NoError(t, err)
	var prog struct {
		Resources map[string]struct {
			Type       string         `yaml:"type"`
			Properties map[string]any `yaml:"properties"`
		} `yaml:"resources"`
		Outputs map[string]string `yaml:"outputs"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &prog))

	var pkg schema.PackageSpec
	require.NoError(t, json.Unmarshal(currentSchema(t), &pkg))

	res, ok := prog.Resources["circleci"]
	require.True(t, ok)
	spec, ok := pkg.Resources[res.Type]
	require.True(t, ok, "type %s is in the schema", res.Type)
	for name := range res.Properties {
		_, ok := spec.InputProperties[name]
		assert.True(t, ok, "property %s is an input of %s", name, res.Type)
	}
	for _, req := range spec.RequiredInputs {
		assert.Contains(t, res.Properties, req)
	}
	assert.Equal(t, "${circleci.roleArn}", prog.Outputs["roleArn"])
}

// TestExamplesRestore checks that every example names the plugin in its
// packages block, as `pulumi package add` writes it, so that `pulumi install`
// brings back the plugin and the SDK.
func TestExamplesRestore(t *testing.T) {
	const source = "github.com/circleci-oidc/pulumi-circleci-oidc/provider/cmd/pulumi-resource-circleci-oidc"
	dirs, err := os.ReadDir("../examples")
	require.NoError(t, err)
	checked := 0
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		raw, err := os.ReadFile("../examples/" + d.Name() + "/Pulumi.yaml")
		require.NoError(t, err)
		var proj struct {
			Packages map[string]string `yaml:"packages"`
		}
		require.NoError(t, yaml.Unmarshal(raw, &proj), d.Name())
		entry, ok := proj.Packages[provider.Name]
		require.True(t, ok, "examples/%s/Pulumi.yaml has no packages entry for %s", d.Name(), provider.Name)
		src, version, ok := strings.Cut(entry, "@")
		assert.True(t, ok, "examples/%s pins a version: %s", d.Name(), entry)
		assert.Equal(t, source, src, d.Name())
		_, err = semver.ParseTolerant(version)
		assert.NoError(t, err, "examples/%s: version %q is a semver tag", d.Name(), version)
		assert.True(t, strings.HasPrefix(version, "v"), "examples/%s: version %q is a git tag such as v0.1.0", d.Name(), version)
		checked++
	}
	assert.Equal(t, 4, checked, "yaml, typescript, python and go")
}
