package oidctest

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLeaks(t *testing.T) {
	iss, err := NewIssuer()
	require.NoError(t, err)
	defer iss.Close()
	token, err := iss.Sign(Token{Org: "o", Project: "p", User: "u"})
	require.NoError(t, err)
	parts := strings.Split(token, ".")
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	require.NoError(t, err)
	for _, tc := range []struct {
		name, output string
		leaks        bool
	}{
		{"nothing", "Verdict: ALLOWED: statement 0\n", false},
		{"the claims a reviewer reads", "sub org/o/project/p/user/u\naud o\n", false},
		{"the token", "TOKEN=" + token + "\n", true},
		{"header and payload", parts[0] + "." + parts[1], true},
		{"a slice of the signature", "x" + parts[2][100:112] + "x", true},
		{"the signature in hex", hex.EncodeToString(sig)[40:60], true},
		{"the signature in standard base64", base64.StdEncoding.EncodeToString(sig)[200:220], true},
		{"the signature in upper-case hex", strings.ToUpper(hex.EncodeToString(sig))[40:60], true},
		{"the token through base64, as `echo $TOKEN | base64` gets past masking", base64.StdEncoding.EncodeToString([]byte("TOKEN=" + token)), true},
		{"the signature in base64 after one other byte", base64.StdEncoding.EncodeToString(append([]byte{0}, sig...))[100:120], true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.leaks, len(Leaks(tc.output, token)) > 0, Leaks(tc.output, token))
		})
	}
}
