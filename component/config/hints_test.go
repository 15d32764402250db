package config_test

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/config"
)

// problemsOf validates c and returns its problems.
func problemsOf(c config.Config) config.Errors {
	var errs config.Errors
	if err := c.Validate(); err != nil {
		errs = err.(config.Errors)
	}
	return errs
}

// fieldProblems returns the problems of one field.
func fieldProblems(c config.Config, field string) []string {
	var out []string
	for _, e := range problemsOf(c) {
		if e.Field == field {
			out = append(out, e.Problem)
		}
	}
	return out
}

// set puts v into the field a FieldError names, such as "branches[0]".
func set(c *config.Config, field, v string) bool {
	name, i := field, 0
	if open := strings.Index(field, "["); open >= 0 {
		name = field[:open]
		fmt.Sscanf(field[open:], "[%d]", &i)
	}
	lists := map[string][]string{"projectIds": c.ProjectIDs, "userIds": c.UserIDs, "branches": c.Branches,
		"gitTags": c.GitTags, "vcsOrigins": c.VCSOrigins}
	switch name {
	case "organizationId":
		c.OrganizationID = v
	case "issuerUrl":
		c.IssuerURL = v
	default:
		l, ok := lists[name]
		if !ok || i >= len(l) {
			return false
		}
		l[i] = v
	}
	return true
}

var hintRE = regexp.MustCompile(`give (?:[\w/ ]+, such as )?("(?:[^"\\]|\\.)*")`)

// TestHintsAreValid covers finding B4: validation told gitTags
// "refs/heads/v1" to give "refs/heads/v1", and vcsOrigins
// "git@github.com:acme/api.git" a value that was still invalid. Every value
// a problem tells the user to give must itself pass: the property is checked
// over inputs built from the fragments that make each hint.
func TestHintsAreValid(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, seed))
	pick := func(parts ...string) string { return parts[r.IntN(len(parts))] }
	upper := strings.ToUpper(project)
	gen := map[string]func() string{
		"projectIds": func() string { return pick(upper, project, "0D6B4A8E-7c3f-4e21-9a5b-3C2D1E0F9A8B", "x") },
		"userIds":    func() string { return pick(upper, "C0FFEE00-1234-4ABC-8DEF-0123456789AB") },
		"branches": func() string {
			return pick("refs/heads/", "refs/tags/", "refs/", "refs/remotes/", "") + pick("main", "v1", "a/.b", "x.lock", "@", "release/*", "", "a b")
		},
		"gitTags": func() string {
			return pick("refs/tags/", "refs/heads/", "refs/", "") + pick("v1", "v*", "a/.b", "x.lock", "")
		},
		"vcsOrigins": func() string {
			return pick("", "https://", "ssh://", "git://", "git+ssh://") + pick("", "git@", "user:pw@") +
				pick("github.com", "GitHub.com", "gitlab.com:2222", "bitbucket.org") + pick("/", ":") +
				pick("acme/api", "acme/sub/api", "acme", "acme/api/") + pick("", ".git", ".git/", "/")
		},
	}
	checked := 0
	for n := 0; n < 3000; n++ {
		c := config.Config{OrganizationID: org, ProjectIDs: []string{project}}
		field := pick("projectIds", "userIds", "branches", "gitTags", "vcsOrigins", "organizationId", "issuerUrl")
		switch field {
		case "organizationId":
			c.OrganizationID = pick(strings.ToUpper(org), org)
		case "issuerUrl":
			c.IssuerURL = "https://" + pick("OIDC.circleci.com", "oidc.CircleCI.com", "CI.Acme.internal") + "/org/" + pick(org, strings.ToUpper(org), project)
		default:
			v := gen[field]()
			switch field {
			case "projectIds":
				c.ProjectIDs = []string{v}
			case "userIds":
				c.UserIDs = []string{v}
			case "branches":
				c.Branches = []string{v}
			case "gitTags":
				c.GitTags = []string{v}
			case "vcsOrigins":
				c.VCSOrigins = []string{v}
			}
		}
		c = c.WithDefaults()
		for _, e := range problemsOf(c) {
			m := hintRE.FindStringSubmatch(e.Problem)
			if m == nil {
				continue
			}
			var hint string
			_, err := fmt.Sscanf(m[1], "%q", &hint)
			require.NoError(t, err, m[1])
			fixed := c
			fixed.ProjectIDs = append([]string(nil), c.ProjectIDs...)
			fixed.UserIDs = append([]string(nil), c.UserIDs...)
			fixed.Branches = append([]string(nil), c.Branches...)
			fixed.GitTags = append([]string(nil), c.GitTags...)
			fixed.VCSOrigins = append([]string(nil), c.VCSOrigins...)
			if !set(&fixed, e.Field, hint) {
				continue
			}
			checked++
			assert.Empty(t, fieldProblems(fixed, e.Field), "%s %q: %s; the hint %q is not valid either (seed %d)",
				e.Field, e.Value, e.Problem, hint, seed)
		}
	}
	assert.Greater(t, checked, 500, "hints checked")
	t.Logf("%d hints checked", checked)
}

