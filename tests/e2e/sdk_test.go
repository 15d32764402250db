package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// genSDK generates the package's SDK for one language from the golden schema
// into dir, with the code generators the pulumi-language-* hosts call for
// `pulumi package gen-sdk` (the hosts themselves cannot be had here).
func genSDK(t *testing.T, lang, dir string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(), "provider", "cmd", "pulumi-resource-circleci-oidc", "schema.json"))
	require.NoError(t, err)
	var spec schema.PackageSpec
	require.NoError(t, json.Unmarshal(raw, &spec))
	pkg, err := schema.ImportSpec(spec, nil, noPackages{}, schema.ValidationOptions{})
	require.NoError(t, err)

	var files map[string][]byte
	switch lang {
	case "go":
		files, err = gogen.GeneratePackage("pulumi", pkg, nil)
	case "nodejs":
		files, err = nodejs.GeneratePackage("pulumi", pkg, nil, nil, true, noPackages{})
	case "python":
		files, err = python.GeneratePackage("pulumi", pkg, nil, noPackages{})
	}
	require.NoError(t, err)
	for name, content := range files {
		path := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, content, 0o644))
	}
}

// noPackages is a schema loader for a package that refers to no other.
type noPackages struct{}

var errNoPackages = errors.New("the circleci-oidc schema refers to no other package")

func (noPackages) LoadPackage(string, *semver.Version) (*schema.Package, error) {
	return nil, errNoPackages
}

func (noPackages) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errNoPackages
}

func (noPackages) LoadPackageReference(string, *semver.Version) (schema.PackageReference, error) {
	return nil, errNoPackages
}

func (noPackages) LoadPackageReferenceV2(context.Context, *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, errNoPackages
}

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
	sdk := filepath.Join(dir, "sdks", "circleci-oidc")
	genSDK(t, "go", sdk)
	copyFile(t, filepath.Join(repoRoot(), "examples", "go", "main.go"), filepath.Join(dir, "main.go"))
	copyFile(t, filepath.Join(repoRoot(), "examples", "go", "go.mod"), filepath.Join(dir, "go.mod"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "inline_test.go"), []byte(inlineHarness), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(sdk, "circlecioidc", "go.mod"), []byte(
		"module github.com/circleci-oidc/pulumi-circleci-oidc/sdk/go/circlecioidc\n\ngo 1.25\n\n"+
			"require github.com/pulumi/pulumi/sdk/v3 v3.274.1\n"), 0o644))
	work := filepath.Join(dir, "work")
	require.NoError(t, os.MkdirAll(work, 0o755))

	env := []string{"E2E_WORKDIR=" + work, "GOFLAGS=-mod=mod"}
	for k, v := range w.env {
		env = append(env, k+"="+v)
	}
	run(t, filepath.Join(sdk, "circlecioidc"), env, "go", "mod", "tidy")
	run(t, dir, env, "go", "mod", "tidy")
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

// Scenario 4, TypeScript: the generated SDK and the example type-check with
// tsc against @pulumi/pulumi from npm.
func TestTypeScriptExampleTypeChecks(t *testing.T) {
	requireTools(t)
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("npm is not on PATH")
	}
	dir := filepath.Join(t.TempDir(), "ts")
	genSDK(t, "nodejs", filepath.Join(dir, "sdks", "circleci-oidc"))
	copyFile(t, filepath.Join(repoRoot(), "examples", "typescript", "index.ts"), filepath.Join(dir, "index.ts"))
	pkg := `{"name":"e2e-ts","private":true,"dependencies":{"@pulumi/pulumi":"3.276.0"},` +
		`"devDependencies":{"typescript":"5.9.3","@types/node":"20.9.5"}}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "package.json"), []byte(pkg), 0o644))
	tsconfig := `{"compilerOptions":{"strict":true,"noEmit":true,"target":"es2020","module":"commonjs",` +
		`"moduleResolution":"node","esModuleInterop":true,"resolveJsonModule":true,"skipLibCheck":true,"baseUrl":".",` +
		`"paths":{"@circleci-oidc/pulumi-circleci-oidc":["sdks/circleci-oidc/index.ts"]}},` +
		`"files":["index.ts"]}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tsconfig.json"), []byte(tsconfig), 0o644))
	run(t, dir, nil, "npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error")
	run(t, dir, nil, filepath.Join(dir, "node_modules", ".bin", "tsc"), "-p", ".")

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
		cmd := exec.CommandContext(t.Context(), filepath.Join(dir, "node_modules", ".bin", "tsc"), "-p", ".")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.Error(t, err, "tsc accepted %s", tt.name)
		assert.Contains(t, string(out), "is not assignable to type", tt.name)
	}
}

// Scenario 4, Python: the generated SDK and the example compile.
func TestPythonExampleCompiles(t *testing.T) {
	requireTools(t)
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on PATH")
	}
	dir := filepath.Join(t.TempDir(), "py")
	genSDK(t, "python", filepath.Join(dir, "sdk"))
	copyFile(t, filepath.Join(repoRoot(), "examples", "python", "__main__.py"), filepath.Join(dir, "__main__.py"))
	run(t, dir, nil, py, "-m", "compileall", "-q", ".")
	// Every keyword the example passes is a parameter of the generated class.
	check := `
import ast, glob, sys
example = ast.parse(open("__main__.py").read())
used = {k.arg for n in ast.walk(example) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "CircleCIOIDC" for k in n.keywords}
params = set()
for f in glob.glob("sdk/pulumi_circleci_oidc/*.py"):
    for n in ast.walk(ast.parse(open(f).read())):
        if isinstance(n, ast.ClassDef) and n.name == "CircleCIOIDC":
            for m in n.body:
                if isinstance(m, ast.FunctionDef) and m.name == "_internal_init":
                    params |= {a.arg for a in m.args.args + m.args.kwonlyargs}
missing = used - params
print("used", sorted(used))
if missing or not used:
    sys.exit("not parameters of CircleCIOIDC: %s" % sorted(missing))
# Every class the example takes from the package, such as RuleArgs, exists in it.
classes = {n.name for f in glob.glob("sdk/pulumi_circleci_oidc/*.py") for n in ast.walk(ast.parse(open(f).read())) if isinstance(n, ast.ClassDef)}
taken = {n.func.attr for n in ast.walk(example) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and getattr(n.func.value, "id", "") == "circleci"}
print("classes", sorted(taken))
sys.exit("not classes of the SDK: %s" % sorted(taken - classes) if taken - classes else 0)
`
	out := run(t, dir, nil, py, "-c", check)
	assert.Contains(t, out, "organization_id")
	assert.Contains(t, out, "RuleArgs")
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}
