package publish_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/circleci"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/publish"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/stackout"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/circlecitest"
)

const (
	org      = "11111111-1111-4111-8111-111111111111"
	project  = "22222222-2222-4222-8222-222222222222"
	project2 = "33333333-3333-4333-8333-333333333333"
	roleARN  = "arn:aws:iam::111111111111:role/ci/deploy"
	secret   = "hunter2-not-for-logs"
)

func devStack() stackout.Stack {
	return stackout.Stack{
		Name: "dev",
		Outputs: map[string]stackout.Output{
			"roleArn":    {Value: roleARN},
			"roleName":   {Value: "deploy"},
			"dbPassword": {Value: secret, Secret: true},
		},
		Config: map[string]string{
			"aws:region":                   "eu-west-1",
			"circleci-oidc:organizationId": org,
			"circleci-oidc:projectIds":     `["` + project + `","` + project2 + `"]`,
			"circleci-oidc:branches":       `["main","release/*"]`,
		},
	}
}

func api(t *testing.T, s *circlecitest.Server, _ context.Context) *circleci.Client {
	t.Helper()
	c, err := circleci.New(circlecitest.Token, circleci.WithBaseURL(s.BaseURL()), circleci.WithRetries(3, time.Millisecond),
		circleci.WithTimeout(2*time.Second), circleci.WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
	require.NoError(t, err)
	return c
}

func plan(t *testing.T, o publish.Options) publish.Plan {
	t.Helper()
	p, err := publish.NewPlan(devStack(), o)
	require.NoError(t, err)
	return p
}

var full = publish.Options{Context: "aws-dev", Restrict: true, RestrictBranches: true,
	Vars: []publish.Var{{Name: "DB_PASSWORD", Output: "dbPassword"}}}

// want is the state of a context after a clean publish of full.
var want = map[string]string{
	"AWS_ROLE_ARN": roleARN, "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1", "DB_PASSWORD": secret,
	"CIRCLECI_OIDC_MANAGED_AWS_ROLE_ARN":           "written by circleci-oidc publish, stack dev",
	"CIRCLECI_OIDC_MANAGED_AWS_REGION":             "written by circleci-oidc publish, stack dev",
	"CIRCLECI_OIDC_MANAGED_AWS_DEFAULT_REGION":     "written by circleci-oidc publish, stack dev",
	"CIRCLECI_OIDC_MANAGED_DB_PASSWORD":            "written by circleci-oidc publish, stack dev",
	publish.RestrictionMarker("project", project):  "restriction added by circleci-oidc publish, stack dev",
	publish.RestrictionMarker("project", project2): "restriction added by circleci-oidc publish, stack dev",
	publish.RestrictionMarker("expression", `pipeline.git.branch == "main" or pipeline.git.branch starts-with "release/"`): "restriction added by circleci-oidc publish, stack dev",
}

var wantRestrictions = []string{"project " + project, "project " + project2,
	`expression pipeline.git.branch == "main" or pipeline.git.branch starts-with "release/"`}

// Finding 2: a restriction that fails must leave no secret in the context,
// and a re-run must finish the job.
func TestRestrictionFailureLeavesNoSecret(t *testing.T) {
	for _, status := range []int{http.StatusForbidden, http.StatusBadRequest, http.StatusBadGateway} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			s := circlecitest.NewServer()
			defer s.Close()
			s.Inject(circlecitest.Injection{Method: "POST", Path: "/restrictions$", Kind: circlecitest.StatusBefore, Status: status})
			var out bytes.Buffer
			err := publish.Apply(t.Context(), api(t, s, t.Context()), plan(t, full), &out)
			require.Error(t, err)
			id := s.ContextID(org, "aws-dev")
			require.NotEmpty(t, id, "the context was created")
			assert.Empty(t, withoutRestrictionMarkers(s.Vars(id)), "no variable but restriction markers before the restrictions are in place")
			assert.Contains(t, out.String(), "no variable was written by this run")
			assert.Contains(t, out.String(), "created by this run")
			assert.Contains(t, out.String(), "A re-run finds the context, adds the missing restrictions")
			assert.NotContains(t, out.String()+err.Error(), secret)

			s.ClearFaults()
			out.Reset()
			require.NoError(t, publish.Apply(t.Context(), api(t, s, t.Context()), plan(t, full), &out), out.String())
			assert.Contains(t, out.String(), "context      found ("+id+")")
			assert.Equal(t, want, s.Vars(id))
			assert.Equal(t, wantRestrictions, s.TypedRestrictions(id))
		})
	}
}

