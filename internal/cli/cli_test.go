package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/cli"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/stackout"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/circlecitest"
)

const (
	org      = "11111111-1111-4111-8111-111111111111"
	project  = "22222222-2222-4222-8222-222222222222"
	project2 = "33333333-3333-4333-8333-333333333333"
	roleARN  = "arn:aws:iam::111111111111:role/ci/circleci-deploy-dev"
)

// devStack is what the Automation API reads from a deployed dev stack.
func devStack() stackout.Stack {
	return stackout.Stack{
		Name: "dev",
		Outputs: map[string]stackout.Output{
			"roleArn":     {Value: roleARN},
			"roleName":    {Value: "circleci-deploy-dev"},
			"thumbprints": {Value: []any{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"}},
			"dbPassword":  {Value: "hunter2-not-for-logs", Secret: true},
		},
		Config: map[string]string{
			"aws:region":                   "eu-west-1",
			"circleci-oidc:organizationId": org,
			"circleci-oidc:projectIds":     `["` + project + `","` + project2 + `"]`,
		},
	}
}

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, env cli.Env, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	env.Stdout, env.Stderr = &out, &errOut
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.HTTP == nil {
		env.HTTP = &http.Client{Timeout: 5 * time.Second}
	}
	code := cli.Execute(t.Context(), args, env)
	return result{code, out.String(), errOut.String()}
}

func publishEnv(token string, s stackout.Stack) cli.Env {
	return cli.Env{
		Getenv: func(k string) string {
			if k == "CIRCLE_TOKEN" {
				return token
			}
			return ""
		},
		LoadStack: func(_ context.Context, dir, stack string) (stackout.Stack, error) {
			if stack != "" && stack != s.Name {
				return stackout.Stack{}, fmt.Errorf("no stack named %s", stack)
			}
			return s, nil
		},
	}
}

func TestPublishCreatesThenChangesNothing(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	env := publishEnv(circlecitest.Token, devStack())
	args := []string{"publish", "--stack", "dev", "--context", "aws-dev", "--restrict",
		"--var", "ROLE_NAME=roleName", "--circleci-url", s.BaseURL()}

	first := run(t, env, args...)
	require.Equal(t, 0, first.code, first.stderr)
	id := s.ContextID(org, "aws-dev")
	require.NotEmpty(t, id)
	assert.Equal(t, map[string]string{
		"AWS_ROLE_ARN":       roleARN,
		"AWS_REGION":         "eu-west-1",
		"AWS_DEFAULT_REGION": "eu-west-1",
		"ROLE_NAME":          "circleci-deploy-dev",
	}, unmarked(s.Vars(id)))
	assert.Len(t, s.Vars(id), 10, "each variable has its marker, and each restriction")
	assert.Equal(t, []string{project, project2}, s.Restrictions(id))
	assert.Contains(t, first.stdout, "context      created ("+id+")")
	assert.Contains(t, first.stdout, "restricted to project "+project)

	before := s.Writes()
	second := run(t, env, args...)
	require.Equal(t, 0, second.code, second.stderr)
	assert.Equal(t, []string{org + "/aws-dev"}, s.Contexts(), "no second context")
	assert.Equal(t, []string{project, project2}, s.Restrictions(id), "no restriction twice")
	assert.Len(t, s.Vars(id), 10)
	assert.Contains(t, second.stdout, "context      found ("+id+")")
	assert.Contains(t, second.stdout, "project "+project+" already in place")
	assert.Equal(t, 8, s.Writes()-before, "the second run only re-puts the four variables and their markers")
}

func TestPublishDryRunMasksSecretsAndWritesNothing(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	r := run(t, publishEnv(circlecitest.Token, devStack()), "publish", "--context", "aws-dev", "--restrict",
		"--var", "DB_PASSWORD=dbPassword", "--var", "THUMBPRINTS=thumbprints", "--dry-run", "--circleci-url", s.BaseURL())
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "context      would be created")
	assert.Contains(t, r.stdout, "would set DB_PASSWORD        = [secret]  (output dbPassword)")
	assert.Contains(t, r.stdout, `would set THUMBPRINTS        = ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]`)
	assert.Contains(t, r.stdout, "would set AWS_ROLE_ARN       = "+roleARN+"  (output roleArn)")
	assert.Contains(t, r.stdout, "would restrict to project "+project2)
	assert.NotContains(t, r.stdout, "hunter2")
	assert.Zero(t, s.Writes())
}

func TestPublishDryRunWithoutToken(t *testing.T) {
	r := run(t, publishEnv("", devStack()), "publish", "--context", "aws-dev", "--dry-run")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "not looked up (no CIRCLE_TOKEN)")
}

func TestPublishFailures(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	noRole := devStack()
	delete(noRole.Outputs, "roleArn")
	tests := []struct {
		name  string
		env   cli.Env
		args  []string
		code  int
		want  string
		wants []string
	}{
		{"no context flag", publishEnv(circlecitest.Token, devStack()), []string{"publish"}, 2,
			"--context is required", nil},
		{"bad --var", publishEnv(circlecitest.Token, devStack()), []string{"publish", "--context", "x", "--var", "nope"}, 2,
			`--var "nope" is not NAME=output`, nil},
		{"unknown flag", publishEnv(circlecitest.Token, devStack()), []string{"publish", "--contxt", "x"}, 2,
			"unknown flag: --contxt", nil},
		{"unknown output", publishEnv(circlecitest.Token, devStack()), []string{"publish", "--context", "x", "--var", "A=nope"}, 1,
			"stack dev has no output nope", nil},
		{"not a circleci-oidc stack", publishEnv(circlecitest.Token, noRole), []string{"publish", "--context", "x"}, 1,
			"has no output roleArn", nil},
		{"no token", publishEnv("", devStack()), []string{"publish", "--context", "x"}, 1,
			"set CIRCLE_TOKEN to a personal API token", nil},
		{"bad token", publishEnv("wrong-SECRET-token", devStack()), []string{"publish", "--context", "x", "--circleci-url", s.BaseURL()}, 1,
			"401 Unauthorized", []string{"check CIRCLE_TOKEN"}},
		{"no create", publishEnv(circlecitest.Token, devStack()), []string{"publish", "--context", "aws-new", "--no-create", "--circleci-url", s.BaseURL()}, 1,
			`context "aws-new" does not exist`, []string{"--no-create"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.env, tt.args...)
			assert.Equal(t, tt.code, r.code, r.stderr)
			assert.Contains(t, r.stderr, tt.want)
			for _, w := range tt.wants {
				assert.Contains(t, r.stderr, w)
			}
			assert.NotContains(t, r.stdout+r.stderr, "SECRET")
			assert.NotContains(t, r.stdout+r.stderr, circlecitest.Token)
		})
	}
}
