package e2e

import (
	"encoding/json"
	"fmt"
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
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/fleet"
)

// Issue 20, item 3: examples/typescript, with the SDK installed by name from
// the local registry, built through the real engine as an inline program that
// the CLI connects to, with no pulumi-language-nodejs anywhere, against the
// prebuilt plugin downloaded from the loopback GitHub. Its inputs reach the
// plugin intact (the plain rules, a secret, an Output of another resource,
// an explicit aws provider in another account) and its outputs come back.
func TestTypeScriptExampleThroughTheEngine(t *testing.T) {
	w := newWorld(t)
	rel := requireDist(t)
	reg := startVerdaccio(t)
	f := runTypeScriptExample(t, w, rel, reg)
	t.Logf("TypeScript from an empty folder: npm install by name %s, first up %s (plugin download included)", f.install, f.firstUp)
}

// tsFigures are the times a TypeScript user waits for.
type tsFigures struct{ install, firstUp time.Duration }

func runTypeScriptExample(t *testing.T, w *world, rel release, reg *npmRegistry) tsFigures {
	t.Helper()
	ctx := t.Context()
	var f tsFigures
	// The Go component's trust policy for the same inputs, in the same account, destroyed before the
	// example's role of the same name is created.
	var want string
	t.Run("go component", func(t *testing.T) { want = goComponentPolicy(t, w) })
	require.NotEmpty(t, want)

	// The release's own npm step publishes the SDK to the registry.
	out, err := reg.publish(t, reg.token, rel.sdkFile(t, ".tgz"))
	require.NoError(t, err, out)

	p, took := newTSProject(t, filepath.Join(w.dir, "ts"), reg, rel.Version)
	f.install = took
	// The type check joins the run: the example compiles against the installed SDK, and wrong input types
	// don't. An Output of the rules or inside a rule fails too: they are plain, since the component decides
	// the trust policy's shape from them at preview.
	out, err = p.tsc(t, "--noEmit")
	require.NoError(t, err, out)
	// Each wrong variant is a file of its own, all checked by one tsc run (a run takes seconds: @pulumi/aws's
	// types are large); each file must have its own error.
	example := mustRead(t, filepath.Join(p.dir, "index.ts"))
	cases := []struct{ name, from, to string }{
		{"a number for a list", `branches: ["main"]`, `branches: 42`},
		{"an Output of a list inside a rule", `{ projectIds: [projectId],`, `{ projectIds: pulumi.output([projectId]),`},
		{"an Output inside a rule's list", `{ projectIds: [projectId],`, `{ projectIds: [pulumi.output(projectId)],`},
		{"an Output of the rules", "rules: [\n", "rules: pulumi.output([\n"},
	}
	badDir := filepath.Join(p.dir, "wrong-types")
	require.NoError(t, os.MkdirAll(badDir, 0o755))
	var files []string
	for i, tt := range cases {
		bad := strings.Replace(example, tt.from, tt.to, 1)
		require.NotEqual(t, example, bad, tt.name)
		if tt.name == "an Output of the rules" {
			bad = strings.Replace(bad, "    ],\n    roleName", "    ]),\n    roleName", 1)
		}
		files = append(files, fmt.Sprintf("wrong-types/case%d.ts", i))
		require.NoError(t, os.WriteFile(filepath.Join(p.dir, files[i]), []byte(bad), 0o644))
	}
	b, err := json.Marshal(map[string]any{"extends": "./tsconfig.json", "files": files})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(p.dir, "tsconfig.wrong.json"), b, 0o644))
	cmd := exec.CommandContext(t.Context(), filepath.Join(p.dir, "node_modules", ".bin", "tsc"), "-p", "tsconfig.wrong.json", "--noEmit", "--pretty", "false")
	cmd.Dir = p.dir
	wrong, err := cmd.CombinedOutput()
	require.Error(t, err, "tsc accepted every wrong input:\n%s", wrong)
	for i, tt := range cases {
		assert.Regexp(t, regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(files[i])+`\(\d+,\d+\): error TS\d+: .*is not assignable to type`), string(wrong),
			"tsc accepted %s", tt.name)
	}
	require.NoError(t, os.RemoveAll(badDir))
	out, err = p.tsc(t) // into bin/, which the runner imports
	require.NoError(t, err, out)

	c := p.onConsumerMachine(t, w, rel)
	for _, dir := range filepath.SplitList(w.env["PATH"]) {
		assert.NoFileExists(t, filepath.Join(dir, "pulumi-language-nodejs"), "the inline program needs no language host")
	}
	mgmt := accountIAM(t, motoDefaultAccount)

	// 1. The example in the default account, with a policy of the user's own.
	cfg := map[string]string{"aws:region": "eu-west-1", "deployPolicy": deployPolicy}
	start := time.Now()
	up := p.op(t, "dev", "up", cfg)
	f.firstUp = time.Since(start)
	assert.Equal(t, c.server.downloads(rel, rel.archive(runtime.GOOS, runtime.GOARCH)), normalize(c.server.requests()),
		"the first up downloads the plugin once, through GitHub's API")
	assert.Empty(t, c.goCalls(t), "a TypeScript user needs no Go")
	assert.Equal(t, fleet.RoleArn("aws", motoDefaultAccount, "ci/circleci-deploy"), up.Outputs["roleArn"].Value)
	got, _ := up.Outputs["trustPolicy"].Value.(string)
	assert.Equal(t, want, got, "the trust policy is the Go component's, byte for byte")
	rulesArriveAsWritten(t, got)
	for _, name := range []string{"roleArn", "trustPolicy"} {
		assert.False(t, up.Outputs[name].Secret, "%s holds nothing of the secret inline policy, yet is secret", name)
	}

	// The policy the program created reached the component as an Output, and is attached by its ARN.
	policies, err := mgmt.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal})
	require.NoError(t, err)
	require.Len(t, policies.Policies, 1, "the program's own policy")
	attached, err := mgmt.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("circleci-deploy")})
	require.NoError(t, err)
	var arns []string
	for _, a := range attached.AttachedPolicies {
		arns = append(arns, aws.ToString(a.PolicyArn))
	}
	assert.ElementsMatch(t, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess", aws.ToString(policies.Policies[0].Arn)}, arns)

	// The secret inline policy reached IAM, and the state holds it only encrypted.
	inline, err := mgmt.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("circleci-deploy"), PolicyName: aws.String("deploy-artifacts")})
	require.NoError(t, err)
	assert.Contains(t, policyDocument(inline.PolicyDocument), "arn:aws:s3:::acme-artifacts/*")
	file, latest := stackState(t, w, "dev")
	assert.NotContains(t, string(file), "acme-artifacts", "the secret's plaintext is nowhere in the state")
	secretInCheckpoint(t, latest, typeRolePolicy, "policy")

	// 2. A second up changes nothing and downloads nothing.
	before := w.aws.snapshot()
	again := p.op(t, "dev", "up", cfg)
	assert.Equal(t, map[string]int{"same": again.Changes["same"]}, again.Changes, "the second up changes nothing")
	assert.Zero(t, writes(w.aws.since(before)), "no IAM write on the second up")
	assert.Empty(t, c.server.requests(), "the installed plugin is used")

	// 3. destroy removes everything.
	down := p.op(t, "dev", "destroy", cfg)
	assert.Equal(t, again.Changes["same"], down.Changes["delete"], "destroy deletes every resource up made")
	assert.Empty(t, providersIn(ctx, t, mgmt))
	assert.Empty(t, rolesIn(ctx, t, mgmt))
	policies, err = mgmt.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal})
	require.NoError(t, err)
	assert.Empty(t, policies.Policies)

	// 4. providers: { aws: p }, p assuming a role in another account: everything lands there.
	other := createAccount(t, "deploy-target")
	cfg["assumeRoleArn"] = fleet.RoleArn("aws", other, fleet.DefaultRoleName)
	up = p.op(t, "other", "up", cfg)
	assert.Equal(t, fleet.RoleArn("aws", other, "ci/circleci-deploy"), up.Outputs["roleArn"].Value)
	assert.Equal(t, strings.ReplaceAll(want, "::"+motoDefaultAccount+":", "::"+other+":"), up.Outputs["trustPolicy"].Value,
		"the trust policy trusts the target account's provider, and is otherwise the same")
	target := accountIAM(t, other)
	assert.Len(t, providersIn(ctx, t, target), 1, "the OIDC provider is in the target account")
	assert.Equal(t, []string{"circleci-deploy"}, rolesIn(ctx, t, target), "the role is in the target account")
	assert.Empty(t, providersIn(ctx, t, mgmt), "nothing in the default account")
	assert.Empty(t, rolesIn(ctx, t, mgmt), "nothing in the default account")
	down = p.op(t, "other", "destroy", cfg)
	assert.NotZero(t, down.Changes["delete"])
	assert.Empty(t, providersIn(ctx, t, target))
	assert.Empty(t, rolesIn(ctx, t, target))
	return f
}

