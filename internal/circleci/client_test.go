package circleci_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/circleci"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/circlecitest"
)

const org = "11111111-1111-4111-8111-111111111111"

func client(t *testing.T, s *circlecitest.Server, token string, opts ...circleci.Option) *circleci.Client {
	t.Helper()
	opts = append([]circleci.Option{
		circleci.WithBaseURL(s.BaseURL()),
		circleci.WithRetries(3, time.Millisecond),
		circleci.WithTimeout(2 * time.Second),
	}, opts...)
	c, err := circleci.New(token, opts...)
	require.NoError(t, err)
	return c
}

func TestNewNeedsAToken(t *testing.T) {
	_, err := circleci.New("")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "set CIRCLE_TOKEN to a personal API token")
}

func TestFindFollowsPagination(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	for _, n := range []string{"aws-dev", "aws-stage", "docker", "npm", "aws-prod"} {
		s.AddContext(org, n)
	}
	s.AddContext("22222222-2222-4222-8222-222222222222", "aws-prod")
	c := client(t, s, circlecitest.Token)

	got, err := c.FindContext(t.Context(), org, "aws-prod")
	require.NoError(t, err)
	require.NotNil(t, got)
	assert.Equal(t, s.ContextID(org, "aws-prod"), got.ID)
	pages := 0
	for _, r := range s.Requests() {
		if r == "GET /api/v2/context" {
			pages++
		}
	}
	assert.Equal(t, 3, pages, "5 contexts at 2 a page")

	missing, err := c.FindContext(t.Context(), org, "nope")
	require.NoError(t, err)
	assert.Nil(t, missing)
}

func TestCreateThenFind(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	c := client(t, s, circlecitest.Token)
	created, err := c.CreateContext(t.Context(), org, "aws-dev")
	require.NoError(t, err)
	found, err := c.FindContext(t.Context(), org, "aws-dev")
	require.NoError(t, err)
	require.NotNil(t, found)
	assert.Equal(t, created.ID, found.ID)

	again, err := c.CreateContext(t.Context(), org, "aws-dev")
	require.NoError(t, err, "a 409 is followed by a look-up by name")
	assert.Equal(t, created.ID, again.ID)
	assert.Equal(t, []string{org + "/aws-dev"}, s.Contexts())
}

func TestPutTwiceIsAnUpsert(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	id := s.AddContext(org, "aws-dev")
	c := client(t, s, circlecitest.Token)
	require.NoError(t, c.PutContextVariable(t.Context(), id, "AWS_ROLE_ARN", "arn:aws:iam::111111111111:role/a"))
	require.NoError(t, c.PutContextVariable(t.Context(), id, "AWS_ROLE_ARN", "arn:aws:iam::111111111111:role/b"))
	assert.Equal(t, map[string]string{"AWS_ROLE_ARN": "arn:aws:iam::111111111111:role/b"}, s.Vars(id))

	require.NoError(t, c.DeleteContextVariable(t.Context(), id, "AWS_ROLE_ARN"))
	assert.Empty(t, s.Vars(id))
	err := c.DeleteContextVariable(t.Context(), id, "AWS_ROLE_ARN")
	var apiErr *circleci.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusNotFound, apiErr.Status)
}

func TestRestrictIsIdempotent(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	id := s.AddContext(org, "aws-dev")
	c := client(t, s, circlecitest.Token)
	p := "22222222-2222-4222-8222-222222222222"
	added, err := c.RestrictToProject(t.Context(), id, p)
	require.NoError(t, err)
	assert.True(t, added)
	added, err = c.RestrictToProject(t.Context(), id, p)
	require.NoError(t, err)
	assert.False(t, added)
	assert.Equal(t, []string{p}, s.Restrictions(id))
}

func TestProjectVariable(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	c := client(t, s, circlecitest.Token)
	require.NoError(t, c.PutProjectVariable(t.Context(), "gh/acme/api", "AWS_ROLE_ARN", "arn:aws:iam::111111111111:role/a"))
	assert.Equal(t, "arn:aws:iam::111111111111:role/a", s.ProjectVars("gh/acme/api")["AWS_ROLE_ARN"])
}

func TestErrorsSayWhatToCheckAndNeverTheToken(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	bad := "wrong-token-SECRET-42"

	_, err := client(t, s, bad).FindContext(t.Context(), org, "aws-dev")
	require.Error(t, err)
	var apiErr *circleci.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusUnauthorized, apiErr.Status)
	assert.Contains(t, err.Error(), "Invalid token provided")
	assert.Contains(t, err.Error(), "check CIRCLE_TOKEN")
	assert.NotContains(t, err.Error(), bad)

	err = client(t, s, circlecitest.Token).PutContextVariable(t.Context(), "no-such-context", "X", "y")
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusNotFound, apiErr.Status)
	assert.Contains(t, err.Error(), `check the context ID "no-such-context"`)
	assert.NotContains(t, err.Error(), circlecitest.Token)
}

func TestServerErrorThatNeverRecovers(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	s.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusBadGateway)
		return true
	})
	c := client(t, s, circlecitest.Token)
	_, err := c.FindContext(t.Context(), org, "aws-dev")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "502 Bad Gateway")
	assert.Contains(t, err.Error(), "gave up after 4 attempts")
	assert.Len(t, s.Requests(), 4, "one try and three retries")
}

func TestSlowAnswerTimesOut(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	release := make(chan struct{})
	defer close(release)
	s.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
		return true
	})
	c := client(t, s, circlecitest.Token, circleci.WithTimeout(100*time.Millisecond))
	start := time.Now()
	_, err := c.FindContext(t.Context(), org, "aws-dev")
	require.Error(t, err)
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.True(t, strings.Contains(err.Error(), "Timeout") || strings.Contains(err.Error(), "deadline"), err.Error())
}

// TestWithTimeoutLeavesTheHTTPClientAlone checks that a client's timeout does
// not change an http.Client the caller shares with other code.
func TestWithTimeoutLeavesTheHTTPClientAlone(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	shared := &http.Client{Timeout: time.Minute}
	c := client(t, s, circlecitest.Token, circleci.WithHTTPClient(shared), circleci.WithTimeout(time.Millisecond))
	assert.Equal(t, time.Minute, shared.Timeout)
	s.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		time.Sleep(200 * time.Millisecond)
		return false
	})
	_, err := c.FindContext(t.Context(), org, "aws-dev")
	require.Error(t, err, "the client's own timeout still bounds each request")
	assert.Equal(t, time.Minute, shared.Timeout)
}

func TestContextCancellationStopsRetries(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	s.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	})
	c := client(t, s, circlecitest.Token)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := c.FindContext(ctx, org, "aws-dev")
	require.ErrorIs(t, err, context.DeadlineExceeded)
}
