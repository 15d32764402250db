package trust_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

func TestSubjects(t *testing.T) {
	base := "org/" + org + "/project/" + project + "/user/"
	anyUser := "org/" + org + "/project/" + trust.AnyUUID + "/user/"
	tests := []struct {
		name  string
		scope trust.Scope
		want  []string
	}{
		{"project: v1 and v2", trust.Scope{ProjectIDs: []string{project}}, []string{base + "*"}},
		{"project and user: v1 exact, v2 prefix", trust.Scope{ProjectIDs: []string{project}, UserIDs: []string{user}},
			[]string{base + user, base + user + "/vcs-origin/*"}},
		{"branch: v2 only, unpinned user and origin folded", trust.Scope{ProjectIDs: []string{project}, Branches: []string{"main"}},
			[]string{base + "*/vcs-ref/refs/heads/main"}},
		{"branches and tags", trust.Scope{ProjectIDs: []string{project}, Branches: []string{"main", "release/*"}, Tags: []string{"v*"}},
			[]string{
				base + "*/vcs-ref/refs/heads/main",
				base + "*/vcs-ref/refs/heads/release/*",
				base + "*/vcs-ref/refs/tags/v*",
			}},
		{"branch of any project", trust.Scope{Branches: []string{"main"}},
			[]string{"org/" + org + "/project/*/vcs-ref/refs/heads/main"}},
		{"branch of one user: the pinned user keeps the project's AnyUUID",
			trust.Scope{UserIDs: []string{user}, Branches: []string{"main"}},
			[]string{anyUser + user + "/vcs-origin/*/vcs-ref/refs/heads/main"}},
		{"branch of one origin: the pinned origin keeps the user's AnyUUID",
			trust.Scope{ProjectIDs: []string{project}, VCSOrigins: []string{origin}, Branches: []string{"main"}},
			[]string{base + trust.AnyUUID + "/vcs-origin/" + origin + "/vcs-ref/refs/heads/main"}},
		{"origin, any ref", trust.Scope{VCSOrigins: []string{origin}},
			[]string{anyUser + trust.AnyUUID + "/vcs-origin/" + origin + "/vcs-ref/refs/*"}},
		{"user in any project", trust.Scope{UserIDs: []string{user}},
			[]string{anyUser + user, anyUser + user + "/vcs-origin/*"}},
		{"whole organization", trust.Scope{}, []string{anyUser + "*"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.scope.OrganizationID = org
			assert.Equal(t, tt.want, tt.scope.Subjects())
		})
	}
}

func TestSubjectsSortedAndUnique(t *testing.T) {
	a := trust.Scope{OrganizationID: org, ProjectIDs: []string{project, other, project}}
	b := trust.Scope{OrganizationID: org, ProjectIDs: []string{other, project}}
	assert.Equal(t, b.Subjects(), a.Subjects())
	assert.Len(t, a.Subjects(), 2)
}

func TestBuildPinsAudAndSub(t *testing.T) {
	d := policy(trust.Scope{ProjectIDs: []string{project}, Branches: []string{"main"}}, func(s *trust.Spec) {
		s.Extra = trust.Conditions{"Bool": {"aws:SecureTransport": {"true"}}}
	})
	require.Len(t, d.Statement, 1)
	st := d.Statement[0]
	key := "oidc.circleci.com/org/" + org
	assert.Equal(t, "Allow", st.Effect)
	assert.Equal(t, trust.StringList{trust.Action}, st.Action)
	assert.Equal(t, trust.StringList{providerARN(org)}, st.Principal.Federated)
	assert.Equal(t, trust.StringList{org}, st.Condition["StringEquals"][key+":aud"])
	assert.NotEmpty(t, st.Condition["StringLike"][key+":sub"])
	assert.Equal(t, trust.StringList{trust.RefSpoofGuard}, st.Condition["StringNotLike"][key+":sub"])
	assert.Equal(t, trust.StringList{"true"}, st.Condition["Bool"]["aws:SecureTransport"])
}

func TestJSONIsStableAndRoundTrips(t *testing.T) {
	build := func(projects ...string) trust.Document {
		return policy(trust.Scope{ProjectIDs: projects}, func(s *trust.Spec) { s.ProjectPinning = trust.PinBoth })
	}
	a, b := build(project, other), build(other, project)
	assert.Equal(t, a.JSON(), b.JSON(), "input order must not change the policy")

	parsed, err := trust.Parse(a.JSON())
	require.NoError(t, err)
	assert.Equal(t, a.JSON(), parsed.JSON())
}

func TestParseAcceptsIAMShorthand(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow",
	  "Principal":{"Federated":"` + providerARN(org) + `"},
	  "Action":"sts:AssumeRoleWithWebIdentity",
	  "Condition":{"StringEquals":{"oidc.circleci.com/org/` + org + `:aud":"` + org + `"},
	               "StringLike":{"oidc.circleci.com/org/` + org + `:sub":"org/` + org + `/project/` + project + `/user/*"}}}}`
	d, err := trust.Parse(doc)
	require.NoError(t, err)
	require.Len(t, d.Statement, 1)
	assert.True(t, trust.Evaluate(d, token(org, project, v1(org, project, user))).Allowed)

	_, err = trust.Parse(`{"Version":"2012-10-17"}`)
	assert.ErrorContains(t, err, "no Statement")
	_, err = trust.Parse(`{"Statement":[{"Action":7}]}`)
	assert.Error(t, err)
}

// TestCountSubjects keeps CountSubjects equal to what Build writes.
func TestCountSubjects(t *testing.T) {
	for _, s := range []trust.Scope{
		{},
		{ProjectIDs: []string{project, other}},
		{ProjectIDs: []string{project}, UserIDs: []string{user, intruder}},
		{ProjectIDs: []string{project, other}, Branches: []string{"main", "dev"}, Tags: []string{"v*"}},
		{UserIDs: []string{user}, VCSOrigins: []string{origin, "github.com/acme/web"}},
		{ProjectIDs: []string{project}, UserIDs: []string{user}, VCSOrigins: []string{origin}, Branches: []string{"main"}},
		{ProjectIDs: []string{project, project}, Branches: []string{"main", "main"}},
	} {
		s.OrganizationID = org
		assert.Equal(t, len(s.Subjects()), s.CountSubjects(), "%+v", s)
		for _, pin := range trust.Pinnings {
			spec := trust.Spec{IssuerURL: trust.DefaultIssuerURL(org), Scope: s, ProjectPinning: pin}
			sub := trust.Build(spec).Statement[0].Condition[trust.StringLike][trust.IssuerKey(spec.IssuerURL)+":sub"]
			assert.Equal(t, len(sub), spec.CountSubjects(), "%+v %s", s, pin)
		}
	}
}
