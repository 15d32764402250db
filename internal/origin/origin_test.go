package origin

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSecureAndSame(t *testing.T) {
	for _, tc := range []struct {
		a, b         string
		secure, same bool
	}{
		{"https://api.github.com/x", "https://API.github.com:443/y", true, true},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8081", true, false},
		{"http://localhost", "http://localhost:80/z", true, true},
		{"http://[::1]:9", "https://[::1]:9", true, false},
		{"http://api.github.com", "https://api.github.com", false, false},
		{"ftp://127.0.0.1", "ftp://127.0.0.1", false, true},
		{"https://api.github.com", "https://api.github.com.evil.test", true, false},
	} {
		a, b := mustParse(t, tc.a), mustParse(t, tc.b)
		assert.Equal(t, tc.secure, Secure(a), "Secure(%s)", tc.a)
		assert.Equal(t, tc.same, Same(a, b), "Same(%s, %s)", tc.a, tc.b)
	}
}

func TestRedact(t *testing.T) {
	const secret = "ghp_abc-def+1"
	for in, want := range map[string]string{
		"token ghp_abc-def+1 here":            "token [REDACTED] here",
		`token ghp\u005fabc-def+1`:            "token [REDACTED]",
		`token \u0067\u0068\u0070_abc-def+1`:  "token [REDACTED]",
		"token ghp%5Fabc-def%2B1":             "token [REDACTED]",
		"token ghp_abc-def%2B1":               "token [REDACTED]",
		`no secret \u00zz 100% \u0041`:        `no secret \u00zz 100% A`,
		"https://x/?t=ghp_abc-def%2B1&n=name": "https://x/?t=[REDACTED]&n=name",
		"token ghp&#95;abc-def&#43;1":         "token [REDACTED]",
		"token ghp&#x5F;abc-def&plus;1":       "token [REDACTED]",
		"token ghp&lowbar;abc-def+1 &amp; so": "token [REDACTED] & so",
		"token ghp%255Fabc-def+1":             "token [REDACTED]",
		`token ghp\u00255Fabc-def+1`:          "token [REDACTED]",
		"token ghp&#x25;5Fabc-def+1":          "token [REDACTED]",
	} {
		assert.Equal(t, want, Redact(in, secret), in)
	}
	assert.Equal(t, "as is %41", Redact("as is %41", ""), "no secret: nothing changes")
	assert.Equal(t, "https://127.0.0.1:8080", Of(mustParse(t, "HTTPS://user:pw@127.0.0.1:8080/p?q=1")))
}

func TestHideUserinfo(t *testing.T) {
	for in, want := range map[string]string{
		"https://circleci.com/api/v2":   "https://circleci.com/api/v2",
		"ftp://user:pw@host/x":          "ftp://REDACTED@host/x",
		"https//user:pw@host":           "https//REDACTED@host",
		"https:/user:pw@host":           "REDACTED@host",
		"https://user:p/w@d@host:x/api": "https://REDACTED@host:x/api",
		"user:pw@host":                  "REDACTED@host",
	} {
		assert.Equal(t, want, HideUserinfo(in), in)
	}
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestClean(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		max      int
		want     string
	}{
		{"the secret as sent", "bad token ghp_secret", 100, "bad token [REDACTED]"},
		{"the secret escaped", `bad token ghp\u005fsecret`, 100, "bad token [REDACTED]"},
		{"control characters", "a\x1b[2Jb\nc", 100, "a [2Jb c"},
		{"cut at max runes", "ééééé", 3, "ééé…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Clean(tc.in, "ghp_secret", tc.max))
		})
	}
}