// A restriction the API acknowledges but does not keep is caught by reading
// them back, before any variable is written.
func TestUnverifiedRestrictionLeavesNoSecret(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	body := `{"id":"r-1","restriction_type":"project","restriction_value":"` + project + `"}`
	s.Inject(circlecitest.Injection{Method: "POST", Path: "/restrictions$", Times: 1, Kind: circlecitest.Body, Status: 201, Body: body})
	var out bytes.Buffer
	err := publish.Apply(t.Context(), api(t, s, t.Context()), plan(t, full), &out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "project "+project+" is not in place after adding it")
	assert.Empty(t, withoutRestrictionMarkers(s.Vars(s.ContextID(org, "aws-dev"))))

	out.Reset()
	require.NoError(t, publish.Apply(t.Context(), api(t, s, t.Context()), plan(t, full), &out), out.String())
	id := s.ContextID(org, "aws-dev")
	assert.Equal(t, want, s.Vars(id))
	assert.ElementsMatch(t, wantRestrictions, s.TypedRestrictions(id))
}

// withoutRestrictionMarkers drops the markers of restrictions, which hold no
// secret and are written before the restrictions they mark.
func withoutRestrictionMarkers(vars map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range vars {
		if !strings.HasPrefix(k, publish.RestrictionMarkerPrefix) {
			out[k] = v
		}
	}
	return out
}

func TestOrderIsRestrictVerifyWrite(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	var out bytes.Buffer
	require.NoError(t, publish.Apply(t.Context(), api(t, s, t.Context()), plan(t, full), &out))
	var firstPut, lastRestrict, lastRestrictRead int
	firstPut = -1
	for i, r := range s.Requests() {
		switch {
		case strings.HasPrefix(r, "PUT ") && strings.Contains(r, publish.RestrictionMarkerPrefix):
			// a restriction's marker, written before it, holds no secret
		case strings.HasPrefix(r, "PUT ") && firstPut < 0:
			firstPut = i
		case strings.HasPrefix(r, "POST ") && strings.HasSuffix(r, "/restrictions"):
			lastRestrict = i
		case strings.HasPrefix(r, "GET ") && strings.HasSuffix(r, "/restrictions") && firstPut < 0:
			lastRestrictRead = i
		}
	}
	assert.Less(t, lastRestrict, lastRestrictRead, "restrictions are read back after the last is added")
	assert.Less(t, lastRestrictRead, firstPut, "and before the first variable is written")
	id := s.ContextID(org, "aws-dev")
	assert.Equal(t, want, s.Vars(id))
	assert.Equal(t, wantRestrictions, s.TypedRestrictions(id))
	assert.NotContains(t, out.String(), secret)
}

// Finding 3: an empty or odd answer to POST /context never leads to writes
// under /context//.
func TestBadCreateAnswerWritesNothing(t *testing.T) {
	for _, body := range []string{"", "{}", `{"id":""}`, "[]"} {
		t.Run(body, func(t *testing.T) {
			s := circlecitest.NewServer()
			defer s.Close()
			s.Inject(circlecitest.Injection{Method: "POST", Path: "^/context$", Kind: circlecitest.Body, Body: body})
			var out bytes.Buffer
			err := publish.Apply(t.Context(), api(t, s, t.Context()), plan(t, publish.Options{Context: "aws-dev"}), &out)
			require.Error(t, err)
			assert.NotContains(t, out.String(), "Done.")
			for _, r := range s.Requests() {
				assert.False(t, strings.HasPrefix(r, "PUT "), r)
				assert.NotContains(t, r, "/context//", "nothing is sent for a context without an ID")
			}
		})
	}
}

// Finding 5 and 6 through publish: each kind of fault at each step, once;
// one run still ends with the clean state.
func TestFaultsConverge(t *testing.T) {
	type step struct{ method, path string }
	steps := []step{
		{"GET", "^/context$"}, {"POST", "^/context$"}, {"GET", "/restrictions$"}, {"POST", "/restrictions$"},
		{"GET", "/environment-variable$"}, {"PUT", "/environment-variable/"},
	}
	kinds := map[string]circlecitest.Injection{
		"reset before": {Kind: circlecitest.ResetBefore},
		"reset after":  {Kind: circlecitest.ResetAfter},
		"502 after":    {Kind: circlecitest.StatusAfter, Status: 502},
		"503 before":   {Kind: circlecitest.StatusBefore, Status: 503},
	}
	for _, st := range steps {
		for name, in := range kinds {
			t.Run(st.method+" "+st.path+" "+name, func(t *testing.T) {
				s := circlecitest.NewServer()
				defer s.Close()
				in.Method, in.Path, in.Times = st.method, st.path, 1
				s.Inject(in)
				var out bytes.Buffer
				require.NoError(t, publish.Apply(t.Context(), api(t, s, t.Context()), plan(t, full), &out), out.String())
				id := s.ContextID(org, "aws-dev")
				assert.Equal(t, []string{org + "/aws-dev"}, s.Contexts())
				assert.Equal(t, want, s.Vars(id))
				assert.Equal(t, wantRestrictions, s.TypedRestrictions(id))
			})
		}
	}
}

