package trust_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

const (
	org      = "5a1e7e5e-0c1d-4a6b-9f3e-1b2c3d4e5f60"
	otherOrg = "9b8c7d6e-5f40-4a3b-8c2d-1e0f9a8b7c6d"
	project  = "0d6b4a8e-7c3f-4e21-9a5b-3c2d1e0f9a8b"
	other    = "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9"
	user     = "c0ffee00-1234-4abc-8def-0123456789ab"
	intruder = "badc0de0-4321-4cba-8fed-ba9876543210"
	origin   = "github.com/acme/api"
	account  = "123456789012"
)

func issuer(o string) string { return "https://oidc.circleci.com/org/" + o }

func providerARN(o string) string {
	return "arn:aws:iam::" + account + ":oidc-provider/oidc.circleci.com/org/" + o
}

// v1 and v2 build subjects the way CircleCI writes them.
func v1(o, p, u string) string { return "org/" + o + "/project/" + p + "/user/" + u }

func v2(o, p, u, origin, ref string) string {
	return v1(o, p, u) + "/vcs-origin/" + origin + "/vcs-ref/" + ref
}

func token(o, p, sub string) trust.Claims {
	return trust.Claims{Issuer: issuer(o), Subject: sub, Audience: []string{o}, ProjectID: p}
}

func policy(scope trust.Scope, mutate ...func(*trust.Spec)) trust.Document {
	scope.OrganizationID = org
	spec := trust.Spec{ProviderARN: providerARN(org), IssuerURL: issuer(org), Audiences: []string{org}, Scope: scope}
	for _, m := range mutate {
		m(&spec)
	}
	return trust.Build(spec)
}

func TestEvaluateClaimsTable(t *testing.T) {
	projectOnly := policy(trust.Scope{ProjectIDs: []string{project}})
	mainOnly := policy(trust.Scope{ProjectIDs: []string{project}, Branches: []string{"main"}})
	originOnly := policy(trust.Scope{VCSOrigins: []string{origin}})
	releaseTags := policy(trust.Scope{ProjectIDs: []string{project}, Tags: []string{"v*"}})
	oneUser := policy(trust.Scope{ProjectIDs: []string{project}, UserIDs: []string{user}})
	anyProjectOneUser := policy(trust.Scope{UserIDs: []string{user}})
	customAud := policy(trust.Scope{ProjectIDs: []string{project}}, func(s *trust.Spec) {
		s.Audiences = []string{"sts.amazonaws.com"}
	})
	projectClaim := policy(trust.Scope{ProjectIDs: []string{project}}, func(s *trust.Spec) {
		s.ProjectPinning = trust.PinBoth
	})

	main := "refs/heads/main"
	tests := []struct {
		name   string
		policy trust.Document
		claims trust.Claims
		allow  bool
	}{
		{"v1 token, right project", projectOnly, token(org, project, v1(org, project, user)), true},
		{"v2 token, right project", projectOnly, token(org, project, v2(org, project, user, origin, main)), true},
		{"v1 token, other project", projectOnly, token(org, other, v1(org, other, user)), false},
		{"v2 token, other project", projectOnly, token(org, other, v2(org, other, user, origin, main)), false},
		{"other organization", projectOnly, token(otherOrg, project, v1(otherOrg, project, user)), false},
		{"v2 token on main", mainOnly, token(org, project, v2(org, project, user, origin, main)), true},
		{"v2 token on a feature branch", mainOnly, token(org, project, v2(org, project, user, origin, "refs/heads/feature")), false},
		{"v1 token against a branch policy", mainOnly, token(org, project, v1(org, project, user)), false},
		{"branch named to end like main", mainOnly,
			token(org, project, v2(org, project, user, origin, "refs/heads/x/vcs-ref/refs/heads/main")), false},
		{"right origin", originOnly, token(org, other, v2(org, other, user, origin, main)), true},
		{"fork origin", originOnly, token(org, other, v2(org, other, user, "github.com/evil/api", main)), false},
		{"fork branch that spells the right origin", originOnly,
			token(org, other, v2(org, other, user, "github.com/evil/api", "refs/heads/y/vcs-origin/"+origin+"/vcs-ref/z")), false},
		{"release tag", releaseTags, token(org, project, v2(org, project, user, origin, "refs/tags/v1.2.0")), true},
		{"branch named like a tag", releaseTags, token(org, project, v2(org, project, user, origin, "refs/heads/v1")), false},
		{"allowed user, v1", oneUser, token(org, project, v1(org, project, user)), true},
		{"allowed user, v2", oneUser, token(org, project, v2(org, project, user, origin, main)), true},
		{"other user", oneUser, token(org, project, v1(org, project, intruder)), false},
		{"other user, branch named after the allowed user", anyProjectOneUser,
			token(org, project, v2(org, project, intruder, origin, "refs/heads/user/"+user)), false},
		{"default audience refuses a custom one", projectOnly, func() trust.Claims {
			c := token(org, project, v1(org, project, user))
			c.Audience = []string{"sts.amazonaws.com"}
			return c
		}(), false},
		{"custom audience", customAud, func() trust.Claims {
			c := token(org, project, v1(org, project, user))
			c.Audience = []string{"sts.amazonaws.com"}
			return c
		}(), true},
		{"project-id claim agrees", projectClaim, token(org, project, v1(org, project, user)), true},
		{"project-id claim disagrees", projectClaim, token(org, other, v1(org, project, user)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := trust.Evaluate(tt.policy, tt.claims)
			assert.Equal(t, tt.allow, v.Allowed, "%s\n%s", v.Reason, tt.policy.JSON())
			if !tt.allow {
				assert.Contains(t, v.Reason, "refused")
			}
		})
	}
}

