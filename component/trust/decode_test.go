package trust_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

// TestDecodeDocument decodes IAM's URL-encoded documents once, and leaves a
// plain one as it is (finding D5).
func TestDecodeDocument(t *testing.T) {
	plain := `{"Statement":[{"Condition":{"StringLike":{"k":"a+b %2A"}}}]}`
	encoded := strings.ReplaceAll(url.QueryEscape(plain), "+", "%20")
	tests := []struct{ name, in, want string }{
		{"plain", plain, plain},
		{"plain, indented", "\n  " + plain, "\n  " + plain},
		{"encoded", encoded, plain},
		{"not valid encoding", "%zz", "%zz"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, trust.DecodeDocument(tt.in), tt.name)
	}
}