// A publish killed after any number of writes leaves nothing unsafe, and a
// re-run converges to the clean state.
func TestKilledPublishConverges(t *testing.T) {
	// Count the writes of a clean run, with an earlier variable to prune.
	o := full
	o.Prune = true
	seed := func(s *circlecitest.Server) {
		id := s.AddContext(org, "aws-dev")
		s.SetVar(id, "OLD", "x")
		s.SetVar(id, publish.MarkerPrefix+"OLD", "x")
		s.SetVar(id, "THEIRS", "not publish's")
	}
	ref := circlecitest.NewServer()
	seed(ref)
	require.NoError(t, publish.Apply(t.Context(), api(t, ref, t.Context()), plan(t, o), &bytes.Buffer{}))
	writes := ref.Writes()
	wantVars := ref.Vars(ref.ContextID(org, "aws-dev"))
	ref.Close()
	require.NotContains(t, wantVars, "OLD")
	require.Contains(t, wantVars, "THEIRS")

	for kill := 1; kill <= writes; kill++ {
		t.Run(fmt.Sprint("killed at write ", kill), func(t *testing.T) {
			s := circlecitest.NewServer()
			defer s.Close()
			seed(s)
			id := s.ContextID(org, "aws-dev")
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var n atomic.Int32
			s.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
				if r.Method != "GET" && n.Add(1) == int32(kill) {
					cancel() // the process dies; this write never lands
					circlecitest.Reset(w)
					return true
				}
				return false
			})
			err := publish.Apply(ctx, api(t, s, ctx), plan(t, o), &bytes.Buffer{})
			require.Error(t, err)

			// What a kill leaves: never a secret before all restrictions, never a
			// variable of ours without its marker.
			vars := s.Vars(id)
			if _, ok := vars["DB_PASSWORD"]; ok {
				assert.Equal(t, wantRestrictions, s.TypedRestrictions(id))
			}
			for name := range vars {
				if name != "THEIRS" && !strings.HasPrefix(name, publish.MarkerPrefix) && !strings.HasPrefix(name, publish.RestrictionMarkerPrefix) {
					assert.Contains(t, vars, publish.MarkerPrefix+name)
				}
			}
			assert.Equal(t, "not publish's", vars["THEIRS"])

			s.SetFault(nil)
			var out bytes.Buffer
			require.NoError(t, publish.Apply(t.Context(), api(t, s, t.Context()), plan(t, o), &out), out.String())
			assert.Equal(t, wantVars, s.Vars(id))
			assert.Equal(t, wantRestrictions, s.TypedRestrictions(id))
		})
	}
}

func TestPrune(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	c := api(t, s, t.Context())
	first := publish.Options{Context: "aws-dev", ProjectSlugs: []string{"gh/acme/api"},
		Vars: []publish.Var{{Name: "ROLE_NAME", Output: "roleName"}}}
	require.NoError(t, publish.Apply(t.Context(), c, plan(t, first), &bytes.Buffer{}))
	id := s.ContextID(org, "aws-dev")
	s.SetVar(id, "THEIRS", "x")
	s.SetProjectVar("gh/acme/api", "THEIRS", "x")
	assert.Contains(t, s.Vars(id), "ROLE_NAME")
	assert.Contains(t, s.ProjectVars("gh/acme/api"), "ROLE_NAME")

	second := publish.Options{Context: "aws-dev", ProjectSlugs: []string{"gh/acme/api"}}
	var out bytes.Buffer
	require.NoError(t, publish.Apply(t.Context(), c, plan(t, second), &out))
	assert.Contains(t, out.String(), "left ROLE_NAME (an earlier publish wrote it; --prune deletes it)")
	assert.Contains(t, s.Vars(id), "ROLE_NAME", "without --prune nothing is deleted")

	second.Prune = true
	out.Reset()
	require.NoError(t, publish.DryRun(t.Context(), c, plan(t, second), &out))
	assert.Contains(t, out.String(), `would delete ROLE_NAME from context "aws-dev"`)
	assert.Contains(t, out.String(), `would delete ROLE_NAME from project gh/acme/api`)
	assert.Contains(t, s.Vars(id), "ROLE_NAME", "a dry run deletes nothing")

	out.Reset()
	require.NoError(t, publish.Apply(t.Context(), c, plan(t, second), &out))
	assert.Contains(t, out.String(), "deleted ROLE_NAME")
	for _, vars := range []map[string]string{s.Vars(id), s.ProjectVars("gh/acme/api")} {
		names := slices.Sorted(func(yield func(string) bool) {
			for k := range vars {
				if !yield(k) {
					return
				}
			}
		})
		assert.Equal(t, []string{"AWS_DEFAULT_REGION", "AWS_REGION", "AWS_ROLE_ARN",
			"CIRCLECI_OIDC_MANAGED_AWS_DEFAULT_REGION", "CIRCLECI_OIDC_MANAGED_AWS_REGION",
			"CIRCLECI_OIDC_MANAGED_AWS_ROLE_ARN", "THEIRS"}, names)
	}
}

