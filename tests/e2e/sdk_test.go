package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
	require.NoError(t, os.WriteFile(dst, b, 0o644))
}

func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %s:\n%s", name, strings.Join(args, " "), out)
	return string(out)
}

// inlineHarness runs the copied example's program inline through the
// Automation API, in the example's own module, and prints its outputs.
const inlineHarness = `package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
)

func TestInline(t *testing.T) {
	ctx := context.Background()
	st, err := auto.UpsertStackInlineSource(ctx, "dev", "circleci-oidc-go", program, auto.WorkDir(os.Getenv("E2E_WORKDIR")))
	if err != nil {
		t.Fatal(err)
	}
	res, err := st.Up(ctx, optup.ProgressStreams(os.Stderr))
	if err != nil {
		t.Fatal(err)
	}
	outs := map[string]any{"roleArn": res.Outputs["roleArn"].Value, "trustPolicy": res.Outputs["trustPolicy"].Value}
	b, _ := json.Marshal(outs)
	fmt.Println("OUTPUTS " + string(b))
	if _, err := st.Destroy(ctx); err != nil {
		t.Fatal(err)
	}
}
`

// Scenario 4, Go: the Go example on the generated SDK, as an inline program,
// builds the component remotely through the plugin, like the Go component.
func TestGoExampleOnTheGeneratedSDK(t *testing.T) {
	w := newWorld(t)
	w.realPlugin(t)
	dir := filepath.Join(w.dir, "go-example")
	copyFile(t, filepath.Join(repoRoot(), "examples", "go", "main.go"), filepath.Join(dir, "main.go"))
	copyFile(t, filepath.Join(repoRoot(), "examples", "go", "go.sum"), filepath.Join(dir, "go.sum"))
	// The example builds against the SDK's own module in sdk/go, as it does in place.
	gomod := strings.Replace(mustRead(t, filepath.Join(repoRoot(), "examples", "go", "go.mod")),
		"=> ../../sdk/go/circlecioidc", "=> "+filepath.Join(repoRoot(), "sdk", "go", "circlecioidc"), 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "inline_test.go"), []byte(inlineHarness), 0o644))
	work := filepath.Join(dir, "work")
	require.NoError(t, os.MkdirAll(work, 0o755))

	env := []string{"E2E_WORKDIR=" + work, "GOFLAGS=-mod=mod"}
	for k, v := range w.env {
		env = append(env, k+"="+v)
	}
	start := time.Now()
	out := run(t, dir, env, "go", "test", "-count=1", "-run", "TestInline", "-v", ".")
	t.Logf("go example through the generated SDK: %s", time.Since(start).Round(time.Second))

	var got map[string]string
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, "OUTPUTS "); ok {
			require.NoError(t, json.Unmarshal([]byte(rest), &got))
		}
	}
	require.NotNil(t, got, out)
	assert.Equal(t, "arn:aws:iam::123456789012:role/ci/circleci-deploy", got["roleArn"])
	want := goComponentPolicy(t, w)
	assert.Equal(t, want, got["trustPolicy"], "the remote component's trust policy is the Go component's")
}

// goComponentPolicy is the trust policy of the component built directly in
// Go with the YAML and Go examples' inputs, in the same moto account.
func goComponentPolicy(t *testing.T, w *world) string {
	t.Helper()
	return w.upInline(t, "direct", yamlExampleArgs())["trustPolicy"].(string)
}

// Scenario 4, TypeScript: the example installs the SDK's npm tarball from
// dist/sdk as a user would (`npm install`, scripts on: the package's
// postinstall compiles it) and type-checks with tsc against it. The nodejs
// language host cannot be had here, so the program is checked, not run.
func TestTypeScriptExampleTypeChecksAgainstTheSDKPackage(t *testing.T) {
	requireTools(t)
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("npm is not on PATH")
	}
	rel := requireDist(t)
	tarball := rel.sdkFile(t, ".tgz")
	dir := filepath.Join(t.TempDir(), "ts")
	for _, f := range []string{"index.ts", "tsconfig.json"} {
		copyFile(t, filepath.Join(repoRoot(), "examples", "typescript", f), filepath.Join(dir, f))
	}
	var pkg map[string]any
	require.NoError(t, json.Unmarshal([]byte(mustRead(t, filepath.Join(repoRoot(), "examples", "typescript", "package.json"))), &pkg))
	deps := pkg["dependencies"].(map[string]any)
	require.Contains(t, deps, npmPackage)
	deps[npmPackage] = "file:" + tarball // what `npm install ./that.tgz` writes
	b, err := json.Marshal(pkg)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "package.json"), b, 0o644))
	start := time.Now()
	run(t, dir, nil, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
	t.Logf("npm install of the example with the SDK tarball: %s", time.Since(start).Round(time.Second))

	installed := filepath.Join(dir, "node_modules", "@circleci-oidc", "pulumi-circleci-oidc")
	var meta struct {
		Version string `json:"version"`
		Pulumi  struct {
			Name, Version, Server string
		} `json:"pulumi"`
	}
	require.NoError(t, json.Unmarshal([]byte(mustRead(t, filepath.Join(installed, "package.json"))), &meta))
	assert.Equal(t, rel.Version, meta.Version)
	assert.Equal(t, rel.Version, meta.Pulumi.Version, "the plugin version the SDK asks the engine for")
	assert.Equal(t, "github://api.github.com/circleci-oidc", meta.Pulumi.Server, "where the engine fetches the plugin")
	require.FileExists(t, filepath.Join(installed, "bin", "index.js"), "the package's postinstall compiled it")
	run(t, dir, nil, filepath.Join(dir, "node_modules", ".bin", "tsc"), "-p", ".", "--noEmit")

	// A wrong input type must fail the check: tsc really reads the SDK's types.
	// So must an Output of the rules or inside a rule: they are plain, since
	// the component decides the trust policy's shape from them at preview.
	example := mustRead(t, filepath.Join(dir, "index.ts"))
	for _, tt := range []struct{ name, from, to string }{
		{"a number for a list", `branches: ["main"]`, `branches: 42`},
		{"an Output of a list inside a rule", `{ projectIds: [projectId],`, `{ projectIds: pulumi.output([projectId]),`},
		{"an Output inside a rule's list", `{ projectIds: [projectId],`, `{ projectIds: [pulumi.output(projectId)],`},
		{"an Output of the rules", "rules: [\n", "rules: pulumi.output([\n"},
	} {
		bad := strings.Replace(example, tt.from, tt.to, 1)
		require.NotEqual(t, example, bad, tt.name)
		if tt.name == "an Output of the rules" {
			bad = strings.Replace(bad, "    ],\n    roleName", "    ]),\n    roleName", 1)
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, "index.ts"), []byte(bad), 0o644))
		cmd := exec.CommandContext(t.Context(), filepath.Join(dir, "node_modules", ".bin", "tsc"), "-p", ".", "--noEmit")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.Error(t, err, "tsc accepted %s", tt.name)
		assert.Contains(t, string(out), "is not assignable to type", tt.name)
	}
}

// npmPackage is the TypeScript SDK's package name, from the schema's language map.
const npmPackage = "@circleci-oidc/pulumi-circleci-oidc"

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}
