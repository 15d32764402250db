package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/stack"
)

// Mode is what a run does with each account's stack.
type Mode string

// The modes.
const (
	// ModePlan only does the pre-flight: read-only.
	ModePlan Mode = "plan"
	// ModeUp runs an idempotent up with refresh.
	ModeUp Mode = "up"
	// ModeDrift previews with refresh and reports accounts that differ.
	ModeDrift Mode = "drift"
	// ModeAudit runs internal/audit in each account: read-only.
	ModeAudit Mode = "audit"
	// ModeList lists the targets and their stacks, calling no account.
	ModeList Mode = "ls"
)

// typeOIDCProvider is pulumi-aws's type token of the IAM OIDC provider.
const typeOIDCProvider = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"

// Engine runs each account's stack through the Automation API, with the
// stack program inline (no language host), in the account's own work
// directory: a shared one corrupts workspace.json when stacks are selected
// at once (pulumi/pulumi#8186).
type Engine struct {
	Mode Mode
	// WorkDir holds one folder per account, named after its stack.
	WorkDir string
	// Env is the environment of every pulumi command (backend, passphrase).
	Env    map[string]string
	Prober Prober
	// backend is the run's one listing of the stacks, shared by every
	// account.
	backend backendOnce
}

// Do implements Worker: pre-flight, conflict check, config, then the
// mode's operation.
func (e *Engine) Do(ctx context.Context, job Job, log io.Writer) (Outcome, error) {
	probe, err := e.Prober.Probe(ctx, job)
	if err != nil {
		return Outcome{}, err
	}
	fmt.Fprintf(log, "pre-flight: account %s reached; provider for the issuer: %s\n", job.Account.ID, dash(probe.ProviderArn))
	cfg := maps.Clone(job.Config)
	out := Outcome{Config: cfg}
	dir, err := e.accountDir(job)
	if err != nil {
		return Outcome{}, err
	}

	// owned: the stack created the provider. adopted: an earlier run reused
	// it (--adopt-existing), so the stack exports it without holding it.
	owned, adopted := false, false
	var st auto.Stack
	if e.Mode == ModePlan { // read from the backend: no engine, no process per stack on a file backend
		if exists, err := e.hasStack(ctx, job.Stack); err != nil {
			return Outcome{}, err
		} else if exists {
			s, err := e.readState(ctx, job.Stack)
			if err != nil {
				return Outcome{}, err
			}
			owned = s.owns(typeOIDCProvider, probe.ProviderArn)
			adopted = !owned && probe.ProviderArn != "" && s.output("providerArn") == probe.ProviderArn
		}
	} else {
		if e.Mode == ModeDrift { // drift creates nothing, not even a stack
			if exists, err := e.hasStack(ctx, job.Stack); err != nil {
				return Outcome{}, err
			} else if !exists {
				return Outcome{Result: ResultDrift, Note: "no stack yet: run fleet up"}, nil
			}
		}
		st, err = auto.UpsertStackInlineSource(ctx, job.Stack, stack.Project, stack.Run,
			auto.WorkDir(dir), auto.EnvVars(e.Env))
		if err != nil {
			return Outcome{}, fmt.Errorf("creating or selecting stack %s: %w", job.Stack, err)
		}
		owned = ownsResource(ctx, st, typeOIDCProvider, probe.ProviderArn)
		adopted = !owned && probe.ProviderArn != "" && outputString(ctx, st, "providerArn") == probe.ProviderArn
	}
	switch {
	case probe.ProviderArn == "" || owned || reuses(cfg):
	case adopted:
		cfg["reuseProvider"] = true
		out.Note = "reuses the provider adopted by an earlier run"
	case !job.Adopt:
		return Outcome{}, &ClassError{ClassConflict, fmt.Errorf("an OIDC provider for the issuer exists outside "+
			"the stack: %s; pass --adopt-existing to reuse it (sets reuseProvider), or set existingProviderArn "+
			"for the account in fleet.yaml", probe.ProviderArn)}
	default:
		cfg["reuseProvider"] = true
		out.Note = "adopted the existing provider " + probe.ProviderArn
	}
	if e.Mode == ModePlan {
		out.Result = ResultPlanned
		return out, nil
	}
	if err := e.configure(ctx, st, cfg, job.Provider); err != nil {
		return Outcome{}, err
	}

	if e.Mode == ModeDrift {
		res, err := st.Preview(ctx, optpreview.Refresh(), optpreview.ProgressStreams(log),
			optpreview.ErrorProgressStreams(log))
		if err != nil {
			return Outcome{}, err
		}
		out.Counts = counts(res.ChangeSummary)
		out.Result = ResultOK
		if out.Counts.Create+out.Counts.Update+out.Counts.Delete > 0 {
			out.Result = ResultDrift
			out.Note = "differs from its stack: run fleet up, or see the log"
		}
		out.RoleArn = outputString(ctx, st, "roleArn")
		return out, nil
	}
	res, err := st.Up(ctx, optup.Refresh(), optup.ProgressStreams(log), optup.ErrorProgressStreams(log))
	if err != nil {
		return Outcome{}, err
	}
	if res.Summary.ResourceChanges != nil {
		out.Counts = counts(*res.Summary.ResourceChanges)
	}
	if v, ok := res.Outputs["roleArn"].Value.(string); ok {
		out.RoleArn = v
	}
	out.Result = ResultOK
	return out, nil
}

