package doctor_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/doctor"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/oidctest"
)

const org = "11111111-1111-4111-8111-111111111111"

func TestParse(t *testing.T) {
	v2, err := oidctest.SignWithOtherKey(oidctest.Token{Org: org, Project: "p", User: "u",
		Origin: "github.com/acme/api", Ref: "refs/heads/main"})
	require.NoError(t, err)
	tok, err := doctor.Parse("  " + v2 + "\n")
	require.NoError(t, err)
	assert.Equal(t, 2, tok.Version())
	assert.Equal(t, oidctest.KeyID, tok.KeyID)
	c := tok.TrustClaims()
	assert.Equal(t, "https://oidc.circleci.com/org/"+org, c.Issuer)
	assert.Equal(t, []string{org}, c.Audience)
	assert.Equal(t, "p", c.ProjectID)
	assert.Equal(t, "refs/heads/main", tok.Claims.VCSRef)

	v1, err := oidctest.SignWithOtherKey(oidctest.Token{Org: org, Project: "p", User: "u"})
	require.NoError(t, err)
	tok, err = doctor.Parse(v1)
	require.NoError(t, err)
	assert.Equal(t, 1, tok.Version())

	_, err = doctor.Parse("a.b.c")
	assert.ErrorContains(t, err, "not a signed JWT")
}
