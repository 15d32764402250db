package provider_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
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
