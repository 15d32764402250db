package doctor_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/doctor"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/oidctest"
)

// TestExpiryClockSkew covers finding D3: a token that expired 90 s ago was
// REFUSED, but IAM accepts OIDC tokens up to five minutes after exp, for
// clock skew (IAM User Guide, "OIDC federation").
func TestExpiryClockSkew(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	policy := trust.Build(trust.Spec{
		ProviderARN: "arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/" + org,
		IssuerURL:   trust.DefaultIssuerURL(org), Audiences: []string{org},
		Scope: trust.Scope{OrganizationID: org},
	})
	tests := []struct {
		name      string
		expiredBy time.Duration
		want      doctor.Outcome
		lifetime  string
	}{
		{"valid", -time.Minute, doctor.AllowedUnverified, "expires at"},
		{"expired 90 s ago", 90 * time.Second, doctor.AllowedUnverified, "within the 5m0s STS allows after exp for clock skew"},
		{"expired 4m59s ago", 299 * time.Second, doctor.AllowedUnverified, "within the 5m0s"},
		{"expired 5 min ago", 5 * time.Minute, doctor.Refused, "expired at"},
		{"expired 2 h ago", 2 * time.Hour, doctor.Refused, "expired at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := oidctest.SignWithOtherKey(oidctest.Token{Org: org, Project: "22222222-2222-4222-8222-222222222222",
				User: "55555555-5555-4555-8555-555555555555", IssuedAt: now.Add(-time.Hour - tt.expiredBy)})
			require.NoError(t, err)
			tok, err := doctor.Parse(raw)
			require.NoError(t, err)
			r := doctor.Diagnose(tok, policy, "test", now, doctor.ErrNotChecked)
			assert.Equal(t, tt.want, r.Outcome, r.Reason)
			assert.Contains(t, r.Lifetime, tt.lifetime)
		})
	}
}
