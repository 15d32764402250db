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
	uuidRE          = regexp.MustCompile(`^(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	roleNameRE      = regexp.MustCompile(`^[\w+=,.@-]+$`)
	policyNameRE    = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
	pathRE          = regexp.MustCompile(`^/([\x21-\x7E]*/)?$`)
	policyARNRE     = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:iam::(aws|\d{12}):policy/([\x21-\x7E]*/)?[\w+=,.@-]{1,128}$`)
	providerARNRE   = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:iam::\d{12}:oidc-provider/(.+)$`)
	circleciIssuer  = regexp.MustCompile(`^https://oidc\.circleci\.com/org/([^/]+)$`)
	knownOperatorRE = regexp.MustCompile(`^((ForAnyValue|ForAllValues):)?(String(Not)?Equals(IgnoreCase)?|String(Not)?Like|` +
		`Numeric(Not)?Equals|Numeric(LessThan|GreaterThan)(Equals)?|Date(Not)?Equals|Date(LessThan|GreaterThan)(Equals)?|` +
		`Bool|BinaryEquals|IpAddress|NotIpAddress|Arn(Not)?(Equals|Like))(IfExists)?$|^Null$`)
)

const (
	lowerCase   = "has upper-case letters, but tokens carry lower-case IDs and IAM compares them case-sensitively, so it could never match; give %q"
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

// issuerOrg returns the organization a CircleCI cloud issuer URL names, or "".
func issuerOrg(issuerURL string) string {
	if m := circleciIssuer.FindStringSubmatch(issuerURL); m != nil {
		return m[1]
	}
	return ""
}

// cloudIssuer reports whether the issuer is CircleCI cloud's, the only one
// whose tokens STS exposes with the project-id key.
func (c Config) cloudIssuer() bool { return issuerOrg(c.IssuerURL) != "" }

func (c Config) validateIdentity(p *problems) {
	switch {
	case c.OrganizationID == "":
		p.add("organizationId", "", "is required; %s", findOrg)
	case !uuidRE.MatchString(c.OrganizationID):
		p.add("organizationId", c.OrganizationID, "is not a UUID; %s", findOrg)
	case c.OrganizationID != strings.ToLower(c.OrganizationID):
		p.add("organizationId", c.OrganizationID, lowerCase, strings.ToLower(c.OrganizationID))
	}

	u, err := url.Parse(c.IssuerURL)
	switch {
	case err != nil || !strings.HasPrefix(c.IssuerURL, "https://") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.HasSuffix(c.IssuerURL, "/"):
		p.add("issuerUrl", c.IssuerURL, "is not an https URL without query, fragment or trailing slash; "+
			"leave it unset for CircleCI cloud (%s), or give your CircleCI server's issuer",
			trust.DefaultIssuerURL("<organizationId>"))
	case u.Host != strings.ToLower(u.Host):
		fix := "write the host in lower case"
		if lower := "https://" + strings.ToLower(u.Host) + u.EscapedPath(); issuerOrg(lower) == "" || issuerOrg(lower) == c.OrganizationID {
			fix = fmt.Sprintf("give %q", lower)
		}
		p.add("issuerUrl", c.IssuerURL, "has upper-case letters in its host; IAM's condition keys are the issuer's "+
			"host and path as written, so they would not be the keys STS sets; %s", fix)
	case issuerOrg(c.IssuerURL) != "" && issuerOrg(c.IssuerURL) != c.OrganizationID:
		p.add("issuerUrl", c.IssuerURL, "names organization %q but organizationId is %q; leave issuerUrl unset "+
			"or make the two agree", issuerOrg(c.IssuerURL), c.OrganizationID)
	}

	if len(c.Audiences) == 0 {
		// WithDefaults fills it; without audiences the trust policy would not
		// pin aud at all.
		p.add("audiences", "", "is empty; leave it unset for the default [organizationId], or give the accepted aud values")
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
	if len(c.Rules) == 0 {
		c.validateRule(p, "", c.TopLevelRule(), c.AllowAllProjects)
	} else {
		if c.TopLevelRule().NarrowsAnything() {
			p.add("rules", "", "cannot be set with projectIds, vcsOrigins, branches, gitTags or userIds; "+
				"move those into a rule, or remove rules")
		}
		if c.AllowAllProjects {
			p.add("allowAllProjects", "", "cannot be set with rules, each of which names its projects or "+
				"vcsOrigins; remove allowAllProjects")
		}
		for i, r := range c.Rules {
			c.validateRule(p, fmt.Sprintf("rules[%d].", i), r, false)
		}
	}
	c.validatePinning(p)
	c.validateExtraConditions(p)
}

// validateRule checks one scope: the top-level inputs (prefix "") or one rule
// (prefix "rules[i].").
func (c Config) validateRule(p *problems, prefix string, r Rule, allowAll bool) {
	uuids := func(field string, ids []string, where string) {
		seen := map[string]int{}
		for i, id := range ids {
			switch {
			case !uuidRE.MatchString(id):
				p.add(index(prefix+field, i), id, "is not a UUID; %s", where)
				continue
			case id != strings.ToLower(id):
				p.add(index(prefix+field, i), id, lowerCase, strings.ToLower(id))
			}
			repeats(p, prefix+field, i, id, seen)
		}
	}
	uuids("projectIds", r.ProjectIDs, findProject)
	uuids("userIds", r.UserIDs, findUser)
	refs := func(field, example string, names []string) {
		for i, n := range names {
			if problem := refProblem(field, example, n); problem != "" {
				p.add(index(prefix+field, i), n, "%s", problem)
			}
		}
	}
	refs("branches", `"main" or "release/*"`, r.Branches)
	refs("gitTags", `"v*"`, r.GitTags)
	for i, o := range r.VCSOrigins {
		if problem := originProblem(o); problem != "" {
			p.add(index(prefix+"vcsOrigins", i), o, "%s", problem)
		}
	}

	narrowsProject := len(r.ProjectIDs) > 0 || len(r.VCSOrigins) > 0
	switch {
	case allowAll && narrowsProject:
		p.add("allowAllProjects", "", "is true but projectIds or vcsOrigins is set too; remove allowAllProjects "+
			"to trust only those, or remove them to trust the whole organization")
	case prefix != "" && !narrowsProject:
		p.add(prefix+"projectIds", "", "is empty, and so is %svcsOrigins: the rule would trust every project "+
			"in organization %q; add projectIds (%s) or vcsOrigins to the rule", prefix, c.OrganizationID, findProject)
	case !allowAll && !narrowsProject && (len(r.Branches) > 0 || len(r.GitTags) > 0 || len(r.UserIDs) > 0):
		p.add("projectIds", "", "is empty, so branches, gitTags and userIds alone would trust every project in "+
			"organization %q; add projectIds (%s) or vcsOrigins, or set allowAllProjects: true to mean it",
			c.OrganizationID, findProject)
	case !allowAll && !narrowsProject:
		p.add("projectIds", "", "is empty: no trust scope is set; add projectIds (%s) or vcsOrigins, "+
			"or set allowAllProjects: true to trust every project in organization %q", findProject, c.OrganizationID)
	}
}

// validatePinning checks projectPinning against the issuer: only CircleCI
// cloud's issuer has the project-id condition key.
func (c Config) validatePinning(p *problems) {
	pin := trust.Pinning(c.ProjectPinning)
	switch {
	case !slices.Contains(trust.Pinnings, pin):
		p.add("projectPinning", c.ProjectPinning, "is not one of %q, %q and %q", trust.PinClaim, trust.PinSubject,
			trust.PinBoth)
	case pin != trust.PinSubject && c.IssuerURL != "" && !c.cloudIssuer():
		p.add("projectPinning", c.ProjectPinning, "needs STS's %s condition key, which only CircleCI cloud's "+
			"issuer has, so with issuerUrl %q no token could match; set projectPinning: %s",
			trust.ProjectIDClaim, c.IssuerURL, trust.PinSubject)
	}
}

func (c Config) validateExtraConditions(p *problems) {
	// IAM matches condition key names case-insensitively.
	prefix, ours := "", map[string]bool{}
	stsKeys := map[string]bool{}
	if c.IssuerURL != "" {
		prefix = strings.ToLower(trust.IssuerKey(c.IssuerURL)) + ":"
		ours[trust.StringEquals+" "+prefix+"aud"] = true
		ours[trust.StringLike+" "+prefix+"sub"] = true
		ours[trust.StringNotLike+" "+prefix+"sub"] = true
		stsKeys[prefix+"aud"], stsKeys[prefix+"sub"] = true, true
		if c.cloudIssuer() {
			ours[trust.StringEquals+" "+prefix+trust.ProjectIDClaim] = true
			stsKeys[prefix+trust.ProjectIDClaim] = true
		}
	}
	for _, op := range slices.Sorted(maps.Keys(c.ExtraConditions)) {
		keys := c.ExtraConditions[op]
		if !knownOperatorRE.MatchString(op) {
			p.add("extraConditions", op, "is not an IAM condition operator, such as StringEquals or StringLike")
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			field := fmt.Sprintf("extraConditions.%s[%q]", op, k)
			lower := strings.ToLower(k)
			switch {
			case k == "":
				p.add(fmt.Sprintf("extraConditions.%s", op), "", "has an empty condition key")
			case ours[op+" "+lower]:
				p.add(field, "", "would widen the condition the component builds from audiences, projectIds, "+
					"branches, gitTags, vcsOrigins and userIds; set those instead")
			case prefix != "" && strings.HasPrefix(lower, prefix) && !stsKeys[lower]:
				p.add(field, "", "names a key STS never sets: under %s it sets only %s, so this condition %s; "+
					"limit branches, tags and repositories with branches, gitTags and vcsOrigins instead",
					strings.TrimSuffix(prefix, ":"), strings.Join(slices.Sorted(maps.Keys(stsKeys)), ", "),
					neverOrAlways(op))
			case len(keys[k]) == 0:
				p.add(field, "", "has no values; give at least one or remove the key")
			}
		}
	}
}

// neverOrAlways says what a condition on a missing key does under op.
func neverOrAlways(op string) string {
	switch {
	case strings.HasPrefix(op, "ForAllValues:") || strings.HasSuffix(op, "IfExists") ||
		strings.Contains(op, "Not") || op == "Null":
		return "always holds and restricts nothing"
	default:
		return "never holds and refuses every token"
	}
}

func (c Config) validateProvider(p *problems) {
	if c.ReusesProvider() {
		m := providerARNRE.FindStringSubmatch(c.ExistingProviderARN)
		switch {
		case c.ReuseProvider && c.ExistingProviderARN != "":
			p.add("reuseProvider", "", "cannot be set with existingProviderArn, which names the provider already; "+
				"remove one")
		case c.ReuseProvider:
		case m == nil:
			p.add("existingProviderArn", c.ExistingProviderARN, "is not an IAM OIDC provider ARN, such as "+
				"arn:aws:iam::123456789012:oidc-provider/%s", trust.IssuerKey(c.IssuerURL))
		case c.IssuerURL != "" && m[2] != trust.IssuerKey(c.IssuerURL):
			p.add("existingProviderArn", c.ExistingProviderARN, "is the provider for %s, not for the issuer %s; "+
				"reuse the provider of this issuer or leave existingProviderArn unset",
				m[2], trust.IssuerKey(c.IssuerURL))
		}
		if len(c.Thumbprints)+len(c.AdditionalThumbprints) > 0 {
			p.add("thumbprints", "", "has no effect with a reused provider (existingProviderArn, reuseProvider), "+
				"which keeps its own; remove thumbprints and additionalThumbprints")
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
	c.validateQuotas(p)
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

// Warnings returns what is allowed but weak or likely wrong: branch or tag
// limits without a repository, which a build of a forked pull request can
// meet; and a vcsOrigins host with capitals, which never matches.
func (c Config) Warnings() []string {
	rules, prefix := c.Rules, "rules[%d]."
	if len(rules) == 0 {
		rules, prefix = []Rule{c.TopLevelRule()}, ""
	}
	var out []string
	for i, r := range rules {
		p := prefix
		if p != "" {
			p = fmt.Sprintf(prefix, i)
		}
		if (len(r.Branches) > 0 || len(r.GitTags) > 0) && len(r.VCSOrigins) == 0 {
			out = append(out, fmt.Sprintf("circleci-oidc: %[1]sbranches and %[1]sgitTags are set without "+
				"%[1]svcsOrigins: a build of a forked pull request carries the same ref when secrets are passed to "+
				"forks; pin the repository with %[1]svcsOrigins", p))
		}
		for j, o := range r.VCSOrigins {
			if host, rest, _ := strings.Cut(o, "/"); host != strings.ToLower(host) {
				out = append(out, fmt.Sprintf("circleci-oidc: %svcsOrigins[%d] %q: the host has capitals, but CircleCI "+
					"writes vcs-origin with the host in lower case, and IAM's StringLike is case-sensitive, so this "+
					"never matches; give %q (owner and repository spelt exactly as CircleCI shows them)",
					p, j, o, strings.ToLower(host)+"/"+rest))
			}
		}
	}
	return out
}

// CheckReusedProvider checks the audiences against the client IDs of the
// reused provider arn: STS refuses a token whose aud is not one of them before
// it reads the trust policy.
func (c Config) CheckReusedProvider(arn string, clientIDs []string) error {
	var p problems
	for i, a := range c.Audiences {
		if !slices.Contains(clientIDs, a) {
			p.add(index("audiences", i), a, "is not a client ID of the reused provider %s, so STS would refuse "+
				"every token with that aud; add it to the provider's client IDs (aws iam "+
				"add-client-id-to-open-id-connect-provider) or remove it from audiences", arn)
		}
	}
	return p.err()
}

// MissingProvider is the problem when the reused provider arn cannot be read:
// it names the input that chose it, the error and the ways out.
func (c Config) MissingProvider(arn string, err error) error {
	field := "existingProviderArn"
	if c.ReuseProvider {
		field = "reuseProvider"
	}
	return Errors{{Field: field, Problem: fmt.Sprintf("needs the IAM OIDC provider %s, which could not be read: "+
		"%v. If it does not exist yet, create it once: deploy one stack or component for the issuer without "+
		"reuseProvider and existingProviderArn, or run aws iam create-open-id-connect-provider --url %s "+
		"--client-id-list %s; then reuse it here", arn, err, c.IssuerURL, strings.Join(c.Audiences, " "))}}
}
