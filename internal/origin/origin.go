// Package origin pins a credential to the scheme, host and port it was given
// for: it says whether a URL is safe to send a credential to (https, or http
// to a loopback host), whether two URLs share an origin, and how to clean a
// text that a server may have filled with the credential.
//
// internal/circleci and tools/ghrelease share it, so that the CircleCI token
// and the GitHub token follow one rule.
package origin

import (
	"html"
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// IsLoopback reports whether host is localhost or an address in 127.0.0.0/8
// or ::1.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Secure reports whether a credential may travel to u: over https, or over
// http to a loopback host, which a test server uses.
func Secure(u *url.URL) bool {
	switch strings.ToLower(u.Scheme) {
	case "https":
		return u.Host != ""
	case "http":
		return u.Host != "" && IsLoopback(u.Hostname())
	}
	return false
}

// Port is u's port, or its scheme's default one.
func Port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}

// Same reports whether a and b have the same scheme, host and port.
func Same(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && Port(a) == Port(b)
}

// Of is u's origin alone, such as https://api.github.com or
// http://127.0.0.1:8080: no credentials, path or query, which may hold a
// secret.
func Of(u *url.URL) string {
	return (&url.URL{Scheme: strings.ToLower(u.Scheme), Host: strings.ToLower(u.Host)}).String()
}

// HideUserinfo returns raw, a URL as it was given, fit for an error: what
// stands between its "//" and its last "@", where credentials go, is
// replaced, even when raw does not parse as a URL (https//user:pw@host).
func HideUserinfo(raw string) string {
	at := strings.LastIndex(raw, "@")
	if at < 0 {
		return raw
	}
	start := 0
	if i := strings.Index(raw[:at], "//"); i >= 0 {
		start = i + 2
	}
	return raw[:start] + "REDACTED" + raw[at:]
}

// maxDecodes bounds how many layers of escapes Redact undoes.
const maxDecodes = 8

// Redact replaces secret in s with [REDACTED], whether s holds it as sent,
// percent-encoded (in part or whole), with characters JSON-escaped
// (`\u005f`) or as HTML character references (`&#95;`), as a server that
// echoes its input may, and through up to maxDecodes layers of them
// (`%255f`). Escapes are decoded before the secret is looked for, so the
// text returned is the decoded one.
func Redact(s, secret string) string {
	if secret == "" {
		return s
	}
	for range maxDecodes {
		d := decodeEscapes(s)
		if d == s {
			break
		}
		s = d
	}
	for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
		s = strings.ReplaceAll(s, form, "[REDACTED]")
	}
	return s
}

// decodeEscapes decodes HTML character references, JSON `\uXXXX` escapes
// and `%XX` percent escapes, one layer; a malformed escape is left as it is.
func decodeEscapes(s string) string {
	if strings.Contains(s, "&") {
		s = html.UnescapeString(s)
	}
	if !strings.ContainsAny(s, `\%`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		switch {
		case s[i] == '\\' && i+6 <= len(s) && s[i+1] == 'u':
			if n, err := strconv.ParseUint(s[i+2:i+6], 16, 32); err == nil && utf8.ValidRune(rune(n)) {
				b.WriteRune(rune(n))
				i += 6
				continue
			}
		case s[i] == '%' && i+3 <= len(s):
			if n, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// Clean makes a server-supplied text safe to show in an error: secret, as sent
// or escaped, is replaced (Redact), control characters become spaces, and the
// text is cut to at most max runes.
func Clean(s, secret string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, Redact(s, secret))
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return s
}
