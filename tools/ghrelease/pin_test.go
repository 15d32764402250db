package ghrelease

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// catcher is a loopback server on another port than the fake GitHub: it
// records every Authorization header it is sent and answers 500.
type catcher struct {
	*httptest.Server
	mu   sync.Mutex
	auth []string
}

func newCatcher(t *testing.T) *catcher {
	c := &catcher{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.auth = append(c.auth, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
		c.mu.Unlock()
		http.Error(w, "caught", http.StatusInternalServerError)
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *catcher) requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.auth...)
}

// assertNoToken checks that err's text holds the token in no form: as sent,
// percent-escaped, or with any character JSON-escaped.
func assertNoToken(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	for _, form := range []string{token, "secret-token-value", `ghp\u005f`, "ghp%5F"} {
		assert.NotContains(t, err.Error(), form)
	}
}

// A redirect of any kind, for the release list or for an upload, to another
// port of the same host never carries the token there.
func TestRedirectsToAnotherOriginGetNoToken(t *testing.T) {
	for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		for _, step := range []string{"list", "upload"} {
			t.Run(fmt.Sprintf("%d %s", code, step), func(t *testing.T) {
				g, other := newFakeGitHub(t), newCatcher(t)
				inner := g.Config.Handler
				g.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					list := r.Method == http.MethodGet && releasesPath.MatchString(r.URL.Path)
					upload := r.Method == http.MethodPost && assetsPath.MatchString(r.URL.Path)
					if (step == "list" && list) || (step == "upload" && upload) {
						http.Redirect(w, r, other.URL+r.URL.Path, code)
						return
					}
					inner.ServeHTTP(w, r)
				})
				p := publisher(g, io.Discard)
				p.Retries = 0
				err := p.Publish(t.Context(), "v1.2.3", false, assetFiles(t, "a.tar.gz"))
				require.Error(t, err)
				for _, got := range other.requests() {
					assert.NotContains(t, got, token, "the token reached another port")
				}
				assert.Contains(t, err.Error(), other.URL, "the error names where the redirect pointed")
				assert.Contains(t, err.Error(), "another origin")
				assertNoToken(t, err)
			})
		}
	}
}

// A same-origin redirect of a GET is still followed: GitHub answers 301 for
// a renamed repository.
func TestSameOriginRedirectOfAGetIsFollowed(t *testing.T) {
	g := newFakeGitHub(t)
	inner := g.Config.Handler
	g.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/repos/old/name/releases" {
			http.Redirect(w, r, "/repos/acme/tool/releases?per_page=100", http.StatusMovedPermanently)
			return
		}
		inner.ServeHTTP(w, r)
	})
	p := publisher(g, io.Discard)
	p.Repo = "old/name"
	_, err := p.find(t.Context(), "v1.2.3")
	require.NoError(t, err)
}

// The upload URL comes from GitHub's answer; the token goes there only if it
// is the API's own origin or its uploads host, over https (or loopback http).
func TestUploadURLElsewhereGetsNoToken(t *testing.T) {
	g, other := newFakeGitHub(t), newCatcher(t)
	inner := g.Config.Handler
	g.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && releasesPath.MatchString(r.URL.Path) {
			writeJSON(w, http.StatusCreated, release{ID: 1, TagName: "v1.2.3", Draft: true,
				UploadURL: other.URL + "/repos/acme/tool/releases/1/assets{?name,label}"})
			return
		}
		inner.ServeHTTP(w, r)
	})
	err := publisher(g, io.Discard).Publish(t.Context(), "v1.2.3", false, assetFiles(t, "a.tar.gz"))
	require.Error(t, err)
	assert.Empty(t, other.requests(), "nothing is sent to an upload URL of another origin")
	assert.Contains(t, err.Error(), "upload_url")
	assertNoToken(t, err)
}

func TestUploadOrigins(t *testing.T) {
	for _, tc := range []struct {
		api, upload string
		ok          bool
	}{
		{"https://api.github.com", "https://uploads.github.com/repos/a/b/releases/1/assets{?name,label}", true},
		{"https://api.github.com", "https://api.github.com/repos/a/b/releases/1/assets", true},
		{"https://api.github.com", "http://uploads.github.com/repos/a/b/releases/1/assets", false},
		{"https://api.github.com", "https://uploads.github.com:8443/repos/a/b/releases/1/assets", false},
		{"https://api.github.com", "https://uploads.github.com.evil.test/repos/a/b/releases/1/assets", false},
		{"https://api.github.com", "https://evil.test/repos/a/b/releases/1/assets", false},
		{"https://api.github.com", "https://user:pw@uploads.github.com/repos/a/b/releases/1/assets", false},
		{"https://ghe.example.test/api/v3", "https://ghe.example.test/api/uploads/repos/a/b/releases/1/assets", true},
		{"https://ghe.example.test/api/v3", "https://uploads.ghe.example.test/repos/a/b/releases/1/assets", false},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/repos/a/b/releases/1/assets", true},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8081/repos/a/b/releases/1/assets", false},
	} {
		t.Run(tc.api+" "+tc.upload, func(t *testing.T) {
			p := &Publisher{API: tc.api, Repo: "a/b", Token: token}
			api, err := p.apiOrigin()
			require.NoError(t, err)
			_, err = uploadBase(api, tc.upload)
			if tc.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, "upload_url")
			}
		})
	}
}

