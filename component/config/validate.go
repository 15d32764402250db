package config

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/thumbprint"
	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

var (
	uuidRE          = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	roleNameRE      = regexp.MustCompile(`^[\w+=,.@-]+$`)
	policyNameRE    = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
	pathRE          = regexp.MustCompile(`^/([\x21-\x7E]*/)?$`)
	policyARNRE     = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:iam::(aws|\d{12}):policy/([\x21-\x7E]*/)?[\w+=,.@-]{1,128}$`)
	providerARNRE   = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:iam::\d{12}:oidc-provider/(.+)$`)
	vcsOriginRE     = regexp.MustCompile(`^[a-zA-Z0-9.-]+(:\d+)?(/[\w.-]+){2,}$`)
	circleciIssuer  = regexp.MustCompile(`^https://oidc\.circleci\.com/org/([^/]+)$`)
	refUnsafeChars  = " \t\n~^:\\"
	knownOperatorRE = regexp.MustCompile(`^((ForAnyValue|ForAllValues):)?(String(Not)?Equals(IgnoreCase)?|String(Not)?Like|` +
		`Numeric(Not)?Equals|Numeric(LessThan|GreaterThan)(Equals)?|Date(Not)?Equals|Date(LessThan|GreaterThan)(Equals)?|` +
		`Bool|BinaryEquals|IpAddress|NotIpAddress|Arn(Not)?(Equals|Like))(IfExists)?$|^Null$`)
)

const (
	findOrg     = "find it under Organization Settings > Overview"
	findProject = "find it under Project Settings > Overview"
	findUser    = "it is the part after user/ in a job token's sub claim"
)

// Validate checks c, after WithDefaults, and returns every problem at once as
// Errors, or nil.
func (c Config) Validate() error {
	var p problems
	c.validateIdentity(&p)
	c.validateScope(&p)
	c.validateProvider(&p)
	c.validateRole(&p)
	return p.err()
}

func (c Config) validateIdentity(p *problems) {
	switch {
	case c.OrganizationID == "":
		p.add("organizationId", "", "is required; %s", findOrg)
	case !uuidRE.MatchString(c.OrganizationID):
		p.add("organizationId", c.OrganizationID, "is not a UUID; %s", findOrg)
	}

	if u, err := url.Parse(c.IssuerURL); err != nil || u.Scheme != "https" || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.HasSuffix(c.IssuerURL, "/") {
		p.add("issuerUrl", c.IssuerURL, "is not an https URL without query, fragment or trailing slash; "+
			"leave it unset for CircleCI cloud (%s), or give your CircleCI server's issuer",
			trust.DefaultIssuerURL("<organizationId>"))
	} else if m := circleciIssuer.FindStringSubmatch(c.IssuerURL); m != nil && m[1] != c.OrganizationID {
		p.add("issuerUrl", c.IssuerURL, "names organization %q but organizationId is %q; leave issuerUrl unset "+
			"or make the two agree", m[1], c.OrganizationID)
	}

	if len(c.Audiences) > MaxAudiences {
		p.add("audiences", "", "has %d entries; IAM allows at most %d", len(c.Audiences), MaxAudiences)
	}
	seen := map[string]int{}
	for i, a := range c.Audiences {
		switch {
		case a == "":
			p.add(index("audiences", i), "", "is empty; remove it")
		case len(a) > MaxAudienceLength:
			p.add(index("audiences", i), a, "is %d characters long; IAM allows at most %d", len(a), MaxAudienceLength)
		}
		repeats(p, "audiences", i, a, seen)
	}
}

func repeats(p *problems, field string, i int, v string, seen map[string]int) {
	if j, ok := seen[v]; ok {
		p.add(index(field, i), v, "repeats %s; remove one", index(field, j))
		return
	}
	seen[v] = i
}