func TestProjectOnly(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	var out bytes.Buffer
	o := publish.Options{ProjectSlugs: []string{"gh/acme/api", "circleci/" + org + "/" + project}}
	require.NoError(t, publish.Apply(t.Context(), api(t, s, t.Context()), plan(t, o), &out))
	assert.Empty(t, s.Contexts())
	for _, slug := range o.ProjectSlugs {
		assert.Equal(t, roleARN, s.ProjectVars(slug)["AWS_ROLE_ARN"])
		assert.Contains(t, s.ProjectVars(slug), publish.MarkerPrefix+"AWS_ROLE_ARN")
	}
	assert.Contains(t, out.String(), "in project gh/acme/api, each with its marker variable")
}

func TestExpressionRestrictionsAreIdempotent(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	o := publish.Options{Context: "aws-dev", RestrictExpressions: []string{
		`pipeline.git.branch == "main"`, `not job.ssh.enabled`, `pipeline.git.branch == "main"`}}
	for range 2 {
		var out bytes.Buffer
		require.NoError(t, publish.Apply(t.Context(), api(t, s, t.Context()), plan(t, o), &out))
	}
	assert.Equal(t, []string{`expression pipeline.git.branch == "main"`, `expression not job.ssh.enabled`},
		s.TypedRestrictions(s.ContextID(org, "aws-dev")))
}

func TestBranchExpression(t *testing.T) {
	tests := []struct {
		branches []string
		want     string
		err      string
	}{
		{[]string{"main"}, `pipeline.git.branch == "main"`, ""},
		{[]string{"main", "release/*", "main"},
			`pipeline.git.branch == "main" or pipeline.git.branch starts-with "release/"`, ""},
		{[]string{"release/*"}, `pipeline.git.branch starts-with "release/"`, ""},
		{[]string{`we"ird`}, `pipeline.git.branch == "we\"ird"`, ""},
		{[]string{"*"}, "", "matches every branch"},
		{[]string{"feature/*-hotfix"}, "", "has a * that is not its last character"},
		{[]string{"*/main"}, "", "has a * that is not its last character"},
		{[]string{"release/**"}, "", "has a * that is not its last character"},
		{[]string{"v?"}, "", "uses ? or ${...}"},
		{[]string{"${aws:username}"}, "", "uses ? or ${...}"},
		{[]string{""}, "", "is empty"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.branches, ","), func(t *testing.T) {
			got, err := publish.BranchExpression(tt.branches)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				assert.Contains(t, err.Error(), "circleci-oidc:branches[")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// A prune killed between deleting a variable and its marker leaves the
// marker; the next run says so, and the next prune removes it.
func TestOrphanMarker(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	id := s.AddContext(org, "aws-dev")
	s.SetVar(id, publish.MarkerPrefix+"OLD", "x")
	c := api(t, s, t.Context())
	var out bytes.Buffer
	require.NoError(t, publish.Apply(t.Context(), c, plan(t, publish.Options{Context: "aws-dev"}), &out))
	assert.Contains(t, out.String(), "left OLD (only its marker is left, from an interrupted prune; --prune deletes it)")
	out.Reset()
	require.NoError(t, publish.Apply(t.Context(), c, plan(t, publish.Options{Context: "aws-dev", Prune: true}), &out))
	assert.Contains(t, out.String(), "deleted OLD")
	assert.NotContains(t, s.Vars(id), publish.MarkerPrefix+"OLD")
}
