// Package config holds the plain, resolved configuration of a CircleCIOIDC
// component: its defaults, its validation and the names derived from it. It is
// pure: no Pulumi, no AWS, no network.
package config

import (
	"maps"
	"slices"
	"strings"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

// Limits and defaults from IAM.
const (
	DefaultMaxSessionDuration = 3600
	MinMaxSessionDuration     = 3600
	MaxMaxSessionDuration     = 43200
	MaxThumbprints            = 5
	MaxAudiences              = 100
	MaxAudienceLength         = 255
	MaxRoleNameLength         = 64
	// MaxRoleNamePrefixLength leaves room for the 26 characters Pulumi appends.
	MaxRoleNamePrefixLength = 38
	MaxPathLength           = 512
	MaxDescriptionLength    = 1000
	MaxTags                 = 50

	// DefaultTrustPolicyQuota is IAM's default role trust policy length quota
	// (Service Quotas L-C07B4B0D), in characters without white space.
	DefaultTrustPolicyQuota = 2048
	// MaxTrustPolicyQuota is the highest that quota can be raised to: 4,096
	// documented, 8,192 reported in 2026 (see FACTS.md).
	MaxTrustPolicyQuota = 8192
	// DefaultManagedPoliciesQuota is IAM's default number of managed policies
	// attached to a role.
	DefaultManagedPoliciesQuota = 10
	// MaxManagedPolicies is the highest that quota can be raised to.
	MaxManagedPolicies = 20
	// MaxInlinePoliciesSize is IAM's fixed limit on a role's inline policies,
	// all together, in characters without white space.
	MaxInlinePoliciesSize = 10240
)

// Rule is one group of CircleCI jobs that may assume the role. Empty lists
// mean "any", as in the top-level inputs. Rules share one trust statement
// (see trust.Build).
type Rule struct {
	ProjectIDs []string
	VCSOrigins []string
	Branches   []string
	GitTags    []string
	UserIDs    []string
}

// Config is every input of the component as plain values.
type Config struct {
	OrganizationID   string
	IssuerURL        string
	Audiences        []string
	ProjectIDs       []string
	Branches         []string
	GitTags          []string
	VCSOrigins       []string
	UserIDs          []string
	AllowAllProjects bool
	// Rules replace the top-level ProjectIDs, VCSOrigins, Branches, GitTags
	// and UserIDs; a job that any rule accepts may assume the role.
	Rules []Rule
	// ProjectPinning is a trust.Pinning: "claim", "subject" or "both".
	ProjectPinning  string
	ExtraConditions map[string]map[string][]string
	// TrustPolicyQuota is the account's role trust policy length quota.
	TrustPolicyQuota int
	// ManagedPoliciesQuota is the account's managed policies per role quota.
	ManagedPoliciesQuota int

	ExistingProviderARN string
	// ReuseProvider reuses the account's provider for the issuer, its ARN
	// built from the account and partition of the credentials.
	ReuseProvider         bool
	Thumbprints           []string
	AdditionalThumbprints []string

	RoleName            string
	RoleNamePrefix      string
	Path                string
	Description         string
	MaxSessionDuration  int
	PermissionsBoundary string
	Tags                map[string]string
	ManagedPolicyARNs   []string
	InlinePolicies      map[string]string
}

// WithDefaults returns c with the documented defaults filled in: the CircleCI
// cloud issuer for the organization, the organization ID as the only audience,
// projects pinned by the project-id claim where the issuer has one, IAM's
// default quotas, and a one-hour maximum session.
func (c Config) WithDefaults() Config {
	if c.IssuerURL == "" && c.OrganizationID != "" {
		c.IssuerURL = trust.DefaultIssuerURL(c.OrganizationID)
	}
	if c.ProjectPinning == "" {
		c.ProjectPinning = string(trust.PinSubject)
		if c.cloudIssuer() {
			c.ProjectPinning = string(trust.PinClaim)
		}
	}
	if c.TrustPolicyQuota == 0 {
		c.TrustPolicyQuota = DefaultTrustPolicyQuota
	}
	if c.ManagedPoliciesQuota == 0 {
		c.ManagedPoliciesQuota = DefaultManagedPoliciesQuota
	}
	if len(c.Audiences) == 0 && c.OrganizationID != "" {
		c.Audiences = []string{c.OrganizationID}
	}
	if c.MaxSessionDuration == 0 {
		c.MaxSessionDuration = DefaultMaxSessionDuration
	}
	return c
}

// ReusesProvider reports whether an existing IAM OIDC provider is used
// instead of creating one.
func (c Config) ReusesProvider() bool { return c.ExistingProviderARN != "" || c.ReuseProvider }

// ProviderARN returns the ARN of the issuer's provider in an account and
// partition, such as arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/<ORG>.
func (c Config) ProviderARN(partition, account string) string {
	return "arn:" + partition + ":iam::" + account + ":oidc-provider/" + trust.IssuerKey(c.IssuerURL)
}

// FetchesThumbprint reports whether the issuer's certificate chain must be
// fetched: only when a provider is created and no thumbprints are given.
func (c Config) FetchesThumbprint() bool {
	return !c.ReusesProvider() && len(c.Thumbprints) == 0
}

// TopLevelRule returns the top-level scope inputs as a rule.
func (c Config) TopLevelRule() Rule {
	return Rule{ProjectIDs: c.ProjectIDs, VCSOrigins: c.VCSOrigins, Branches: c.Branches, GitTags: c.GitTags,
		UserIDs: c.UserIDs}
}

// Scope returns the trust scope of one rule of the organization.
func (c Config) Scope(r Rule) trust.Scope {
	return trust.Scope{
		OrganizationID: c.OrganizationID,
		ProjectIDs:     r.ProjectIDs,
		UserIDs:        r.UserIDs,
		Branches:       r.Branches,
		Tags:           r.GitTags,
		VCSOrigins:     r.VCSOrigins,
	}
}

// NarrowsAnything reports whether the rule narrows the trust at all.
func (r Rule) NarrowsAnything() bool {
	return len(r.ProjectIDs)+len(r.VCSOrigins)+len(r.Branches)+len(r.GitTags)+len(r.UserIDs) > 0
}

// TrustSpec returns what the trust policy is built from, given the ARN of the
// provider that is created or reused.
func (c Config) TrustSpec(providerARN string) trust.Spec {
	extra := trust.Conditions{}
	for op, keys := range c.ExtraConditions {
		extra[op] = map[string]trust.StringList{}
		for k, vs := range keys {
			extra[op][k] = vs
		}
	}
	spec := trust.Spec{
		ProviderARN:    providerARN,
		IssuerURL:      c.IssuerURL,
		Audiences:      c.Audiences,
		Scope:          c.Scope(c.TopLevelRule()),
		ProjectPinning: trust.Pinning(c.ProjectPinning),
		Extra:          extra,
	}
	for _, r := range c.Rules {
		spec.Rules = append(spec.Rules, c.Scope(r))
	}
	return spec
}

// PlaceholderProviderARN is the ARN the provider of the issuer will have in
// the standard aws partition, with a made-up account of the same length as
// any. The trust policy built with it has the size the real one will have.
func (c Config) PlaceholderProviderARN() string {
	if c.ExistingProviderARN != "" {
		return c.ExistingProviderARN
	}
	return c.ProviderARN("aws", "000000000000")
}

// InlinePolicyNames returns the inline policy names, sorted.
func (c Config) InlinePolicyNames() []string { return slices.Sorted(maps.Keys(c.InlinePolicies)) }

// AttachmentName returns the Pulumi name of the RolePolicyAttachment for a
// managed policy ARN: the component name and the policy name, with the
// account in between for customer-managed policies. It depends on the ARN
// alone, so reordering managedPolicyArns replaces nothing.
//
//	arn:aws:iam::aws:policy/ReadOnlyAccess            -> ci-ReadOnlyAccess
//	arn:aws:iam::123456789012:policy/team/deploy-api  -> ci-123456789012-deploy-api
func AttachmentName(component, policyARN string) string {
	account, name := "", policyARN
	if parts := strings.SplitN(policyARN, ":", 6); len(parts) == 6 {
		account, name = parts[4], parts[5]
	}
	name = name[strings.LastIndex(name, "/")+1:]
	if account == "" || account == "aws" {
		return component + "-" + name
	}
	return component + "-" + account + "-" + name
}
