package config_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/config"
	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

const (
	org     = "5a1e7e5e-0c1d-4a6b-9f3e-1b2c3d4e5f60"
	project = "0d6b4a8e-7c3f-4e21-9a5b-3c2d1e0f9a8b"
	tp      = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
)

func valid() config.Config {
	return config.Config{OrganizationID: org, ProjectIDs: []string{project}}.WithDefaults()
}

func TestWithDefaults(t *testing.T) {
	c := valid()
	assert.Equal(t, "https://oidc.circleci.com/org/"+org, c.IssuerURL)
	assert.Equal(t, []string{org}, c.Audiences)
	assert.Equal(t, 3600, c.MaxSessionDuration)
	assert.NoError(t, c.Validate())

	custom := config.Config{OrganizationID: org, IssuerURL: "https://circleci.acme.internal/org/" + org,
		Audiences: []string{"sts.amazonaws.com"}, MaxSessionDuration: 7200}.WithDefaults()
	assert.Equal(t, "https://circleci.acme.internal/org/"+org, custom.IssuerURL)
	assert.Equal(t, []string{"sts.amazonaws.com"}, custom.Audiences)
	assert.Equal(t, 7200, custom.MaxSessionDuration)
}

func TestDerived(t *testing.T) {
	c := valid()
	assert.False(t, c.ReusesProvider())
	assert.True(t, c.FetchesThumbprint())
	c.Thumbprints = []string{tp}
	assert.False(t, c.FetchesThumbprint())
	c.Thumbprints = nil
	c.ExistingProviderARN = "arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/" + org
	assert.True(t, c.ReusesProvider())
	assert.False(t, c.FetchesThumbprint())

	c.InlinePolicies = map[string]string{"b": "{}", "a": "{}"}
	assert.Equal(t, []string{"a", "b"}, c.InlinePolicyNames())
}

