package tests

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/config"
	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

// The adversarial property test: random valid configurations, each against
// crafted tokens (cross-rule mixing, the folded *, refs/*, /vcs-ref/
// overlaps, origins spelling /user/ or /vcs-origin/, pull-request refs, case
// variants), judged three ways:
//
//   - intent: what the configuration means, decided on the token's separate
//     claims (project, user, origin, ref), never on the sub string;
//   - iamMatch: an IAM matcher written here, independent of component/trust:
//     StringEquals, StringLike (by regular expression) and StringNotLike over
//     the keys STS sets;
//   - trust.Evaluate, the project's evaluator.
//
// It fails on a false allow (the policy lets in a token the configuration
// does not mean to), on the evaluator disagreeing with iamMatch, and on an
// ordinary token the configuration means to let in being refused.

var (
	propertySeed   = flag.Uint64("trust.seed", 0, "seed of TestTrustPolicyProperty; 0 picks one")
	propertyBudget = flag.Duration("trust.budget", 0, "time budget of TestTrustPolicyProperty; 0: 20s, 3s with -short or -race")
)

// The pools values are drawn from, so that tokens often hit a configuration.
var (
	propOrgs     = []string{"5a1e7e5e-0c1d-4a6b-9f3e-1b2c3d4e5f60", "9b8c7d6e-5f40-4a3b-8c2d-1e0f9a8b7c6d"}
	propProjects = []string{"0d6b4a8e-7c3f-4e21-9a5b-3c2d1e0f9a8b", "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9", "1a2b3c4d-0000-4000-8000-00000000000a"}
	propUsers    = []string{"c0ffee00-1234-4abc-8def-0123456789ab", "badc0de0-4321-4cba-8fed-ba9876543210"}
	propOrigins  = []string{"github.com/acme/api", "gitlab.com/acme/sub/api", "bitbucket.org/acme/web"}
	propBranches = []string{"main", "release/*", "feat-?", "deploy", "v*", "x/*/y"}
	propTags     = []string{"v*", "v1.?", "release-*"}
)

// ciToken is a CircleCI token as its claims: the sub is built from them, the
// way CircleCI writes it.
type ciToken struct {
	issuer, org, project, user, origin, ref, aud string
	v1                                           bool
}

func (k ciToken) subject() string {
	s := "org/" + k.org + "/project/" + k.project + "/user/" + k.user
	if !k.v1 {
		s += "/vcs-origin/" + k.origin + "/vcs-ref/" + k.ref
	}
	return s
}

func (k ciToken) claims() trust.Claims {
	return trust.Claims{Issuer: k.issuer, Subject: k.subject(), Audience: []string{k.aud}, ProjectID: k.project}
}

// ordinary reports whether the token's origin and ref spell none of the
// segment names, so that a policy refusing it would be refusing a real job.
func (k ciToken) ordinary() bool {
	for _, s := range []string{k.origin, k.ref} {
		for _, seg := range []string{"vcs-ref", "vcs-origin", "user", "project", "org"} {
			if strings.Contains("/"+s+"/", "/"+seg+"/") {
				return false
			}
		}
	}
	return true
}

// glob matches an IAM wildcard pattern: * any run of characters, / included,
// ? one character. Written here by regular expression, apart from trust.Like.
func glob(pattern, s string) bool {
	re, ok := globs[pattern]
	if !ok {
		re = regexp.MustCompile("(?s)^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$")
		globs[pattern] = re
	}
	return re.MatchString(s)
}

// globs caches glob's expressions; the property test runs in one goroutine.
var globs = map[string]*regexp.Regexp{}

// intent decides what the configuration means for a token, from the
// token's claims.
func intent(c config.Config, k ciToken) bool {
	if k.issuer != c.IssuerURL || k.org != c.OrganizationID || !slices.Contains(c.Audiences, k.aud) {
		return false
	}
	rules := c.Rules
	if len(rules) == 0 {
		rules = []config.Rule{c.TopLevelRule()}
	}
	in := func(v string, list []string) bool { return len(list) == 0 || slices.Contains(list, v) }
	for _, r := range rules {
		if !in(k.project, r.ProjectIDs) || !in(k.user, r.UserIDs) {
			continue
		}
		pinsRef := len(r.Branches)+len(r.GitTags)+len(r.VCSOrigins) > 0
		if !pinsRef {
			return true
		}
		if k.v1 || !in(k.origin, r.VCSOrigins) {
			continue
		}
		if len(r.Branches)+len(r.GitTags) == 0 {
			return strings.HasPrefix(k.ref, "refs/")
		}
		for _, b := range r.Branches {
			if glob("refs/heads/"+b, k.ref) {
				return true
			}
		}
		for _, g := range r.GitTags {
			if glob("refs/tags/"+g, k.ref) {
				return true
			}
		}
	}
	return false
}

