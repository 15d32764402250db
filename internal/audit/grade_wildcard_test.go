package audit_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/audit"
)

// wildcard is a one-statement trust policy whose principal is p.
func wildcard(p any, action string, cond map[string]map[string]any) string {
	st := map[string]any{"Effect": "Allow", "Principal": p, "Action": action}
	if cond != nil {
		st["Condition"] = cond
	}
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{st}})
	return string(b)
}

// TestGradeWildcardPrincipal: a statement whose principal is "*" or
// {"AWS": "*"} was skipped, as it names no CircleCI provider, though any
// principal may assume the role under its conditions (doctor calls such a
// statement UNDETERMINED for a CircleCI token).
func TestGradeWildcardPrincipal(t *testing.T) {
	sub := issuerKey(org) + ":sub"
	pinned := map[string]map[string]any{
		"StringEquals": {issuerKey(org) + ":aud": org},
		"StringLike":   {sub: "org/" + org + "/project/" + project + "/user/*"},
	}
	wholeOrg := map[string]map[string]any{"StringEquals": {issuerKey(org) + ":aud": org}}
	tests := []struct {
		name   string
		policy string
		want   []string
		worst  audit.Severity
	}{
		{`"*", no condition`, wildcard("*", "sts:AssumeRoleWithWebIdentity", nil), []string{"wildcard-principal"}, audit.Critical},
		{`{"AWS": "*"}, no condition, any sts action`, wildcard(map[string]any{"AWS": "*"}, "sts:*", nil), []string{"wildcard-principal"}, audit.Critical},
		{`"*", conditions on a request key only`, wildcard("*", "sts:AssumeRoleWithWebIdentity",
			map[string]map[string]any{"StringLike": {"sts:RoleSessionName": "deploy-*"}}), []string{"wildcard-principal"}, audit.Critical},
		{`"*", a negated condition only: a caller without the key passes`, wildcard("*", "sts:AssumeRoleWithWebIdentity",
			map[string]map[string]any{"StringNotLike": {sub: "*/vcs-ref/*/vcs-ref/*"}}), []string{"wildcard-principal"}, audit.Critical},
		{`"*", CircleCI conditions pinned`, wildcard("*", "sts:AssumeRoleWithWebIdentity", pinned), []string{"wildcard-principal"}, audit.Medium},
		{`{"AWS": "*"}, CircleCI conditions for the whole organization: graded as the provider's statement too`,
			wildcard(map[string]any{"AWS": "*"}, "sts:AssumeRoleWithWebIdentity", wholeOrg), []string{"whole-organization", "wildcard-principal"}, audit.High},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := scanOne(t, tt.policy, audit.Options{})
			assert.Equal(t, tt.want, checks(r.Findings), "%+v", r.Findings)
			require.NotEmpty(t, r.Findings)
			assert.Equal(t, tt.worst, r.Findings[0].Severity)
			for _, f := range r.Findings {
				if f.Check == "wildcard-principal" {
					assert.Contains(t, f.Fix, `"Federated"`)
					assert.NotNil(t, f.Statement)
				}
			}
		})
	}

	// Not for web identities: an action that is not AssumeRoleWithWebIdentity
	// is another tool's business, and so is a role of no principal wildcard.
	f := fakeIAM{providers: map[string][]string{issuerKey(org): {org}}, roles: [][2]string{
		{"assume-role-only", wildcard("*", "sts:AssumeRole", nil)},
		{"an account", wildcard(map[string]any{"AWS": "arn:aws:iam::" + account + ":root"}, "sts:AssumeRoleWithWebIdentity", nil)},
	}}
	rep, err := audit.Scan(t.Context(), f, audit.Options{})
	require.NoError(t, err)
	assert.Empty(t, rep.Roles)
}
