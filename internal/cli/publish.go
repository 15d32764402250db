package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/circleci"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/publish"
)

func newPublishCommand(env Env) *cobra.Command {
	var (
		o       publish.Options
		stack   string
		dir     string
		dryRun  bool
		token   string
		baseURL string
		vars    []string
	)
	cmd := &cobra.Command{
		Use:   "publish (--context NAME | --project-slug SLUG)... [--stack NAME] [flags]",
		Short: "Write a stack's role ARN and region into a CircleCI context or project",
		Long: "publish reads a circleci-oidc stack's outputs through the Pulumi Automation API and writes them\n" +
			"into a CircleCI context, into project environment variables, or both: AWS_ROLE_ARN from roleArn,\n" +
			"AWS_REGION and AWS_DEFAULT_REGION from the stack's aws:region, and with " + publish.TrustPolicyFlag + " " +
			publish.TrustPolicyVar + "\nfrom trustPolicy, which `doctor --from-job` reads. One stack per AWS account means one\n" +
			"context per account: aws-dev, aws-prod.\n\n" +
			"Restrictions come first: the context is found or created, restricted, and its restrictions read\n" +
			"back, and only then are variables written. Each variable NAME gets a marker variable\n" +
			publish.MarkerPrefix + "NAME, so that a later --prune knows which variables publish wrote, and each\n" +
			"restriction it adds a marker " + publish.RestrictionMarkerPrefix + "<HASH>. Restrictions on the context that\n" +
			"the stack no longer implies are reported; --prune removes only those publish added whose removal\n" +
			"cannot widen access.\n\n" +
			"The API token is read from " + circleci.TokenEnv + " (a personal API token), never printed, and sent\n" +
			"only to --circleci-url's host: redirects elsewhere are refused, and so is http:// unless the\n" +
			"host is loopback.",
		Example: "  circleci-oidc publish --stack prod --context aws-prod --restrict --restrict-branches\n" +
			"  circleci-oidc publish --stack dev --context aws-dev --var ROLE_NAME=roleName --prune --dry-run\n" +
			"  circleci-oidc publish --stack dev --project-slug gh/acme/api",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if o.Context == "" && len(o.ProjectSlugs) == 0 {
				return usage("--context is required unless --project-slug is given: name the CircleCI context " +
					"to write, such as aws-prod, or a project, such as gh/acme/api")
			}
			for _, v := range vars {
				pv, err := publish.ParseVar(v)
				if err != nil {
					return UsageError{err}
				}
				o.Vars = append(o.Vars, pv)
			}
			for _, slug := range o.ProjectSlugs {
				if err := circleci.CheckSlug(slug); err != nil {
					return usage("--project-slug: %v", err)
				}
			}
			s, err := env.LoadStack(ctx, dir, stack)
			if err != nil {
				return err
			}
			plan, err := publish.NewPlan(s, o)
			if err != nil {
				return err
			}
			if token == "" {
				token = env.Getenv(circleci.TokenEnv)
			}
			var api publish.API
			if token != "" {
				c, err := circleci.New(token, circleci.WithBaseURL(baseURL), circleci.WithHTTPClient(env.HTTP))
				if err != nil {
					return usage("--circleci-url: %v", err)
				}
				api = c
			}
			if dryRun {
				return publish.DryRun(ctx, api, plan, cmd.OutOrStdout())
			}
			if api == nil {
				return circleci.ErrNoToken
			}
			return publish.Apply(ctx, api, plan, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&stack, "stack", "", "stack to read (default: the selected stack)")
	f.StringVar(&dir, "cwd", ".", "folder of the Pulumi project")
	f.StringVar(&o.Context, "context", "", "CircleCI context to write, such as aws-prod")
	f.StringArrayVar(&o.ProjectSlugs, "project-slug", nil,
		"also (or instead) write the variables to this project, such as gh/acme/api (repeatable)")
	f.StringVar(&o.OrgID, "org-id", "", "CircleCI organization UUID (default: the stack's circleci-oidc:organizationId)")
	f.BoolVar(&o.NoCreate, "no-create", false, "fail instead of creating a missing context")
	f.BoolVar(&o.Restrict, "restrict", false, "restrict the context to the stack's projectIds")
	f.BoolVar(&o.RestrictBranches, "restrict-branches", false,
		"restrict the context to pipelines on the stack's branches (one expression restriction)")
	f.StringArrayVar(&o.RestrictExpressions, "restrict-expression", nil,
		"add an expression restriction, such as 'pipeline.git.branch == \"main\"' (repeatable)")
	f.BoolVar(&o.Prune, "prune", false, "delete variables an earlier publish wrote that this one does not, and the "+
		"project restrictions it added that the stack no longer implies (never an expression, never the last project restriction)")
	f.StringArrayVar(&vars, "var", nil, "also write an output: NAME=output (repeatable)")
	f.StringVar(&o.Region, "region", "", "region to publish (default: the stack's aws:region)")
	f.BoolVar(&o.TrustPolicy, strings.TrimPrefix(publish.TrustPolicyFlag, "--"), false,
		"also write the role's trust policy, compact, as "+publish.TrustPolicyVar+", so that a failing job can run "+
			"circleci-oidc doctor --from-job")
	f.BoolVar(&dryRun, "dry-run", false, "print what would change, secrets masked, and change nothing")
	f.StringVar(&token, "token", "", "CircleCI personal API token (prefer "+circleci.TokenEnv+": flags show in process lists)")
	f.StringVar(&baseURL, "circleci-url", circleci.DefaultBaseURL, "CircleCI API v2 base URL, ending in /api/v2 (CircleCI server)")
	return cmd
}