// cloudHost is the issuer host and path of CircleCI cloud, the only one
// under which STS sets the project-id key.
var cloudHost = regexp.MustCompile(`^oidc\.circleci\.com/org/[^/]+$`)

// iamMatch judges a policy of Allow statements the way IAM does, for the
// operators and keys the component writes.
func iamMatch(d trust.Document, k ciToken) bool {
	host := strings.TrimPrefix(k.issuer, "https://")
	values := map[string][]string{
		strings.ToLower(host + ":aud"): {k.aud},
		strings.ToLower(host + ":sub"): {k.subject()},
	}
	if cloudHost.MatchString(host) {
		values[strings.ToLower(host+":oidc.circleci.com/project-id")] = []string{k.project}
	}
	for _, st := range d.Statement {
		if st.Effect != "Allow" || !slices.Contains([]string(st.Action), "sts:AssumeRoleWithWebIdentity") {
			continue
		}
		fits := false
		for _, f := range st.Principal.Federated {
			fits = fits || strings.HasSuffix(f, ":oidc-provider/"+host)
		}
		if !fits {
			continue
		}
		all := true
		for op, keys := range st.Condition {
			for key, want := range keys {
				got, present := values[strings.ToLower(key)]
				hit := false
				for _, g := range got {
					for _, w := range want {
						switch op {
						case "StringEquals":
							hit = hit || g == w
						case "StringLike", "StringNotLike":
							hit = hit || glob(w, g)
						default:
							panic("operator " + op + " is not modelled by iamMatch")
						}
					}
				}
				pass := present && hit
				if op == "StringNotLike" {
					pass = !hit
				}
				all = all && pass
			}
		}
		if all {
			return true
		}
	}
	return false
}

// randomConfig draws a valid configuration, or returns false.
func randomConfig(r *rand.Rand) (config.Config, bool) {
	some := func(pool []string, max int) []string {
		n := r.IntN(max + 1)
		perm := r.Perm(len(pool))
		out := []string{}
		for _, i := range perm[:min(n, len(pool))] {
			out = append(out, pool[i])
		}
		return out
	}
	org := propOrgs[0]
	c := config.Config{OrganizationID: org}
	if r.IntN(5) == 0 {
		c.IssuerURL = "https://circleci.example.com/org/" + org
	}
	if r.IntN(4) == 0 {
		c.Audiences = []string{"sts.amazonaws.com"}
	}
	rule := func() config.Rule {
		return config.Rule{ProjectIDs: some(propProjects, 2), UserIDs: some(propUsers, 1), VCSOrigins: some(propOrigins, 2),
			Branches: some(propBranches, 2), GitTags: some(propTags, 1)}
	}
	if r.IntN(3) == 0 {
		for range 1 + r.IntN(3) {
			c.Rules = append(c.Rules, rule())
		}
	} else {
		top := rule()
		c.ProjectIDs, c.UserIDs, c.VCSOrigins, c.Branches, c.GitTags = top.ProjectIDs, top.UserIDs, top.VCSOrigins, top.Branches, top.GitTags
		c.AllowAllProjects = len(c.ProjectIDs)+len(c.VCSOrigins) == 0
	}
	c.ProjectPinning = []string{"", "claim", "subject", "both"}[r.IntN(4)]
	c.TrustPolicyQuota = config.MaxTrustPolicyQuota
	c = c.WithDefaults()
	return c, c.Validate() == nil
}

