package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/doctor"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/inputfile"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/publish"
)

// maxStdin is the most doctor reads from standard input: more is refused,
// never cut.
const maxStdin = 64 << 10

// maxPolicyFile is the most doctor reads from --policy: more is refused. IAM
// caps a trust policy at 8,192 characters without white space (FACTS, IAM
// quotas), so 1 MiB leaves room for any indentation.
const maxPolicyFile = 1 << 20

func newDoctorCommand(env Env) *cobra.Command {
	var (
		token, policyFile, stack, dir, roleARN, issuerURL string
		verify                                            bool
		fromJob                                           bool
	)
	cmd := &cobra.Command{
		Use:   "doctor [--token JWT | < token] (--policy FILE | --stack NAME | --role-arn ARN) | doctor --from-job",
		Short: "Explain whether STS accepts a CircleCI OIDC token for a role",
		Long: "doctor decodes a CircleCI OIDC token ($CIRCLE_OIDC_TOKEN or $CIRCLE_OIDC_TOKEN_V2) and judges it\n" +
			"against a trust policy the way AWS STS does, condition by condition: from a file, from a stack's\n" +
			"trustPolicy output, or from a live role (AWS credentials from the environment; AWS_ENDPOINT_URL\n" +
			"is honoured); with --role-arn it also reads the role account's OIDC provider for the token's issuer,\n" +
			"since STS refuses an aud that is not one of its client IDs. --policy must be a regular file of at most\n" +
			"1 MiB. The token may be at most 20,000 characters, as for STS; standard input at most 64 KiB.\n" +
			"It exits 0 when STS would accept the token and its signature verified (--verify), 5 when the policy\n" +
			"accepts it but the signature was not checked, 3 when STS would refuse it, and 4 when the answer\n" +
			"depends on the request (such as the role session name or the caller's IP address), not only on the token.\n\n" +
			"In a CircleCI job, --from-job takes the job's own token ($CIRCLE_OIDC_TOKEN_V2, else $CIRCLE_OIDC_TOKEN),\n" +
			"the trust policy that publish --trust-policy wrote ($AWS_ROLE_TRUST_POLICY) and $AWS_ROLE_ARN: no AWS\n" +
			"credentials, and the token never printed.",
		Example: "  circleci-oidc doctor --from-job --verify      # in the CircleCI job whose assume was refused\n" +
			"  circleci-oidc doctor --token \"$CIRCLE_OIDC_TOKEN_V2\" --stack prod\n" +
			"  echo \"$TOKEN\" | circleci-oidc doctor --role-arn arn:aws:iam::123456789012:role/ci/deploy --verify",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			sources := 0
			for _, s := range []string{policyFile, stack, roleARN} {
				if s != "" {
					sources++
				}
			}
			var job jobInput
			switch {
			case fromJob && (sources > 0 || token != ""):
				return usage("--from-job reads the token, the policy and the role from the job's environment: " +
					"drop --token, --policy, --stack and --role-arn")
			case fromJob:
				j, err := readJob(env)
				if err != nil {
					return err
				}
				job = j
			case sources != 1:
				return usage("give exactly one of --policy, --stack and --role-arn, or --from-job in a CircleCI job")
			}
			raw := token
			if fromJob {
				raw = job.token
			} else if raw == "" || raw == "-" {
				if f, ok := cmd.InOrStdin().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
					return usage("no --token, and standard input is a terminal: pass --token or pipe the token in; " +
						"in a CircleCI job, use --from-job, which reads the job's own token and never prints it")
				}
				b, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), maxStdin+1))
				if err != nil {
					return fmt.Errorf("reading the token from standard input: %w", err)
				}
				if len(b) > maxStdin {
					return usage("standard input holds more than %d bytes; doctor reads one token, which STS limits to %d characters",
						maxStdin, doctor.MaxTokenLength)
				}
				raw = string(b)
			}
			if strings.TrimSpace(raw) == "" {
				return usage("no token: pass --token or pipe it on standard input")
			}
			tok, err := doctor.Parse(raw)
			if errors.Is(err, doctor.ErrTooLong) {
				fmt.Fprintf(cmd.OutOrStdout(), "Verdict: REFUSED: %v\n", strings.TrimPrefix(err.Error(), "doctor: "))
				return errRefused
			}
			if err != nil {
				return err
			}
			var policy trust.Document
			var source string
			if fromJob {
				policy, source, err = job.loadPolicy()
			} else {
				policy, source, err = loadPolicy(ctx, env, policyFile, stack, dir, roleARN)
			}
			if err != nil {
				return err
			}
			var foreign []string
			if roleARN != "" {
				policy, foreign = doctor.InAccount(policy, roleAccount(roleARN))
			}
			signature := doctor.ErrNotChecked
			if verify {
				signature = doctor.Verify(ctx, tok, issuerURL, env.HTTP)
			}
			report := doctor.Diagnose(tok, policy, source, env.Now(), signature)
			report.NoteForeignProviders(foreign, roleAccount(roleARN))
			if roleARN != "" {
				arn, found, clientIDs, err := roleProvider(ctx, roleARN, tok.Claims.Issuer)
				if err != nil {
					return err
				}
				report.CheckProvider(arn, found, clientIDs)
			}
			if err := report.Write(cmd.OutOrStdout()); err != nil {
				return err
			}
			switch report.Outcome {
			case doctor.Allowed:
				return nil
			case doctor.AllowedUnverified:
				return errUnverified
			case doctor.Undetermined:
				return errUndetermined
			}
			return errRefused
		},
	}
	f := cmd.Flags()
	f.StringVar(&token, "token", "", "the token (default: read from standard input)")
	f.StringVar(&policyFile, "policy", "", "trust policy JSON file")
	f.StringVar(&stack, "stack", "", "read the policy from this stack's trustPolicy output")
	f.StringVar(&dir, "cwd", ".", "folder of the Pulumi project, with --stack")
	f.StringVar(&roleARN, "role-arn", "", "read the policy from this IAM role")
	f.BoolVar(&verify, "verify", false, "also verify the signature with the issuer's published keys")
	f.StringVar(&issuerURL, "issuer-url", "", "discover the keys here instead of at the token's issuer (CircleCI server)")
	f.BoolVar(&fromJob, "from-job", false, "in a CircleCI job: read the token from $"+TokenV2Env+" (or $"+TokenV1Env+
		"), the policy from $"+publish.TrustPolicyVar+" and the role from $"+RoleARNEnv+"; needs no AWS credentials, never prints the token")
	return cmd
}

