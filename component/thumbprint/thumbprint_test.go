package thumbprint_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/thumbprint"
)

var (
	root  = thumbprint.Certificate{Subject: "CN=Root", Issuer: "CN=Root", IsCA: true, SHA1Fingerprint: "0000000000000000000000000000000000000001"}
	inter = thumbprint.Certificate{Subject: "CN=Intermediate", Issuer: "CN=Root", IsCA: true, SHA1Fingerprint: "9E:99:A4:8A:99:60:B1:49:26:BB:7F:3B:02:E2:2D:A2:B0:AB:72:80"}
	leaf  = thumbprint.Certificate{Subject: "CN=oidc.circleci.com", Issuer: "CN=Intermediate", SHA1Fingerprint: "1111111111111111111111111111111111111111"}
)

func TestChoose(t *testing.T) {
	tests := []struct {
		name  string
		chain []thumbprint.Certificate
		want  string
		err   string
	}{
		{"intermediate then leaf, as pulumi-tls lists them", []thumbprint.Certificate{inter, leaf}, thumbprint.CircleCI, ""},
		{"a served root comes first", []thumbprint.Certificate{root, inter, leaf}, "0000000000000000000000000000000000000001", ""},
		{"leaf only", []thumbprint.Certificate{leaf}, "", "is not a CA"},
		{"empty", nil, "", "no certificates"},
		{"broken fingerprint", []thumbprint.Certificate{{Subject: "CN=x", IsCA: true, SHA1Fingerprint: "zz"}}, "", "is not a SHA-1 fingerprint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := thumbprint.Choose(tt.chain)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := thumbprint.Choose(nil)
	assert.True(t, errors.Is(err, thumbprint.ErrNoChain))
}

func TestValidAndNormalize(t *testing.T) {
	assert.True(t, thumbprint.Valid(thumbprint.CircleCI))
	assert.False(t, thumbprint.Valid("9E99A48A9960B14926BB7F3B02E22DA2B0AB7280"))
	assert.False(t, thumbprint.Valid(thumbprint.CircleCI[:39]))
	assert.Equal(t, thumbprint.CircleCI, thumbprint.Normalize("9E:99:A4:8A:99:60:B1:49:26:BB:7F:3B:02:E2:2D:A2:B0:AB:72:80"))
}

func TestMerge(t *testing.T) {
	assert.Equal(t, []string{"a", "b", "c"}, thumbprint.Merge([]string{"a", "b"}, []string{"b", "c", "a"}))
	assert.Empty(t, thumbprint.Merge(nil, nil))
}
