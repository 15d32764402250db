package publish_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/circleci"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/publish"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/circlecitest"
)

// TestRestrictionDrift covers the loose end "publish restriction drift": when
// the stack's projects or branches change, the old restrictions stayed on the
// context and nothing said so. publish reports each restriction the stack no
// longer implies; --prune removes only those publish added, and only those
// whose removal cannot widen access: a project restriction while another
// stays (projects are ORed), never an expression (they must all hold), never
// the last restriction of a kind.
func TestRestrictionDrift(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	require.NoError(t, publish.Apply(t.Context(), api(t, s, t.Context()), plan(t, full), &bytes.Buffer{}))
	id := s.ContextID(org, "aws-dev")
	s.AddRestriction(id, circleci.RestrictProject, "44444444-4444-4444-8444-444444444444") // by hand

	// The stack now trusts one project and one branch.
	st := devStack()
	st.Config["circleci-oidc:projectIds"] = `["` + project + `"]`
	st.Config["circleci-oidc:branches"] = `["main"]`
	newPlan := func(o publish.Options) publish.Plan {
		p, err := publish.NewPlan(st, o)
		require.NoError(t, err)
		return p
	}
	oldExpr := `expression pipeline.git.branch == "main" or pipeline.git.branch starts-with "release/"`

	var out bytes.Buffer
	require.NoError(t, publish.Apply(t.Context(), api(t, s, t.Context()), newPlan(full), &out), out.String())
	assert.Contains(t, out.String(), "  drift        project "+project2+" is no longer implied by the stack; publish added it: --prune removes it")
	assert.Contains(t, out.String(), "  drift        "+oldExpr+" is no longer implied by the stack; publish added it, but --prune keeps it: "+
		"every expression restriction must hold, so removing one would widen access; remove it under Organization Settings > Contexts")
	assert.Contains(t, out.String(), "  drift        project 44444444-4444-4444-8444-444444444444 is not implied by the stack, and publish did not add it: left as it is")
	assert.Contains(t, s.TypedRestrictions(id), "project "+project2, "without --prune nothing is removed")

	dry := full
	dry.Prune = true
	out.Reset()
	require.NoError(t, publish.DryRun(t.Context(), api(t, s, t.Context()), newPlan(dry), &out))
	assert.Contains(t, out.String(), "  drift        would remove project "+project2)

	out.Reset()
	require.NoError(t, publish.Apply(t.Context(), api(t, s, t.Context()), newPlan(dry), &out), out.String())
	assert.Contains(t, out.String(), "  drift        removed project "+project2)
	assert.ElementsMatch(t, []string{"project " + project, "project 44444444-4444-4444-8444-444444444444",
		`expression pipeline.git.branch == "main"`, oldExpr}, s.TypedRestrictions(id))
	assert.NotContains(t, s.Vars(id), publish.RestrictionMarker(circleci.RestrictProject, project2), "its marker goes with it")

	// Without --restrict the stack implies no project restriction: the
	// last one publish added stays.
	s2 := circlecitest.NewServer()
	defer s2.Close()
	require.NoError(t, publish.Apply(t.Context(), api(t, s2, t.Context()), newPlan(publish.Options{Context: "aws-dev", Restrict: true}), &bytes.Buffer{}))
	out.Reset()
	require.NoError(t, publish.Apply(t.Context(), api(t, s2, t.Context()), newPlan(publish.Options{Context: "aws-dev", Prune: true}), &out), out.String())
	assert.Contains(t, out.String(), "  drift        project "+project+" is no longer implied by the stack; publish added it, but --prune keeps it: "+
		"it is the last project restriction, and removing it would open the context to every project")
	assert.Equal(t, []string{"project " + project}, s2.TypedRestrictions(s2.ContextID(org, "aws-dev")))
}
