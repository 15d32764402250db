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

// Scenario 4, Python: the wheel from dist/sdk installs into a fresh venv, its
// pulumi-plugin.json names the version and the server, and the example uses
// only what the installed package defines. The `pulumi` Python SDK cannot be
// installed here (no PyPI), so the import stops at `import pulumi`: the test
// checks that it stops there and nowhere earlier.
func TestPythonExampleAgainstTheWheel(t *testing.T) {
	requireTools(t)
	rel := requireDist(t)
	wheel := rel.sdkFile(t, ".whl")
	py := "/usr/bin/python3" // Debian's, which scripts/e2e-tools.sh gives venv and build
	if _, err := os.Stat(py); err != nil {
		t.Skip("Debian's python3 is not installed")
	}
	dir := t.TempDir()
	venv := filepath.Join(dir, "venv")
	run(t, dir, nil, py, "-m", "venv", venv)
	vpy := filepath.Join(venv, "bin", "python")
	run(t, dir, nil, vpy, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", wheel)
	site := strings.TrimSpace(run(t, dir, nil, vpy, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"))
	pkg := filepath.Join(site, "pulumi_circleci_oidc")

	var plugin pulumiPlugin
	require.NoError(t, json.Unmarshal([]byte(mustRead(t, filepath.Join(pkg, "pulumi-plugin.json"))), &plugin))
	assert.Equal(t, pulumiPlugin{true, "circleci-oidc", rel.Version, "github://api.github.com/circleci-oidc"}, plugin)

	copyFile(t, filepath.Join(repoRoot(), "examples", "python", "__main__.py"), filepath.Join(dir, "__main__.py"))
	run(t, dir, nil, vpy, "-m", "py_compile", "__main__.py")
	out := run(t, dir, []string{"SDK_DIR=" + pkg}, vpy, "-c", pythonUsesTheSDK)
	assert.Contains(t, out, "organization_id")
	assert.Contains(t, out, "RuleArgs")

	cmd := exec.CommandContext(t.Context(), vpy, "-c", "import pulumi_circleci_oidc")
	cmd.Dir = dir
	b, err := cmd.CombinedOutput()
	require.Error(t, err, "pulumi is not installable here, so the import cannot succeed:\n%s", b)
	assert.Contains(t, string(b), "No module named 'pulumi'", "the package itself imports as far as its one dependency")
}

// pulumiPlugin is what pulumi-plugin.json tells the engine.
type pulumiPlugin struct {
	Resource bool   `json:"resource"`
	Name     string `json:"name"`
	Version  string `json:"version"`
	Server   string `json:"server"`
}

// pythonUsesTheSDK checks that every keyword the example passes is a
// parameter of the installed CircleCIOIDC, and every class it takes exists.
const pythonUsesTheSDK = `
import ast, glob, os, sys
sdk = os.environ["SDK_DIR"]
example = ast.parse(open("__main__.py").read())
used = {k.arg for n in ast.walk(example) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "CircleCIOIDC" for k in n.keywords}
params = set()
trees = [ast.parse(open(f).read()) for f in glob.glob(os.path.join(sdk, "*.py"))]
for tree in trees:
    for n in ast.walk(tree):
        if isinstance(n, ast.ClassDef) and n.name == "CircleCIOIDC":
            for m in n.body:
                if isinstance(m, ast.FunctionDef) and m.name == "_internal_init":
                    params |= {a.arg for a in m.args.args + m.args.kwonlyargs}
missing = used - params
print("used", sorted(used))
if missing or not used:
    sys.exit("not parameters of CircleCIOIDC: %s" % sorted(missing))
classes = {n.name for tree in trees for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
taken = {n.func.attr for n in ast.walk(example) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and getattr(n.func.value, "id", "") == "circleci"}
print("classes", sorted(taken))
sys.exit("not classes of the SDK: %s" % sorted(taken - classes) if taken - classes else 0)
`

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}
