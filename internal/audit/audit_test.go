package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/audit"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/cli"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/mototest"
)

var update = flag.Bool("update", false, "rewrite testdata/moto-audit.txt from the moto-seeded account")

// recorder notes every IAM action a client sends.
type recorder struct {
	next    iam.HTTPClient
	mu      sync.Mutex
	actions []string
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	action, err := audit.Action(req)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.actions = append(r.actions, action)
	r.mu.Unlock()
	return r.next.Do(req)
}

func motoClient(t *testing.T, opts ...func(*iam.Options)) *iam.Client {
	t.Helper()
	cfg, err := awsconfig.LoadDefaultConfig(t.Context())
	require.NoError(t, err)
	return iam.NewFromConfig(cfg, opts...)
}

// snapshot is everything audit could change: the roles with their policies,
// and the providers with their client IDs.
func snapshot(t *testing.T, c *iam.Client) string {
	t.Helper()
	var b strings.Builder
	roles, err := c.ListRoles(t.Context(), &iam.ListRolesInput{})
	require.NoError(t, err)
	for _, r := range roles.Roles {
		b.WriteString(aws.ToString(r.Arn) + " " + aws.ToString(r.AssumeRolePolicyDocument) + "\n")
	}
	ps, err := c.ListOpenIDConnectProviders(t.Context(), &iam.ListOpenIDConnectProvidersInput{})
	require.NoError(t, err)
	for _, p := range ps.OpenIDConnectProviderList {
		out, err := c.GetOpenIDConnectProvider(t.Context(), &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: p.Arn})
		require.NoError(t, err)
		b.WriteString(aws.ToString(p.Arn) + " " + strings.Join(out.ClientIDList, ",") + "\n")
	}
	return b.String()
}

func checks(fs []audit.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Check)
	}
	return out
}

// TestAuditMotoAccount scans a moto account seeded with the shapes common
// tools write and this project's own, through a client that records every
// action, then runs the command against it.
func TestAuditMotoAccount(t *testing.T) {
	mototest.Start(t)
	plain := motoClient(t)
	require.NoError(t, seed(t.Context(), plain))
	before := snapshot(t, plain)

	rec := &recorder{next: http.DefaultClient}
	report, err := audit.Scan(t.Context(), motoClient(t, func(o *iam.Options) { o.HTTPClient = rec }), audit.Options{PageSize: 3})
	require.NoError(t, err)

	// Read-only: every action is a Get or a List, and the roles came in pages.
	listRoles := 0
	for _, a := range rec.actions {
		assert.True(t, strings.HasPrefix(a, "Get") || strings.HasPrefix(a, "List"), "audit sent %s", a)
		if a == "ListRoles" {
			listRoles++
		}
	}
	assert.GreaterOrEqual(t, listRoles, 4, "10 roles in pages of 3")
	assert.Contains(t, rec.actions, "GetOpenIDConnectProvider")

	byName := map[string]audit.Role{}
	for _, r := range report.Roles {
		byName[r.Name] = r
	}
	assert.Equal(t, 10, report.RolesScanned)
	for _, want := range seedRoles() {
		got, found := byName[want.name]
		if want.skip {
			assert.False(t, found, "%s does not trust CircleCI", want.name)
			continue
		}
		require.True(t, found, want.name)
		assert.Equal(t, want.want, checks(got.Findings), "%s: %+v", want.name, got.Findings)
	}
	require.Len(t, report.Providers, 2, "the GitHub provider is not CircleCI's")
	assert.Equal(t, providerARN(org), report.Providers[0].ARN)
	var unused []string
	for _, f := range report.Findings {
		if f.Check == audit.CheckUnusedClientID {
			unused = append(unused, f.Provider+" "+f.Pattern)
		}
	}
	assert.Equal(t, []string{providerARN(org) + " sts.amazonaws.com"}, unused)
	worst, _ := report.Worst()
	assert.Equal(t, audit.Critical, worst)

	// The command: same verdicts, a table for people, and exit 6.
	var stdout, stderr bytes.Buffer
	code := cli.Execute(context.Background(), []string{"audit"}, cli.Env{
		Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: os.Getenv, Now: time.Now,
	})
	assert.Equal(t, cli.ExitFindings, code, stderr.String())
	golden := filepath.Join("testdata", "moto-audit.txt")
	if *update {
		require.NoError(t, os.WriteFile(golden, stdout.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), stdout.String(), "run go test ./internal/audit -run TestAuditMotoAccount -update")
	readme, err := os.ReadFile(filepath.Join("..", "..", "docs", "_index.md"))
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(readme), "$ circleci-oidc audit\n"+string(want)),
		"the audit example in docs/_index.md must be testdata/moto-audit.txt, after a line \"$ circleci-oidc audit\"")

	stdout.Reset()
	code = cli.Execute(context.Background(), []string{"audit", "--json", "--fail-on", "critical"}, cli.Env{
		Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: os.Getenv, Now: time.Now,
	})
	assert.Equal(t, cli.ExitFindings, code, stderr.String())
	var fromJSON audit.Report
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &fromJSON), stdout.String())
	assert.Len(t, fromJSON.Findings, len(report.Findings))
	assert.Contains(t, stdout.String(), `"severity": "critical"`)

	assert.Equal(t, before, snapshot(t, plain), "audit changed the account")
}

// TestReadOnlyRefusesWrites: the guard the command installs stops a write
// before it is sent.
func TestReadOnlyRefusesWrites(t *testing.T) {
	mototest.Start(t)
	guarded := motoClient(t, func(o *iam.Options) { o.HTTPClient = audit.ReadOnly{Next: http.DefaultClient} })
	_, err := guarded.CreateRole(t.Context(), &iam.CreateRoleInput{
		RoleName: aws.String("x"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`),
	})
	require.ErrorContains(t, err, "audit: refusing IAM CreateRole: audit only reads")
	_, err = guarded.DeleteOpenIDConnectProvider(t.Context(), &iam.DeleteOpenIDConnectProviderInput{
		OpenIDConnectProviderArn: aws.String(providerARN(org)),
	})
	require.ErrorContains(t, err, "refusing IAM DeleteOpenIDConnectProvider")
	out, err := guarded.ListRoles(t.Context(), &iam.ListRolesInput{})
	require.NoError(t, err)
	assert.Empty(t, out.Roles, "the refused CreateRole never reached IAM")
}
