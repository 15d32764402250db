package doctor

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/oidctest"
)

// TestVerifyBoundsWhatItReads: a discovery document or JWKS over
// MaxDocumentSize fails as too large instead of being read whole.
func TestVerifyBoundsWhatItReads(t *testing.T) {
	raw, err := oidctest.SignWithOtherKey(oidctest.Token{Org: "11111111-1111-4111-8111-111111111111", Project: "p", User: "u"})
	require.NoError(t, err)
	tok, err := Parse(raw)
	require.NoError(t, err)
	huge := strings.Repeat(" ", MaxDocumentSize+1)

	tests := []struct {
		name          string
		discovery     func(base string) string
		jwks          string
		contentLength bool
	}{
		{"discovery document, with a length", func(string) string { return huge + "{}" }, "{}", true},
		{"discovery document, streamed", func(string) string { return huge + "{}" }, "{}", false},
		{"key set, streamed", func(base string) string {
			return fmt.Sprintf(`{"issuer":%q,"jwks_uri":%q}`, base, base+"/jwks")
		}, huge + `{"keys":[]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srv *httptest.Server
			write := func(w http.ResponseWriter, body string) {
				if tt.contentLength {
					w.Header().Set("Content-Length", fmt.Sprint(len(body)))
				} else {
					w.(http.Flusher).Flush() // no length: the body streams
				}
				_, _ = w.Write([]byte(body))
			}
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/.well-known/openid-configuration":
					write(w, tt.discovery(srv.URL))
				case "/jwks":
					write(w, tt.jwks)
				default:
					http.NotFound(w, r)
				}
			}))
			defer srv.Close()
			err := Verify(t.Context(), tok, srv.URL, srv.Client())
			require.Error(t, err)
			assert.Contains(t, err.Error(), "answer too large", "go-oidc wraps the error with %%v, so only its text is left")
		})
	}
}
