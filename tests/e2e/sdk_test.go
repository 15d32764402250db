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

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}
