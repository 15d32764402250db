package tests

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/config"
	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

const (
	infra   = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
	mallory = "badbadba-dbad-4bad-8bad-badbadbadbad"
)

// ciJob is one CircleCI job's claims, v2 unless ref is empty.
type ciJob struct {
	org, project, user, origin, ref, aud string
}

func (k ciJob) claims() trust.Claims {
	o, u, aud := k.org, k.user, k.aud
	if o == "" {
		o = org
	}
	if u == "" {
		u = alice
	}
	if aud == "" {
		aud = o
	}
	sub := "org/" + o + "/project/" + k.project + "/user/" + u
	if k.ref != "" {
		sub += "/vcs-origin/" + k.origin + "/vcs-ref/" + k.ref
	}
	return trust.Claims{Issuer: "https://oidc.circleci.com/org/" + o, Subject: sub, Audience: []string{aud},
		ProjectID: k.project}
}

// policyFor builds the trust policy the component would build for c, with
// each project pinning.
func policyFor(t *testing.T, c config.Config, pinning trust.Pinning) trust.Document {
	t.Helper()
	c.OrganizationID, c.ProjectPinning, c.TrustPolicyQuota = org, string(pinning), config.MaxTrustPolicyQuota
	c = c.WithDefaults()
	require.NoError(t, c.Validate())
	return trust.Build(c.TrustSpec("arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/" + org))
}

// TestClaimsTable judges real-looking jobs, honest and spoofed, against the
// policies the component builds, in every project pinning: the compact form
// must decide exactly as the others do.
func TestClaimsTable(t *testing.T) {
	const apiRepo, webRepo, toolsRepo = "github.com/acme/api", "github.com/acme/web", "github.com/acme/tools"
	main, release, tag := "refs/heads/main", "refs/heads/release/2026-11", "refs/tags/v1.2.0"
	policies := map[string]config.Config{
		"api main, tags, repo": {ProjectIDs: []string{api}, Branches: []string{"main"}, GitTags: []string{"v*"},
			VCSOrigins: []string{apiRepo}},
		"api and web on main": {ProjectIDs: []string{api, web}, Branches: []string{"main"}},
		"alice in api":        {ProjectIDs: []string{api}, UserIDs: []string{alice}},
		"api repo, any ref":   {ProjectIDs: []string{api}, VCSOrigins: []string{"gitlab.com/acme/grp/api"}},
		"alice on main":       {ProjectIDs: []string{api}, UserIDs: []string{alice}, Branches: []string{"main"}},
		"rules": {Rules: []config.Rule{
			{ProjectIDs: []string{api}, VCSOrigins: []string{apiRepo}, Branches: []string{"main"}},
			{ProjectIDs: []string{infra}, VCSOrigins: []string{webRepo}, Branches: []string{"release/*"}},
			{VCSOrigins: []string{toolsRepo}, GitTags: []string{"v*"}},
		}},
	}
	tests := []struct {
		policy, name string
		job          ciJob
		allow        bool
	}{
		{"api main, tags, repo", "main of the api repo", ciJob{project: api, origin: apiRepo, ref: main}, true},
		{"api main, tags, repo", "release tag", ciJob{project: api, origin: apiRepo, ref: tag}, true},
		{"api main, tags, repo", "feature branch", ciJob{project: api, origin: apiRepo, ref: "refs/heads/feature"}, false},
		{"api main, tags, repo", "v1 token", ciJob{project: api}, false},
		{"api main, tags, repo", "other project", ciJob{project: web, origin: apiRepo, ref: main}, false},
		{"api main, tags, repo", "fork", ciJob{project: api, origin: "github.com/mallory/api", ref: main}, false},
		{"api main, tags, repo", "ref spoof: a branch spelling main",
			ciJob{project: api, origin: apiRepo, ref: "refs/heads/x/vcs-ref/refs/heads/main"}, false},
		{"api main, tags, repo", "origin spoof: nested groups spelling the repo",
			ciJob{project: api, origin: "gitlab.com/evil/vcs-origin/github.com/acme/api", ref: main}, false},
		{"api main, tags, repo", "other organization", ciJob{org: otherOrg, project: api, origin: apiRepo, ref: main}, false},
		{"api main, tags, repo", "custom audience", ciJob{project: api, origin: apiRepo, ref: main, aud: "sts.amazonaws.com"}, false},

		{"api and web on main", "api on main", ciJob{project: api, origin: apiRepo, ref: main}, true},
		{"api and web on main", "web on main, any repo", ciJob{project: web, origin: webRepo, ref: main}, true},
		{"api and web on main", "infra on main", ciJob{project: infra, origin: webRepo, ref: main}, false},
		{"api and web on main", "api on a branch spelling another project",
			ciJob{project: infra, origin: webRepo, ref: "refs/heads/project/" + api + "/user/x/vcs-ref/refs/heads/main"}, false},
		{"api and web on main", "v1 token of api", ciJob{project: api}, false},

		{"api repo, any ref", "main of the repo", ciJob{project: api, origin: "gitlab.com/acme/grp/api", ref: main}, true},
		{"api repo, any ref", "a tag of the repo", ciJob{project: api, origin: "gitlab.com/acme/grp/api", ref: tag}, true},
		{"api repo, any ref", "origin spoof: a repository under the pinned one, named vcs-ref",
			ciJob{project: api, origin: "gitlab.com/acme/grp/api/vcs-ref", ref: main}, false},
		{"api repo, any ref", "another repository", ciJob{project: api, origin: "gitlab.com/acme/grp/web", ref: main}, false},
		{"alice in api", "alice, v1", ciJob{project: api}, true},
		{"alice in api", "alice, v2", ciJob{project: api, origin: apiRepo, ref: "refs/heads/feature"}, true},
		{"alice in api", "mallory", ciJob{project: api, user: mallory, origin: apiRepo, ref: main}, false},
		{"alice in api", "user spoof: mallory pushes a branch named user/<alice>",
			ciJob{project: api, user: mallory, origin: apiRepo, ref: "refs/heads/user/" + alice}, false},
		{"alice in api", "user spoof in another project",
			ciJob{project: web, user: mallory, origin: webRepo, ref: "refs/heads/x/project/" + api + "/user/" + alice}, false},

		{"alice on main", "alice on main", ciJob{project: api, origin: apiRepo, ref: main}, true},
		{"alice on main", "mallory on main", ciJob{project: api, user: mallory, origin: apiRepo, ref: main}, false},
		{"alice on main", "mallory spelling alice and main",
			ciJob{project: api, user: mallory, origin: apiRepo, ref: "refs/heads/user/" + alice + "/vcs-origin/x/vcs-ref/refs/heads/main"}, false},

		{"rules", "api on main", ciJob{project: api, origin: apiRepo, ref: main}, true},
		{"rules", "api on release: the infra rule's branch", ciJob{project: api, origin: apiRepo, ref: release}, false},
		{"rules", "infra on release", ciJob{project: infra, origin: webRepo, ref: release}, true},
		{"rules", "infra on main: the api rule's branch", ciJob{project: infra, origin: webRepo, ref: main}, false},
		{"rules", "infra from the api repo", ciJob{project: infra, origin: apiRepo, ref: release}, false},
		{"rules", "any project of the tools repo on a tag", ciJob{project: web, origin: toolsRepo, ref: tag}, true},
		{"rules", "tools repo on a branch", ciJob{project: web, origin: toolsRepo, ref: main}, false},
		{"rules", "a fork of tools on a tag", ciJob{project: web, origin: "github.com/mallory/tools", ref: tag}, false},
		{"rules", "v1 token", ciJob{project: api}, false},
	}
	for _, pinning := range trust.Pinnings {
		docs := map[string]trust.Document{}
		for name, c := range policies {
			docs[name] = policyFor(t, c, pinning)
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/%s/%s", pinning, tt.policy, tt.name), func(t *testing.T) {
				v := trust.Evaluate(docs[tt.policy], tt.job.claims())
				assert.Equal(t, tt.allow, v.Allowed, v.Reason)
			})
		}
	}
}

