package e2e

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/circleci"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/cli"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/publish"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/stackout"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/circlecitest"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/oidctest"
)

// Scenario 2: a second stack in the same account reuses the provider.
func TestSecondStackReusesTheProvider(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	providerARN := w.upDev(t)

	// Without existingProviderArn, IAM's EntityAlreadyExists surfaces.
	clash := w.besideDev(t, "clash")
	_, err := clash.Up(ctx, optup.ProgressStreams(io.Discard))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "EntityAlreadyExists")

	second := w.besideDev(t, "second")
	setPath(t, second, "circleci-oidc:existingProviderArn", providerARN)
	handshakes := w.tlsSrv.handshakes.Load()
	res, err := second.Up(ctx, optup.ProgressStreams(io.Discard))
	require.NoError(t, err)
	assert.Equal(t, providerARN, res.Outputs["providerArn"].Value)
	assert.Equal(t, handshakes, w.tlsSrv.handshakes.Load(), "a reused provider needs no certificate")
	assert.Equal(t, []string{providerARN}, w.providerARNs(ctx, t), "still one provider")
	assert.ElementsMatch(t, []string{devRole, "circleci-deploy-second"}, w.roleNames(ctx, t))
}

// Scenario 5: publish the real stack's outputs and judge tokens against the live role.
func TestPublishAndDoctorAgainstTheStack(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	st := w.devStack(t, "dev")
	res, err := st.Up(ctx, optup.ProgressStreams(io.Discard))
	require.NoError(t, err)
	roleARN := res.Outputs["roleArn"].Value.(string)

	s, err := stackout.FromWorkspace(ctx, st.Workspace(), "dev")
	require.NoError(t, err)
	plan, err := publish.NewPlan(s, publish.Options{Context: "aws-dev", Restrict: true})
	require.NoError(t, err)
	fake := circlecitest.NewServer()
	defer fake.Close()
	api, err := circleci.New(circlecitest.Token, circleci.WithBaseURL(fake.BaseURL()))
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, publish.Apply(ctx, api, plan, &out))
	id := fake.ContextID(devOrg, "aws-dev")
	require.NotEmpty(t, id, out.String())
	vars := fake.Vars(id)
	for name := range vars {
		if strings.HasPrefix(name, publish.MarkerPrefix) || strings.HasPrefix(name, publish.RestrictionMarkerPrefix) { // publish's markers
			delete(vars, name)
		}
	}
	assert.Equal(t, map[string]string{
		"AWS_ROLE_ARN": roleARN, "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1",
	}, vars)
	assert.Equal(t, []string{devProject, "33333333-3333-4333-8333-333333333333"}, fake.Restrictions(id))

	job := oidctest.Token{Org: devOrg, Project: devProject, User: "55555555-5555-4555-8555-555555555555",
		Origin: "github.com/acme/api", Ref: "refs/heads/main"}
	doctor := func(tok oidctest.Token) (int, string) {
		raw, err := w.issuer.Sign(tok)
		require.NoError(t, err)
		var stdout, stderr bytes.Buffer
		code := cli.Execute(ctx, []string{"doctor", "--role-arn", roleARN, "--token", raw, "--verify",
			"--issuer-url", w.issuer.URL}, cli.Env{
			Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" },
			Now: time.Now, HTTP: &http.Client{Timeout: 10 * time.Second},
		})
		return code, stdout.String() + stderr.String()
	}
	code, text := doctor(job)
	assert.Equal(t, 0, code, text)
	assert.Contains(t, text, "Verdict: ALLOWED")
	job.Ref = "refs/heads/feature"
	code, text = doctor(job)
	assert.Equal(t, cli.ExitRefused, code, text)
	assert.Contains(t, text, "Verdict: REFUSED")
}