func (c Config) validateScope(p *problems) {
	uuids := func(field string, ids []string, where string) {
		seen := map[string]int{}
		for i, id := range ids {
			if !uuidRE.MatchString(id) {
				p.add(index(field, i), id, "is not a UUID; %s", where)
				continue
			}
			repeats(p, field, i, id, seen)
		}
	}
	uuids("projectIds", c.ProjectIDs, findProject)
	uuids("userIds", c.UserIDs, findUser)
	refs := func(field, prefix, example string, names []string) {
		for i, n := range names {
			switch {
			case strings.TrimSpace(n) == "":
				p.add(index(field, i), n, "is empty; give a name or pattern such as %s", example)
			case strings.HasPrefix(n, "refs/"):
				p.add(index(field, i), n, "must not start with refs/; give %q", strings.TrimPrefix(n, prefix))
			case strings.ContainsAny(n, refUnsafeChars) || strings.Contains(n, "/vcs-ref/") || strings.Contains(n, ".."):
				p.add(index(field, i), n, "is not a git ref name; give a name or pattern such as %s", example)
			}
		}
	}
	refs("branches", "refs/heads/", `"main" or "release/*"`, c.Branches)
	refs("gitTags", "refs/tags/", `"v*"`, c.GitTags)
	for i, o := range c.VCSOrigins {
		switch {
		case strings.Contains(o, "://"):
			p.add(index("vcsOrigins", i), o, "must not have a scheme; give host/owner/repository, such as %q",
				strings.TrimSuffix(o[strings.Index(o, "://")+3:], ".git"))
		case strings.HasSuffix(o, ".git"):
			p.add(index("vcsOrigins", i), o, "must not end in .git; give %q", strings.TrimSuffix(o, ".git"))
		case !vcsOriginRE.MatchString(o):
			p.add(index("vcsOrigins", i), o, "is not host/owner/repository, such as github.com/acme/api")
		}
	}

	narrowsProject := len(c.ProjectIDs) > 0 || len(c.VCSOrigins) > 0
	switch {
	case c.AllowAllProjects && narrowsProject:
		p.add("allowAllProjects", "", "is true but projectIds or vcsOrigins is set too; remove allowAllProjects "+
			"to trust only those, or remove them to trust the whole organization")
	case !c.AllowAllProjects && !narrowsProject && (len(c.Branches) > 0 || len(c.GitTags) > 0 || len(c.UserIDs) > 0):
		p.add("projectIds", "", "is empty, so branches, gitTags and userIds alone would trust every project in "+
			"organization %q; add projectIds (%s) or vcsOrigins, or set allowAllProjects: true to mean it",
			c.OrganizationID, findProject)
	case !c.AllowAllProjects && !narrowsProject:
		p.add("projectIds", "", "is empty: no trust scope is set; add projectIds (%s) or vcsOrigins, "+
			"or set allowAllProjects: true to trust every project in organization %q", findProject, c.OrganizationID)
	}
	if c.RequireProjectIDClaim && len(c.ProjectIDs) == 0 {
		p.add("requireProjectIdClaim", "", "needs projectIds to compare the project-id claim with; add projectIds "+
			"or remove requireProjectIdClaim")
	}
	c.validateExtraConditions(p)
}

func (c Config) validateExtraConditions(p *problems) {
	ours := map[string]bool{}
	if c.IssuerURL != "" {
		k := trust.IssuerKey(c.IssuerURL)
		ours[trust.StringEquals+" "+k+":aud"] = true
		ours[trust.StringLike+" "+k+":sub"] = true
		ours[trust.StringNotLike+" "+k+":sub"] = true
		ours[trust.StringEquals+" "+k+":"+trust.ProjectIDClaim] = true
	}
	for _, op := range slices.Sorted(maps.Keys(c.ExtraConditions)) {
		keys := c.ExtraConditions[op]
		if !knownOperatorRE.MatchString(op) {
			p.add("extraConditions", op, "is not an IAM condition operator, such as StringEquals or StringLike")
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			field := fmt.Sprintf("extraConditions.%s[%q]", op, k)
			switch {
			case k == "":
				p.add(fmt.Sprintf("extraConditions.%s", op), "", "has an empty condition key")
			case ours[op+" "+k]:
				p.add(field, "", "would widen the condition the component builds from audiences, projectIds, "+
					"branches, gitTags, vcsOrigins and userIds; set those instead")
			case len(keys[k]) == 0:
				p.add(field, "", "has no values; give at least one or remove the key")
			}
		}
	}
}

func (c Config) validateProvider(p *problems) {
	if c.ReusesProvider() {
		m := providerARNRE.FindStringSubmatch(c.ExistingProviderARN)
		switch {
		case m == nil:
			p.add("existingProviderArn", c.ExistingProviderARN, "is not an IAM OIDC provider ARN, such as "+
				"arn:aws:iam::123456789012:oidc-provider/%s", trust.IssuerKey(c.IssuerURL))
		case c.IssuerURL != "" && m[2] != trust.IssuerKey(c.IssuerURL):
			p.add("existingProviderArn", c.ExistingProviderARN, "is the provider for %s, not for the issuer %s; "+
				"reuse the provider of this issuer or leave existingProviderArn unset",
				m[2], trust.IssuerKey(c.IssuerURL))
		}
		if len(c.Thumbprints)+len(c.AdditionalThumbprints) > 0 {
			p.add("thumbprints", "", "has no effect with existingProviderArn: a reused provider keeps its own; "+
				"remove thumbprints and additionalThumbprints")
		}
		return
	}
	check := func(field string, tps []string) {
		seen := map[string]int{}
		for i, tp := range tps {
			if !thumbprint.Valid(tp) {
				p.add(index(field, i), tp, "is not 40 lowercase hex digits; give the SHA-1 fingerprint without "+
					"colons, such as %s", thumbprint.CircleCI)
				continue
			}
			repeats(p, field, i, tp, seen)
		}
	}
	check("thumbprints", c.Thumbprints)
	check("additionalThumbprints", c.AdditionalThumbprints)
	total := len(c.Thumbprints) + len(c.AdditionalThumbprints)
	if c.FetchesThumbprint() {
		total++
	}
	if total > MaxThumbprints {
		fetched := ""
		if c.FetchesThumbprint() {
			fetched = " with the fetched one"
		}
		p.add("additionalThumbprints", "", "makes %d thumbprints%s; IAM allows at most %d", total, fetched, MaxThumbprints)
	}
}