// TestRulesShareOneStatement checks the rules' shape: one statement whose sub
// patterns each keep their rule's projects and limits, the ref-spoof guard as
// soon as a rule pins a ref, and the project-id key only where every rule
// names projects.
func TestRulesShareOneStatement(t *testing.T) {
	key := "oidc.circleci.com/org/" + org
	doc := policyFor(t, config.Config{Rules: []config.Rule{
		{ProjectIDs: []string{api}, Branches: []string{"main"}, VCSOrigins: []string{"github.com/acme/api"}},
		{ProjectIDs: []string{web, infra}},
	}}, trust.PinClaim)
	require.Len(t, doc.Statement, 1)
	cond := doc.Statement[0].Condition
	assert.ElementsMatch(t, []string{api, web, infra}, cond[trust.StringEquals][key+":"+trust.ProjectIDClaim])
	assert.Equal(t, trust.StringList{trust.RefSpoofGuard}, cond[trust.StringNotLike][key+":sub"])
	subs := cond[trust.StringLike][key+":sub"]
	require.Len(t, subs, 3)
	for _, p := range []string{api, web, infra} {
		assert.Contains(t, fmt.Sprint(subs), "/project/"+p+"/", "each pattern keeps its rule's project")
	}

	doc = policyFor(t, config.Config{Rules: []config.Rule{
		{ProjectIDs: []string{api}, Branches: []string{"main"}},
		{VCSOrigins: []string{"github.com/acme/tools"}, GitTags: []string{"v*"}},
	}}, trust.PinClaim)
	assert.Nil(t, doc.Statement[0].Condition[trust.StringEquals][key+":"+trust.ProjectIDClaim],
		"a rule of any project of a repository: the key would refuse its jobs")
}
