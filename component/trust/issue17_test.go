package trust_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

// TestProjectIDKeyOnlyUnderCloudIssuer covers findings D1 and A5: STS sets
// the project-id key only under CircleCI cloud's issuer,
// oidc.circleci.com/org/<ORG>. Under a server issuer it is missing, so
// StringEquals on it fails and StringEqualsIfExists holds for every project.
func TestProjectIDKeyOnlyUnderCloudIssuer(t *testing.T) {
	const server = "https://circleci.example.com/org/" + org
	doc := func(op string) trust.Document {
		return trust.Document{Version: trust.PolicyVersion, Statement: []trust.Statement{{
			Effect:    "Allow",
			Principal: trust.Principal{Federated: trust.StringList{"arn:aws:iam::" + account + ":oidc-provider/circleci.example.com/org/" + org}},
			Action:    trust.StringList{trust.Action},
			Condition: trust.Conditions{op: {"circleci.example.com/org/" + org + ":" + trust.ProjectIDClaim: {project}}},
		}}}
	}
	tests := []struct {
		op, tokenProject string
		want             trust.Decision
	}{
		{"StringEquals", project, trust.Refused},
		{"StringEqualsIfExists", other, trust.Allowed},
	}
	for _, tt := range tests {
		c := trust.Claims{Issuer: server, Subject: v1(org, tt.tokenProject, user), Audience: []string{org}, ProjectID: tt.tokenProject}
		v := trust.Evaluate(doc(tt.op), c)
		assert.Equal(t, tt.want, v.Decision, "%s: %s", tt.op, v.Reason)
	}
	// Under the cloud issuer the key is there.
	cloud := policy(trust.Scope{ProjectIDs: []string{project}}, func(s *trust.Spec) { s.ProjectPinning = trust.PinClaim })
	assert.Equal(t, trust.Allowed, trust.Evaluate(cloud, token(org, project, v1(org, project, user))).Decision)
	assert.Equal(t, trust.Refused, trust.Evaluate(cloud, token(org, other, v1(org, other, user))).Decision)
}

// TestDenyForOtherPrincipalsIsUndetermined covers finding D2: a Deny whose
// Principal is {"AWS": "*"} or a service was ignored, giving ALLOWED. IAM
// does not document whether such a principal covers a web-identity caller,
// so the statement may apply.
func TestDenyForOtherPrincipalsIsUndetermined(t *testing.T) {
	allow := policy(trust.Scope{ProjectIDs: []string{project}})
	for _, principal := range []string{`{"AWS":"*"}`, `{"Service":"sts.amazonaws.com"}`, `"*"`} {
		text := allow.JSON()
		text = text[:len(text)-len("\n  ]\n}")] + `,{"Effect":"Deny","Principal":` + principal + `,"Action":"sts:*"}]}`
		d, err := trust.Parse(text)
		require.NoError(t, err, text)
		v := trust.Evaluate(d, token(org, project, v1(org, project, user)))
		assert.Equal(t, trust.Undetermined, v.Decision, "%s: %s", principal, v.Reason)
		assert.Contains(t, v.Reason, "web-identity", principal)
	}
	// A Deny for a named federated provider of another issuer does not apply.
	text := allow.JSON()
	text = text[:len(text)-len("\n  ]\n}")] + `,{"Effect":"Deny","Principal":{"Federated":"` + providerARN(otherOrg) + `"},"Action":"sts:*"}]}`
	d, err := trust.Parse(text)
	require.NoError(t, err)
	assert.Equal(t, trust.Allowed, trust.Evaluate(d, token(org, project, v1(org, project, user))).Decision)
}

// TestDenyForNamedAccountDoesNotApply keeps a Deny for a named IAM identity
// out of a web-identity caller's verdict.
func TestDenyForNamedAccountDoesNotApply(t *testing.T) {
	text := policy(trust.Scope{ProjectIDs: []string{project}}).JSON()
	text = text[:len(text)-len("\n  ]\n}")] + `,{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"sts:*"}]}`
	d, err := trust.Parse(text)
	require.NoError(t, err)
	assert.Equal(t, trust.Allowed, trust.Evaluate(d, token(org, project, v1(org, project, user))).Decision)
}
