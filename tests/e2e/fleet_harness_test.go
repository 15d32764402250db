package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/cli"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/fleet"
)

// fleetOrg is the organization seeded in moto: OUs /prod, /prod/eu and
// /sandbox, six accounts, one of them closed.
type fleetOrg struct {
	org    *organizations.Client
	root   string
	ous    map[string]string // path -> ID
	ids    map[string]string // account name -> ID
	closed string
}

// fleetAccounts are the seeded accounts' names and OU paths.
var fleetAccounts = []struct{ name, ou string }{
	{"prod-api", "/prod"}, {"prod-web", "/prod"}, {"prod-eu", "/prod/eu"},
	{"sandbox-a", "/sandbox"}, {"sandbox-b", "/sandbox"}, {"sandbox-closed", "/sandbox"},
}

// seedOrg creates the organization with the ambient (management) credentials.
func seedOrg(t *testing.T) *fleetOrg {
	t.Helper()
	ctx := t.Context()
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	require.NoError(t, err)
	o := &fleetOrg{org: organizations.NewFromConfig(cfg), ous: map[string]string{}, ids: map[string]string{}}
	_, err = o.org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll})
	require.NoError(t, err)
	roots, err := o.org.ListRoots(ctx, &organizations.ListRootsInput{})
	require.NoError(t, err)
	o.root = aws.ToString(roots.Roots[0].Id)
	o.ous["/"] = o.root
	for _, p := range []string{"/prod", "/prod/eu", "/sandbox"} {
		parent := o.ous[filepath.Dir(p)]
		out, err := o.org.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{
			ParentId: aws.String(parent), Name: aws.String(filepath.Base(p))})
		require.NoError(t, err)
		o.ous[p] = aws.ToString(out.OrganizationalUnit.Id)
	}
	for _, a := range fleetAccounts {
		out, err := o.org.CreateAccount(ctx, &organizations.CreateAccountInput{
			AccountName: aws.String(a.name), Email: aws.String(a.name + "@example.com")})
		require.NoError(t, err)
		id := aws.ToString(out.CreateAccountStatus.AccountId)
		o.ids[a.name] = id
		o.move(t, id, o.root, o.ous[a.ou])
	}
	o.closed = o.ids["sandbox-closed"]
	_, err = o.org.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(o.closed)})
	require.NoError(t, err)
	return o
}

func (o *fleetOrg) move(t *testing.T, id, from, to string) {
	t.Helper()
	_, err := o.org.MoveAccount(t.Context(), &organizations.MoveAccountInput{
		AccountId: aws.String(id), SourceParentId: aws.String(from), DestinationParentId: aws.String(to)})
	require.NoError(t, err)
}

// active returns the IDs of the accounts fleet should deploy to.
func (o *fleetOrg) active() []string {
	var out []string
	for _, a := range fleetAccounts {
		if id := o.ids[a.name]; id != o.closed {
			out = append(out, id)
		}
	}
	return out
}

// accountIAM is an IAM client in an account, through its
// OrganizationAccountAccessRole, as an operator would read it.
func accountIAM(t *testing.T, account string) *iam.Client {
	t.Helper()
	ctx := t.Context()
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	require.NoError(t, err)
	if account == motoDefaultAccount {
		return iam.NewFromConfig(cfg)
	}
	out, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String(fleet.RoleArn("aws", account, fleet.DefaultRoleName)),
		RoleSessionName: aws.String("e2e-check")})
	require.NoError(t, err)
	k := out.Credentials
	cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(k.AccessKeyId),
		aws.ToString(k.SecretAccessKey), aws.ToString(k.SessionToken))
	return iam.NewFromConfig(cfg)
}

// providersIn lists the OIDC provider ARNs of an account.
func providersIn(ctx context.Context, t *testing.T, c *iam.Client) []string {
	t.Helper()
	list, err := c.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
	require.NoError(t, err)
	var out []string
	for _, p := range list.OpenIDConnectProviderList {
		out = append(out, aws.ToString(p.Arn))
	}
	return out
}

// rolesIn lists the role names of an account other than the Organizations role.
func rolesIn(ctx context.Context, t *testing.T, c *iam.Client) []string {
	t.Helper()
	list, err := c.ListRoles(ctx, &iam.ListRolesInput{})
	require.NoError(t, err)
	var out []string
	for _, r := range list.Roles {
		if n := aws.ToString(r.RoleName); n != fleet.DefaultRoleName {
			out = append(out, n)
		}
	}
	return out
}