func loadPolicy(ctx context.Context, env Env, file, stack, dir, roleARN string) (trust.Document, string, error) {
	var text, source string
	switch {
	case file != "":
		b, err := readPolicyFile(file)
		if err != nil {
			return trust.Document{}, "", err
		}
		text, source = string(b), "file "+file
	case stack != "":
		s, err := env.LoadStack(ctx, dir, stack)
		if err != nil {
			return trust.Document{}, "", err
		}
		out, ok := s.Outputs["trustPolicy"]
		v, isString := out.Value.(string)
		if !ok || !isString {
			return trust.Document{}, "", fmt.Errorf("stack %s has no trustPolicy output; is it a circleci-oidc stack?", stack)
		}
		text, source = v, "stack "+stack+", output trustPolicy"
	default:
		doc, err := rolePolicy(ctx, roleARN)
		if err != nil {
			return trust.Document{}, "", err
		}
		text, source = doc, "role "+roleARN
	}
	d, err := trust.Parse(text)
	return d, source, err
}

// readPolicyFile reads --policy: a regular file of at most maxPolicyFile
// bytes, through inputfile, which refuses devices, such as /dev/zero, and
// named pipes before they are opened.
func readPolicyFile(name string) ([]byte, error) {
	b, err := inputfile.Read(name, maxPolicyFile)
	var bad *inputfile.Error
	switch {
	case errors.As(err, &bad) && bad.Kind != "":
		return nil, usage("--policy %v; give the path of a JSON policy document", err)
	case errors.As(err, &bad):
		return nil, usage("--policy %v; IAM limits a trust policy to 8,192 characters", err)
	}
	return b, err
}

// rolePolicy reads a role's trust policy with IAM GetRole.
func rolePolicy(ctx context.Context, roleARN string) (string, error) {
	i := strings.Index(roleARN, ":role/")
	if !strings.HasPrefix(roleARN, "arn:") || i < 0 {
		return "", usage("--role-arn %q is not a role ARN, such as arn:aws:iam::123456789012:role/ci/deploy", roleARN)
	}
	name := roleARN[strings.LastIndex(roleARN, "/")+1:]
	client, err := iamClient(ctx)
	if err != nil {
		return "", err
	}
	out, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		return "", fmt.Errorf("reading role %s: %w", name, err)
	}
	if err := sameRole(roleARN, aws.ToString(out.Role.Arn)); err != nil {
		return "", err
	}
	return trust.DecodeDocument(aws.ToString(out.Role.AssumeRolePolicyDocument)), nil
}

// iamClient returns an IAM client configured from the environment.
func iamClient(ctx context.Context) (*iam.Client, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1" // IAM is global
	}
	return iam.NewFromConfig(cfg), nil
}

// roleProvider reads the IAM OIDC provider for issuer in the account of
// roleARN, the one STS uses: its ARN, whether it exists, and its client IDs.
func roleProvider(ctx context.Context, roleARN, issuer string) (arn string, found bool, clientIDs []string, err error) {
	parts := strings.SplitN(roleARN, ":", 6) // arn:partition:iam::account:role/name
	if len(parts) < 6 {
		return "", false, nil, usage("--role-arn %q is not a role ARN, such as arn:aws:iam::123456789012:role/ci/deploy", roleARN)
	}
	arn = "arn:" + parts[1] + ":iam::" + parts[4] + ":oidc-provider/" + strings.TrimPrefix(issuer, "https://")
	client, err := iamClient(ctx)
	if err != nil {
		return "", false, nil, err
	}
	out, err := client.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)})
	var missing *iamtypes.NoSuchEntityException
	switch {
	case errors.As(err, &missing):
		return arn, false, nil, nil
	case err != nil:
		return "", false, nil, fmt.Errorf("reading OIDC provider %s: %w", arn, err)
	}
	return arn, true, out.ClientIDList, nil
}
