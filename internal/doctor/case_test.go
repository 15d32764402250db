package doctor_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/doctor"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/oidctest"
)

// TestRefusedOnlyForLetterCase: IAM's StringLike and StringEquals compare
// case-sensitively, so a policy pinning GitHub.com/Acme/API never matches a
// token from github.com/acme/api; doctor says when case is all that differs.
func TestRefusedOnlyForLetterCase(t *testing.T) {
	raw, err := oidctest.SignWithOtherKey(oidctest.Token{Org: org,
		Project: "22222222-2222-4222-8222-222222222222", User: "55555555-5555-4555-8555-555555555555",
		Origin: "github.com/acme/api", Ref: "refs/heads/main"})
	require.NoError(t, err)
	tok, err := doctor.Parse(raw)
	require.NoError(t, err)
	policy := func(origin, ref string) trust.Document {
		return trust.Build(trust.Spec{
			ProviderARN: "arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/" + org,
			IssuerURL:   "https://oidc.circleci.com/org/" + org, Audiences: []string{org},
			Scope: trust.Scope{OrganizationID: org, VCSOrigins: []string{origin}, Branches: []string{ref}},
		})
	}
	now := time.Now()
	for _, tc := range []struct {
		name, origin, ref string
		outcome           doctor.Outcome
		caseNote          bool
	}{
		{"same case", "github.com/acme/api", "main", doctor.AllowedUnverified, false},
		{"the host in capitals", "GitHub.com/acme/api", "main", doctor.Refused, true},
		{"owner and repository in capitals", "github.com/Acme/API", "main", doctor.Refused, true},
		{"the branch in capitals", "github.com/acme/api", "Main", doctor.Refused, true},
		{"another repository: not a matter of case", "github.com/acme/web", "main", doctor.Refused, false},
		{"capitals and another branch", "GitHub.com/Acme/API", "dev", doctor.Refused, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := doctor.Diagnose(tok, policy(tc.origin, tc.ref), "test", now, doctor.ErrNotChecked)
			assert.Equal(t, tc.outcome, r.Outcome, r.Reason)
			assert.Equal(t, tc.caseNote, strings.Contains(r.Reason, "only because of letter case"), r.Reason)
			if tc.caseNote {
				assert.Contains(t, r.Reason, "case-sensitive")
				assert.Contains(t, r.Reason, `"github.com/acme/api"`, "names the token's own spelling")
			}
		})
	}
}