// fleetYAML is the fleet.yaml of the scenarios: every account trusts one
// project; prod narrows it to main of one repository; prod/eu tags its role.
func fleetYAML(extra string) string {
	return `version: 1
region: us-east-1
defaults:
  organizationId: ` + devOrg + `
  projectIds: [` + devProject + `]
  roleName: circleci-deploy
ous:
  /prod:
    branches: [main]
    vcsOrigins: [github.com/acme/api]
  /prod/eu:
    tags: {region: eu}
` + extra
}

// fleetEnv is a world's engine environment set in this process, for the
// command line run in process.
func (w *world) fleetEnv(t *testing.T) {
	t.Helper()
	for k, v := range w.env {
		t.Setenv(k, v)
	}
}

// fleetRun runs circleci-oidc fleet in dir and returns its exit code, stdout
// and stderr.
func fleetRun(t *testing.T, ctx context.Context, dir string, args ...string) (int, string, string) {
	t.Helper()
	t.Chdir(dir)
	var out, errOut bytes.Buffer
	code := cli.Execute(ctx, append([]string{"fleet"}, args...), cli.Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: os.Getenv, Now: time.Now,
		HTTP: &http.Client{Timeout: 10 * time.Second}})
	return code, out.String(), errOut.String()
}

// fleetReport runs fleet with --json and decodes the report.
func fleetReport(t *testing.T, ctx context.Context, dir string, args ...string) (int, *fleet.Report, string) {
	t.Helper()
	code, out, errOut := fleetRun(t, ctx, dir, append(args, "--json")...)
	var r fleet.Report
	require.NoError(t, json.Unmarshal([]byte(out), &r), "stdout: %s\nstderr: %s", out, errOut)
	return code, &r, errOut
}

// rowsByAccount indexes a report's rows.
func rowsByAccount(r *fleet.Report) map[string]fleet.Row {
	out := map[string]fleet.Row{}
	for _, row := range r.Rows {
		out[row.Account] = row
	}
	return out
}

// writeFile writes a file in dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

// describe makes a failure message of a report.
func describe(r *fleet.Report, stderr string) string {
	var b strings.Builder
	_ = r.WriteTable(&b)
	return fmt.Sprintf("%s\nstderr:\n%s", b.String(), stderr)
}

// mustJSON encodes a report as --json does.
func mustJSON(t *testing.T, r *fleet.Report) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, r.WriteJSON(&b))
	return b.String()
}

var update = flag.Bool("update", false, "rewrite the fleet transcripts of docs/fleet.md from this run")

// fixedIDs are the account IDs docs/fleet.md's transcripts show, by account name.
var fixedIDs = map[string]string{
	"prod-api": "210000000001", "prod-web": "210000000002", "prod-eu": "220000000001",
	"sandbox-a": "310000000001", "sandbox-b": "310000000002", "sandbox-closed": "310000000003",
}

// transcript renders a run's report as docs/fleet.md shows it: moto's random
// account IDs replaced by fixed ones and the times left out, so that it is
// the same on every run.
func (o *fleetOrg) transcript(t *testing.T, command string, r *fleet.Report) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, r.WriteJSON(&buf))
	text := buf.String()
	for name, id := range o.ids {
		text = strings.ReplaceAll(text, id, fixedIDs[name])
	}
	var fixed fleet.Report
	require.NoError(t, json.Unmarshal([]byte(text), &fixed))
	for i := range fixed.Rows {
		fixed.Rows[i].Seconds = 0
	}
	fixed.Sort()
	var table bytes.Buffer
	require.NoError(t, fixed.WriteTable(&table))
	if r.Command == "fleet plan" {
		require.NoError(t, fleet.WriteConfigs(&table, &fixed))
	}
	return "```text\n$ " + command + "\n" + table.String() + "```\n"
}

// fleetDocBlock checks that docs/fleet.md holds content between the marker
// line that starts with open and the line close, or writes it there with
// -update.
func fleetDocBlock(t *testing.T, open, close, content string) {
	t.Helper()
	path := filepath.Join(repoRoot(), "docs", "fleet.md")
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	s := string(raw)
	i := strings.Index(s, open)
	require.GreaterOrEqual(t, i, 0, "docs/fleet.md lacks %q", open)
	i += strings.Index(s[i:], "\n") + 1
	j := strings.Index(s[i:], close)
	require.GreaterOrEqual(t, j, 0, "docs/fleet.md lacks %q", close)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(s[:i]+content+s[i+j:]), 0o644))
		return
	}
	require.Equal(t, content, s[i:i+j], "docs/fleet.md is out of date: run the e2e test with -update")
}
