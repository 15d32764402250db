package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/publish"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/stack"
)

// backendFixture is a file backend with fleet stacks imported into it, and a
// pulumi on PATH that logs every command line before running the real CLI.
type backendFixture struct {
	real, log, seedDir string
}

// newBackendFixture sets this test's environment to a fresh file backend.
// Options such as DIY_BACKEND_GZIP apply to the seeding and to the run.
func newBackendFixture(t *testing.T, env ...string) *backendFixture {
	real, err := exec.LookPath("pulumi")
	if err != nil {
		t.Skip("needs the pulumi CLI on PATH (scripts/e2e-tools.sh builds it into .tools/bin)")
	}
	dir := t.TempDir()
	f := &backendFixture{real: real, log: filepath.Join(dir, "commands.log"), seedDir: filepath.Join(dir, "seed")}
	bin := filepath.Join(dir, "bin")
	require.NoError(t, os.MkdirAll(bin, 0o755))
	require.NoError(t, os.MkdirAll(f.seedDir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "pulumi"), []byte("#!/bin/sh\n"+
		"printf '%s\\n' \"$*\" >> '"+f.log+"'\n"+
		"exec '"+real+"' \"$@\"\n"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(f.seedDir, "Pulumi.yaml"),
		[]byte("name: "+stack.Project+"\nruntime: yaml\n"), 0o644))
	state := filepath.Join(dir, "state")
	require.NoError(t, os.MkdirAll(state, 0o755))
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("PULUMI_BACKEND_URL", "file://"+state)
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", "fleet-listing-test")
	t.Setenv("PULUMI_HOME", filepath.Join(dir, "home"))
	t.Setenv("PULUMI_SKIP_UPDATE_CHECK", "true")
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return f
}

// providerArnOf is the OIDC provider the seeded stack of id holds.
func providerArnOf(id string) string {
	return "arn:aws:iam::" + id + ":oidc-provider/oidc.circleci.com/org/0c1b2a3d-0000-4000-8000-000000000001"
}

// roleArnOf is the role the seeded stack of id exports.
func roleArnOf(id string) string { return "arn:aws:iam::" + id + ":role/circleci-deploy" }

// seed imports, with the real CLI, a stack for each account: the root stack
// resource with its outputs and the OIDC provider it owns.
func (f *backendFixture) seed(t *testing.T, ids ...string) {
	for _, id := range ids {
		name := StackName(id)
		urn := func(typ, n string) string {
			return "urn:pulumi:" + name + "::" + stack.Project + "::" + typ + "::" + n
		}
		root := urn("pulumi:pulumi:Stack", stack.Project+"-"+name)
		prov := urn("pulumi:providers:aws", "default_6_83_4")
		dep := map[string]any{"version": 3, "deployment": map[string]any{
			"manifest": map[string]any{"time": "2026-12-01T00:00:00Z", "version": ""}, // no version: no magic to check
			"resources": []map[string]any{
				{"urn": root, "custom": false, "type": "pulumi:pulumi:Stack",
					"outputs": map[string]any{"roleArn": roleArnOf(id), "providerArn": providerArnOf(id)}},
				{"urn": prov, "custom": true, "id": "0e6d3a8a-0000-4000-8000-00000000000" + id[11:], "type": "pulumi:providers:aws",
					"parent": root, "inputs": map[string]any{}, "outputs": map[string]any{}},
				{"urn": urn(typeOIDCProvider, "provider"), "custom": true, "id": providerArnOf(id), "type": typeOIDCProvider,
					"parent": root, "provider": prov + "::0e6d3a8a-0000-4000-8000-00000000000" + id[11:],
					"inputs": map[string]any{}, "outputs": map[string]any{"arn": providerArnOf(id)}},
			},
		}}
		file := filepath.Join(f.seedDir, name+".json")
		data, err := json.Marshal(dep)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(file, data, 0o644))
		for _, args := range [][]string{
			{"stack", "init", name, "--non-interactive"},
			{"stack", "import", "--stack", name, "--file", file, "--non-interactive"},
		} {
			cmd := exec.Command(f.real, args...)
			cmd.Dir = f.seedDir
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "pulumi %s: %s", strings.Join(args, " "), out)
		}
	}
	require.NoError(t, os.RemoveAll(f.log))
}

