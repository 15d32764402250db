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

// TestExamplesNameTheRelease keeps every example on a published release and
// on the prebuilt plugin's download URL, so that each installs without Go:
// on a release commit, the release provider/VERSION names (the test binary
// reports it); on a development version such as 1.2.4-dev, an earlier release.
func TestExamplesNameTheRelease(t *testing.T) {
	current := semver.MustParse(provider.PluginVersion())
	read := func(path string) string {
		b, err := os.ReadFile("../examples/" + path)
		require.NoError(t, err)
		return string(b)
	}

	// YAML needs no SDK: the resource's options name the plugin.
	var prog struct {
		Packages  map[string]any `yaml:"packages"`
		Resources map[string]struct {
			Options struct {
				Version           string `yaml:"version"`
				PluginDownloadURL string `yaml:"pluginDownloadURL"`
			} `yaml:"options"`
		} `yaml:"resources"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(read("yaml/Pulumi.yaml")), &prog))
	opts := prog.Resources["circleci"].Options
	release, err := semver.Parse(opts.Version)
	require.NoError(t, err, "examples/yaml: options.version")
	assert.Empty(t, release.Pre, "examples/yaml: options.version %s is a release, not a pre-release", release)
	if len(current.Pre) == 0 {
		assert.Equal(t, current, release, "examples/yaml: a release commit's examples name its release")
	} else {
		assert.True(t, release.LT(current), "examples/yaml: %s comes before the development version %s", release, current)
	}
	assert.Equal(t, provider.PluginDownloadURL, opts.PluginDownloadURL, "examples/yaml: options.pluginDownloadURL")
	// pulumi-language-yaml v1.25.0 refuses pluginDownloadURL in a packages entry.
	assert.Empty(t, prog.Packages, "examples/yaml: the plugin is named by the resource's options, not a packages entry")

	// TypeScript and Python install the release's SDK package, which names the plugin's server itself:
	// TypeScript by name from npm.
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	require.NoError(t, json.Unmarshal([]byte(read("typescript/package.json")), &pkg))
	assert.Equal(t, release.String(), pkg.Dependencies["@circleci-oidc/pulumi-circleci-oidc"],
		"examples/typescript/package.json installs the release by name from npm")
	// Python installs it by name from the package index, where the release publishes it.
	assert.Contains(t, strings.Split(read("python/requirements.txt"), "\n"),
		"pulumi-circleci-oidc=="+release.String(), "examples/python/requirements.txt")
	// Go builds against the SDK's own module.
	assert.Contains(t, read("go/go.mod"), "github.com/circleci-oidc/pulumi-circleci-oidc/sdk/go/circlecioidc v"+release.String(),
		"examples/go/go.mod")
	for _, lang := range []string{"typescript", "python", "go"} {
		assert.NotContains(t, read(lang+"/Pulumi.yaml"), "packages:",
			"examples/%s: the SDK package brings the plugin; a packages entry would build it from source", lang)
	}
}