func (c Config) validateRole(p *problems) {
	switch {
	case c.RoleName != "" && c.RoleNamePrefix != "":
		p.add("roleNamePrefix", c.RoleNamePrefix, "cannot be set with roleName; remove one")
	case utf8.RuneCountInString(c.RoleName) > MaxRoleNameLength:
		p.add("roleName", c.RoleName, "is %d characters; IAM allows at most %d", utf8.RuneCountInString(c.RoleName), MaxRoleNameLength)
	case c.RoleName != "" && !roleNameRE.MatchString(c.RoleName):
		p.add("roleName", c.RoleName, "may only have letters, digits and +=,.@_-")
	case utf8.RuneCountInString(c.RoleNamePrefix) > MaxRoleNamePrefixLength:
		p.add("roleNamePrefix", c.RoleNamePrefix, "is %d characters; at most %d leave room for the random suffix",
			utf8.RuneCountInString(c.RoleNamePrefix), MaxRoleNamePrefixLength)
	case c.RoleNamePrefix != "" && !roleNameRE.MatchString(c.RoleNamePrefix):
		p.add("roleNamePrefix", c.RoleNamePrefix, "may only have letters, digits and +=,.@_-")
	}
	if c.Path != "" && (len(c.Path) > MaxPathLength || !pathRE.MatchString(c.Path)) {
		p.add("path", c.Path, "must start and end with / and have no spaces, such as /ci/")
	}
	if n := utf8.RuneCountInString(c.Description); n > MaxDescriptionLength {
		p.add("description", "", "is %d characters; IAM allows at most %d", n, MaxDescriptionLength)
	}
	if d := c.MaxSessionDuration; d < MinMaxSessionDuration || d > MaxMaxSessionDuration {
		p.add("maxSessionDuration", fmt.Sprint(d), "is out of range; give seconds from %d (1 hour) to %d (12 hours)",
			MinMaxSessionDuration, MaxMaxSessionDuration)
	}
	if c.PermissionsBoundary != "" && !policyARNRE.MatchString(c.PermissionsBoundary) {
		p.add("permissionsBoundary", c.PermissionsBoundary, "is not a managed policy ARN, such as "+
			"arn:aws:iam::123456789012:policy/ci-boundary")
	}
	if len(c.Tags) > MaxTags {
		p.add("tags", "", "has %d tags; IAM allows at most %d", len(c.Tags), MaxTags)
	}
	for _, k := range slices.Sorted(maps.Keys(c.Tags)) {
		switch {
		case k == "" || utf8.RuneCountInString(k) > 128:
			p.add("tags", k, "is not a tag key of 1 to 128 characters")
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			p.add("tags", k, "uses the reserved aws: prefix; choose another key")
		case utf8.RuneCountInString(c.Tags[k]) > 256:
			p.add(key("tags", k), "", "is longer than the 256 characters IAM allows")
		}
	}
	if len(c.ManagedPolicyARNs) > MaxManagedPolicies {
		p.add("managedPolicyArns", "", "has %d policies; IAM attaches at most %d to a role", len(c.ManagedPolicyARNs), MaxManagedPolicies)
	}
	seen := map[string]int{}
	for i, arn := range c.ManagedPolicyARNs {
		if !policyARNRE.MatchString(arn) {
			p.add(index("managedPolicyArns", i), arn, "is not a managed policy ARN, such as "+
				"arn:aws:iam::aws:policy/ReadOnlyAccess")
			continue
		}
		repeats(p, "managedPolicyArns", i, arn, seen)
	}
	for _, name := range c.InlinePolicyNames() {
		if !policyNameRE.MatchString(name) {
			p.add("inlinePolicies", name, "is not a policy name: 1 to 128 letters, digits and +=,.@_-")
		}
		if problem := policyProblem(c.InlinePolicies[name]); problem != "" {
			p.add(key("inlinePolicies", name), "", "%s", problem)
		}
	}
}

// policyProblem says what is wrong with a permissions policy document, or "".
func policyProblem(doc string) string {
	var d struct {
		Version   string          `json:"Version"`
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return "is not a JSON policy document: " + err.Error()
	}
	switch {
	case len(d.Statement) == 0 || string(d.Statement) == "[]" || string(d.Statement) == "null":
		return "has no Statement"
	case d.Version != "" && d.Version != trust.PolicyVersion && d.Version != "2008-10-17":
		return fmt.Sprintf("has Version %q; use %q", d.Version, trust.PolicyVersion)
	}
	return ""
}