// commands returns the command lines the run started, and forgets them.
func (f *backendFixture) commands(t *testing.T) []string {
	data, err := os.ReadFile(f.log)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	require.NoError(t, os.Remove(f.log))
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

// count counts the command lines holding words, such as "stack ls", in a
// row; the Automation API puts --non-interactive first.
func count(lines []string, words string) int {
	n := 0
	for _, l := range lines {
		if strings.Contains(" "+l+" ", " "+words+" ") {
			n++
		}
	}
	return n
}

func jobsOf(ids ...string) []Job {
	var jobs []Job
	for _, id := range ids {
		jobs = append(jobs, Job{Account: Account{ID: id}, Stack: StackName(id), Config: map[string]any{}})
	}
	return jobs
}

// unseeded is the account of the tests below that has no stack.
const unseeded = "555555555555"

// ownProvider is a pre-flight that finds each seeded account's provider.
type ownProvider struct{}

func (ownProvider) Probe(_ context.Context, job Job) (Probe, error) {
	if job.Account.ID == unseeded {
		return Probe{Partition: "aws"}, nil
	}
	return Probe{Partition: "aws", ProviderArn: providerArnOf(job.Account.ID)}, nil
}

// run does a whole run as the CLI does: the pool over the jobs, then the
// orphan check's listing.
func run(t *testing.T, e *Engine, w Worker, jobs []Job) []Row {
	p := &Pool{Concurrency: 2, LogDir: t.TempDir(), Worker: w}
	rows := p.Run(t.Context(), jobs)
	_, err := e.Stacks(t.Context())
	require.NoError(t, err)
	return rows
}

// Issue 22 item 9: a run lists the backend's stacks once, not once per
// account, in ls, plan, drift and publish.
func TestARunListsTheStacksOnce(t *testing.T) {
	f := newBackendFixture(t)
	seeded := []string{"111111111111", "222222222222", "333333333333"}
	f.seed(t, seeded...)
	jobs := jobsOf(append(seeded, "444444444444", unseeded)...)
	for _, mode := range []Mode{ModeList, ModePlan, ModeDrift, ModePublish} {
		t.Run(string(mode), func(t *testing.T) {
			e := &Engine{Mode: mode, WorkDir: t.TempDir(), Prober: ownProvider{}}
			var w Worker = e
			jobs := jobs
			switch mode {
			case ModeList:
				w = &Lister{Engine: e}
			case ModePublish:
				tmpl, err := ParseContextTemplate("aws-{{.ID}}")
				require.NoError(t, err)
				w = &Publisher{Engine: e, Context: tmpl, Options: publish.Options{}, DryRun: true}
				jobs = jobsOf("444444444444", unseeded) // no stack: nothing to publish, no API
			case ModeDrift: // only accounts without a stack: no engine, no plugins
				jobs = jobsOf("444444444444", unseeded)
			}
			rows := run(t, e, w, jobs)
			require.NotEmpty(t, rows)
			assert.Equal(t, 1, count(f.commands(t), "stack ls"), "one listing per run, over %d accounts", len(jobs))
		})
	}
}

// Issue 22 item 10: ls and plan read what they show without starting pulumi
// for each stack: a run over five accounts starts as many pulumi processes
// as a run over one, and reads the same outputs the stacks hold.
func TestLsAndPlanStartNoEnginePerStack(t *testing.T) {
	for _, layout := range []struct {
		name string
		env  []string
	}{
		{"json", nil},
		{"gzip", []string{"PULUMI_DIY_BACKEND_GZIP=true"}},
	} {
		t.Run(layout.name, func(t *testing.T) {
			f := newBackendFixture(t, layout.env...)
			seeded := []string{"111111111111", "222222222222", "333333333333", "444444444444"}
			f.seed(t, seeded...)
			for _, mode := range []Mode{ModeList, ModePlan} {
				t.Run(string(mode), func(t *testing.T) {
					processes := map[int]int{}
					for _, n := range []int{1, 5} {
						ids := append(seeded, unseeded)[:n]
						e := &Engine{Mode: mode, WorkDir: t.TempDir(), Prober: ownProvider{}}
						var w Worker = e
						if mode == ModeList {
							w = &Lister{Engine: e}
						}
						rows := run(t, e, w, jobsOf(ids...))
						processes[n] = len(f.commands(t))
						require.Len(t, rows, n)
						for _, r := range rows {
							switch {
							case mode == ModeList && r.Account != unseeded:
								assert.Equal(t, ResultListed, r.Result, "%+v", r)
								assert.Equal(t, roleArnOf(r.Account), r.RoleArn, "%+v", r)
								assert.Equal(t, "stack "+StackName(r.Account), r.Note)
							case mode == ModeList:
								assert.Equal(t, "no stack yet", r.Note)
							default:
								assert.Equal(t, ResultPlanned, r.Result, "%+v", r)
								assert.Empty(t, r.Note, "the stack owns its provider: %+v", r)
							}
						}
					}
					assert.Equal(t, processes[1], processes[5],
						fmt.Sprintf("pulumi processes for 1 account and for 5: %v", processes))
				})
			}
		})
	}
}

// A backend whose checkpoints this does not read directly (here the legacy
// layout, as for any non-file backend) is read through pulumi, and ls shows
// the same.
func TestLsReadsOtherBackendsThroughPulumi(t *testing.T) {
	f := newBackendFixture(t, "PULUMI_DIY_BACKEND_LEGACY_LAYOUT=true", "PULUMI_DIY_BACKEND_IGNORE_DEPRECATION_ERROR=true")
	f.seed(t, "111111111111")
	e := &Engine{Mode: ModeList, WorkDir: t.TempDir()}
	rows := run(t, e, &Lister{Engine: e}, jobsOf("111111111111", unseeded))
	require.Len(t, rows, 2)
	assert.Equal(t, roleArnOf("111111111111"), rows[0].RoleArn, "%+v", rows[0])
	assert.Equal(t, "no stack yet", rows[1].Note)
	assert.Equal(t, 1, count(f.commands(t), "stack export"), "the one stack is exported")
}