func TestEvaluateExplainsFailure(t *testing.T) {
	d := policy(trust.Scope{ProjectIDs: []string{project}, Branches: []string{"main"}})
	sub := v2(org, project, user, origin, "refs/heads/feature")
	v := trust.Evaluate(d, token(org, project, sub))
	require.False(t, v.Allowed)
	require.Len(t, v.Statements, 1)

	var failed []trust.Check
	for _, ch := range v.Statements[0].Checks {
		if !ch.Pass {
			failed = append(failed, ch)
		}
	}
	require.Len(t, failed, 1, "only the sub pattern should fail")
	assert.Equal(t, "StringLike", failed[0].Operator)
	assert.Equal(t, []string{sub}, failed[0].Got)
	assert.Contains(t, failed[0].Reason, `sub "`+sub+`" does not match`)
	assert.Contains(t, v.Reason, "does not match")
}

func TestEvaluatePrincipalAndAction(t *testing.T) {
	d := policy(trust.Scope{ProjectIDs: []string{project}})
	d.Statement[0].Principal.Federated = trust.StringList{providerARN(otherOrg)}
	v := trust.Evaluate(d, token(org, project, v1(org, project, user)))
	assert.False(t, v.Allowed)
	assert.Contains(t, v.Reason, "not the provider for issuer")

	d = policy(trust.Scope{ProjectIDs: []string{project}})
	d.Statement[0].Action = trust.StringList{"sts:AssumeRole"}
	v = trust.Evaluate(d, token(org, project, v1(org, project, user)))
	assert.False(t, v.Allowed)
	assert.Contains(t, v.Reason, "does not include sts:AssumeRoleWithWebIdentity")
}

func TestEvaluateDenyWins(t *testing.T) {
	d := policy(trust.Scope{ProjectIDs: []string{project}})
	deny := d.Statement[0]
	deny.Effect = "Deny"
	deny.Condition = trust.Conditions{"StringLike": {"oidc.circleci.com/org/" + org + ":sub": {"*/user/" + user}}}
	d.Statement = append(d.Statement, deny)
	v := trust.Evaluate(d, token(org, project, v1(org, project, user)))
	assert.False(t, v.Allowed)
	assert.Contains(t, v.Reason, "Deny")
}

func TestEvaluateOperators(t *testing.T) {
	key := "oidc.circleci.com/org/" + org + ":sub"
	missing := "oidc.circleci.com/org/" + org + ":amr"
	c := token(org, project, v1(org, project, user))
	tests := []struct {
		op, key string
		values  []string
		pass    bool
	}{
		{"StringEquals", key, []string{v1(org, project, user)}, true},
		{"StringNotEquals", key, []string{v1(org, project, user)}, false},
		{"StringEqualsIgnoreCase", key, []string{"ORG/" + org + "/PROJECT/" + project + "/USER/" + user}, true},
		{"StringNotLike", key, []string{"*/project/" + other + "/*"}, true},
		{"StringLikeIfExists", missing, []string{"x"}, true},
		{"StringLike", missing, []string{"*"}, false},
		{"StringNotLike", missing, []string{"*"}, true},
		{"ForAnyValue:StringLike", key, []string{"nope", "org/*"}, true},
		{"ForAllValues:StringEquals", key, []string{"nope"}, false},
		{"NumericLessThan", key, []string{"1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			d := trust.Document{Version: trust.PolicyVersion, Statement: []trust.Statement{{
				Effect:    "Allow",
				Principal: trust.Principal{Federated: trust.StringList{providerARN(org)}},
				Action:    trust.StringList{trust.Action},
				Condition: trust.Conditions{tt.op: {tt.key: tt.values}},
			}}}
			v := trust.Evaluate(d, c)
			assert.Equal(t, tt.pass, v.Allowed, v.Reason)
		})
	}
}

