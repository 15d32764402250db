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
	MaxManagedPolicies      = 20
	MaxTags                 = 50
)

// Config is every input of the component as plain values.
type Config struct {
	OrganizationID        string
	IssuerURL             string
	Audiences             []string
	ProjectIDs            []string
	Branches              []string
	GitTags               []string
	VCSOrigins            []string
	UserIDs               []string
	AllowAllProjects      bool
	RequireProjectIDClaim bool
	ExtraConditions       map[string]map[string][]string

	ExistingProviderARN   string
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
// and a one-hour maximum session.
func (c Config) WithDefaults() Config {
	if c.IssuerURL == "" && c.OrganizationID != "" {
		c.IssuerURL = trust.DefaultIssuerURL(c.OrganizationID)
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
func (c Config) ReusesProvider() bool { return c.ExistingProviderARN != "" }

// FetchesThumbprint reports whether the issuer's certificate chain must be
// fetched: only when a provider is created and no thumbprints are given.
func (c Config) FetchesThumbprint() bool {
	return !c.ReusesProvider() && len(c.Thumbprints) == 0
}

// Scope returns the trust scope the configuration asks for.
func (c Config) Scope() trust.Scope {
	return trust.Scope{
		OrganizationID: c.OrganizationID,
		ProjectIDs:     c.ProjectIDs,
		UserIDs:        c.UserIDs,
		Branches:       c.Branches,
		Tags:           c.GitTags,
		VCSOrigins:     c.VCSOrigins,
	}
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
	return trust.Spec{
		ProviderARN:           providerARN,
		IssuerURL:             c.IssuerURL,
		Audiences:             c.Audiences,
		Scope:                 c.Scope(),
		RequireProjectIDClaim: c.RequireProjectIDClaim,
		Extra:                 extra,
	}
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
