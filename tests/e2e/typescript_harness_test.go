package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// npmPackage is the TypeScript SDK's package name, from the schema's language map.
const npmPackage = "@circleci-oidc/pulumi-circleci-oidc"

// tsProject is a fresh folder holding examples/typescript, its packages
// installed by name, and the inline runner (testdata/inline.js).
type tsProject struct {
	dir string
	// env is the environment of the runner and the CLI it starts: the
	// consumer's machine, with plugin acquisition on.
	env []string
}

// newTSProject copies the example into a fresh folder and installs the SDK by
// name from the registry, as the README tells a user: the project's .npmrc
// maps the @circleci-oidc scope to the registry, and everything else, the
// pinned @pulumi/pulumi and @pulumi/aws included, comes from npm's default
// registry. npmEnv is added to npm's environment. It returns the project and
// how long the install took.
func newTSProject(t *testing.T, dir string, reg *npmRegistry, version string, npmEnv ...string) (*tsProject, time.Duration) {
	t.Helper()
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("npm is not on PATH")
	}
	for _, f := range []string{"Pulumi.yaml", "index.ts", "tsconfig.json"} {
		copyFile(t, filepath.Join(repoRoot(), "examples", "typescript", f), filepath.Join(dir, f))
	}
	copyFile(t, filepath.Join(repoRoot(), "tests", "e2e", "testdata", "inline.js"), filepath.Join(dir, "inline.js"))
	var pkg map[string]any
	require.NoError(t, json.Unmarshal([]byte(mustRead(t, filepath.Join(repoRoot(), "examples", "typescript", "package.json"))), &pkg))
	deps := pkg["dependencies"].(map[string]any)
	require.Contains(t, deps, npmPackage)
	delete(deps, npmPackage) // the user's `npm install <name>@<version>` adds it
	b, err := json.MarshalIndent(pkg, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "package.json"), b, 0o644))
	scope, _, _ := strings.Cut(npmPackage, "/")
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".npmrc"), []byte(scope+":registry="+reg.url+"\n"), 0o644))

	start := time.Now()
	run(t, dir, npmEnv, "npm", "install", "--save-exact", "--no-audit", "--no-fund", "--loglevel=error", npmPackage+"@"+version)
	took := time.Since(start)

	require.NoError(t, json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "package.json"))), &pkg))
	assert.Equal(t, version, pkg["dependencies"].(map[string]any)[npmPackage], "package.json names the version installed")
	installed := filepath.Join(dir, "node_modules", "@circleci-oidc", "pulumi-circleci-oidc")
	var meta struct {
		Version string `json:"version"`
		Pulumi  struct{ Name, Version, Server string }
	}
	require.NoError(t, json.Unmarshal([]byte(mustRead(t, filepath.Join(installed, "package.json"))), &meta))
	assert.Equal(t, version, meta.Version)
	assert.Equal(t, version, meta.Pulumi.Version, "the plugin version the SDK asks the engine for")
	assert.Equal(t, "github://api.github.com/circleci-oidc", meta.Pulumi.Server, "where the engine fetches the plugin")
	require.FileExists(t, filepath.Join(installed, "bin", "index.js"), "the package's postinstall compiled it")
	// One @pulumi/pulumi, the example's pin, shared by the SDK, @pulumi/aws and the program: the runtime's
	// state is per copy, so a second copy would register resources nobody waits for.
	var pulumiPkg struct{ Version string }
	require.NoError(t, json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "node_modules", "@pulumi", "pulumi", "package.json"))), &pulumiPkg))
	assert.Equal(t, deps["@pulumi/pulumi"], pulumiPkg.Version, "the pinned @pulumi/pulumi")
	for _, nested := range []string{installed, filepath.Join(dir, "node_modules", "@pulumi", "aws")} {
		assert.NoDirExists(t, filepath.Join(nested, "node_modules", "@pulumi", "pulumi"), "a second @pulumi/pulumi under %s", nested)
	}
	return &tsProject{dir: dir}, took
}

// onConsumerMachine runs the project on the consumer's machine: no Go, no
// ambient plugins, the loopback GitHub; plugin acquisition on, as a user's
// `pulumi up` has it, so the engine downloads the plugin the SDK names.
func (p *tsProject) onConsumerMachine(t *testing.T, w *world, rel release) *consumer {
	t.Helper()
	c := newConsumer(t, w, rel)
	delete(w.env, "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION")
	for k, v := range w.env {
		p.env = append(p.env, k+"="+v)
	}
	return c
}

// tsc runs the project's TypeScript compiler.
func (p *tsProject) tsc(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), filepath.Join(p.dir, "node_modules", ".bin", "tsc"), append([]string{"-p", "."}, args...)...)
	cmd.Dir = p.dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// tsResult is what the runner prints for one operation.
type tsResult struct {
	Outputs map[string]struct {
		Value  any  `json:"value"`
		Secret bool `json:"secret"`
	} `json:"outputs"`
	Changes map[string]int `json:"changes"`
}

// inline runs one operation of the example as an inline program, on a stack
// with its own work folder, and returns the runner's result line.
func (p *tsProject) inline(t *testing.T, stack, op string, config map[string]string) json.RawMessage {
	t.Helper()
	work := filepath.Join(p.dir, ".work-"+stack)
	require.NoError(t, os.MkdirAll(work, 0o755))
	cfg, err := json.Marshal(config)
	require.NoError(t, err)
	cmd := exec.CommandContext(t.Context(), "node", "inline.js", op)
	cmd.Dir = p.dir
	cmd.Env = append(append(os.Environ(), p.env...), "E2E_STACK="+stack, "E2E_WORKDIR="+work, "E2E_CONFIG="+string(cfg))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "node inline.js %s (stack %s):\n%s", op, stack, out)
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "RESULT "); ok {
			return json.RawMessage(rest)
		}
	}
	t.Fatalf("node inline.js %s printed no result:\n%s", op, out)
	return nil
}

func (p *tsProject) op(t *testing.T, stack, op string, config map[string]string) tsResult {
	t.Helper()
	var r tsResult
	require.NoError(t, json.Unmarshal(p.inline(t, stack, op, config), &r))
	return r
}

// deployPolicy is the policy document the test gives the example's
// deployPolicy config key.
const deployPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::acme-releases/*"}]}`

// secretMarker is Pulumi's signature key of a secret value in a stack's state.
const secretMarker = "4dabf18193072939515e22adb298388d"

// stackState is a stack's checkpoint file as the file backend stores it,
// secrets encrypted, and its latest deployment.
func stackState(t *testing.T, w *world, stack string) ([]byte, json.RawMessage) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(strings.TrimPrefix(w.env["PULUMI_BACKEND_URL"], "file://"), ".pulumi", "stacks", "*", stack+".json"))
	require.NoError(t, err)
	require.Len(t, files, 1, "one checkpoint of stack %s", stack)
	var checkpoint struct {
		Checkpoint struct {
			Latest json.RawMessage `json:"latest"`
		} `json:"checkpoint"`
	}
	b, err := os.ReadFile(files[0])
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &checkpoint))
	return b, checkpoint.Checkpoint.Latest
}

// createAccount creates an account in moto's organization (creating the
// organization first if need be), which gets OrganizationAccountAccessRole,
// and returns its ID.
func createAccount(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	require.NoError(t, err)
	org := organizations.NewFromConfig(cfg)
	if _, err := org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}); err != nil {
		_, err = org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll})
		require.NoError(t, err)
	}
	out, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{
		AccountName: aws.String(name), Email: aws.String(name + "@example.com")})
	require.NoError(t, err)
	return aws.ToString(out.CreateAccountStatus.AccountId)
}