func TestLike(t *testing.T) {
	tests := []struct {
		pattern, value string
		want           bool
	}{
		{"", "", true},
		{"*", "", true},
		{"*", "a/b/c", true},
		{"a*c", "a/b/c", true},
		{"a?c", "abc", true},
		{"a?c", "a/c", true},
		{"a?c", "ac", false},
		{"abc", "abd", false},
		{"abc", "ABC", false},
		{"org/*/user/*", "org/x/project/y/user/z/vcs-origin/q", true},
		{"*main", "refs/heads/main", true},
		{"*main", "refs/heads/maint", false},
		{"**", "x", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
		{trust.AnyUUID, user, true},
		{trust.AnyUUID, user + "/x", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, trust.Like(tt.pattern, tt.value), "Like(%q, %q)", tt.pattern, tt.value)
	}
}

// statement returns a one-statement policy for the test organization's
// provider with one condition.
func statement(version, op, key string, values ...string) trust.Document {
	return trust.Document{Version: version, Statement: []trust.Statement{{
		Effect:    "Allow",
		Principal: trust.Principal{Federated: trust.StringList{providerARN(org)}},
		Action:    trust.StringList{trust.Action},
		Condition: trust.Conditions{op: {key: values}},
	}}}
}

// TestEvaluateIAMSemantics covers the disagreements with IAM that issue 11
// lists; each case failed before the evaluator was rewritten.
func TestEvaluateIAMSemantics(t *testing.T) {
	iss := "oidc.circleci.com/org/" + org
	sub, aud := iss+":sub", iss+":aud"
	c := token(org, project, v1(org, project, user))
	twoAud := c
	twoAud.Audience = []string{org, "sts.amazonaws.com"}
	tests := []struct {
		name   string
		doc    trust.Document
		claims trust.Claims
		want   trust.Decision
	}{
		{"key names ignore case (R1)",
			statement(trust.PolicyVersion, "StringEquals", "OIDC.CircleCI.com/ORG/"+org+":SUB", v1(org, project, user)), c, trust.Allowed},
		{"ForAllValues holds for a missing key (R6)",
			statement(trust.PolicyVersion, "ForAllValues:StringEquals", iss+":amr", "x"), c, trust.Allowed},
		{"ForAnyValue with a negated operator fails for a missing key (R8)",
			statement(trust.PolicyVersion, "ForAnyValue:StringNotEquals", iss+":amr", "x"), c, trust.Refused},
		{"ForAnyValue:StringNotEquals needs some value that matches none (R8)",
			statement(trust.PolicyVersion, "ForAnyValue:StringNotEquals", aud, org), twoAud, trust.Allowed},
		{"a request key is undetermined, not absent",
			statement(trust.PolicyVersion, "StringLike", "sts:RoleSessionName", "deploy*"), c, trust.Undetermined},
		{"StringNotLike * on a key always present refuses every token",
			statement(trust.PolicyVersion, "StringNotLike", "sts:RoleSessionName", "*"), c, trust.Refused},
		{"Null false on a claim the token has (R10)",
			statement(trust.PolicyVersion, "Null", sub, "false"), c, trust.Allowed},
		{"Bool on a request key is undetermined",
			statement(trust.PolicyVersion, "Bool", "aws:SecureTransport", "true"), c, trust.Undetermined},
		{"IpAddress on the caller's address is undetermined",
			statement(trust.PolicyVersion, "IpAddress", "aws:SourceIp", "203.0.113.0/24"), c, trust.Undetermined},
		{"a policy variable resolves to the token's claim (R13)",
			statement(trust.PolicyVersion, "StringLike", sub, "org/${"+aud+"}/*"), c, trust.Allowed},
		{"${*} is a literal star under StringLike (R14)",
			statement(trust.PolicyVersion, "StringLike", sub, "org/"+org+"/${*}"), c, trust.Refused},
		{"variables are literal before Version 2012-10-17 (R13)",
			statement("2008-10-17", "StringLike", sub, "org/${"+aud+"}/*"), c, trust.Refused},
		{"a plain operator on several aud values is undocumented (R9)",
			statement(trust.PolicyVersion, "StringEquals", aud, org), twoAud, trust.Undetermined},
		{"an issuer with a trailing slash is another provider",
			policy(trust.Scope{ProjectIDs: []string{project}}), func() trust.Claims {
				x := c
				x.Issuer += "/"
				return x
			}(), trust.Refused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := trust.Evaluate(tt.doc, tt.claims)
			assert.Equal(t, tt.want, v.Decision, "%s\n%s", v.Reason, tt.doc.JSON())
			assert.Equal(t, tt.want == trust.Allowed, v.Allowed)
		})
	}
}