func TestValidate(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name   string
		mutate func(*config.Config)
		want   string // "" means valid
	}{
		{"valid", func(*config.Config) {}, ""},
		{"allow all projects on purpose", func(c *config.Config) { c.ProjectIDs, c.AllowAllProjects = nil, true }, ""},
		{"origins narrow the scope", func(c *config.Config) {
			c.ProjectIDs, c.VCSOrigins = nil, []string{"github.com/acme/api", "bitbucket.org/acme/web"}
		}, ""},
		{"custom server issuer", func(c *config.Config) {
			c.IssuerURL, c.ProjectPinning = "https://circleci.acme.internal/org/"+org, "subject"
		}, ""},
		{"branches, tags and users", func(c *config.Config) {
			c.Branches, c.GitTags, c.UserIDs = []string{"main", "release/*"}, []string{"v*"}, []string{project}
		}, ""},
		{"extra conditions", func(c *config.Config) {
			c.ExtraConditions = map[string]map[string][]string{"StringEquals": {"aws:RequestedRegion": {"eu-west-1"}}}
		}, ""},

		{"organization missing", func(c *config.Config) { c.OrganizationID = "" },
			"organizationId is required; find it under Organization Settings > Overview"},
		{"organization not a UUID", func(c *config.Config) { c.OrganizationID = "acme" },
			`organizationId "acme" is not a UUID; find it under Organization Settings > Overview`},
		{"issuer over http", func(c *config.Config) { c.IssuerURL = "http://oidc.circleci.com/org/" + org },
			"is not an https URL without query, fragment or trailing slash"},
		{"issuer with a trailing slash", func(c *config.Config) { c.IssuerURL += "/" },
			"is not an https URL without query, fragment or trailing slash"},
		{"issuer of another organization", func(c *config.Config) {
			c.IssuerURL = "https://oidc.circleci.com/org/" + project
		}, `names organization "` + project + `" but organizationId is "` + org + `"`},
		{"empty audience", func(c *config.Config) { c.Audiences = []string{org, ""} }, "audiences[1] is empty; remove it"},
		{"long audience", func(c *config.Config) { c.Audiences = []string{long(256)} },
			"is 256 characters long; IAM allows at most 255"},
		{"too many audiences", func(c *config.Config) {
			c.Audiences = make([]string, 101)
			for i := range c.Audiences {
				c.Audiences[i] = strings.Repeat("a", i+1)
			}
		}, "audiences has 101 entries; IAM allows at most 100"},
		{"repeated audience", func(c *config.Config) { c.Audiences = []string{org, org} },
			`audiences[1] "` + org + `" repeats audiences[0]; remove one`},
		{"project not a UUID", func(c *config.Config) { c.ProjectIDs = []string{project, project, "abc"} },
			`projectIds[2] "abc" is not a UUID; find it under Project Settings > Overview`},
		{"repeated project", func(c *config.Config) { c.ProjectIDs = []string{project, project} },
			`projectIds[1] "` + project + `" repeats projectIds[0]`},
		{"user not a UUID", func(c *config.Config) { c.UserIDs = []string{"alice"} },
			`userIds[0] "alice" is not a UUID; it is the part after user/ in a job token's sub claim`},
		{"branch as a ref", func(c *config.Config) { c.Branches = []string{"refs/heads/main"} },
			`branches[0] "refs/heads/main" must not start with refs/; give "main"`},
		{"tag as a ref", func(c *config.Config) { c.GitTags = []string{"refs/tags/v1"} },
			`gitTags[0] "refs/tags/v1" must not start with refs/; give "v1"`},
		{"empty branch", func(c *config.Config) { c.Branches = []string{" "} }, "is empty; give a name or pattern"},
		{"branch with a space", func(c *config.Config) { c.Branches = []string{"my branch"} }, "is not a git ref name"},
		{"branch spelling another ref", func(c *config.Config) { c.Branches = []string{"x/vcs-ref/refs/heads/main"} },
			"must not contain vcs-ref/"},
		{"origin with a scheme", func(c *config.Config) { c.VCSOrigins = []string{"https://github.com/acme/api.git"} },
			`vcsOrigins[0] "https://github.com/acme/api.git" must not have a scheme; give host/owner/repository, such as "github.com/acme/api"`},
		{"origin ending in .git", func(c *config.Config) { c.VCSOrigins = []string{"github.com/acme/api.git"} },
			`must not end in .git; give "github.com/acme/api"`},
		{"origin without owner", func(c *config.Config) { c.VCSOrigins = []string{"github.com/api"} },
			"is not host/owner/repository"},
		{"no scope", func(c *config.Config) { c.ProjectIDs = nil },
			"projectIds is empty: no trust scope is set; add projectIds (find it under Project Settings > Overview) or vcsOrigins, or set allowAllProjects: true"},
		{"branches alone", func(c *config.Config) { c.ProjectIDs, c.Branches = nil, []string{"main"} },
			"branches, gitTags and userIds alone would trust every project in organization"},
		{"users alone", func(c *config.Config) { c.ProjectIDs, c.UserIDs = nil, []string{project} },
			"alone would trust every project"},
		{"allow all and projects", func(c *config.Config) { c.AllowAllProjects = true },
			"allowAllProjects is true but projectIds or vcsOrigins is set too"},
		{"upper-case organization", func(c *config.Config) {
			c.OrganizationID, c.IssuerURL = strings.ToUpper(org), ""
			*c = c.WithDefaults()
		}, `organizationId "` + strings.ToUpper(org) + `" has upper-case letters, but tokens carry lower-case IDs ` +
			`and IAM compares them case-sensitively, so it could never match; give "` + org + `"`},
		{"upper-case project", func(c *config.Config) { c.ProjectIDs = []string{strings.ToUpper(project)} },
			`projectIds[0] "` + strings.ToUpper(project) + `" has upper-case letters`},
		{"upper-case user", func(c *config.Config) { c.UserIDs = []string{strings.ToUpper(project)} },
			`userIds[0] "` + strings.ToUpper(project) + `" has upper-case letters`},
		{"upper-case issuer scheme", func(c *config.Config) { c.IssuerURL = "HTTPS://oidc.circleci.com/org/" + org },
			"is not an https URL"},
		{"upper-case issuer host", func(c *config.Config) { c.IssuerURL = "https://OIDC.circleci.com/org/" + org },
			`has upper-case letters in its host; IAM's condition keys are the issuer's host and path as written, ` +
				`so they would not be the keys STS sets; give "https://oidc.circleci.com/org/` + org + `"`},
		{"branch holding vcs-ref/", func(c *config.Config) { c.Branches = []string{"vcs-ref/main"} },
			`branches[0] "vcs-ref/main" must not contain vcs-ref/: the trust policy refuses every subject that ` +
				`holds /vcs-ref/ twice, to stop spoofed refs, so it could never match; rename the branches`},
		{"branch ending in vcs-ref works", func(c *config.Config) { c.Branches = []string{"my-vcs-ref/x", "x/vcs-ref"} }, ""},
		{"branch git refuses: trailing slash", func(c *config.Config) { c.Branches = []string{"main/"} },
			`branches[0] "main/" is not a git ref name (git check-ref-format refuses it: it ends with "/"), so no job could run on it`},
		{"branch git refuses: double slash", func(c *config.Config) { c.Branches = []string{"a//b"} }, "is not a git ref name"},
		{"branch git refuses: .lock", func(c *config.Config) { c.Branches = []string{"x.lock"} }, "is not a git ref name"},
		{"branch git refuses: bracket", func(c *config.Config) { c.Branches = []string{"[x]"} }, "is not a git ref name"},
		{"origin with a vcs-ref segment", func(c *config.Config) { c.VCSOrigins = []string{"github.com/vcs-ref/api"} },
			`vcsOrigins[0] "github.com/vcs-ref/api" has a vcs-ref segment: the trust policy refuses every subject ` +
				`that holds /vcs-ref/ twice, to stop spoofed refs, so it could never match`},
		{"origin ending in vcs-ref", func(c *config.Config) { c.VCSOrigins = []string{"gitlab.com/acme/vcs-ref"} },
			"has a vcs-ref segment"},
		{"tag holding a policy variable", func(c *config.Config) { c.GitTags = []string{"v${aws:username}"} },
			`gitTags[0] "v${aws:username}" must not contain ${: IAM would read it as a policy variable`},
		{"pinning unknown", func(c *config.Config) { c.ProjectPinning = "sub" },
			`projectPinning "sub" is not one of "claim", "subject" and "both"`},
		{"pinning by claim on a server issuer", func(c *config.Config) {
			c.IssuerURL, c.ProjectPinning = "https://circleci.acme.internal/org/"+org, "claim"
		}, `projectPinning "claim" needs STS's oidc.circleci.com/project-id condition key, which only CircleCI ` +
			`cloud's issuer has, so with issuerUrl "https://circleci.acme.internal/org/` + org + `" no token could ` +
			`match; set projectPinning: subject`},
		{"server issuer defaults to subject pinning", func(c *config.Config) {
			c.IssuerURL, c.ProjectPinning = "https://circleci.acme.internal/org/"+org, ""
			*c = c.WithDefaults()
		}, ""},
		{"rules", func(c *config.Config) {
			c.ProjectIDs = nil
			c.Rules = []config.Rule{{ProjectIDs: []string{project}, Branches: []string{"main"}},
				{VCSOrigins: []string{"github.com/acme/infra"}, GitTags: []string{"v*"}}}
		}, ""},
		{"rules and top-level lists", func(c *config.Config) { c.Rules = []config.Rule{{ProjectIDs: []string{project}}} },
			"rules cannot be set with projectIds, vcsOrigins, branches, gitTags or userIds; move those into a rule, or remove rules"},
		{"rules and all projects", func(c *config.Config) {
			c.ProjectIDs, c.AllowAllProjects, c.Rules = nil, true, []config.Rule{{ProjectIDs: []string{project}}}
		}, "allowAllProjects cannot be set with rules"},
		{"rule without projects", func(c *config.Config) {
			c.ProjectIDs, c.Rules = nil, []config.Rule{{ProjectIDs: []string{project}}, {Branches: []string{"main"}}}
		}, `rules[1].projectIds is empty, and so is rules[1].vcsOrigins: the rule would trust every project in ` +
			`organization "` + org + `"; add projectIds (find it under Project Settings > Overview) or vcsOrigins to the rule`},
		{"rule with a bad branch", func(c *config.Config) {
			c.ProjectIDs, c.Rules = nil, []config.Rule{{ProjectIDs: []string{project}, Branches: []string{"refs/heads/main"}}}
		}, `rules[0].branches[0] "refs/heads/main" must not start with refs/; give "main"`},
		{"rule with a bad project", func(c *config.Config) {
			c.ProjectIDs, c.Rules = nil, []config.Rule{{}, {ProjectIDs: []string{"abc"}}}
		}, `rules[1].projectIds[0] "abc" is not a UUID`},
		{"extra condition on a key STS never sets", func(c *config.Config) {
			c.ExtraConditions = map[string]map[string][]string{
				"StringEquals": {"oidc.circleci.com/org/" + org + ":oidc.circleci.com/vcs-ref": {"refs/heads/main"}}}
		}, `extraConditions.StringEquals["oidc.circleci.com/org/` + org + `:oidc.circleci.com/vcs-ref"] names a key ` +
			`STS never sets: under oidc.circleci.com/org/` + org + ` it sets only oidc.circleci.com/org/` + org +
			`:aud, oidc.circleci.com/org/` + org + `:oidc.circleci.com/project-id, oidc.circleci.com/org/` + org +
			`:sub, so this condition never holds and refuses every token`},
		{"negated extra condition on a key STS never sets", func(c *config.Config) {
			c.ExtraConditions = map[string]map[string][]string{
				"StringNotEquals": {"oidc.circleci.com/org/" + org + ":oidc.circleci.com/vcs-origin": {"github.com/evil/api"}}}
		}, "so this condition always holds and restricts nothing"},
		{"project-id key on a server issuer", func(c *config.Config) {
			c.IssuerURL, c.ProjectPinning = "https://circleci.acme.internal/org/"+org, "subject"
			c.ExtraConditions = map[string]map[string][]string{
				"StringEquals": {"circleci.acme.internal/org/" + org + ":oidc.circleci.com/project-id": {project}}}
		}, "names a key STS never sets"},
		{"extra condition widening sub in other case", func(c *config.Config) {
			c.ExtraConditions = map[string]map[string][]string{
				"StringLike": {"OIDC.circleci.com/org/" + org + ":SUB": {"org/" + org + "/*"}}}
		}, "would widen the condition the component builds"},
		{"unknown operator", func(c *config.Config) {
			c.ExtraConditions = map[string]map[string][]string{"StringSorta": {"k": {"v"}}}
		}, `extraConditions "StringSorta" is not an IAM condition operator`},
		{"extra condition widening sub", func(c *config.Config) {
			c.ExtraConditions = map[string]map[string][]string{
				"StringLike": {"oidc.circleci.com/org/" + org + ":sub": {"org/" + org + "/*"}}}
		}, "would widen the condition the component builds"},
		{"extra condition without values", func(c *config.Config) {
			c.ExtraConditions = map[string]map[string][]string{"Bool": {"aws:SecureTransport": nil}}
		}, `extraConditions.Bool["aws:SecureTransport"] has no values`},
		{"provider ARN malformed", func(c *config.Config) { c.ExistingProviderARN = "oidc.circleci.com" },
			`existingProviderArn "oidc.circleci.com" is not an IAM OIDC provider ARN, such as arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/` + org},
		{"provider ARN of another issuer", func(c *config.Config) {
			c.ExistingProviderARN = "arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/" + project
		}, "is the provider for oidc.circleci.com/org/" + project + ", not for the issuer"},
		{"reuse by organization", func(c *config.Config) { c.ReuseProvider = true }, ""},
		{"reuse by organization and by ARN", func(c *config.Config) {
			c.ReuseProvider = true
			c.ExistingProviderARN = "arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/" + org
		}, "reuseProvider cannot be set with existingProviderArn, which names the provider already; remove one"},
		{"thumbprints with reuse by organization", func(c *config.Config) {
			c.ReuseProvider, c.Thumbprints = true, []string{tp}
		}, "thumbprints has no effect with a reused provider (existingProviderArn, reuseProvider)"},
		{"thumbprints with a reused provider", func(c *config.Config) {
			c.ExistingProviderARN = "arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/" + org
			c.Thumbprints = []string{tp}
		}, "thumbprints has no effect with a reused provider"},
		{"thumbprint uppercase", func(c *config.Config) { c.Thumbprints = []string{strings.ToUpper(tp)} },
			"is not 40 lowercase hex digits; give the SHA-1 fingerprint without colons, such as " + tp},
		{"repeated thumbprint", func(c *config.Config) { c.Thumbprints = []string{tp, tp} },
			`thumbprints[1] "` + tp + `" repeats thumbprints[0]`},
		{"six thumbprints", func(c *config.Config) {
			c.Thumbprints = []string{long40('a'), long40('b'), long40('c')}
			c.AdditionalThumbprints = []string{long40('d'), long40('e'), long40('f')}
		}, "additionalThumbprints makes 6 thumbprints; IAM allows at most 5"},
		{"role name and prefix", func(c *config.Config) { c.RoleName, c.RoleNamePrefix = "a", "b" },
			`roleNamePrefix "b" cannot be set with roleName; remove one`},
		{"role name too long", func(c *config.Config) { c.RoleName = long(65) }, "is 65 characters; IAM allows at most 64"},
		{"role name characters", func(c *config.Config) { c.RoleName = "ci role" },
			"may only have letters, digits and +=,.@_-"},
		{"role name prefix too long", func(c *config.Config) { c.RoleNamePrefix = long(39) },
			"is 39 characters; at most 38 leave room for the random suffix"},
		{"path without slashes", func(c *config.Config) { c.Path = "ci" }, `path "ci" must start and end with /`},
		{"path with a space", func(c *config.Config) { c.Path = "/c i/" }, "must start and end with /"},
		{"long description", func(c *config.Config) { c.Description = long(1001) },
			"description is 1001 characters; IAM allows at most 1000"},
		{"session too short", func(c *config.Config) { c.MaxSessionDuration = 900 },
			`maxSessionDuration "900" is out of range; give seconds from 3600 (1 hour) to 43200 (12 hours)`},
		{"session too long", func(c *config.Config) { c.MaxSessionDuration = 43201 }, "is out of range"},
		{"boundary malformed", func(c *config.Config) { c.PermissionsBoundary = "ci-boundary" },
			`permissionsBoundary "ci-boundary" is not a managed policy ARN`},
		{"reserved tag", func(c *config.Config) { c.Tags = map[string]string{"aws:owner": "x"} },
			`tags "aws:owner" uses the reserved aws: prefix`},
		{"long tag value", func(c *config.Config) { c.Tags = map[string]string{"team": long(257)} },
			`tags["team"] is longer than the 256 characters IAM allows`},
		{"policy ARN malformed", func(c *config.Config) { c.ManagedPolicyARNs = []string{"ReadOnlyAccess"} },
			`managedPolicyArns[0] "ReadOnlyAccess" is not a managed policy ARN, such as arn:aws:iam::aws:policy/ReadOnlyAccess`},
		{"policy ARN repeated", func(c *config.Config) {
			c.ManagedPolicyARNs = []string{"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"}
		}, "managedPolicyArns[1]"},
		{"too many policies", func(c *config.Config) {
			for i := 0; i < 21; i++ {
				c.ManagedPolicyARNs = append(c.ManagedPolicyARNs, "arn:aws:iam::123456789012:policy/p"+strings.Repeat("x", i))
			}
		}, "managedPolicyArns has 21 policies, over managedPoliciesQuota 10"},
		{"policies over the default quota", func(c *config.Config) {
			for i := range 11 {
				c.ManagedPolicyARNs = append(c.ManagedPolicyARNs, "arn:aws:iam::123456789012:policy/p"+strings.Repeat("x", i))
			}
		}, "managedPolicyArns has 11 policies, over managedPoliciesQuota 10: IAM would refuse the attachment with " +
			"LimitExceeded; attach fewer, such as one customer-managed policy that merges them, or raise the account's " +
			`quota (Service Quotas, "Managed policies per role", at most 20) and set managedPoliciesQuota`},
		{"policies within a raised quota", func(c *config.Config) {
			c.ManagedPoliciesQuota = 20
			for i := range 20 {
				c.ManagedPolicyARNs = append(c.ManagedPolicyARNs, "arn:aws:iam::123456789012:policy/p"+strings.Repeat("x", i))
			}
		}, ""},
		{"managed policies quota out of range", func(c *config.Config) { c.ManagedPoliciesQuota = 25 },
			`managedPoliciesQuota "25" is out of range; give your account's managed policies per role quota, from 10, IAM's default, to 20`},
		{"trust policy quota out of range", func(c *config.Config) { c.TrustPolicyQuota = 10000 },
			`trustPolicyQuota "10000" is out of range; give your account's role trust policy length quota ` +
				`(Service Quotas code L-C07B4B0D), from 2048, IAM's default, to 8192`},
		{"trust policy quota below the default", func(c *config.Config) { c.TrustPolicyQuota = 1024 }, "is out of range"},
		{"inline policies over their aggregate", func(c *config.Config) {
			doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"` +
				strings.Repeat("x", 5040) + `"}]}`
			c.InlinePolicies = map[string]string{"a": doc, "b": doc}
		}, "inlinePolicies come to 10270 characters without white space, over the 10240 IAM allows"}, // 2 × (95 + 5040)
		{"inline policies: white space is not counted", func(c *config.Config) {
			doc := `{"Version": "2012-10-17",   "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "` +
				strings.Repeat("x", 5020) + `"}]}` + strings.Repeat(" ", 200)
			c.InlinePolicies = map[string]string{"a": doc, "b": doc}
		}, ""},
		{"inline policy name", func(c *config.Config) {
			c.InlinePolicies = map[string]string{"de ploy": `{"Statement":[{}]}`}
		}, `inlinePolicies "de ploy" is not a policy name`},
		{"inline policy JSON", func(c *config.Config) { c.InlinePolicies = map[string]string{"deploy": "{"} },
			`inlinePolicies["deploy"] is not a JSON policy document`},
		{"inline policy without statements", func(c *config.Config) {
			c.InlinePolicies = map[string]string{"deploy": `{"Version":"2012-10-17","Statement":[]}`}
		}, `inlinePolicies["deploy"] has no Statement`},
		{"inline policy version", func(c *config.Config) {
			c.InlinePolicies = map[string]string{"deploy": `{"Version":"2020-01-01","Statement":{}}`}
		}, `has Version "2020-01-01"; use "2012-10-17"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.mutate(&c)
			err := c.Validate()
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func long40(c byte) string { return strings.Repeat(string(c), 40) }

func TestValidateReportsEveryProblem(t *testing.T) {
	c := config.Config{OrganizationID: "acme", ProjectIDs: []string{"p1", "p2"}, Path: "ci", MaxSessionDuration: 1}.WithDefaults()
	err := c.Validate()
	var errs config.Errors
	require.True(t, errors.As(err, &errs))
	fields := make([]string, len(errs))
	for i, e := range errs {
		fields[i] = e.Field
	}
	assert.Equal(t, []string{"organizationId", "projectIds[0]", "projectIds[1]", "path", "maxSessionDuration"}, fields)
	assert.True(t, strings.HasPrefix(err.Error(), "circleci-oidc: 5 invalid inputs:\n  - organizationId"))

	var one *config.FieldError
	require.True(t, errors.As(err, &one))
	assert.Equal(t, "organizationId", one.Field)
}

func TestAttachmentName(t *testing.T) {
	tests := []struct{ arn, want string }{
		{"arn:aws:iam::aws:policy/ReadOnlyAccess", "ci-ReadOnlyAccess"},
		{"arn:aws:iam::aws:policy/service-role/AWSLambdaRole", "ci-AWSLambdaRole"},
		{"arn:aws:iam::123456789012:policy/team/deploy-api", "ci-123456789012-deploy-api"},
		{"arn:aws-cn:iam::123456789012:policy/deploy", "ci-123456789012-deploy"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, config.AttachmentName("ci", tt.arn), tt.arn)
	}
}

// projects returns n distinct lower-case project UUIDs.
func projects(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%08x-0c1d-4a6b-9f3e-1b2c3d4e5f60", i)
	}
	return out
}

func TestTrustPolicySize(t *testing.T) {
	five := func(pinning string) config.Config {
		return config.Config{OrganizationID: org, ProjectIDs: projects(5), Branches: []string{"main", "release/*"},
			VCSOrigins: []string{"github.com/acme/api"}, ProjectPinning: pinning}.WithDefaults()
	}
	t.Run("subject pinning overflows the default quota", func(t *testing.T) {
		c := five("subject")
		size := trust.Build(c.TrustSpec(c.PlaceholderProviderARN())).Size()
		require.Greater(t, size, config.DefaultTrustPolicyQuota)
		err := c.Validate()
		require.Error(t, err)
		var errs config.Errors
		require.ErrorAs(t, err, &errs)
		require.Len(t, errs, 1)
		assert.Equal(t, "trustPolicyQuota", errs[0].Field)
		assert.Equal(t, "2048", errs[0].Value)
		for _, want := range []string{
			fmt.Sprintf("is less than the trust policy's %d characters (IAM counts them without white space)", size),
			"LimitExceeded", "10 sub pattern(s)", "set projectPinning: claim, the compact form",
			"L-C07B4B0D", "set trustPolicyQuota", "second role",
		} {
			assert.Contains(t, errs[0].Problem, want)
		}
	})
	t.Run("a raised quota takes it", func(t *testing.T) {
		c := five("subject")
		c.TrustPolicyQuota = 4096
		assert.NoError(t, c.Validate())
	})
	t.Run("the compact form fits", func(t *testing.T) {
		c := five("claim")
		assert.NoError(t, c.Validate())
		assert.Less(t, trust.Build(c.TrustSpec(c.PlaceholderProviderARN())).Size(), config.DefaultTrustPolicyQuota)
	})
	t.Run("the compact form's own limit", func(t *testing.T) {
		c := config.Config{OrganizationID: org, ProjectIDs: projects(100), Branches: []string{"main"}}.WithDefaults()
		err := c.Validate()
		require.Error(t, err)
		assert.Contains(t, err.Error(), "and 100 project ID(s)")
		assert.NotContains(t, err.Error(), "set projectPinning: claim", "it is already compact")
	})
	t.Run("the placeholder ARN is as long as a real one", func(t *testing.T) {
		c := five("claim")
		real := "arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/" + org
		assert.Len(t, c.PlaceholderProviderARN(), len(real))
		c.ExistingProviderARN = real
		assert.Equal(t, real, c.PlaceholderProviderARN())
	})
}

func TestWarnings(t *testing.T) {
	c := valid()
	assert.Empty(t, c.Warnings())
	c.Branches = []string{"main"}
	require.Len(t, c.Warnings(), 1)
	assert.Contains(t, c.Warnings()[0], "branches and gitTags are set without vcsOrigins: a build of a forked pull "+
		"request carries the same ref when secrets are passed to forks; pin the repository with vcsOrigins")
	c.VCSOrigins = []string{"github.com/acme/api"}
	assert.Empty(t, c.Warnings())

	c = valid()
	c.ProjectIDs = nil
	c.Rules = []config.Rule{{ProjectIDs: []string{project}, VCSOrigins: []string{"github.com/acme/api"}, Branches: []string{"main"}},
		{ProjectIDs: []string{project}, GitTags: []string{"v*"}}}
	require.Len(t, c.Warnings(), 1)
	assert.Contains(t, c.Warnings()[0], "rules[1].branches and rules[1].gitTags are set without rules[1].vcsOrigins")
}

func TestCheckReusedProvider(t *testing.T) {
	c := valid()
	c.ExistingProviderARN = "arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/" + org
	assert.NoError(t, c.CheckReusedProvider(c.ExistingProviderARN, []string{org}))
	c.Audiences = []string{org, "sts.amazonaws.com"}
	err := c.CheckReusedProvider(c.ExistingProviderARN, []string{org})
	require.Error(t, err)
	assert.Equal(t, `circleci-oidc: audiences[1] "sts.amazonaws.com" is not a client ID of the reused provider `+
		c.ExistingProviderARN+`, so STS would refuse every token with that aud; add it to the provider's client IDs `+
		`(aws iam add-client-id-to-open-id-connect-provider) or remove it from audiences`, err.Error())
}