// accountDir makes and returns an account's own work directory.
func (e *Engine) accountDir(job Job) (string, error) {
	dir, err := accountPath(e.WorkDir, job.Account.ID, "")
	if err != nil {
		return "", err
	}
	return dir, os.MkdirAll(dir, 0o755)
}

// workspace is a workspace of the stack program in dir, without a stack.
func (e *Engine) workspace(ctx context.Context, dir string) (auto.Workspace, error) {
	return auto.NewLocalWorkspace(ctx, auto.WorkDir(dir), auto.EnvVars(e.Env),
		auto.Project(workspace.Project{Name: stack.Project, Runtime: workspace.NewProjectRuntimeInfo("go", nil)}))
}

// configure replaces the stack's config with the account's, keeping its
// other settings (such as the passphrase's salt).
func (e *Engine) configure(ctx context.Context, st auto.Stack, program, provider map[string]any) error {
	cfg, err := ConfigMap(program, provider)
	if err != nil {
		return err
	}
	ws := st.Workspace()
	settings, err := ws.StackSettings(ctx, st.Name())
	if err != nil {
		return fmt.Errorf("reading the settings of stack %s: %w", st.Name(), err)
	}
	settings.Config = cfg
	return ws.SaveStackSettings(ctx, st.Name(), settings)
}

// ownsResource reports whether the stack's state holds a resource of this
// type and ID.
func ownsResource(ctx context.Context, st auto.Stack, typ, id string) bool {
	if id == "" {
		return false
	}
	dep, err := st.Export(ctx)
	if err != nil {
		return false
	}
	var d apitype.DeploymentV3
	if json.Unmarshal(dep.Deployment, &d) != nil {
		return false
	}
	return slices.ContainsFunc(d.Resources, func(r apitype.ResourceV3) bool {
		return string(r.Type) == typ && string(r.ID) == id
	})
}

func outputString(ctx context.Context, st auto.Stack, key string) string {
	outs, err := st.Outputs(ctx)
	if err != nil {
		return ""
	}
	s, _ := outs[key].Value.(string)
	return s
}

// counts reads the engine's change summary.
func counts[K ~string](m map[K]int) Counts {
	var c Counts
	for op, n := range m {
		switch apitype.OpType(op) {
		case apitype.OpCreate:
			c.Create += n
		case apitype.OpUpdate:
			c.Update += n
		case apitype.OpDelete:
			c.Delete += n
		case apitype.OpReplace, apitype.OpCreateReplacement, apitype.OpDeleteReplaced:
			c.Update += n
		case apitype.OpSame:
			c.Same += n
		}
	}
	return c
}

// Plugins are the resource plugins the stack program asks for, at the
// versions of the SDKs this build links (go.mod).
func Plugins() map[string]string {
	out := map[string]string{"aws": "v6.83.4", "tls": "v5.5.1"}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			switch d.Path {
			case "github.com/pulumi/pulumi-aws/sdk/v6":
				out["aws"] = d.Version
			case "github.com/pulumi/pulumi-tls/sdk/v5":
				out["tls"] = d.Version
			}
		}
	}
	return out
}

// InstallPlugins installs the resource plugins once, before the pool starts:
// stacks that install them at once race (pulumi/pulumi#22784). A package the
// engine is pointed at with PULUMI_DEBUG_PROVIDERS is not installed.
func (e *Engine) InstallPlugins(ctx context.Context) error {
	if err := os.MkdirAll(e.WorkDir, 0o755); err != nil {
		return err
	}
	ws, err := e.workspace(ctx, e.WorkDir)
	if err != nil {
		return err
	}
	debugged := map[string]bool{}
	for _, p := range strings.Split(e.Env["PULUMI_DEBUG_PROVIDERS"]+","+os.Getenv("PULUMI_DEBUG_PROVIDERS"), ",") {
		name, _, _ := strings.Cut(p, ":")
		debugged[name] = true
	}
	for _, name := range slices.Sorted(maps.Keys(Plugins())) {
		if debugged[name] {
			continue
		}
		if err := ws.InstallPlugin(ctx, name, Plugins()[name]); err != nil {
			return fmt.Errorf("installing the %s plugin %s: %w", name, Plugins()[name], err)
		}
	}
	return nil
}

// Stacks lists the fleet stacks in the backend, as account IDs: the run's
// one listing, or, after an up, which creates stacks, a new one.
func (e *Engine) Stacks(ctx context.Context) ([]string, error) {
	var names map[string]bool
	if e.Mode == ModeUp {
		ws, err := e.workspace(ctx, e.WorkDir)
		if err != nil {
			return nil, err
		}
		if names, err = listStacks(ctx, ws); err != nil {
			return nil, err
		}
	} else {
		idx, err := e.index(ctx)
		if err != nil {
			return nil, err
		}
		names = idx.names
	}
	var ids []string
	for name := range names {
		if id, ok := AccountOfStack(name); ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}
