package config_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/config"
)

// TestWarnsOfCapitalsInTheHost: CircleCI writes vcs-origin with the host in
// lower case, and IAM's StringLike is case-sensitive, so GitHub.com/Acme/API
// was accepted and could never match.
func TestWarnsOfCapitalsInTheHost(t *testing.T) {
	c := valid()
	c.VCSOrigins = []string{"github.com/Acme/API", "GitHub.com/Acme/API", "GitLab.Example.com:8443/group/sub/repo"}
	w := c.Warnings()
	require.Len(t, w, 2, "%q", w)
	assert.Contains(t, w[0], `vcsOrigins[1] "GitHub.com/Acme/API"`)
	assert.Contains(t, w[0], `give "github.com/Acme/API"`)
	assert.Contains(t, w[0], "case-sensitive")
	assert.Contains(t, w[1], `vcsOrigins[2] "GitLab.Example.com:8443/group/sub/repo"`)
	assert.Contains(t, w[1], `give "gitlab.example.com:8443/group/sub/repo"`)
	require.NoError(t, c.Validate(), "a warning, not an error")

	c = valid()
	c.ProjectIDs = nil
	c.Rules = []config.Rule{{ProjectIDs: []string{project}, VCSOrigins: []string{"github.com/acme/api"}},
		{ProjectIDs: []string{project}, VCSOrigins: []string{"Bitbucket.org/acme/api"}}}
	w = c.Warnings()
	require.Len(t, w, 1, "%q", w)
	assert.Contains(t, w[0], `rules[1].vcsOrigins[0] "Bitbucket.org/acme/api"`)
}

// TestAudiencesNeverEmpty: an empty audiences list would build a policy
// without an aud condition (trust.Build); the default fills it, and
// validation refuses a configuration that skipped the default.
func TestAudiencesNeverEmpty(t *testing.T) {
	c := config.Config{OrganizationID: org, ProjectIDs: []string{project}, Audiences: []string{}}.WithDefaults()
	assert.Equal(t, []string{org}, c.Audiences, "audiences: [] takes the default")
	c.Audiences = nil
	require.Error(t, c.Validate())
	assert.Contains(t, fieldProblems(c, "audiences"), "is empty; leave it unset for the default [organizationId], or give the accepted aud values")
}