func TestMissingProvider(t *testing.T) {
	c := valid()
	c.ReuseProvider = true
	arn := c.ProviderARN("aws-us-gov", "123456789012")
	assert.Equal(t, "arn:aws-us-gov:iam::123456789012:oidc-provider/oidc.circleci.com/org/"+org, arn)
	err := c.MissingProvider(arn, errors.New("NoSuchEntity"))
	assert.Equal(t, "circleci-oidc: reuseProvider needs the IAM OIDC provider "+arn+", which could not be read: "+
		"NoSuchEntity. If it does not exist yet, create it once: deploy one stack or component for the issuer "+
		"without reuseProvider and existingProviderArn, or run aws iam create-open-id-connect-provider --url "+
		"https://oidc.circleci.com/org/"+org+" --client-id-list "+org+"; then reuse it here", err.Error())
}

// TestHugePolicyFailsFast covers finding B3: Validate built the whole policy
// before checking its size, so 30 projects × users × origins × branches took
// 7.7 s and 2.1 GB, and 50 of each hung. It counts the sub patterns first.
func TestHugePolicyFailsFast(t *testing.T) {
	n := 50
	names := func(f string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf(f, i)
		}
		return out
	}
	users := make([]string, n)
	for i := range users {
		users[i] = fmt.Sprintf("%08x-1234-4abc-8def-0123456789ab", i)
	}
	c := config.Config{OrganizationID: org, ProjectIDs: projects(n), UserIDs: users,
		VCSOrigins: names("github.com/acme/r%d"), Branches: names("b%d"), ProjectPinning: "subject"}.WithDefaults()
	start := time.Now()
	err := c.Validate()
	elapsed := time.Since(start)
	require.Error(t, err)
	var errs config.Errors
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 1)
	assert.Equal(t, "trustPolicyQuota", errs[0].Field)
	for _, want := range []string{"LimitExceeded", "6250000 sub pattern(s)", "set projectPinning: claim", "L-C07B4B0D"} {
		assert.Contains(t, errs[0].Problem, want)
	}
	assert.Less(t, elapsed, time.Second)
	t.Logf("50 × 50 × 50 × 50: Validate took %v", elapsed)
}
