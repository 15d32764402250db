package cli_test

import (
	"flag"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/stackout"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/circlecitest"
)

var updateREADME = flag.Bool("update-readme", false, "rewrite the README's publish transcript from this test's output")

// unmarked returns vars without publish's marker variables.
func unmarked(vars map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range vars {
		if !strings.HasPrefix(k, "CIRCLECI_OIDC_MANAGED_") && !strings.HasPrefix(k, "CIRCLECI_OIDC_RESTRICTION_") {
			out[k] = v
		}
	}
	return out
}

// branchStack is devStack with branches, as the README's example stack.
func branchStack() stackout.Stack {
	s := devStack()
	s.Config["circleci-oidc:branches"] = `["main","release/*"]`
	return s
}

// Finding 6: two publishes of the same stack racing to create the context
// both succeed, and there is one context.
func TestPublishConcurrentRunsMakeOneContext(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	var posts atomic.Int32
	both := make(chan struct{})
	s.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == "POST" && r.URL.Path == "/api/v2/context" {
			if posts.Add(1) == 2 {
				close(both)
			}
			select { // hold each create until both runs have sent theirs
			case <-both:
			case <-time.After(3 * time.Second):
			}
		}
		return false
	})
	args := []string{"publish", "--context", "aws-dev", "--restrict", "--restrict-branches",
		"--var", "DB_PASSWORD=dbPassword", "--circleci-url", s.BaseURL()}
	results := make([]result, 2)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = run(t, publishEnv(circlecitest.Token, branchStack()), args...)
		}()
	}
	wg.Wait()
	for _, r := range results {
		assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	}
	assert.Equal(t, int32(2), posts.Load(), "both runs tried to create the context")
	assert.Equal(t, []string{org + "/aws-dev"}, s.Contexts())
	id := s.ContextID(org, "aws-dev")
	assert.Equal(t, []string{"project " + project, "project " + project2,
		`expression pipeline.git.branch == "main" or pipeline.git.branch starts-with "release/"`}, s.TypedRestrictions(id))
	assert.Equal(t, "hunter2-not-for-logs", s.Vars(id)["DB_PASSWORD"])
	assert.Len(t, s.Vars(id), 11, "4 variables, their 4 markers and the markers of 3 restrictions")
}

func TestPublishFlagErrors(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"http to a remote host", []string{"--context", "x", "--circleci-url", "http://circleci.example/api/v2"}, 2,
			"--circleci-url: circleci: base URL \"http://circleci.example/api/v2\" uses http://, which would send the API token in clear text"},
		{"bad slug", []string{"--project-slug", "acme/api"}, 2, `--project-slug: project slug "acme/api" is not vcs/org/repo`},
		{"restrict without context", []string{"--project-slug", "gh/acme/api", "--restrict"}, 1,
			"restrictions apply to a context"},
		{"branches not expressible", []string{"--context", "x", "--restrict-branches"}, 1,
			`--restrict-branches: stack dev: branch "feature/*-fix" (circleci-oidc:branches[1]) has a * that is not its last character`},
		{"marker name", []string{"--context", "x", "--var", "CIRCLECI_OIDC_MANAGED_X=roleArn"}, 2, "publish's own markers"},
		{"no /api/v2", []string{"--context", "x", "--circleci-url", s.URL}, 1, "CircleCI serves API v2 under /api/v2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := devStack()
			st.Config["circleci-oidc:branches"] = `["main","feature/*-fix"]`
			r := run(t, publishEnv(circlecitest.Token, st), append([]string{"publish"}, tt.args...)...)
			assert.Equal(t, tt.code, r.code, r.stdout+r.stderr)
			assert.Contains(t, r.stderr, tt.want)
			assert.NotContains(t, r.stdout+r.stderr, circlecitest.Token)
		})
	}
}

// Finding 1 end to end: a redirect to another origin fails the run, and the
// token never reaches that origin.
func TestPublishRefusesARedirectElsewhere(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	var leaked atomic.Int32
	evil := circlecitest.NewServer()
	defer evil.Close()
	evil.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Header.Get("Circle-Token") != "" {
			leaked.Add(1)
		}
		return false
	})
	s.Inject(circlecitest.Injection{Method: "PUT", Kind: circlecitest.Redirect, Status: http.StatusTemporaryRedirect,
		Location: evil.BaseURL() + "/context/x/environment-variable/AWS_ROLE_ARN"})
	r := run(t, publishEnv(circlecitest.Token, devStack()), "publish", "--context", "aws-dev", "--circleci-url", s.BaseURL())
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "refusing to send the API token to another origin")
	assert.Zero(t, leaked.Load())
	assert.Empty(t, evil.Requests())
	assert.Contains(t, r.stdout, "Stopped. What exists now:")
}

// readmeSteps are the commands of the README's publish transcript, run
// against the fake API in order.
var readmeSteps = [][]string{
	{"publish", "--stack", "dev", "--context", "aws-dev", "--restrict", "--restrict-branches",
		"--var", "DB_PASSWORD=dbPassword", "--dry-run"},
	{"publish", "--stack", "dev", "--context", "aws-dev", "--restrict", "--restrict-branches",
		"--var", "DB_PASSWORD=dbPassword"},
	{"publish", "--stack", "dev", "--context", "aws-dev", "--restrict", "--restrict-branches",
		"--project-slug", "gh/acme/api", "--prune", "--dry-run"},
}

const (
	transcriptStart = "<!-- publish transcript: generated by TestREADMEPublishTranscript (go test ./internal/cli -run TestREADMEPublishTranscript -update-readme) -->\n"
	transcriptEnd   = "<!-- end of publish transcript -->\n"
)

// TestREADMEPublishTranscript keeps the README's publish transcript equal
// to what publish prints against the fake API.
func TestREADMEPublishTranscript(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	var b strings.Builder
	b.WriteString("```console\n$ export CIRCLE_TOKEN=...          # User Settings > Personal API Tokens\n")
	for i, step := range readmeSteps {
		r := run(t, publishEnv(circlecitest.Token, branchStack()), append(step, "--circleci-url", s.BaseURL())...)
		require.Equal(t, 0, r.code, r.stderr)
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString("$ circleci-oidc " + strings.Join(step, " ") + "\n" + r.stdout)
	}
	b.WriteString("```\n")
	got := b.String()

	const path = "../../docs/_index.md"
	readme, err := os.ReadFile(path)
	require.NoError(t, err)
	text := string(readme)
	start := strings.Index(text, transcriptStart)
	end := strings.Index(text, transcriptEnd)
	require.True(t, start >= 0 && end > start, "docs/_index.md has no publish transcript markers")
	current := text[start+len(transcriptStart) : end]
	if *updateREADME {
		require.NoError(t, os.WriteFile(path, []byte(text[:start+len(transcriptStart)]+got+text[end:]), 0o644))
		return
	}
	assert.Equal(t, got, current, "the README's publish transcript is stale: run with -update-readme")
}
