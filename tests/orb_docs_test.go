package tests

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/circleci-oidc/pulumi-circleci-oidc/tools/orbpack"
)

// yamlBlockAfter returns the first ```yaml block after marker in a document.
func yamlBlockAfter(t *testing.T, doc, marker string) string {
	t.Helper()
	b, err := os.ReadFile(doc)
	require.NoError(t, err)
	text := string(b)
	i := strings.Index(text, marker)
	require.GreaterOrEqual(t, i, 0, "%s lacks %q", doc, marker)
	rest := text[i:]
	start := strings.Index(rest, "```yaml\n")
	require.GreaterOrEqual(t, start, 0)
	rest = rest[start+len("```yaml\n"):]
	return rest[:strings.Index(rest, "```")]
}

// The pipelines the README and docs show are the orb's examples, so the
// structural test of the packed orb covers them: the same YAML, whatever the
// comments and the orb's version.
func TestDocumentedPipelinesAreTheOrbsExamples(t *testing.T) {
	packed, err := orbpack.Pack("../orb/src", "0.3.0")
	require.NoError(t, err)
	var o struct {
		Examples map[string]struct {
			Usage any `yaml:"usage"`
		} `yaml:"examples"`
	}
	require.NoError(t, yaml.Unmarshal(packed, &o))
	for _, tc := range []struct{ doc, marker, example string }{
		{"../docs/fleet.md", "The orb's `fleet-up` and `fleet-report` jobs are that pipeline", "fleet"},
		{"../docs/_index.md", "#### The orb in a job", "doctor"},
	} {
		var shown any
		require.NoError(t, yaml.Unmarshal([]byte(yamlBlockAfter(t, tc.doc, tc.marker)), &shown), tc.doc)
		assert.Equal(t, o.Examples[tc.example].Usage, shown, "%s shows the orb's %s example", tc.doc, tc.example)
	}
}

// No document tells a user to print a CircleCI token: printed into a build
// log, it is a credential for an hour, for every role that trusts its claims.
func TestNoDocumentPrintsAToken(t *testing.T) {
	printing := regexp.MustCompile(`(echo|printf|cat)[^|\n]*\$\{?CIRCLE_OIDC_TOKEN`)
	checked := 0
	require.NoError(t, filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == ".tools" || d.Name() == "dist") {
			return filepath.SkipDir
		}
		if d.IsDir() || !(strings.HasSuffix(path, ".md") || strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".sh")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for _, line := range strings.Split(string(b), "\n") {
			if m := printing.FindString(line); m != "" && !strings.Contains(line, "| circleci-oidc doctor") {
				t.Errorf("%s prints a token: %s", path, strings.TrimSpace(line))
			}
		}
		return nil
	}))
	assert.Greater(t, checked, 5)
}
