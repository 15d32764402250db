package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/fleet"
	"github.com/circleci-oidc/pulumi-circleci-oidc/tools/pypipublish"
)

// pythonPulumiVersion is the Python SDK the consumer installs from the
// package index, pinned: the newest the index serves.
const pythonPulumiVersion = "3.272.0"

// pulumiAWSVersion is the pulumi-aws the Go side builds against (go.mod),
// which the Python consumer pins too: the stand-in aws provider serves it.
func pulumiAWSVersion(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s*github\.com/pulumi/pulumi-aws/sdk/v6 v(\S+)`).
		FindStringSubmatch(mustRead(t, filepath.Join(repoRoot(), "go.mod")))
	require.NotNil(t, m, "go.mod requires pulumi-aws/sdk/v6")
	info, err := (&awsStandin{}).GetPluginInfo(t.Context(), nil)
	require.NoError(t, err)
	require.Equal(t, m[1], info.GetVersion(), "the stand-in aws provider serves the pulumi-aws go.mod names")
	return m[1]
}

// pythonConsumer is a fresh Python project of the example, installed by name
// from the local index, run inline by testdata/python_inline.py.
type pythonConsumer struct {
	dir, python string
	env         []string
	// installed is how long the venv and the pip install took.
	install time.Duration
}

// newPythonConsumer makes a fresh venv and installs the example's
// requirements.txt, at this build's version, from index: what a user's
// `pip install -r requirements.txt` does, with pulumi and pulumi-aws pinned
// by a constraints file. pipEnv is added to pip's environment.
func newPythonConsumer(t *testing.T, dir, index string, rel release, pipEnv ...string) *pythonConsumer {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	reqs := mustRead(t, filepath.Join(repoRoot(), "examples", "python", "requirements.txt"))
	byName := regexp.MustCompile(`(?m)^pulumi-circleci-oidc==\S+$`)
	require.Regexp(t, byName, reqs, "the example installs the package by name")
	reqs = byName.ReplaceAllString(reqs, "pulumi-circleci-oidc=="+pypiVersion(t, rel))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "requirements.txt"), []byte(reqs), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "constraints.txt"), []byte(
		"pulumi=="+pythonPulumiVersion+"\npulumi-aws=="+pulumiAWSVersion(t)+"\n"), 0o644))
	copyFile(t, filepath.Join(repoRoot(), "examples", "python", "__main__.py"), filepath.Join(dir, "__main__.py"))
	venv := filepath.Join(dir, "venv")
	start := time.Now()
	run(t, dir, nil, "/usr/bin/python3", "-m", "venv", venv)
	c := &pythonConsumer{dir: dir, python: filepath.Join(venv, "bin", "python")}
	run(t, dir, pipEnv, c.python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
		"--index-url", index, "-r", "requirements.txt", "-c", "constraints.txt", "--report", "report.json")
	c.install = time.Since(start)
	t.Logf("fresh venv and pip install -r requirements.txt by name: %s", c.install.Round(time.Second))
	return c
}

// pypiVersion is the release's version as the wheel spells it (PEP 440).
func pypiVersion(t *testing.T, rel release) string {
	t.Helper()
	v, err := semver.Parse(rel.Version)
	require.NoError(t, err)
	return python.PypiVersion(v)
}

// installed is where pip took each package from, by name.
func (c *pythonConsumer) installed(t *testing.T) map[string]string {
	t.Helper()
	var report struct {
		Install []struct {
			Metadata     struct{ Name, Version string } `json:"metadata"`
			DownloadInfo struct {
				URL string `json:"url"`
			} `json:"download_info"`
		} `json:"install"`
	}
	require.NoError(t, json.Unmarshal([]byte(mustRead(t, filepath.Join(c.dir, "report.json"))), &report))
	out := map[string]string{}
	for _, i := range report.Install {
		out[pypipublish.Normalize(i.Metadata.Name)+"=="+i.Metadata.Version] = i.DownloadInfo.URL
	}
	return out
}

// run runs the inline runner's actions on a stack and returns each
// action's result.
func (c *pythonConsumer) run(t *testing.T, stack string, config map[string]string, actions ...string) []map[string]any {
	t.Helper()
	cfg, err := json.Marshal(config)
	require.NoError(t, err)
	cmd := exec.CommandContext(t.Context(), c.python, append([]string{filepath.Join(repoRoot(), "tests", "e2e", "testdata", "python_inline.py")}, actions...)...)
	cmd.Dir = c.dir
	cmd.Env = append(slices.Clone(c.env), "EXAMPLE="+filepath.Join(c.dir, "__main__.py"),
		"WORK_DIR="+filepath.Join(c.dir, "work-"+stack), "STACK="+stack, "STACK_CONFIG="+string(cfg))
	require.NoError(t, os.MkdirAll(filepath.Join(c.dir, "work-"+stack), 0o755))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "python_inline.py %s:\n%s\n%s", strings.Join(actions, " "), out, stderr.String())
	var results []map[string]any
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "RESULT "); ok {
			var r map[string]any
			require.NoError(t, json.Unmarshal([]byte(rest), &r))
			results = append(results, r)
		}
	}
	require.Len(t, results, len(actions), "%s\n%s", out, stderr.String())
	return results
}

// Scenario 4, Python: the wheel, published to pypiserver with the release's
// command, is installed by name into a fresh venv with pulumi from the real
// index, and examples/python runs through the engine as an inline program,
// with only the CLI on PATH (no pulumi-language-python anywhere), the plugin
// downloaded by the engine from the loopback GitHub, the stand-in aws and tls
// providers and moto. Plain, it builds the Go component's trust policy from
// the rules as written, attaches the program's own policy by its Output ARN,
// keeps the secret inline policy encrypted in the state, changes nothing on
// a second up and leaves nothing after destroy. With assumeRoleArn, an
// explicit aws provider passed as providers={"aws": p} puts everything in
// that account and nothing in the default one.
func TestPythonExampleThroughTheEngine(t *testing.T) {
	w := newWorld(t)
	rel := requireDist(t)
	requirePythonTools(t)
	ctx := t.Context()
	wheel := rel.sdkFile(t, ".whl")

	// The release's upload, to an index that sends what it doesn't hold to the real one.
	index := startPyPIServer(t, defaultIndex(t))
	out, err := index.publish(t, index.Token, wheel)
	require.NoError(t, err, out)

	c := newPythonConsumer(t, filepath.Join(w.dir, "python"), index.URL+"simple/", rel)
	from := c.installed(t)
	assert.True(t, strings.HasPrefix(from["pulumi-circleci-oidc=="+pypiVersion(t, rel)], index.URL),
		"the package comes from the local index: %v", sortedKeys(from))
	require.Contains(t, from, "pulumi=="+pythonPulumiVersion, "pulumi resolves from the real index, pinned")
	assert.False(t, strings.HasPrefix(from["pulumi=="+pythonPulumiVersion], index.URL))
	require.Contains(t, from, "pulumi-aws=="+pulumiAWSVersion(t))
	// What the installed package tells the engine: the plugin's version, the release's, and where to get it.
	site := strings.TrimSpace(run(t, c.dir, nil, c.python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"))
	var plugin pulumiPlugin
	require.NoError(t, json.Unmarshal([]byte(mustRead(t, filepath.Join(site, "pulumi_circleci_oidc", "pulumi-plugin.json"))), &plugin))
	assert.Equal(t, pulumiPlugin{true, "circleci-oidc", rel.Version, "github://api.github.com/circleci-oidc"}, plugin)
	// And the plugin version the SDK asks the engine for, from the wheel's PEP 440 version: the same.
	asked := run(t, c.dir, nil, c.python, "-c", "from pulumi_circleci_oidc import _utilities; print(_utilities.get_version())")
	assert.Equal(t, rel.Version, strings.TrimSpace(asked), "the SDK asks for the plugin version the release ships")

	// The consumer's machine: the CLI and no language host, no Go; the plugin from the loopback GitHub.
	gh := newConsumer(t, w, rel)
	delete(w.env, "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION") // the engine fetches the plugin, as for a user
	for k, v := range w.env {
		c.env = append(c.env, k+"="+v)
	}
	c.env = append(os.Environ(), c.env...)
	for _, dir := range filepath.SplitList(w.env["PATH"]) {
		_, err := os.Stat(filepath.Join(dir, "pulumi-language-python"))
		require.True(t, os.IsNotExist(err), "no pulumi-language-python on the consumer's PATH (%s)", dir)
	}

	// 1. The plain example, in the default account.
	start := time.Now()
	res := c.run(t, "plain", map[string]string{"aws:region": "us-east-1"}, "up", "up")
	t.Logf("first python up (plugin download included) and a second one: %s", time.Since(start).Round(time.Second))
	assert.Equal(t, gh.server.downloads(rel, rel.archive(runtime.GOOS, runtime.GOARCH)), normalize(gh.server.requests()),
		"the engine downloads the plugin once, from the GitHub release")
	assert.Empty(t, gh.goCalls(t), "a consumer needs no Go")
	first, second := res[0], res[1]
	outputs := first["outputs"].(map[string]any)
	assert.Equal(t, "arn:aws:iam::"+motoDefaultAccount+":role/ci/circleci-deploy", outputs["roleArn"])
	plainPolicy := outputs["trustPolicy"].(string)
	assertRulesAsWritten(t, plainPolicy)
	assert.Equal(t, map[string]any{"create": 8.0}, first["changes"], "stack, component, policy and its five children")
	assert.Equal(t, map[string]any{"same": 8.0}, second["changes"], "a second up changes nothing")

	// The program's own policy, attached by the Output of its ARN.
	attached, err := w.iam.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("circleci-deploy")})
	require.NoError(t, err)
	local, err := w.iam.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal})
	require.NoError(t, err)
	require.Len(t, local.Policies, 1, "the program's policy")
	assert.True(t, strings.HasPrefix(aws.ToString(local.Policies[0].PolicyName), "read-deploy-config-"))
	var arns []string
	for _, p := range attached.AttachedPolicies {
		arns = append(arns, aws.ToString(p.PolicyArn))
	}
	assert.ElementsMatch(t, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess", aws.ToString(local.Policies[0].Arn)}, arns)

	// The secret inline policy: in IAM as written, in the state only as ciphertext.
	inline, err := w.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("circleci-deploy"), PolicyName: aws.String("deploy-artifacts")})
	require.NoError(t, err)
	assert.Contains(t, policyDocument(inline.PolicyDocument), "arn:aws:s3:::acme-artifacts/*")
	// The state as the backend stores it (the SDK's export_stack would decrypt it: --show-secrets).
	stateFile := filepath.Join(strings.TrimPrefix(w.env["PULUMI_BACKEND_URL"], "file://"), ".pulumi", "stacks", "circleci-oidc-python", "plain.json")
	raw := mustRead(t, stateFile)
	assert.NotContains(t, raw, "acme-artifacts", "the secret's plaintext is nowhere in the state")
	var state struct {
		Checkpoint struct {
			Latest map[string]any `json:"latest"`
		} `json:"checkpoint"`
	}
	require.NoError(t, json.Unmarshal([]byte(raw), &state))
	assertSecretInState(t, state.Checkpoint.Latest, "aws:iam/rolePolicy:RolePolicy", "policy")
	t.Logf("stack outputs the SDK reports as secret: %v", first["secretOutputs"])

	res = c.run(t, "plain", nil, "destroy")
	assert.Equal(t, map[string]any{"delete": 8.0}, res[0]["changes"])
	assert.Empty(t, w.providerARNs(ctx, t))
	assert.Empty(t, w.roleNames(ctx, t))
	local, err = w.iam.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal})
	require.NoError(t, err)
	assert.Empty(t, local.Policies)

	// 2. With assumeRoleArn: a member account's OrganizationAccountAccessRole, through providers={"aws": p}.
	member := createMemberAccount(t)
	memberIAM := accountIAM(t, member)
	res = c.run(t, "member", map[string]string{"aws:region": "us-east-1",
		"circleci-oidc-python:assumeRoleArn": fleet.RoleArn("aws", member, fleet.DefaultRoleName)}, "up")
	outputs = res[0]["outputs"].(map[string]any)
	assert.Equal(t, "arn:aws:iam::"+member+":role/ci/circleci-deploy", outputs["roleArn"])
	assert.Equal(t, strings.ReplaceAll(plainPolicy, ":"+motoDefaultAccount+":", ":"+member+":"), outputs["trustPolicy"],
		"the same trust policy, with the member account's provider")
	assert.Len(t, providersIn(ctx, t, memberIAM), 1, "the provider is in the member account")
	assert.Equal(t, []string{"circleci-deploy"}, rolesIn(ctx, t, memberIAM), "and so is the role")
	memberLocal, err := memberIAM.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal})
	require.NoError(t, err)
	assert.Len(t, memberLocal.Policies, 1, "and the program's policy")
	assert.Empty(t, w.providerARNs(ctx, t), "nothing in the default account")
	assert.Empty(t, w.roleNames(ctx, t))
	local, err = w.iam.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal})
	require.NoError(t, err)
	assert.Empty(t, local.Policies)
	c.run(t, "member", nil, "destroy")
	assert.Empty(t, providersIn(ctx, t, memberIAM))
	assert.Empty(t, rolesIn(ctx, t, memberIAM))

	// The Go component, built directly with the same inputs in the default account, gives the same bytes.
	assert.Equal(t, goComponentPolicy(t, w), plainPolicy, "the Python program's trust policy is the Go component's")
}

// pulumiPlugin is what pulumi-plugin.json tells the engine.
type pulumiPlugin struct {
	Resource bool   `json:"resource"`
	Name     string `json:"name"`
	Version  string `json:"version"`
	Server   string `json:"server"`
}

// createMemberAccount creates an organization and one member account, with
// its OrganizationAccountAccessRole, and returns the account's ID.
func createMemberAccount(t *testing.T) string {
	t.Helper()
	cfg, err := awsconfig.LoadDefaultConfig(t.Context())
	require.NoError(t, err)
	org := organizations.NewFromConfig(cfg)
	_, err = org.CreateOrganization(t.Context(), &organizations.CreateOrganizationInput{})
	require.NoError(t, err)
	out, err := org.CreateAccount(t.Context(), &organizations.CreateAccountInput{
		AccountName: aws.String("deploy"), Email: aws.String("deploy@example.com")})
	require.NoError(t, err)
	return aws.ToString(out.CreateAccountStatus.AccountId)
}

// assertRulesAsWritten checks that each of the example's two rules reached
// the component: each project is pinned with its own repository and branch.
func assertRulesAsWritten(t *testing.T, policy string) {
	t.Helper()
	t.Logf("trust policy: %s", policy)
	for _, want := range []string{
		"22222222-2222-4222-8222-222222222222", "vcs-origin/github.com/acme/api/vcs-ref/refs/heads/main",
		"33333333-3333-4333-8333-333333333333", "vcs-origin/github.com/acme/infra/vcs-ref/refs/heads/release/*",
	} {
		assert.Contains(t, policy, want)
	}
}

// assertSecretInState checks that every resource of typ in the exported
// deployment holds key as a secret, in its inputs and its outputs.
func assertSecretInState(t *testing.T, deployment map[string]any, typ, key string) {
	t.Helper()
	found := 0
	for _, r := range deployment["resources"].([]any) {
		res := r.(map[string]any)
		if res["type"] != typ {
			continue
		}
		found++
		for _, part := range []string{"inputs", "outputs"} {
			v, ok := res[part].(map[string]any)[key].(map[string]any)
			require.True(t, ok, "%s %s.%s is a secret object: %v", typ, part, key, res[part])
			assert.Equal(t, "1b47061264138c4ac30d75fd1eb44270", v["4dabf18193072939515e22adb298388d"], "%s.%s is a secret", part, key)
			assert.NotEmpty(t, v["ciphertext"], "%s.%s is encrypted", part, key)
		}
	}
	assert.Equal(t, 1, found, "one %s in the state", typ)
}
