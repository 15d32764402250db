package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/audit"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/circleci"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/fleet"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/publish"
)

// fleetExit carries a fleet command's exit code, which differs from the
// other commands' (fleet.ExitCodesHelp).
type fleetExit struct {
	code int
	err  error
}

// Error returns the underlying error's text, or the exit code.
func (e fleetExit) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func fleetUsage(format string, args ...any) error {
	return fleetExit{code: fleet.ExitUsage, err: fmt.Errorf(format, args...)}
}

// fleetFlags are the flags of ls, plan, audit, up and drift.
type fleetFlags struct {
	config, accounts, roleName, region, workDir, resume, shard string
	ous, only                                                  []string
	org, includeManagement, adopt, asJSON                      bool
	concurrency, maxFailures                                   int
	backoff                                                    time.Duration
	// audit\'s
	failOn  string
	quota   int
	issuers []string
	// publish's
	pub                         publish.Options
	contextName, token, baseURL string
	dryRun                      bool
}

func (f *fleetFlags) add(cmd *cobra.Command, mode fleet.Mode) {
	fs := cmd.Flags()
	fs.StringVar(&f.config, "config", "", "fleet.yaml: targets and each account's config (default ./fleet.yaml when it exists)")
	fs.StringVar(&f.accounts, "accounts", "", "comma-separated 12-digit account IDs; needs no Organizations access")
	fs.BoolVar(&f.org, "org", false, "every account of the organization (organizations:ListAccounts)")
	fs.StringArrayVar(&f.ous, "ou", nil, "the accounts under this OU, by ID (ou-...) or path (/prod/eu), recursively; repeatable")
	fs.BoolVar(&f.includeManagement, "include-management", false, "also the management account, with the ambient credentials")
	fs.StringVar(&f.roleName, "role-name", "", "the role to assume in each account (default fleet.yaml's assumeRoleName, else OrganizationAccountAccessRole)")
	fs.StringVar(&f.region, "region", "", "aws:region of every stack (default fleet.yaml's region, else us-east-1)")
	fs.StringVar(&f.workDir, "work-dir", ".circleci-oidc-fleet", "one work directory and one log file per account under here")
	fs.StringVar(&f.shard, "shard", "", "only this deterministic slice i/n of the accounts: --shard $CIRCLE_NODE_INDEX/$CIRCLE_NODE_TOTAL")
	fs.BoolVar(&f.asJSON, "json", false, "write the versioned JSON report to stdout instead of the table (the --resume input)")
	fs.BoolVar(&f.adopt, "adopt-existing", false, "reuse an OIDC provider found outside the stack (sets reuseProvider) instead of reporting a conflict")
	fs.IntVar(&f.concurrency, "concurrency", 4, "accounts at once; each real pulumi-resource-aws takes about 300-430 MB")
	switch mode {
	case fleet.ModeAudit:
		fs.StringVar(&f.failOn, "fail-on", "high", "an account with a finding at or above this severity is a failure: info, low, medium, high or critical")
		fs.IntVar(&f.quota, "quota", audit.DefaultQuota, "the accounts' role trust policy length quota, in characters without whitespace")
		fs.StringArrayVar(&f.issuers, "issuer", nil, "also audit this issuer URL (CircleCI server); repeatable")
		return
	case fleet.ModePublish:
		fs.StringVar(&f.contextName, "context", "", "each account's CircleCI context, a template of {{.ID}}, {{.Name}}, {{.OU}}, {{.Stack}}: 'aws-{{.Name}}'")
		fs.StringVar(&f.pub.OrgID, "org-id", "", "CircleCI organization UUID (default: each stack's circleci-oidc:organizationId)")
		fs.BoolVar(&f.pub.NoCreate, "no-create", false, "fail an account instead of creating its missing context")
		fs.BoolVar(&f.pub.Restrict, "restrict", false, "restrict each context to its stack's projectIds")
		fs.BoolVar(&f.pub.RestrictBranches, "restrict-branches", false, "restrict each context to pipelines on its stack's branches")
		fs.BoolVar(&f.pub.Prune, "prune", false, "delete variables an earlier publish wrote that this one does not")
		fs.BoolVar(&f.pub.TrustPolicy, strings.TrimPrefix(publish.TrustPolicyFlag, "--"), false,
			"also write each role's trust policy as "+publish.TrustPolicyVar+", for circleci-oidc doctor --from-job")
		fs.BoolVar(&f.dryRun, "dry-run", false, "print what would change, in each account's log, and change nothing")
		fs.StringVar(&f.token, "token", "", "CircleCI personal API token (prefer "+circleci.TokenEnv+": flags show in process lists)")
		fs.StringVar(&f.baseURL, "circleci-url", circleci.DefaultBaseURL, "CircleCI API v2 base URL, ending in /api/v2 (CircleCI server)")
		return
	case fleet.ModePlan, fleet.ModeList:
		return
	}
	fs.IntVar(&f.maxFailures, "max-failures", 0, "stop starting accounts after this many failures; running ones finish (0: never stop)")
	fs.StringVar(&f.resume, "resume", "", "a previous --json report: run its targets again (no --org, --ou or --accounts needed), only the accounts --only selects")
	fs.StringSliceVar(&f.only, "only", []string{"failed"}, "with --resume: results to re-run, such as ok or unreachable; failed means every failure class and cancelled")
	fs.DurationVar(&f.backoff, "throttle-backoff", 5*time.Second, "wait before the one retry of a throttled account")
}

