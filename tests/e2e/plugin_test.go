package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blang/semver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pluginName is the binary Pulumi looks for to serve the circleci-oidc package.
const pluginName = "pulumi-resource-circleci-oidc"

// buildPlugin builds the plugin of the module in moduleDir into outDir, as
// Pulumi builds a source plugin for `pulumi package add`: go build of its
// main package in a git checkout, so that Go stamps the version from git.
// -buildvcs=true because this machine's go env turns stamping off
// (GOFLAGS=-buildvcs=false); Go's own default stamps in a checkout.
func buildPlugin(t *testing.T, moduleDir, outDir string) (string, time.Duration) {
	t.Helper()
	bin := filepath.Join(outDir, pluginName)
	start := time.Now()
	run(t, moduleDir, nil, "go", "build", "-buildvcs=true", "-o", bin, "./provider/cmd/"+pluginName)
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

// Scenario 11: built from a tag, the plugin says the tag's version; built
// from a later commit, a semver pre-release after it, never a fixed one.
func TestPluginVersionFollowsTheTag(t *testing.T) {
	w := newWorld(t)
	clone := filepath.Join(w.dir, "clone")
	run(t, w.dir, nil, "git", "clone", "-q", repoRoot(), clone)
	git := func(args ...string) {
		run(t, clone, nil, "git", append([]string{"-c", "user.name=e2e", "-c", "user.email=e2e@localhost"}, args...)...)
	}
	git("tag", "v1.2.3")
	bin, took := buildPlugin(t, clone, filepath.Join(w.dir, "tagged"))
	t.Logf("go build in a fresh clone: %s", took.Round(time.Second))
	assert.Equal(t, "1.2.3", w.getSchema(t, bin)["version"])

	git("commit", "-q", "--allow-empty", "-m", "after the tag")
	bin, _ = buildPlugin(t, clone, filepath.Join(w.dir, "untagged"))
	v, err := semver.Parse(w.getSchema(t, bin)["version"].(string))
	require.NoError(t, err)
	assert.NotEmpty(t, v.Pre, "an untagged build is a pre-release: %s", v)
	assert.True(t, v.GT(semver.MustParse("1.2.3")), "%s comes after the tag", v)
	assert.False(t, strings.HasPrefix(v.String(), "0.1.0"), "no fixed version: %s", v)
}