// The API URL must be https, except on loopback, and carry no credentials;
// it is refused before anything is sent.
func TestAPIURLMustBeSecure(t *testing.T) {
	// Hosts under .invalid never resolve: nothing leaves the machine even
	// if a check were missing.
	for _, api := range []string{"http://api.example.invalid", "http://10.0.0.1:8080", "https://user:" + token + "@api.example.invalid",
		"api.example.invalid", "ftp://api.example.invalid", "https://api.example.invalid?x=1"} {
		t.Run(api, func(t *testing.T) {
			p := &Publisher{API: api, Repo: "a/b", Token: token, Out: io.Discard}
			err := p.Publish(t.Context(), "v1", false, assetFiles(t, "a.tar.gz"))
			require.ErrorContains(t, err, "GITHUB_API_URL")
			assertNoToken(t, err)
		})
	}
}

// A malformed API URL is named in the error without the credentials it may
// carry, which are not the token and so not redacted as it is.
func TestMalformedAPIURLHidesItsCredentials(t *testing.T) {
	for _, api := range []string{"ftp://user:s3cret@api.example.invalid", "https//user:s3cret@api.example.invalid",
		"https://user:s3cret@api.example.invalid:x"} {
		t.Run(api, func(t *testing.T) {
			p := &Publisher{API: api, Repo: "a/b", Token: token, Out: io.Discard}
			err := p.Publish(t.Context(), "v1", false, assetFiles(t, "a.tar.gz"))
			require.ErrorContains(t, err, "GITHUB_API_URL")
			require.NotContains(t, err.Error(), "s3cret")
		})
	}
}

// Whatever the server echoes, in whatever escaping, the token stays out of
// the error.
func TestEchoedTokenIsRedacted(t *testing.T) {
	for name, body := range map[string]func(tok string) string{
		"plain": func(tok string) string { return `{"message":"Bad credentials ` + tok + `"}` },
		"json-escaped": func(tok string) string {
			return `{"message":"Bad credentials ` + strings.ReplaceAll(tok, "_", `\u005f`) + `"}`
		},
		"all-escaped": func(tok string) string {
			var b strings.Builder
			for _, r := range tok {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
			return `{"message":"Bad credentials ` + b.String() + `"}`
		},
		"percent": func(tok string) string {
			return `<html>Bad credentials: see /login?t=` + strings.ReplaceAll(tok, "_", "%5F") + `</html>`
		},
		"not-json": func(tok string) string { return `Bad credentials ` + tok },
	} {
		t.Run(name, func(t *testing.T) {
			g := newFakeGitHub(t)
			g.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = io.WriteString(w, body(tok))
			})
			err := publisher(g, io.Discard).Publish(t.Context(), "v1", false, assetFiles(t, "a.tar.gz"))
			require.ErrorContains(t, err, "401")
			assert.Contains(t, err.Error(), "Bad credentials")
			assertNoToken(t, err)
		})
	}
}

// A redirect whose Location carries the token does not put it in the error.
func TestTokenInALocationStaysOutOfTheError(t *testing.T) {
	g, other := newFakeGitHub(t), newCatcher(t)
	g.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		http.Redirect(w, r, other.URL+"/x?t="+tok, http.StatusFound)
	})
	other.Close() // the redirect points at a closed port: a transport error
	err := publisher(g, io.Discard).Publish(t.Context(), "v1", false, assetFiles(t, "a.tar.gz"))
	assertNoToken(t, err)
}

// Every request is bounded in time.
func TestRequestsTimeOut(t *testing.T) {
	release := make(chan struct{})
	g := newFakeGitHub(t)
	g.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	p := publisher(g, io.Discard)
	p.HTTP = nil // the default client
	p.Timeout = 200 * time.Millisecond
	err := p.Publish(t.Context(), "v1", false, assetFiles(t, "a.tar.gz"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "timed out after 200ms")
	assert.Positive(t, defaultTimeout)
	assert.Positive(t, defaultUploadTimeout)
}