// rulesArriveAsWritten checks that each of the example's two rules, a
// project with its own repository and branch, gives subject patterns that
// pair that project with that repository and branch only.
func rulesArriveAsWritten(t *testing.T, policy string) {
	t.Helper()
	var doc struct {
		Statement []struct {
			Condition map[string]map[string]any
		}
	}
	require.NoError(t, json.Unmarshal([]byte(policy), &doc), policy)
	var subs []string
	for _, s := range doc.Statement {
		for op, cond := range s.Condition {
			if op != "StringLike" {
				continue // StringNotLike holds the guards every policy has
			}
			for k, v := range cond {
				if !strings.HasSuffix(k, ":sub") {
					continue
				}
				switch v := v.(type) {
				case string:
					subs = append(subs, v)
				case []any:
					for _, e := range v {
						subs = append(subs, e.(string))
					}
				}
			}
		}
	}
	require.NotEmpty(t, subs, policy)
	for _, rule := range []struct{ project, origin, ref string }{
		{devProject, "github.com/acme/api", "refs/heads/main"},
		{"33333333-3333-4333-8333-333333333333", "github.com/acme/infra", "refs/heads/release/*"},
	} {
		var mine []string
		for _, s := range subs {
			if strings.Contains(s, "/project/"+rule.project+"/") {
				mine = append(mine, s)
			}
		}
		require.NotEmpty(t, mine, "no subject pattern for project %s in %s", rule.project, policy)
		for _, s := range mine {
			assert.True(t, strings.HasSuffix(s, "/vcs-origin/"+rule.origin+"/vcs-ref/"+rule.ref),
				"project %s's pattern %q is not limited to %s of %s", rule.project, s, rule.ref, rule.origin)
		}
	}
	assert.False(t, slices.ContainsFunc(subs, func(s string) bool { return !strings.Contains(s, "/project/") }),
		"every pattern names a project: %v", subs)
}