const fleetLong = `fleet deploys the circleci-oidc stack program to many AWS accounts of an organization, one stack per
account (acct-<12 digits>), driven by the Pulumi Automation API with the program inline.

  ls      the targeted accounts and their stacks, calling no account
  plan    read-only: the targeted accounts, each one's effective config, conflicts and orphans
  audit   circleci-oidc audit in every account, read-only
  up      an idempotent pulumi up --refresh in each account; a second run changes nothing
  publish each account's role ARN and region into its own CircleCI context (--context 'aws-{{.Name}}')
  drift   a refreshed preview in each account; exits 2 when one differs from its stack
  report  merge the JSON reports of shards

Each stack assumes a role in its account (OrganizationAccountAccessRole unless --role-name or a per-account
assumeRoleArn says otherwise) through aws:assumeRole, and sets aws:allowedAccountIds to that account. One account's
failure is a row of the report, never an abort. Stacks are never destroyed by fleet.

`

func newFleetCommand(env Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fleet",
		Short: "Deploy the stack to every account of an AWS Organization, one stack per account",
		Long:  fleetLong + fleet.ExitCodesHelp,
		Args:  fleetNoArgs,
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return fleetExit{code: fleet.ExitUsage, err: err} })
	for _, m := range []struct {
		mode  fleet.Mode
		short string
	}{
		{fleet.ModeList, "List the targeted accounts and their stacks, calling no account"},
		{fleet.ModePlan, "Show the targeted accounts, their config, conflicts and orphans (read-only)"},
		{fleet.ModeAudit, "Find weak CircleCI OIDC trust in every targeted account (read-only)"},
		{fleet.ModeUp, "Deploy every targeted account: an idempotent up with refresh"},
		{fleet.ModeDrift, "Report accounts whose resources differ from their stack; exit 2 on drift"},
		{fleet.ModePublish, "Write each account's role ARN and region into its own CircleCI context"},
	} {
		var f fleetFlags
		sub := &cobra.Command{
			Use:   string(m.mode) + " [flags]",
			Short: m.short,
			Long:  fleetLong + fleet.ExitCodesHelp,
			Args:  fleetNoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				return runFleet(cmd.Context(), env, m.mode, &f)
			},
		}
		f.add(sub, m.mode)
		cmd.AddCommand(sub)
	}
	cmd.AddCommand(newFleetReportCommand(env))
	return cmd
}

func fleetNoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fleetUsage("%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}

func runFleet(ctx context.Context, env Env, mode fleet.Mode, f *fleetFlags) error {
	opts, old, err := f.options()
	if err != nil {
		return err
	}
	var failOn audit.Severity
	if mode == fleet.ModeAudit {
		if failOn, err = audit.ParseSeverity(f.failOn); err != nil {
			return fleetUsage("--fail-on: %v", err)
		}
		if f.quota < audit.DefaultQuota || f.quota > audit.MaxQuota {
			return fleetUsage("--quota %d is outside %d to %d; check Service Quotas (L-C07B4B0D) for the accounts' value",
				f.quota, audit.DefaultQuota, audit.MaxQuota)
		}
	}
	var publisher *fleet.Publisher
	if mode == fleet.ModePublish {
		if publisher, err = f.publisher(env); err != nil {
			return err
		}
	}
	targets, err := opts.Check() // every usage mistake is found before the first AWS call
	if err != nil {
		return fleetExit{code: fleet.ExitUsage, err: err}
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("loading AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1" // IAM, STS and Organizations answer there
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("reading the ambient AWS credentials' account (sts:GetCallerIdentity): %w", err)
	}
	me := fleet.Identity{Account: aws.ToString(id.Account), Partition: strings.Split(aws.ToString(id.Arn)+"::", ":")[1]}
	if err := fleet.CheckAccountID(me.Account); err != nil {
		return fmt.Errorf("sts:GetCallerIdentity returned an account ID that is not one: %w", err)
	}
	var org fleet.OrgAPI
	if targets.Org || len(targets.OUs) > 0 {
		org = organizations.NewFromConfig(cfg)
	}
	plan, err := fleet.BuildPlan(ctx, opts, org, me)
	if err == nil && old != nil {
		err = old.CheckResume(f.resume, plan.Targets)
	}
	if err == nil && publisher != nil {
		err = publisher.CheckContexts(plan.Deployable)
	}
	if err != nil {
		var pe *fleet.PlanError
		if errors.As(err, &pe) {
			return fleetExit{code: fleet.ExitUsage, err: err}
		}
		return err
	}
	if old != nil && len(opts.Only) == 0 {
		fmt.Fprintf(env.Stderr, "fleet: no account of %s has a result --only selects (%s); nothing to run\n",
			f.resume, strings.Join(f.only, ","))
	}

	workDir, err := filepath.Abs(f.workDir)
	if err != nil {
		return err
	}
	logDir := filepath.Join(workDir, "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return err
	}
	engine := &fleet.Engine{Mode: mode, WorkDir: workDir, Prober: &fleet.AWSProber{Base: cfg}}
	var worker fleet.Worker = engine
	switch mode {
	case fleet.ModeAudit:
		worker = &fleet.Auditor{Base: cfg, FailOn: failOn, Options: audit.Options{Issuers: f.issuers, Quota: f.quota}}
	case fleet.ModeList:
		worker = &fleet.Lister{Engine: engine}
	case fleet.ModePublish:
		publisher.Engine = engine
		worker = publisher
	}
	if (mode == fleet.ModeUp || mode == fleet.ModeDrift) && len(plan.Jobs) > 0 {
		if err := engine.InstallPlugins(ctx); err != nil {
			return err
		}
	}
	report := &fleet.Report{Version: fleet.ReportVersion, Command: "fleet " + string(mode),
		Shard: opts.Shard.String(), Started: env.Now().UTC(), Targets: &targets}
	pool := &fleet.Pool{Concurrency: f.concurrency, MaxFailures: f.maxFailures, Backoff: f.backoff,
		LogDir: logDir, Progress: env.Stderr, Worker: worker, Now: env.Now}
	report.Rows = append(report.Rows, plan.Skipped...)
	rows := pool.Run(ctx, plan.Jobs)
	if mode == fleet.ModePlan {
		for i := range rows { // plan shows every account's config, a conflicting one's too
			if rows[i].Config == nil {
				rows[i].Config = plan.Jobs[i].Config
			}
		}
	}
	report.Rows = append(report.Rows, rows...)
	if opts.Shard.Index == 0 {
		stacks, err := engine.Stacks(ctx)
		if err != nil {
			fmt.Fprintf(env.Stderr, "fleet: orphans not checked: %v\n", err)
		} else {
			report.Rows = append(report.Rows, fleet.Orphans(stacks, plan.Targets)...)
		}
	}
	report.Finished = env.Now().UTC()
	if old != nil {
		report = old.Resumed(report, plan.Targets)
	}
	report.Sort()
	if f.asJSON {
		err = report.WriteJSON(env.Stdout)
	} else {
		err = report.WriteTable(env.Stdout)
		if err == nil && mode == fleet.ModePlan {
			err = fleet.WriteConfigs(env.Stdout, report)
		}
	}
	if err != nil {
		return err
	}
	if code := report.ExitCode(); code != fleet.ExitOK {
		return fleetExit{code: code}
	}
	return nil
}

// options checks the flags and reads fleet.yaml and the --resume report.
func (f *fleetFlags) options() (fleet.Options, *fleet.Report, error) {
	opts := fleet.Options{Accounts: f.accounts, Org: f.org, OUs: f.ous, IncludeManagement: f.includeManagement,
		RoleName: f.roleName, Region: f.region, Adopt: f.adopt}
	fail := func(err error) (fleet.Options, *fleet.Report, error) {
		return opts, nil, fleetExit{code: fleet.ExitUsage, err: err}
	}
	if f.concurrency < 1 {
		return fail(fmt.Errorf("--concurrency %d: give 1 or more", f.concurrency))
	}
	if f.maxFailures < 0 {
		return fail(fmt.Errorf("--max-failures %d: give 0 (never stop) or more", f.maxFailures))
	}
	shard, err := fleet.ParseShard(f.shard)
	if err != nil {
		return fail(err)
	}
	opts.Shard = shard
	path := f.config
	if path == "" {
		if _, err := os.Stat("fleet.yaml"); err == nil {
			path = "fleet.yaml"
		}
	}
	if path != "" {
		if opts.File, err = fleet.LoadFile(path); err != nil {
			return fail(fmt.Errorf("--config: %w", err))
		}
	}
	var old *fleet.Report
	if f.resume != "" {
		if old, err = fleet.ReadReport(f.resume); err != nil {
			return fail(fmt.Errorf("--resume: %w", err))
		}
		if err := opts.Resume(f.resume, old, f.only); err != nil {
			return fail(err)
		}
	}
	return opts, old, nil
}

func newFleetReportCommand(env Env) *cobra.Command {
	report := &cobra.Command{Use: "report", Short: "Work with fleet JSON reports", Args: fleetNoArgs}
	report.AddCommand(&cobra.Command{
		Use:   "merge REPORT.json...",
		Short: "Join the JSON reports of shards into one, on stdout",
		Long: "merge joins the --json reports of `fleet up --shard i/n` runs into one report, which --resume reads.\n" +
			"An account in several reports keeps its row that is neither skipped nor orphaned.\n\n" + fleet.ExitCodesHelp,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return fleetUsage("fleet report merge needs at least one report file")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var reports []*fleet.Report
			for _, a := range args {
				r, err := fleet.ReadReport(a)
				if err != nil {
					return fleetExit{code: fleet.ExitUsage, err: err}
				}
				reports = append(reports, r)
			}
			merged, err := fleet.Merge(reports...)
			if err != nil {
				return fleetExit{code: fleet.ExitUsage, err: err}
			}
			if err := merged.WriteJSON(env.Stdout); err != nil {
				return err
			}
			if code := merged.ExitCode(); code != fleet.ExitOK {
				return fleetExit{code: code}
			}
			return nil
		},
	})
	return report
}

// publisher makes fleet publish's worker from its flags.
func (f *fleetFlags) publisher(env Env) (*fleet.Publisher, error) {
	tmpl, err := fleet.ParseContextTemplate(f.contextName)
	if err != nil {
		return nil, fleetExit{code: fleet.ExitUsage, err: err}
	}
	token := f.token
	if token == "" && env.Getenv != nil {
		token = env.Getenv(circleci.TokenEnv)
	}
	p := &fleet.Publisher{Context: tmpl, Options: f.pub, DryRun: f.dryRun}
	if token == "" {
		if !f.dryRun {
			return nil, fleetExit{code: fleet.ExitUsage, err: circleci.ErrNoToken}
		}
		return p, nil
	}
	c, err := circleci.New(token, circleci.WithBaseURL(f.baseURL), circleci.WithHTTPClient(env.HTTP))
	if err != nil {
		return nil, fleetUsage("--circleci-url: %v", err)
	}
	p.API = c
	return p, nil
}
