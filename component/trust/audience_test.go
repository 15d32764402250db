package trust_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

// TestBuildWithoutAudiences: Build wrote "aud": null for a spec without
// audiences, a document IAM refuses. The component cannot reach it (its
// configuration defaults audiences to the organization ID and refuses an
// empty list); for a direct caller Build leaves the key out, as STS still
// requires aud to be one of the provider's client IDs.
func TestBuildWithoutAudiences(t *testing.T) {
	spec := trust.Spec{
		ProviderARN: "arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/" + org,
		IssuerURL:   "https://oidc.circleci.com/org/" + org,
		Scope:       trust.Scope{OrganizationID: org, ProjectIDs: []string{project}},
	}
	for _, aud := range [][]string{nil, {}} {
		spec.Audiences = aud
		text := trust.Build(spec).JSON()
		assert.NotContains(t, text, "null")
		assert.NotContains(t, text, ":aud")
		doc, err := trust.Parse(text)
		require.NoError(t, err)
		assert.Contains(t, doc.Statement[0].Condition["StringLike"], "oidc.circleci.com/org/"+org+":sub")
	}
	spec.Audiences = []string{org}
	assert.True(t, strings.Contains(trust.Build(spec).JSON(), `"oidc.circleci.com/org/`+org+`:aud": [`), "pinned when given")
}
