package cli

import (
	"fmt"
	"net/http"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/spf13/cobra"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/audit"
)

func newAuditCommand(env Env) *cobra.Command {
	var (
		issuers []string
		asJSON  bool
		failOn  string
		quota   int
	)
	cmd := &cobra.Command{
		Use:   "audit [--issuer URL]... [--json] [--fail-on SEVERITY] [--quota N]",
		Short: "Find weak CircleCI OIDC trust in an AWS account (read-only)",
		Long: "audit lists the account's IAM OIDC providers for CircleCI issuers (oidc.circleci.com/org/..., and\n" +
			"each --issuer, as for CircleCI server) and every role whose trust policy names one, and grades each\n" +
			"trust statement: aud not pinned, trust for the whole organization, a * before a pinned segment,\n" +
			"a pinned ref without the double-vcs-ref guard, a branch limit without a repository, v1-only subjects,\n" +
			"a policy near its size quota, and provider client IDs no role uses. It asks doctor's IAM evaluator\n" +
			"how each statement answers tokens someone else in the organization could get.\n\n" +
			"It only reads (IAM ListOpenIDConnectProviders, GetOpenIDConnectProvider, ListRoles): any other\n" +
			"call is refused before it is sent. AWS credentials come from the environment; AWS_ENDPOINT_URL is\n" +
			"honoured. It exits 6 when a finding is at or above --fail-on.",
		Example: "  circleci-oidc audit\n" +
			"  circleci-oidc audit --json --fail-on medium\n" +
			"  circleci-oidc audit --issuer https://circleci.example.com/org/11111111-1111-4111-8111-111111111111",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			threshold, err := audit.ParseSeverity(failOn)
			if err != nil {
				return usage("--fail-on: %v", err)
			}
			if quota < audit.DefaultQuota || quota > audit.MaxQuota {
				return usage("--quota %d is outside %d to %d; check Service Quotas (L-C07B4B0D) for the account's value",
					quota, audit.DefaultQuota, audit.MaxQuota)
			}
			ctx := cmd.Context()
			cfg, err := awsconfig.LoadDefaultConfig(ctx)
			if err != nil {
				return fmt.Errorf("loading AWS configuration: %w", err)
			}
			if cfg.Region == "" {
				cfg.Region = "us-east-1" // IAM is global
			}
			client := iam.NewFromConfig(cfg, func(o *iam.Options) {
				next := o.HTTPClient
				if next == nil {
					next = http.DefaultClient
				}
				o.HTTPClient = audit.ReadOnly{Next: next}
			})
			report, err := audit.Scan(ctx, client, audit.Options{Issuers: issuers, Quota: quota})
			if err != nil {
				return err
			}
			if asJSON {
				err = report.WriteJSON(cmd.OutOrStdout())
			} else {
				err = report.WriteTable(cmd.OutOrStdout())
			}
			if err != nil {
				return err
			}
			if worst, ok := report.Worst(); ok && worst >= threshold {
				if !asJSON {
					fmt.Fprintf(cmd.OutOrStdout(), "Failing: a finding is %s, at or above --fail-on %s.\n", worst, threshold)
				}
				return errFindings
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&issuers, "issuer", nil, "also audit this issuer URL (CircleCI server); repeatable")
	f.BoolVar(&asJSON, "json", false, "write the report as JSON")
	f.StringVar(&failOn, "fail-on", "high", "exit 6 when a finding is at or above this severity: info, low, medium, high or critical")
	f.IntVar(&quota, "quota", audit.DefaultQuota, "the account's role trust policy length quota, in characters without whitespace")
	return cmd
}
