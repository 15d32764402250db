package tests

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// The schema's descriptions come from provider/annotations.go. They are
// copied, because each place needs its own text, into the component's Go doc
// comments and the stack's Pulumi.yaml; the the configuration table in docs/installation-configuration.md lists
// every key. These tests keep the copies equal.

const goldenSchema = "../provider/cmd/pulumi-resource-circleci-oidc/schema.json"

// schemaDescriptions returns the golden schema's input and output descriptions.
func schemaDescriptions(t *testing.T) (inputs, outputs map[string]string) {
	t.Helper()
	raw, err := os.ReadFile(goldenSchema)
	require.NoError(t, err)
	type prop struct {
		Description string `json:"description"`
	}
	var pkg struct {
		Resources map[string]struct {
			InputProperties map[string]prop `json:"inputProperties"`
			Properties      map[string]prop `json:"properties"`
		} `json:"resources"`
	}
	require.NoError(t, json.Unmarshal(raw, &pkg))
	res, ok := pkg.Resources["circleci-oidc:index:CircleCIOIDC"]
	require.True(t, ok)
	inputs, outputs = map[string]string{}, map[string]string{}
	for k, v := range res.InputProperties {
		inputs[k] = v.Description
	}
	for k, v := range res.Properties {
		outputs[k] = v.Description
	}
	return inputs, outputs
}

// fieldDocs returns the doc comments of the fields of the struct typeName in
// file, by the name in their pulumi tag, with white space folded.
func fieldDocs(t *testing.T, file, typeName string) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ParseComments)
	require.NoError(t, err)
	out := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != typeName {
			return true
		}
		for _, field := range ts.Type.(*ast.StructType).Fields.List {
			if field.Tag == nil {
				continue
			}
			tag, err := strconv.Unquote(field.Tag.Value)
			require.NoError(t, err)
			name, _, _ := strings.Cut(reflect.StructTag(tag).Get("pulumi"), ",")
			out[name] = strings.Join(strings.Fields(field.Doc.Text()), " ")
		}
		return false
	})
	require.NotEmpty(t, out, "no struct %s in %s", typeName, file)
	return out
}

func TestGoDocCommentsMatchTheSchema(t *testing.T) {
	inputs, outputs := schemaDescriptions(t)
	assert.Equal(t, inputs, fieldDocs(t, "../component/args.go", "CircleCIOIDCArgs"),
		"component/args.go field comments must equal the schema's input descriptions")
	assert.Equal(t, outputs, fieldDocs(t, "../component/circleci_oidc.go", "CircleCIOIDC"),
		"component/circleci_oidc.go field comments must equal the schema's output descriptions")
}

func TestPulumiYAMLMatchesTheSchema(t *testing.T) {
	inputs, _ := schemaDescriptions(t)
	raw, err := os.ReadFile("../Pulumi.yaml")
	require.NoError(t, err)
	var project struct {
		Config map[string]struct {
			Description string `yaml:"description"`
		} `yaml:"config"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &project))
	got := map[string]string{}
	for k, v := range project.Config {
		got[k] = v.Description
	}
	assert.Equal(t, inputs, got, "every input is a stack config key with the schema's description")
}

// configurationTable is the Configuration section of
// docs/installation-configuration.md, where the README's table moved.
func configurationTable(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("../docs/installation-configuration.md")
	require.NoError(t, err)
	_, table, ok := strings.Cut(string(raw), "\n## Configuration\n")
	require.True(t, ok, "docs/installation-configuration.md has a Configuration section")
	table, _, _ = strings.Cut(table, "\n\n## ")
	return table
}

func TestREADMEConfigurationTableListsEveryKey(t *testing.T) {
	inputs, _ := schemaDescriptions(t)
	table := configurationTable(t)
	row := regexp.MustCompile("(?m)^\\| `([A-Za-z]+)`(?: / `([A-Za-z]+)`)? \\|")
	listed := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(table, -1) {
		for _, k := range m[1:] {
			if k != "" {
				listed[k] = true
			}
		}
	}
	for k := range inputs {
		assert.True(t, listed[k], "the configuration table in docs/installation-configuration.md has no row for %s", k)
	}
	for k := range listed {
		_, ok := inputs[k]
		assert.True(t, ok, "the configuration table in docs/installation-configuration.md lists %s, which is no input", k)
	}
}

// stem folds a word for comparing vocabularies: lower case, without a plural
// or past-tense ending, at most five letters.
func stem(w string) string {
	w = strings.ToLower(w)
	for _, suffix := range []string{"ing", "ed", "es", "s"} {
		if len(w) > len(suffix)+3 {
			if t, ok := strings.CutSuffix(w, suffix); ok {
				w = t
				break
			}
		}
	}
	return w[:min(len(w), 5)]
}

// TestREADMEConfigurationTableSaysWhatTheSchemaSays keeps the meaning of each
// row of the configuration table (docs/installation-configuration.md) within
// its schema description: a row may say less, never something the schema does not. The rules row said
// "one trust statement per rule" after the rules came to share one
// statement; "statement" is in no rules description, so this test fails on
// such a row. Every word of five letters or more counts, stemmed, but for a
// few common ones.
func TestREADMEConfigurationTableSaysWhatTheSchemaSays(t *testing.T) {
	inputs, _ := schemaDescriptions(t)
	table := configurationTable(t)
	row := regexp.MustCompile("(?m)^\\| `([A-Za-z]+)`(?: / `([A-Za-z]+)`)? \\|[^|]*\\|[^|]*\\|(.*)\\|$")
	common := map[string]bool{"those": true, "these": true, "their": true, "which": true, "every": true, "other": true,
		"instead": true, "there": true, "about": true}
	rows := 0
	for _, m := range row.FindAllStringSubmatch(table, -1) {
		rows++
		var desc strings.Builder
		for _, k := range m[1:3] {
			desc.WriteString(" " + inputs[k])
		}
		have := map[string]bool{}
		for _, w := range regexp.MustCompile(`[A-Za-z]+`).FindAllString(desc.String(), -1) {
			have[stem(w)] = true
		}
		for _, w := range regexp.MustCompile(`[A-Za-z]+`).FindAllString(m[3], -1) {
			if len(w) >= 5 && !common[strings.ToLower(w)] && !have[stem(w)] {
				t.Errorf("the configuration table's row for %s says %q, which its schema description does not: %q", m[1], w, strings.TrimSpace(desc.String()))
			}
		}
	}
	assert.Greater(t, rows, 20, "rows read")
}
