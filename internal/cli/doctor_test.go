package cli_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/cli"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/stackout"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/oidctest"
)

const (
	user   = "55555555-5555-4555-8555-555555555555"
	origin = "github.com/acme/api"
)

// mainOnlyPolicy is what the component builds for project, main branch.
func mainOnlyPolicy() string {
	return trust.Build(trust.Spec{
		ProviderARN: "arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/" + org, // moto's account
		IssuerURL:   "https://oidc.circleci.com/org/" + org,
		Audiences:   []string{org},
		Scope:       trust.Scope{OrganizationID: org, ProjectIDs: []string{project}, Branches: []string{"main"}},
	}).JSON()
}

func policyFile(t *testing.T) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "trust.json")
	require.NoError(t, os.WriteFile(f, []byte(mainOnlyPolicy()), 0o600))
	return f
}

func issuer(t *testing.T) *oidctest.Issuer {
	t.Helper()
	iss, err := oidctest.NewIssuer()
	require.NoError(t, err)
	t.Cleanup(iss.Close)
	return iss
}

func sign(t *testing.T, iss *oidctest.Issuer, tok oidctest.Token) string {
	t.Helper()
	raw, err := iss.Sign(tok)
	require.NoError(t, err)
	return raw
}

var onMain = oidctest.Token{Org: org, Project: project, User: user, Origin: origin, Ref: "refs/heads/main"}

func TestDoctorVerdicts(t *testing.T) {
	iss := issuer(t)
	file := policyFile(t)
	with := func(mutate func(*oidctest.Token)) oidctest.Token {
		tok := onMain
		mutate(&tok)
		return tok
	}
	other, err := oidctest.SignWithOtherKey(onMain)
	require.NoError(t, err)

	tests := []struct {
		name   string
		token  string
		verify bool
		code   int
		want   []string
	}{
		{"accepted", sign(t, iss, onMain), true, 0, []string{
			"Token (v2)", "signature    verified against the issuer's keys",
			"ok    StringLike oidc.circleci.com/org/" + org + ":sub", "Verdict: ALLOWED"}},
		{"wrong project", sign(t, iss, with(func(x *oidctest.Token) { x.Project = project2 })), false, cli.ExitRefused, []string{
			"FAIL  StringLike", `sub "org/` + org + `/project/` + project2, "does not match", "Verdict: REFUSED"}},
		{"wrong branch", sign(t, iss, with(func(x *oidctest.Token) { x.Ref = "refs/heads/feature" })), false, cli.ExitRefused, []string{
			"/vcs-ref/refs/heads/feature\" does not match", "Verdict: REFUSED: statement 0: sub"}},
		{"wrong audience", sign(t, iss, with(func(x *oidctest.Token) { x.Audience = "sts.amazonaws.com" })), false, cli.ExitRefused, []string{
			`aud "sts.amazonaws.com" does not equal "` + org + `"`, "Verdict: REFUSED"}},
		{"expired", sign(t, iss, with(func(x *oidctest.Token) { x.IssuedAt = time.Now().Add(-2 * time.Hour) })), false, cli.ExitRefused, []string{
			"lifetime     expired at", "Verdict: REFUSED: the token expired at"}},
		{"bad signature", other, true, cli.ExitRefused, []string{"Verdict: REFUSED: the signature does not verify"}},
		{"tampered signature", oidctest.Tamper(sign(t, iss, onMain)), true, cli.ExitRefused, []string{"signature does not verify"}},
		{"v1 token against a branch policy", sign(t, iss, with(func(x *oidctest.Token) { x.Origin, x.Ref = "", "" })), false, cli.ExitRefused, []string{
			"Token (v1)", "Verdict: REFUSED"}},
		{"signature not checked", sign(t, iss, onMain), false, cli.ExitUnverified, []string{"signature    not checked (pass --verify)",
			"Verdict: ALLOWED, SIGNATURE NOT CHECKED: an Allow statement matches the token; pass --verify"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"doctor", "--token", tt.token, "--policy", file}
			if tt.verify {
				args = append(args, "--verify", "--issuer-url", iss.URL)
			}
			r := run(t, cli.Env{}, args...)
			assert.Equal(t, tt.code, r.code, r.stdout+r.stderr)
			for _, w := range tt.want {
				assert.Contains(t, r.stdout, w)
			}
		})
	}
}

func TestDoctorReadsStdinAndStack(t *testing.T) {
	iss := issuer(t)
	env := cli.Env{
		Stdin: strings.NewReader(sign(t, iss, onMain) + "\n"),
		LoadStack: func(_ context.Context, _, stack string) (stackout.Stack, error) {
			return stackout.Stack{Name: stack, Outputs: map[string]stackout.Output{"trustPolicy": {Value: mainOnlyPolicy()}}}, nil
		},
	}
	r := run(t, env, "doctor", "--stack", "prod")
	assert.Equal(t, cli.ExitUnverified, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Policy (stack prod, output trustPolicy)")
	assert.Contains(t, r.stdout, "Verdict: ALLOWED")
}

func TestDoctorUsage(t *testing.T) {
	iss := issuer(t)
	tok := sign(t, iss, onMain)
	file := policyFile(t)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no policy", []string{"doctor", "--token", tok}, 2, "give exactly one of --policy, --stack and --role-arn"},
		{"two policies", []string{"doctor", "--token", tok, "--policy", file, "--stack", "prod"}, 2, "exactly one"},
		{"no token", []string{"doctor", "--policy", file}, 2, "no token"},
		{"not a JWT", []string{"doctor", "--token", "hello", "--policy", file}, 1, "not a signed JWT"},
		{"not a role ARN", []string{"doctor", "--token", tok, "--role-arn", "deploy"}, 2, `--role-arn "deploy" is not a role ARN`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, cli.Env{}, tt.args...)
			assert.Equal(t, tt.code, r.code, r.stderr)
			assert.Contains(t, r.stderr, tt.want)
		})
	}
}

// TestExitCodesAreDistinctAndDocumented checks that a refused token is told
// apart from a failure, and that --help lists every code.
func TestExitCodesAreDistinctAndDocumented(t *testing.T) {
	codes := []int{cli.ExitOK, cli.ExitFailed, cli.ExitUsage, cli.ExitRefused, cli.ExitUndetermined, cli.ExitUnverified, cli.ExitFindings}
	seen := map[int]bool{}
	for _, c := range codes {
		assert.False(t, seen[c], "exit code %d is used twice", c)
		seen[c] = true
	}
	r := run(t, cli.Env{}, "--help")
	require.Equal(t, 0, r.code, r.stderr)
	for _, c := range codes {
		assert.Regexp(t, fmt.Sprintf(`(?m)^  %d  \S`, c), r.stdout, "--help documents exit code %d", c)
	}
}