func TestEvaluateUndeterminedNamesTheKey(t *testing.T) {
	d := policy(trust.Scope{ProjectIDs: []string{project}}, func(s *trust.Spec) {
		s.Extra = trust.Conditions{"StringLike": {"sts:RoleSessionName": {"deploy-*"}}}
	})
	v := trust.Evaluate(d, token(org, project, v1(org, project, user)))
	require.Equal(t, trust.Undetermined, v.Decision, v.Reason)
	assert.Contains(t, v.Reason, "undetermined: statement 0: sts:RoleSessionName depends on the RoleSessionName")
	require.Len(t, v.Open, 1)
	assert.Equal(t, "sts:RoleSessionName", v.Open[0].Key)
	assert.Contains(t, v.Open[0].DependsOn, "role_session_name")

	// A failing check decides the statement, whatever the open one says.
	v = trust.Evaluate(d, token(org, other, v1(org, other, user)))
	assert.Equal(t, trust.Refused, v.Decision, v.Reason)

	// An Allow that matches for certain is still undetermined while a Deny may match.
	d = policy(trust.Scope{ProjectIDs: []string{project}})
	deny := d.Statement[0]
	deny.Effect = "Deny"
	deny.Condition = trust.Conditions{"NotIpAddress": {"aws:SourceIp": {"203.0.113.0/24"}}}
	d.Statement = append(d.Statement, deny)
	v = trust.Evaluate(d, token(org, project, v1(org, project, user)))
	assert.Equal(t, trust.Undetermined, v.Decision, v.Reason)
	assert.Contains(t, v.Reason, "Deny statement 1 may too")
}

func TestEvaluateReasonSpelling(t *testing.T) {
	d := policy(trust.Scope{ProjectIDs: []string{project}})
	v := trust.Evaluate(d, token(org, project, v1(org, project, user)))
	require.True(t, v.Allowed)
	for _, ch := range v.Statements[0].Checks {
		assert.NotContains(t, ch.Reason, "matchs")
		if ch.Operator == "StringLike" {
			assert.Contains(t, ch.Reason, `" matches "`)
		}
	}
}

func TestLikeStarBeforeLiteralStar(t *testing.T) {
	assert.True(t, trust.Like("*", "*x"))
	assert.True(t, trust.Like("a*", "a*b"))
	assert.True(t, trust.Like("*/vcs-ref/*", "*/vcs-ref/x"))
	assert.False(t, trust.Like("a*c", "a*b"))
}

func TestParseIsStrict(t *testing.T) {
	good := policy(trust.Scope{ProjectIDs: []string{project}}).JSON()
	d, err := trust.Parse(good)
	require.NoError(t, err)
	assert.Equal(t, good, d.JSON())

	stmt := func(extra string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + providerARN(org) +
			`"},"Action":"sts:AssumeRoleWithWebIdentity"` + extra + `}]}`
	}
	d, err = trust.Parse(stmt(`,"Condition":{"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"aws:EpochTime":[1,2]}}`))
	require.NoError(t, err)
	assert.Equal(t, trust.StringList{"true"}, d.Statement[0].Condition["Bool"]["aws:SecureTransport"])
	assert.Equal(t, trust.StringList{"1", "2"}, d.Statement[0].Condition["NumericLessThan"]["aws:EpochTime"])

	for _, tt := range []struct{ extra, want string }{
		{`,"Condition":{"StringEquals":{"aws:username":"a","aws:username":"b"}}`, `has the key "aws:username" twice`},
		{`,"Condition":{"StringEquals":{"aws:Username":"a","aws:username":"b"}}`, "condition keys are case-insensitive"},
		{`,"NotAction":"sts:TagSession"`, "NotAction is not modelled"},
		{`,"Resource":"*"`, "Resource is not allowed in a role trust policy"},
		{`,"Effect":"Deny"`, `has the key "Effect" twice`},
		{`,"Condition":{"StringEquals":{"k":null}}`, "want a string, number or boolean"},
	} {
		_, err := trust.Parse(stmt(tt.extra))
		assert.ErrorContains(t, err, tt.want, tt.extra)
	}
	_, err = trust.Parse(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotPrincipal":{"AWS":"*"},"Action":"sts:AssumeRole"}}`)
	assert.ErrorContains(t, err, "NotPrincipal is not allowed")
	d, err = trust.Parse(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}}`)
	require.NoError(t, err)
	assert.Equal(t, trust.StringList{"*"}, d.Statement[0].Principal.AWS, `"Principal": "*" is {"AWS": "*"}`)
	_, err = trust.Parse(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":["a"],"Action":"sts:AssumeRole"}}`)
	assert.ErrorContains(t, err, "Principal [a] is not modelled")
}
