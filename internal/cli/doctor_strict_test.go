package cli_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/cli"
)

// claimIssuer signs tokens with any claims, and publishes its key like a
// CircleCI issuer, so --verify passes and only the claims decide.
type claimIssuer struct {
	*httptest.Server
	key *rsa.PrivateKey
}

func newClaimIssuer(t *testing.T) *claimIssuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	ci := &claimIssuer{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": ci.URL, "jwks_uri": ci.URL + "/jwks",
			"id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
			Key: &key.PublicKey, KeyID: "k", Algorithm: string(jose.RS256), Use: "sig"}}})
	})
	ci.Server = httptest.NewServer(mux)
	t.Cleanup(ci.Close)
	return ci
}

// sign signs the claims of a good v2 token on main, changed by mutate.
func (ci *claimIssuer) sign(t *testing.T, mutate func(map[string]any)) string {
	t.Helper()
	now := time.Now()
	claims := map[string]any{
		"iss": "https://oidc.circleci.com/org/" + org,
		"sub": onMain.Subject(), "aud": org,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"oidc.circleci.com/project-id": project,
	}
	mutate(claims)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: ci.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k"))
	require.NoError(t, err)
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	require.NoError(t, err)
	return raw
}

// TestDoctorIsAsStrictAsSTS covers the tokens doctor used to let through;
// each case, with and without --verify, used to end in ALLOWED and exit 0.
func TestDoctorIsAsStrictAsSTS(t *testing.T) {
	ci := newClaimIssuer(t)
	file := policyFile(t)
	tests := []struct {
		name   string
		mutate func(map[string]any)
		want   string
	}{
		{"nbf in the future", func(c map[string]any) { c["nbf"] = time.Now().Add(10 * time.Minute).Unix() },
			"Verdict: REFUSED: the token is not valid before"},
		{"no exp", func(c map[string]any) { delete(c, "exp") },
			"Verdict: REFUSED: the token has no exp claim"},
		{"iss with a trailing slash", func(c map[string]any) { c["iss"] = "https://oidc.circleci.com/org/" + org + "/" },
			"is not the provider for issuer https://oidc.circleci.com/org/" + org + "/"},
	}
	for _, tt := range tests {
		for _, verify := range []bool{false, true} {
			name := tt.name
			if verify {
				name += ", --verify"
			}
			t.Run(name, func(t *testing.T) {
				args := []string{"doctor", "--token", ci.sign(t, tt.mutate), "--policy", file}
				if verify {
					args = append(args, "--verify", "--issuer-url", ci.URL)
				}
				r := run(t, cli.Env{}, args...)
				assert.Equal(t, cli.ExitRefused, r.code, r.stdout+r.stderr)
				assert.Contains(t, r.stdout, tt.want)
				assert.NotContains(t, r.stdout, "ALLOWED")
			})
		}
	}

	// The control: the same issuer's good token passes with --verify.
	r := run(t, cli.Env{}, "doctor", "--token", ci.sign(t, func(map[string]any) {}), "--policy", file,
		"--verify", "--issuer-url", ci.URL)
	assert.Equal(t, cli.ExitOK, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "Verdict: ALLOWED: an Allow statement matches the token")
}

// TestDoctorRefusesOversizedInput checks that input over the limits is
// refused, never cut: a token whose signature runs past 64 KiB used to be
// cut there and judged ALLOWED.
func TestDoctorRefusesOversizedInput(t *testing.T) {
	ci := newClaimIssuer(t)
	file := policyFile(t)
	good := ci.sign(t, func(map[string]any) {})
	// Leading spaces, which doctor trims, make the part of the signature that
	// fits in 64 KiB valid base64, so a cut token would still parse.
	pad := (64<<10 - (strings.LastIndex(good, ".") + 1)) % 4
	long := strings.Repeat(" ", pad) + good + strings.Repeat("A", 70<<10)

	r := run(t, cli.Env{Stdin: strings.NewReader(long)}, "doctor", "--policy", file)
	assert.Equal(t, cli.ExitUsage, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stderr, "standard input holds more than 65536 bytes")
	assert.NotContains(t, r.stdout, "ALLOWED")

	over := good + strings.Repeat("A", 20001-len(good))
	r = run(t, cli.Env{}, "doctor", "--policy", file, "--token", over)
	assert.Equal(t, cli.ExitRefused, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "Verdict: REFUSED: the token is 20001 characters long; STS accepts at most 20000")

	r = run(t, cli.Env{Stdin: strings.NewReader(good + "\n")}, "doctor", "--policy", file)
	assert.Equal(t, cli.ExitUnverified, r.code, r.stdout+r.stderr)
}

// TestDoctorUndetermined names the key and what the answer depends on.
func TestDoctorUndetermined(t *testing.T) {
	iss := issuer(t)
	doc := strings.Replace(mainOnlyPolicy(), `"StringLike": {`, `"StringLike": {
        "sts:RoleSessionName": "deploy-*",`, 1)
	f := filepath.Join(t.TempDir(), "trust.json")
	require.NoError(t, os.WriteFile(f, []byte(doc), 0o600))

	r := run(t, cli.Env{}, "doctor", "--token", sign(t, iss, onMain), "--policy", f, "--verify", "--issuer-url", iss.URL)
	assert.Equal(t, cli.ExitUndetermined, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "??    StringLike sts:RoleSessionName")
	assert.Contains(t, r.stdout, "Verdict: UNDETERMINED: statement 0: sts:RoleSessionName depends on the RoleSessionName")
	assert.Contains(t, r.stdout, "The answer depends on:\n  sts:RoleSessionName: the RoleSessionName the caller passes")

	// docs/_index.md shows these lines as they are.
	readme, err := os.ReadFile(filepath.Join("..", "..", "docs", "_index.md"))
	require.NoError(t, err)
	check := r.stdout[strings.Index(r.stdout, "    ??    "):]
	check = check[:strings.Index(check, "    ok    ")]
	assert.True(t, strings.Contains(string(readme), check), "docs/_index.md shows the undetermined check as:\n%s", check)
	verdict := r.stdout[strings.Index(r.stdout, "Verdict: "):]
	assert.True(t, strings.Contains(string(readme), verdict), "docs/_index.md shows the undetermined verdict as:\n%s", verdict)

	r = run(t, cli.Env{}, "doctor", "--token", sign(t, iss, onMain), "--policy", f)
	assert.Equal(t, cli.ExitUndetermined, r.code)
	assert.Contains(t, r.stdout, "Verdict: UNDETERMINED (signature not checked; pass --verify): ")
}

// TestREADMEExitCodesMatchHelp keeps the README's exit-code table and
// --help's list the same set of codes.
func TestREADMEExitCodesMatchHelp(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "docs", "_index.md"))
	require.NoError(t, err)
	table := regexp.MustCompile(`(?m)^\| (\d) \| `).FindAllStringSubmatch(string(readme), -1)
	help := regexp.MustCompile(`(?m)^  (\d)  \S`).FindAllStringSubmatch(run(t, cli.Env{}, "--help").stdout, -1)
	codes := func(m [][]string) []string {
		var out []string
		for _, x := range m {
			out = append(out, x[1])
		}
		return out
	}
	assert.Equal(t, codes(help), codes(table))
	assert.Len(t, table, 7)
}
