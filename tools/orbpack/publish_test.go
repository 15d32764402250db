package orbpack

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// graphQL answers as CircleCI's GraphQL API does for the two calls of
// circleci orb publish, and records each request.
type graphQL struct {
	*httptest.Server
	mu    sync.Mutex
	calls []map[string]any
	auth  []string
	orb   any // the orb lookup's answer: {"id": ...} or nil
	errs  []map[string]string
}

func newGraphQL(t *testing.T) *graphQL {
	g := &graphQL{orb: map[string]string{"id": "bb604b45-b6b0-4b81-ad80-796f15eddf87"}}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		b, _ := io.ReadAll(r.Body)
		require.NoError(t, json.Unmarshal(b, &req))
		g.mu.Lock()
		g.calls = append(g.calls, req)
		g.auth = append(g.auth, r.Header.Get("Authorization"))
		g.mu.Unlock()
		q := req["query"].(string)
		var data any
		switch {
		case strings.Contains(q, "publishOrb("):
			vars := req["variables"].(map[string]any)
			data = map[string]any{"publishOrb": map[string]any{"orb": map[string]any{"version": vars["version"]}, "errors": g.errs}}
		case strings.Contains(q, "orb(name: $name)"):
			data = map[string]any{"orb": g.orb, "registryNamespace": map[string]string{"id": "ns-id"}}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"data": data})
	}))
	t.Cleanup(g.Close)
	return g
}

const token = "circle-token-not-for-logs"

func TestPublish(t *testing.T) {
	packed := []byte("version: 2.1\ndescription: x\n")
	t.Run("looks the orb up, then publishes it with the token", func(t *testing.T) {
		g := newGraphQL(t)
		var log bytes.Buffer
		p := Publisher{Endpoint: g.URL, Token: token, HTTP: http.DefaultClient, Log: &log}
		require.NoError(t, p.Publish(t.Context(), "circleci-oidc/circleci-oidc", "1.2.3", packed))
		require.Len(t, g.calls, 2)
		assert.Equal(t, map[string]any{"name": "circleci-oidc/circleci-oidc", "namespace": "circleci-oidc"}, g.calls[0]["variables"])
		assert.Equal(t, map[string]any{"config": string(packed), "orbId": "bb604b45-b6b0-4b81-ad80-796f15eddf87", "version": "1.2.3"},
			g.calls[1]["variables"])
		assert.Equal(t, []string{token, token}, g.auth)
		assert.Equal(t, "published orb circleci-oidc/circleci-oidc@1.2.3\n", log.String())
	})
	t.Run("dry run sends nothing and needs no token", func(t *testing.T) {
		g := newGraphQL(t)
		var log bytes.Buffer
		p := Publisher{Endpoint: g.URL, DryRun: true, HTTP: http.DefaultClient, Log: &log}
		require.NoError(t, p.Publish(t.Context(), "circleci-oidc/circleci-oidc", "1.2.3", packed))
		assert.Empty(t, g.calls)
		assert.Contains(t, log.String(), `publishOrb(orbId: <the id found>, version: "1.2.3", orbYaml: 28 bytes, sha256 `)
		assert.Contains(t, log.String(), "(dry run: nothing was sent)")
	})
	for _, tc := range []struct {
		name, orbName, version string
		token                  string
		orb                    any
		errs                   []map[string]string
		want                   string
	}{
		{"no token", "circleci-oidc/circleci-oidc", "1.2.3", "", nil, nil, "CIRCLECI_CLI_TOKEN is not set"},
		{"a bad name", "circleci-oidc", "1.2.3", token, nil, nil, `orb name "circleci-oidc" is not namespace/orb`},
		{"an orb never created", "circleci-oidc/circleci-oidc", "1.2.3", token, nil, nil,
			"orb circleci-oidc/circleci-oidc does not exist: create it once with `circleci orb create circleci-oidc/circleci-oidc`"},
		{"the API refuses the version", "circleci-oidc/circleci-oidc", "1.2.3", token, map[string]string{"id": "x"},
			[]map[string]string{{"message": "Version 1.2.3 already exists"}}, "publishing circleci-oidc/circleci-oidc@1.2.3: Version 1.2.3 already exists"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newGraphQL(t)
			g.orb, g.errs = tc.orb, tc.errs
			var log bytes.Buffer
			p := Publisher{Endpoint: g.URL, Token: tc.token, HTTP: http.DefaultClient, Log: &log}
			err := p.Publish(t.Context(), tc.orbName, tc.version, packed)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error()+log.String(), token)
		})
	}
	t.Run("a pre-release publishes nothing", func(t *testing.T) {
		g := newGraphQL(t)
		var log bytes.Buffer
		p := Publisher{Endpoint: g.URL, Token: token, HTTP: http.DefaultClient, Log: &log}
		require.NoError(t, p.Publish(t.Context(), "circleci-oidc/circleci-oidc", "1.2.3-rc.1", packed))
		assert.Empty(t, g.calls)
		assert.Contains(t, log.String(), "is a pre-release, and an orb's versions are X.Y.Z: nothing to publish")
	})
	t.Run("a redirect is not followed with the token", func(t *testing.T) {
		var leaked bool
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { leaked = r.Header.Get("Authorization") != "" }))
		defer other.Close()
		redirect := httptest.NewServer(http.RedirectHandler(other.URL, http.StatusTemporaryRedirect))
		defer redirect.Close()
		p := Publisher{Endpoint: redirect.URL, Token: token, HTTP: http.DefaultClient, Log: io.Discard}
		err := p.Publish(t.Context(), "circleci-oidc/circleci-oidc", "1.2.3", packed)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "refusing to follow a redirect with the API token")
		assert.False(t, leaked)
	})
	t.Run("the token goes only to https, or http on loopback", func(t *testing.T) {
		for _, endpoint := range []string{"http://circleci.example/graphql-unstable", "ftp://circleci.example/graphql",
			"circleci.example/graphql", "https://user:pass@circleci.example/graphql"} {
			var sent bool
			client := &http.Client{Transport: roundTripper(func(*http.Request) (*http.Response, error) {
				sent = true
				return nil, io.ErrUnexpectedEOF
			})}
			p := Publisher{Endpoint: endpoint, Token: token, HTTP: client, Log: io.Discard}
			err := p.Publish(t.Context(), "circleci-oidc/circleci-oidc", "1.2.3", packed)
			require.Error(t, err, endpoint)
			assert.Contains(t, err.Error(), "would send the token", endpoint)
			assert.NotContains(t, err.Error(), "pass", endpoint)
			assert.False(t, sent, "a request went to %s", endpoint)
		}
	})
	t.Run("an answer that echoes the token is cleaned", func(t *testing.T) {
		g := newGraphQL(t)
		g.orb, g.errs = map[string]string{"id": "x"}, []map[string]string{{"message": "token " + token + " may not publish"}}
		p := Publisher{Endpoint: g.URL, Token: token, HTTP: http.DefaultClient, Log: io.Discard}
		err := p.Publish(t.Context(), "circleci-oidc/circleci-oidc", "1.2.3", packed)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), token)
		assert.Contains(t, err.Error(), "[REDACTED] may not publish")
	})
}

// roundTripper is an http.RoundTripper from a function.
type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
