package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/blang/semver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pluginName is the binary Pulumi looks for to serve the circleci-oidc package.
const pluginName = "pulumi-resource-circleci-oidc"

// buildPlugin builds the plugin of the checkout in moduleDir into outDir
// exactly as pulumi-language-go builds a source plugin for `pulumi package
// add` and at every run: `go build -buildvcs=false -o OUT`, run in the
// plugin's own folder, with no ldflags and the caller's environment
// (sdk/go/pulumi-language-go/main.go, compileProgram; pulumi/pulumi#22788).
// No VCS stamping, so the version can only come from provider/VERSION.
func buildPlugin(t *testing.T, moduleDir, outDir string) (string, time.Duration) {
	t.Helper()
	bin := filepath.Join(outDir, pluginName)
	start := time.Now()
	run(t, filepath.Join(moduleDir, "provider", "cmd", pluginName), nil, "go", "build", "-buildvcs=false", "-o", bin)
	return bin, time.Since(start)
}

// realPlugin builds the plugin from this checkout into a folder of its own,
// puts that folder first on the engine's PATH, where Pulumi finds ambient
// plugins, and returns it. No PULUMI_DEBUG_PROVIDERS entry names it: the
// engine starts the binary itself, handshake and all.
func (w *world) realPlugin(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(w.dir, "plugin")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	_, took := buildPlugin(t, repoRoot(), dir)
	t.Logf("go build of %s: %s", pluginName, took.Round(time.Second))
	w.env["PATH"] = dir + string(os.PathListSeparator) + os.Getenv("PATH")
	return dir
}

// engineEnv returns w.env as a process environment.
func (w *world) engineEnv() []string {
	var env []string
	for k, v := range w.env {
		env = append(env, k+"="+v)
	}
	return env
}

// getSchema asks the plugin binary for its schema through the CLI, as
// `pulumi package add` does.
func (w *world) getSchema(t *testing.T, bin string) map[string]any {
	t.Helper()
	out := run(t, w.dir, w.engineEnv(), "pulumi", "package", "get-schema", bin)
	var s map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &s), out)
	return s
}

// Scenario 10: the built binary serves the golden schema.
func TestBuiltPluginServesTheGoldenSchema(t *testing.T) {
	w := newWorld(t)
	bin := filepath.Join(w.realPlugin(t), pluginName)
	got := w.getSchema(t, bin)

	raw, err := os.ReadFile(filepath.Join(repoRoot(), "provider", "cmd", pluginName, "schema.json"))
	require.NoError(t, err)
	var want map[string]any
	require.NoError(t, json.Unmarshal(raw, &want))
	// The version is the build's own; everything else is the golden schema.
	_, err = semver.Parse(got["version"].(string))
	require.NoError(t, err, "version %v", got["version"])
	delete(got, "version")
	delete(want, "version")
	assert.Equal(t, want, got)
}

// Scenario 11: built as pulumi-language-go builds it, from a commit tagged
// v1.2.3 whose release step wrote 1.2.3, the plugin says 1.2.3; and the CI
// check refuses a tag that provider/VERSION does not match.
func TestPluginVersionFollowsTheTag(t *testing.T) {
	w := newWorld(t)
	clone, git := cloneRepo(t, w.dir)
	run(t, clone, nil, "bash", "scripts/release.sh", "--set-version", "1.2.3")
	git("commit", "-q", "-am", "release v1.2.3")
	git("tag", "v1.2.3")
	bin, took := buildPlugin(t, clone, filepath.Join(w.dir, "tagged"))
	t.Logf("pulumi-language-go's build in a fresh clone: %s", took.Round(time.Second))
	assert.Equal(t, "1.2.3", w.getSchema(t, bin)["version"])
	run(t, clone, nil, "go", "test", "-race", "-count=1", "-run", "TestVersionFileMatchesTheTag|TestSchemaMatchesGolden|TestExamplesNameTheRelease", "./provider")

	// After the release, the development version: a later commit's build is
	// a pre-release after the tag, never the release itself.
	run(t, clone, nil, "bash", "scripts/release.sh", "--set-version", "1.2.4-dev")
	git("commit", "-q", "-am", "start 1.2.4")
	bin, _ = buildPlugin(t, clone, filepath.Join(w.dir, "after"))
	after, err := semver.Parse(w.getSchema(t, bin)["version"].(string))
	require.NoError(t, err)
	assert.NotEmpty(t, after.Pre, "a build after the release is a pre-release: %s", after)
	assert.True(t, after.GT(semver.MustParse("1.2.3")), "%s comes after the tag", after)

	// A tag that the release step did not write for fails CI's check.
	git("tag", "v9.9.9")
	cmd := exec.CommandContext(t.Context(), "go", "test", "-race", "-count=1", "-run", "TestVersionFileMatchesTheTag", "./provider")
	cmd.Dir = clone
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "a commit tagged v9.9.9 with provider/VERSION 1.2.3 passed:\n%s", out)
	assert.Contains(t, string(out), "HEAD is tagged v9.9.9: run scripts/release.sh --set-version 9.9.9")
}