// craftedTokens returns tokens aimed at a configuration: its own values,
// mixed across rules, and forgeries.
func craftedTokens(r *rand.Rand, c config.Config, n int) []ciToken {
	pick := func(pool []string) string { return pool[r.IntN(len(pool))] }
	var names, origins []string
	rules := append([]config.Rule{c.TopLevelRule()}, c.Rules...)
	for _, ru := range rules {
		names = append(names, ru.Branches...)
		origins = append(origins, ru.VCSOrigins...)
	}
	names = append(names, propBranches...)
	origins = append(origins, propOrigins...)
	fill := func(p string) string {
		return strings.NewReplacer("*", pick([]string{"", "x", "a/b", "vcs-ref/refs/heads/main", "1"}), "?", pick([]string{"a", "/", "1"})).Replace(p)
	}
	out := make([]ciToken, 0, n)
	for range n {
		k := ciToken{issuer: c.IssuerURL, org: c.OrganizationID, aud: pick(c.Audiences),
			project: pick(append(propProjects, "99999999-9999-4999-8999-999999999999")), user: pick(propUsers),
			origin: pick(origins), v1: r.IntN(6) == 0}
		switch r.IntN(10) {
		case 0:
			k.org = propOrgs[1]
			k.issuer = strings.Replace(k.issuer, propOrgs[0], propOrgs[1], 1)
		case 1:
			k.aud = pick([]string{"sts.amazonaws.com", propOrgs[1], strings.ToUpper(c.OrganizationID)})
		case 2:
			k.issuer += "/"
		}
		ref := pick([]string{"refs/heads/", "refs/tags/", "refs/pull/1/", "refs/heads/x/vcs-ref/refs/heads/", "refs/heads/", "refs/tags/"})
		k.ref = ref + fill(pick(names))
		switch r.IntN(12) {
		case 0: // a subgroup path that spells the pinned segments
			k.origin = "gitlab.com/acme/x/user/" + pick(propUsers) + "/vcs-origin/" + pick(origins)
		case 1:
			k.origin = pick(origins) + "/vcs-ref"
		case 2:
			k.origin = strings.ToUpper(k.origin[:1]) + k.origin[1:]
		case 3: // the ref spells another project's pinned subject
			k.ref = "refs/heads/x/project/" + pick(propProjects) + "/user/" + pick(propUsers) + "/vcs-origin/" + pick(origins) +
				"/vcs-ref/refs/heads/" + fill(pick(names))
		case 4:
			k.ref = "refs/heads/" + strings.ToUpper(fill(pick(names)))
		case 5:
			k.ref = "refs/pull/7/head"
		}
		out = append(out, k)
	}
	return out
}

// TestTrustPolicyProperty is the adversarial property test. It prints its
// seed; rerun one with -trust.seed. It runs for -trust.budget: 20 s, or 3 s
// with -short or -race.
func TestTrustPolicyProperty(t *testing.T) {
	seed := *propertySeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	budget := *propertyBudget
	if budget == 0 {
		budget = 20 * time.Second
		if testing.Short() || raceEnabled {
			budget = 3 * time.Second
		}
	}
	t.Logf("seed %d (rerun: go test ./tests -run TestTrustPolicyProperty -trust.seed=%d), budget %s", seed, seed, budget)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	deadline := time.Now().Add(budget)
	configs, pairs, allowed, failures := 0, 0, 0, 0
	for time.Now().Before(deadline) && failures < 10 {
		c, ok := randomConfig(r)
		if !ok {
			continue
		}
		configs++
		doc := trust.Build(c.TrustSpec(c.PlaceholderProviderARN()))
		for _, k := range craftedTokens(r, c, 200) {
			pairs++
			want, iam := intent(c, k), iamMatch(doc, k)
			got := trust.Evaluate(doc, k.claims())
			fail := ""
			switch {
			case iam && !want:
				fail = "false allow: the policy lets in a token the configuration does not mean to"
			case got.Decision == trust.Undetermined || got.Allowed != iam:
				fail = fmt.Sprintf("the evaluator says %s, the independent matcher %t", got.Decision, iam)
			case want && !iam && k.ordinary():
				fail = "false refusal of an ordinary job"
			}
			if iam {
				allowed++
			}
			if fail != "" {
				failures++
				t.Errorf("%s (seed %d)\nconfig: %+v\ntoken: %+v\nsub: %s\npolicy: %s", fail, seed, c, k, k.subject(), doc.JSON())
			}
		}
	}
	t.Logf("%d configurations, %d pairs, %d allowed", configs, pairs, allowed)
	if configs < 10 {
		t.Errorf("only %d configurations in %s", configs, budget)
	}
}
