package tests

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readRepoFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile("../" + path)
	require.NoError(t, err)
	return string(b)
}

// TestReleasePublishesToNpmWithTheE2ECommand keeps the release's npm step the
// command the end-to-end suite runs against verdaccio, its dry-run form the
// one CI runs, and the token out of every command line and file.
func TestReleasePublishesToNpmWithTheE2ECommand(t *testing.T) {
	release := readRepoFile(t, "scripts/release.sh")
	assert.Contains(t, release, "bash scripts/npm-publish.sh dist/sdk/*.tgz", "release.sh --publish publishes the npm tarball")
	assert.Contains(t, release, "bash scripts/npm-publish.sh --dry-run dist/sdk/*.tgz", "and its dry run shows it")
	e2e := readRepoFile(t, "tests/e2e/npmregistry_test.go")
	assert.Contains(t, e2e, `"scripts/npm-publish.sh"`, "tests/e2e publishes to verdaccio with the release's own step")

	publish := readRepoFile(t, "scripts/npm-publish.sh")
	// The only mention of the token's value is the npmrc reference npm expands itself.
	refs := regexp.MustCompile(`\$\{?NPM_TOKEN`).FindAllStringIndex(publish, -1)
	for _, r := range refs {
		line := publish[strings.LastIndex(publish[:r[0]], "\n")+1:]
		line = line[:strings.Index(line, "\n")]
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		ok := strings.Contains(line, `_authToken=\${NPM_TOKEN}`) || strings.Contains(line, `[ -n "${NPM_TOKEN:-}" ]`)
		assert.True(t, ok, "scripts/npm-publish.sh uses $NPM_TOKEN other than as an npmrc reference or a presence check: %s", line)
	}
	assert.NotContains(t, publish, "set -x", "tracing would print the npmrc's lines")

	config := readRepoFile(t, ".circleci/config.yml")
	assert.Contains(t, config, "npm-publish", "the release job's contexts give it NPM_TOKEN")
}

// TestDocsShowTheTypeScriptExample keeps the TypeScript tab of docs/_index.md
// the program the end-to-end suite runs, examples/typescript/index.ts.
func TestDocsShowTheTypeScriptExample(t *testing.T) {
	docs := readRepoFile(t, "docs/_index.md")
	example := readRepoFile(t, "examples/typescript/index.ts")
	start := strings.Index(docs, "```ts\n")
	require.NotEqual(t, -1, start, "docs/_index.md has a TypeScript block")
	block := docs[start+len("```ts\n"):]
	block = block[:strings.Index(block, "```\n")]
	assert.Equal(t, example, block)
}
