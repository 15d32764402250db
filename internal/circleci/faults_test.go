package circleci_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/circleci"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/circlecitest"
)

// waits records the client's waits instead of sleeping.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.d = append(w.d, d)
	return ctx.Err()
}

func (w *waits) all() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

// elsewhere is another origin on 127.0.0.1 that records what reaches it.
type elsewhere struct {
	*httptest.Server
	hits   atomic.Int32
	tokens atomic.Int32
}

func newElsewhere(t *testing.T) *elsewhere {
	e := &elsewhere{}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.hits.Add(1)
		if r.Header.Get("Circle-Token") != "" {
			e.tokens.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"items":[],"next_page_token":""}`))
	}))
	t.Cleanup(e.Close)
	return e
}

// Finding 1: a redirect to another host must not carry the token there, and a
// PUT answered with a redirect must not count as set.
func TestRedirectToAnotherOriginIsRefused(t *testing.T) {
	for _, status := range []int{301, 302, 303, 307, 308} {
		for _, method := range []string{"GET", "PUT"} {
			t.Run(fmt.Sprintf("%s %d", method, status), func(t *testing.T) {
				s := circlecitest.NewServer()
				defer s.Close()
				evil := newElsewhere(t)
				id := s.AddContext(org, "aws-dev")
				s.Inject(circlecitest.Injection{Kind: circlecitest.Redirect, Status: status,
					Location: evil.URL + "/api/v2/steal?x=1"})
				c := client(t, s, circlecitest.Token)
				var err error
				if method == "GET" {
					_, err = c.FindContext(t.Context(), org, "aws-dev")
				} else {
					err = c.PutContextVariable(t.Context(), id, "AWS_ROLE_ARN", "arn:aws:iam::111111111111:role/a")
				}
				require.Error(t, err, "a redirected call never succeeds")
				var re *circleci.RedirectError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, status, re.Status)
				assert.Contains(t, err.Error(), "refusing to send the API token to another origin")
				assert.Contains(t, err.Error(), evil.URL)
				assert.NotContains(t, err.Error(), "steal", "only the origin is shown")
				assert.Zero(t, evil.hits.Load(), "nothing reaches the other origin")
				assert.Zero(t, evil.tokens.Load())
				assert.Empty(t, s.Vars(id))
				assert.Len(t, s.Requests(), 1, "a refused redirect is not retried")
			})
		}
	}
}

// Finding 1: a write answered with a redirect, even to the same origin, is
// not followed: with 301 or 302 Go would turn the PUT into a GET.
func TestWriteIsNeverRedirected(t *testing.T) {
	for _, status := range []int{301, 302, 307, 308} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			s := circlecitest.NewServer()
			defer s.Close()
			id := s.AddContext(org, "aws-dev")
			s.Inject(circlecitest.Injection{Method: "PUT", Kind: circlecitest.Redirect, Status: status,
				Location: s.BaseURL() + "/context?owner-id=" + org})
			c := client(t, s, circlecitest.Token)
			err := c.PutContextVariable(t.Context(), id, "AWS_ROLE_ARN", "arn:aws:iam::111111111111:role/a")
			require.Error(t, err)
			assert.Contains(t, err.Error(), "a PUT is never redirected")
			assert.Equal(t, []string{"PUT /api/v2/context/" + id + "/environment-variable/AWS_ROLE_ARN"}, s.Requests())
		})
	}
}

func TestSameOriginRedirectOfAReadIsFollowed(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	s.AddContext(org, "aws-dev")
	s.Inject(circlecitest.Injection{Method: "GET", Path: `^/old$`, Kind: circlecitest.Redirect, Status: 301,
		Location: "/api/v2/context?owner-id=" + org})
	s.Inject(circlecitest.Injection{Method: "GET", Path: `^/context$`, Times: 1, Kind: circlecitest.Redirect,
		Status: 307, Location: s.BaseURL() + "/old"})
	got, err := client(t, s, circlecitest.Token).FindContext(t.Context(), org, "aws-dev")
	require.NoError(t, err)
	require.NotNil(t, got)
}

// The client must not change an http.Client the caller shares.
func TestSharedHTTPClientKeepsItsRedirectPolicy(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	shared := &http.Client{Timeout: time.Minute}
	c := client(t, s, circlecitest.Token, circleci.WithHTTPClient(shared))
	_, err := c.FindContext(t.Context(), org, "x")
	require.NoError(t, err)
	assert.Nil(t, shared.CheckRedirect)
}

// Finding 7: http:// sends the token in clear text; only loopback may use it.
func TestBaseURL(t *testing.T) {
	tests := []struct{ url, err string }{
		{"https://circleci.com/api/v2", ""},
		{"https://circleci.acme.internal:8443/api/v2/", ""},
		{"http://127.0.0.1:8080/api/v2", ""},
		{"http://127.9.9.9/api/v2", ""},
		{"http://localhost:8080/api/v2", ""},
		{"http://[::1]:8080/api/v2", ""},
		{"http://circleci.com/api/v2", "uses http://, which would send the API token in clear text"},
		{"http://10.0.0.1/api/v2", "uses http://"},
		{"http://localhost.evil.example/api/v2", "uses http://"},
		{"ftp://circleci.com/api/v2", "is not an absolute https:// URL"},
		{"circleci.com/api/v2", "is not an absolute https:// URL"},
		{"https://user:pass@circleci.com/api/v2", "must not carry credentials"},
		{"ftp://user:pass@circleci.com/api/v2", "is not an absolute https:// URL"},
		{"https//user:pass@circleci.com/api/v2", "is not an absolute https:// URL"},
		{"https://user:pass@circleci.com:x/api/v2", "is not an absolute https:// URL"},
		{"https://circleci.com/api/v2?x=1", "must not carry credentials, a query"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := circleci.New("tok", circleci.WithBaseURL(tt.url))
			if tt.err == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
			assert.NotContains(t, err.Error(), "pass")
		})
	}
}

// Finding 7: a base URL without /api/v2 gets a hint about it, not about the
// organization ID.
func TestBaseURLWithoutAPIV2Hints(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	c := client(t, s, circlecitest.Token, circleci.WithBaseURL(s.URL))
	_, err := c.FindContext(t.Context(), org, "aws-dev")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "404 Not Found")
	assert.Contains(t, err.Error(), fmt.Sprintf("check the base URL %q: CircleCI serves API v2 under /api/v2, such as %s/api/v2", s.URL, s.URL))
	assert.NotContains(t, err.Error(), "organization ID")
}

// Server messages can echo what they got; the token must not reach an error.
func TestServerMessagesAreCleanedOfTheToken(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	s.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		tok := r.Header.Get("Circle-Token")
		fmt.Fprintf(w, `{"message":"bad token %s (escaped %s)\u001b[2J"}`, tok, strings.ReplaceAll(tok, "-", "%2D"))
		return true
	})
	_, err := client(t, s, circlecitest.Token).FindContext(t.Context(), org, "aws-dev")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), circlecitest.Token)
	assert.NotContains(t, err.Error(), "\u001b", "no terminal escapes from the server")
	assert.Contains(t, err.Error(), "bad token [REDACTED]")
}

// Finding 3: a 2xx answer to POST /context that names no context is an
// error, not a context with ID "".
func TestCreateContextRejectsBadAnswers(t *testing.T) {
	for _, body := range []string{"", " ", "{}", `{"id":""}`, `[]`, `"ok"`, `{"id":1}`, `<html>`,
		`{"id":"x","name":"other"}`} {
		t.Run(body, func(t *testing.T) {
			s := circlecitest.NewServer()
			defer s.Close()
			s.Inject(circlecitest.Injection{Method: "POST", Kind: circlecitest.Body, Body: body})
			got, err := client(t, s, circlecitest.Token).CreateContext(t.Context(), org, "aws-dev")
			require.Error(t, err)
			assert.Nil(t, got)
			assert.Contains(t, err.Error(), "POST /context")
		})
	}
}

func TestListRejectsWrongShapes(t *testing.T) {
	for _, body := range []string{`{}`, `{"items":"x"}`, `{"items":[{"id":"","name":"a"}]}`, `{"items":[{}]}`, `null`} {
		t.Run(body, func(t *testing.T) {
			s := circlecitest.NewServer()
			defer s.Close()
			s.Inject(circlecitest.Injection{Method: "GET", Kind: circlecitest.Body, Body: body})
			_, err := client(t, s, circlecitest.Token).FindContext(t.Context(), org, "aws-dev")
			require.Error(t, err)
		})
	}
}

func TestEmptyContextIDIsRefused(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	c := client(t, s, circlecitest.Token)
	require.ErrorContains(t, c.PutContextVariable(t.Context(), "", "A", "b"), "empty context ID")
	_, err := c.AddRestriction(t.Context(), "", circleci.RestrictProject, "p")
	require.ErrorContains(t, err, "empty context ID")
	assert.Empty(t, s.Requests())
}

// Finding 7: answers over 4 MiB say so.
func TestAnswerTooLarge(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprint("chunked=", chunked), func(t *testing.T) {
			s := circlecitest.NewServer()
			defer s.Close()
			s.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
				body := `{"items":[],"next_page_token":"","pad":"` + strings.Repeat("x", 5<<20) + `"}`
				if !chunked {
					w.Header().Set("Content-Length", fmt.Sprint(len(body)))
				}
				_, _ = w.Write([]byte(body))
				return true
			})
			_, err := client(t, s, circlecitest.Token).FindContext(t.Context(), org, "aws-dev")
			require.Error(t, err)
			assert.Contains(t, err.Error(), "answer too large (over 4 MiB)")
		})
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	var n atomic.Int32
	s.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if n.Add(1) > 1 {
			return false
		}
		w.Header().Set("Retry-After", "2")
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	})
	var rec waits
	c := client(t, s, circlecitest.Token, circleci.WithSleep(rec.sleep))
	_, err := c.CreateContext(t.Context(), org, "aws-dev")
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{2 * time.Second}, rec.all())
	assert.Equal(t, []string{"POST /api/v2/context", "POST /api/v2/context"}, s.Requests(), "429 means not handled: resent")
}

// Finding 5: idempotent calls survive a connection reset, before or after
// the server acted.
func TestIdempotentCallsSurviveAConnectionReset(t *testing.T) {
	for _, kind := range []circlecitest.Kind{circlecitest.ResetBefore, circlecitest.ResetAfter} {
		for _, method := range []string{"GET", "PUT", "DELETE"} {
			t.Run(fmt.Sprintf("%s kind %d", method, kind), func(t *testing.T) {
				s := circlecitest.NewServer()
				defer s.Close()
				id := s.AddContext(org, "aws-dev")
				s.SetVar(id, "OLD", "x")
				s.Inject(circlecitest.Injection{Method: method, Times: 1, Kind: kind})
				c := client(t, s, circlecitest.Token)
				var err error
				switch method {
				case "GET":
					var got *circleci.Context
					got, err = c.FindContext(t.Context(), org, "aws-dev")
					assert.NotNil(t, got)
				case "PUT":
					err = c.PutContextVariable(t.Context(), id, "A", "b")
					assert.Equal(t, "b", s.Vars(id)["A"])
				case "DELETE":
					err = c.DeleteContextVariable(t.Context(), id, "OLD")
					if kind == circlecitest.ResetAfter {
						// The first try deleted it; the retry's 404 says so.
						assert.True(t, circleci.IsStatus(err, http.StatusNotFound), "%v", err)
						err = nil
					}
					assert.NotContains(t, s.Vars(id), "OLD")
				}
				require.NoError(t, err)
				assert.Len(t, s.Requests(), 2, "one reset, one retry")
			})
		}
	}
}

func TestResetThatNeverEndsGivesUp(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	s.Inject(circlecitest.Injection{Kind: circlecitest.ResetBefore})
	_, err := client(t, s, circlecitest.Token).FindContext(t.Context(), org, "aws-dev")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "gave up after 4 attempts")
	assert.Len(t, s.Requests(), 4)
}

// Finding 6: POST /context is not resent blindly. When the server created the
// context and then failed (a 502, a reset), or says the name is taken, the
// client looks the context up by name.
func TestCreateContextConverges(t *testing.T) {
	tests := []struct {
		name   string
		inject circlecitest.Injection
	}{
		{"502 after creating", circlecitest.Injection{Method: "POST", Times: 1, Kind: circlecitest.StatusAfter, Status: 502}},
		{"503 before creating", circlecitest.Injection{Method: "POST", Times: 1, Kind: circlecitest.StatusBefore, Status: 503}},
		{"reset after creating", circlecitest.Injection{Method: "POST", Times: 1, Kind: circlecitest.ResetAfter}},
		{"reset before creating", circlecitest.Injection{Method: "POST", Times: 1, Kind: circlecitest.ResetBefore}},
		{"502 after creating, twice", circlecitest.Injection{Method: "POST", Times: 2, Kind: circlecitest.StatusAfter, Status: 502}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := circlecitest.NewServer()
			defer s.Close()
			s.Inject(tt.inject)
			got, err := client(t, s, circlecitest.Token).CreateContext(t.Context(), org, "aws-dev")
			require.NoError(t, err)
			assert.Equal(t, s.ContextID(org, "aws-dev"), got.ID)
			assert.Equal(t, []string{org + "/aws-dev"}, s.Contexts())
		})
	}
}

// CircleCI's answer to a taken name may be a 400 with its message rather than
// a 409; either means "look it up".
func TestCreateContextAdoptsATakenName(t *testing.T) {
	for _, status := range []int{http.StatusConflict, http.StatusBadRequest} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			s := circlecitest.NewServer()
			defer s.Close()
			s.DuplicateStatus = status
			id := s.AddContext(org, "aws-dev")
			got, err := client(t, s, circlecitest.Token).CreateContext(t.Context(), org, "aws-dev")
			require.NoError(t, err)
			assert.Equal(t, id, got.ID)
		})
	}
}

func TestCreateContextDoesNotHideOtherErrors(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	s.Inject(circlecitest.Injection{Method: "POST", Kind: circlecitest.StatusBefore, Status: http.StatusForbidden})
	_, err := client(t, s, circlecitest.Token).CreateContext(t.Context(), org, "aws-dev")
	require.Error(t, err)
	assert.True(t, circleci.IsStatus(err, http.StatusForbidden))
	assert.Equal(t, []string{"POST /api/v2/context"}, s.Requests(), "a 403 is final")
}

// Two creators racing for one name both end with the same context.
func TestConcurrentCreateMakesOneContext(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	var posts atomic.Int32
	both := make(chan struct{})
	s.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == "POST" && posts.Add(1) == 2 {
			close(both)
		}
		if r.Method == "POST" {
			select { // hold each POST until both have arrived
			case <-both:
			case <-time.After(2 * time.Second):
			}
		}
		return false
	})
	c := client(t, s, circlecitest.Token)
	ids := make([]string, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := c.CreateContext(t.Context(), org, "aws-dev")
			errs[i] = err
			if got != nil {
				ids[i] = got.ID
			}
		}()
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	assert.Equal(t, ids[0], ids[1])
	assert.Equal(t, []string{org + "/aws-dev"}, s.Contexts())
}

func TestAddRestrictionConverges(t *testing.T) {
	for _, kind := range []circlecitest.Kind{circlecitest.StatusAfter, circlecitest.ResetAfter, circlecitest.ResetBefore} {
		t.Run(fmt.Sprint(kind), func(t *testing.T) {
			s := circlecitest.NewServer()
			defer s.Close()
			id := s.AddContext(org, "aws-dev")
			s.Inject(circlecitest.Injection{Method: "POST", Times: 1, Kind: kind, Status: 502})
			c := client(t, s, circlecitest.Token)
			added, err := c.AddRestriction(t.Context(), id, circleci.RestrictExpression, `pipeline.git.branch == "main"`)
			require.NoError(t, err)
			assert.True(t, added)
			assert.Equal(t, []string{`expression pipeline.git.branch == "main"`}, s.TypedRestrictions(id))
		})
	}
}

func TestProjectVariables(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	c := client(t, s, circlecitest.Token)
	for _, n := range []string{"A", "B", "C"} {
		require.NoError(t, c.PutProjectVariable(t.Context(), "gh/acme/api", n, "value-"+n))
	}
	names, err := c.ProjectVariables(t.Context(), "gh/acme/api")
	require.NoError(t, err)
	assert.Equal(t, []string{"A", "B", "C"}, names)
	require.NoError(t, c.DeleteProjectVariable(t.Context(), "gh/acme/api", "B"))
	assert.Equal(t, map[string]string{"A": "value-A", "C": "value-C"}, s.ProjectVars("gh/acme/api"))

	for _, bad := range []string{"gh/acme", "gh/acme/api/x", "gh/../context", "gh/acme/api?x", ""} {
		err := c.PutProjectVariable(t.Context(), bad, "A", "b")
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "is not vcs/org/repo")
	}
}

func TestContextVariablesListsNames(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	id := s.AddContext(org, "aws-dev")
	for _, n := range []string{"E", "D", "C", "B", "A"} {
		s.SetVar(id, n, "v")
	}
	names, err := client(t, s, circlecitest.Token).ContextVariables(t.Context(), id)
	require.NoError(t, err)
	assert.Equal(t, []string{"A", "B", "C", "D", "E"}, names, "three pages of two")
}