// TestHintExamples pins the two hints the review found.
func TestHintExamples(t *testing.T) {
	c := valid()
	c.GitTags = []string{"refs/heads/v1"}
	p := fieldProblems(c, "gitTags[0]")
	require.Len(t, p, 1)
	assert.NotContains(t, p[0], `give "refs/heads/v1"`)
	assert.Contains(t, p[0], `is a branch, not a tag; put "v1" in branches`)

	c = valid()
	c.VCSOrigins = []string{"git@github.com:acme/api.git"}
	p = fieldProblems(c, "vcsOrigins[0]")
	require.Len(t, p, 1)
	assert.Contains(t, p[0], `give "github.com/acme/api"`)
}

// TestBranchNamesGitRefuses covers finding B5: branch and tag names that
// git check-ref-format refuses were accepted, and a NUL went into the
// policy. Each is refused with git's reason.
func TestBranchNamesGitRefuses(t *testing.T) {
	tests := []struct{ name, want string }{
		{"a/.hidden", `a component starts with "."`},
		{".hidden", `a component starts with "."`},
		{"x.lock/y", `a component ends with ".lock"`},
		{"x.lock", `a component ends with ".lock"`},
		{"@", `is "@"`},
		{"a\x01b", "a control character"},
		{"a\x00b", "a control character"},
		{"a\x7fb", "a control character"},
		{"a b", `" "`},
		{"a~b", `"~"`},
		{"a^b", `"^"`},
		{"a:b", `":"`},
		{"a[b", `"["`},
		{`a\b`, `"\\"`},
		{"a..b", `".."`},
		{"a//b", `"//"`},
		{"a/", `ends with "/"`},
		{"/a", `starts with "/"`},
		{"a.", `ends with "."`},
		{"a@{b", `"@{"`},
		{"-a", `starts with "-"`},
	}
	for _, tt := range tests {
		for _, field := range []string{"branches", "gitTags"} {
			c := valid()
			if field == "branches" {
				c.Branches = []string{tt.name}
			} else {
				c.GitTags = []string{tt.name}
			}
			p := fieldProblems(c, field+"[0]")
			if assert.Len(t, p, 1, "%s %q", field, tt.name) {
				assert.Contains(t, p[0], "git check-ref-format refuses it", "%s %q", field, tt.name)
				assert.Contains(t, p[0], tt.want, "%s %q", field, tt.name)
			}
		}
	}
	for _, ok := range []string{"main", "release/*", "feature/x-1", "v?.?", "a.b/c", "@x", "x@y"} {
		c := valid()
		c.Branches = []string{ok}
		assert.Empty(t, fieldProblems(c, "branches[0]"), ok)
	}
}