// secretInCheckpoint checks that the property of every resource of the type
// is a secret in a deployment: inputs and outputs alike.
func secretInCheckpoint(t *testing.T, deployment json.RawMessage, typ, property string) {
	t.Helper()
	var d struct {
		Resources []struct {
			Type    string                     `json:"type"`
			Inputs  map[string]json.RawMessage `json:"inputs"`
			Outputs map[string]json.RawMessage `json:"outputs"`
		} `json:"resources"`
	}
	require.NoError(t, json.Unmarshal(deployment, &d))
	found := 0
	for _, r := range d.Resources {
		if r.Type != typ {
			continue
		}
		found++
		for where, props := range map[string]map[string]json.RawMessage{"inputs": r.Inputs, "outputs": r.Outputs} {
			var v map[string]any
			require.NoError(t, json.Unmarshal(props[property], &v), "%s %s.%s is not a secret: %s", typ, where, property, props[property])
			assert.Contains(t, v, secretMarker, "%s %s.%s is a secret", typ, where, property)
			assert.NotEmpty(t, v["ciphertext"], "%s %s.%s is encrypted", typ, where, property)
		}
	}
	assert.Equal(t, 1, found, "one %s in the state", typ)
}

// TestTypeScriptFigures prints how long a TypeScript user waits from an empty
// folder to the first `up`: npm install by name with an empty npm cache, the
// compile, and the first up, which downloads the plugin. It asserts nothing
// about time; scripts/e2e-figures.sh runs it.
func TestTypeScriptFigures(t *testing.T) {
	if os.Getenv("E2E_FIGURES") == "" {
		t.Skip("prints performance figures; run scripts/e2e-figures.sh")
	}
	w := newWorld(t)
	rel := requireDist(t)
	reg := startVerdaccio(t)
	out, err := reg.publish(t, reg.token, rel.sdkFile(t, ".tgz"))
	require.NoError(t, err, out)
	p, install := newTSProject(t, filepath.Join(w.dir, "ts"), reg, rel.Version, "npm_config_cache="+t.TempDir())
	start := time.Now()
	out, err = p.tsc(t)
	require.NoError(t, err, out)
	compile := time.Since(start)
	p.onConsumerMachine(t, w, rel)
	start = time.Now()
	up := p.op(t, "dev", "up", map[string]string{"aws:region": "eu-west-1"})
	firstUp := time.Since(start)
	require.NotEmpty(t, up.Outputs["roleArn"].Value)
	var size int64
	require.NoError(t, filepath.Walk(filepath.Join(p.dir, "node_modules"), func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			size += fi.Size()
		}
		return err
	}))
	fmt.Printf("TypeScript, empty folder to first up: npm install by name (empty npm cache) %s, node_modules %.0f MiB; tsc %s; first up (plugin download included) %s\n",
		install.Round(100*time.Millisecond), float64(size)/(1<<20), compile.Round(100*time.Millisecond), firstUp.Round(100*time.Millisecond))
	p.op(t, "dev", "destroy", map[string]string{"aws:region": "eu-west-1"})
}
