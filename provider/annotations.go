package provider

import (
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component"
	"github.com/circleci-oidc/pulumi-circleci-oidc/component/config"
)

// The provider's types repeat the component's fields instead of embedding
// them: the Go SDK copies a component's inputs and outputs through top-level
// fields only. Struct conversion makes the compiler hold the two lists equal.
var (
	_ = component.CircleCIOIDCArgs(CircleCIOIDCArgs{})
	_ = (*component.CircleCIOIDC)(&CircleCIOIDC{})
)

// CircleCIOIDCArgs are component.CircleCIOIDCArgs, described for the schema.
type CircleCIOIDCArgs struct {
	OrganizationId        pulumi.StringInput             `pulumi:"organizationId"`
	IssuerUrl             pulumi.StringPtrInput          `pulumi:"issuerUrl,optional"`
	Audiences             pulumi.StringArrayInput        `pulumi:"audiences,optional"`
	ProjectIds            pulumi.StringArrayInput        `pulumi:"projectIds,optional"`
	Branches              pulumi.StringArrayInput        `pulumi:"branches,optional"`
	GitTags               pulumi.StringArrayInput        `pulumi:"gitTags,optional"`
	VcsOrigins            pulumi.StringArrayInput        `pulumi:"vcsOrigins,optional"`
	UserIds               pulumi.StringArrayInput        `pulumi:"userIds,optional"`
	AllowAllProjects      bool                           `pulumi:"allowAllProjects,optional"`
	RequireProjectIdClaim bool                           `pulumi:"requireProjectIdClaim,optional"`
	ExtraConditions       map[string]map[string][]string `pulumi:"extraConditions,optional"`
	ExistingProviderArn   pulumi.StringPtrInput          `pulumi:"existingProviderArn,optional"`
	Thumbprints           []string                       `pulumi:"thumbprints,optional"`
	AdditionalThumbprints []string                       `pulumi:"additionalThumbprints,optional"`
	RoleName              pulumi.StringPtrInput          `pulumi:"roleName,optional"`
	RoleNamePrefix        pulumi.StringPtrInput          `pulumi:"roleNamePrefix,optional"`
	Path                  pulumi.StringPtrInput          `pulumi:"path,optional"`
	Description           pulumi.StringPtrInput          `pulumi:"description,optional"`
	MaxSessionDuration    pulumi.IntPtrInput             `pulumi:"maxSessionDuration,optional"`
	PermissionsBoundary   pulumi.StringPtrInput          `pulumi:"permissionsBoundary,optional"`
	Tags                  pulumi.StringMapInput          `pulumi:"tags,optional"`
	ManagedPolicyArns     []pulumi.StringInput           `pulumi:"managedPolicyArns,optional"`
	InlinePolicies        map[string]pulumi.StringInput  `pulumi:"inlinePolicies,optional"`
}

// Annotate describes every input and the defaults the component applies.
func (a *CircleCIOIDCArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.OrganizationId, "CircleCI organization UUID (Organization Settings > Overview).")
	an.Describe(&a.IssuerUrl, "Token issuer. Default `https://oidc.circleci.com/org/<organizationId>`; "+
		"CircleCI server users set their own.")
	an.Describe(&a.Audiences, "Accepted `aud` values, also the provider's client IDs. Default `[organizationId]`. "+
		"At most 100.")
	an.Describe(&a.ProjectIds, "CircleCI project UUIDs whose jobs may assume the role (Project Settings > Overview). "+
		"Set this, `vcsOrigins`, or `allowAllProjects`.")
	an.Describe(&a.Branches, "Only jobs on these branches: names or IAM patterns such as `main` or `release/*`. "+
		"Accepts v2 tokens only.")
	an.Describe(&a.GitTags, "Only jobs on these git tags: names or patterns such as `v*`. Accepts v2 tokens only.")
	an.Describe(&a.VcsOrigins, "Only jobs of these repositories, as host/owner/name such as `github.com/acme/api`. "+
		"Refuses forks. Accepts v2 tokens only.")
	an.Describe(&a.UserIds, "Only jobs started by these CircleCI user UUIDs.")
	an.Describe(&a.AllowAllProjects, "Trust every project of the organization. Must be set on purpose; "+
		"conflicts with `projectIds` and `vcsOrigins`.")
	an.Describe(&a.RequireProjectIdClaim, "Also test the `oidc.circleci.com/project-id` claim against `projectIds`.")
	an.Describe(&a.ExtraConditions, "Conditions added to the trust policy: operator -> condition key -> values. "+
		"They may not replace the `aud` and `sub` conditions the component builds.")
	an.Describe(&a.ExistingProviderArn, "Reuse this IAM OIDC provider instead of creating one: a second role or "+
		"stack in the same account. Nothing is fetched then.")
	an.Describe(&a.Thumbprints, "Provider thumbprints, 40 lowercase hex digits each, instead of the one fetched from "+
		"the issuer's certificate chain (the top intermediate CA's SHA-1). At most 5.")
	an.Describe(&a.AdditionalThumbprints, "Thumbprints added to the fetched or given ones. At most 5 in all.")
	an.Describe(&a.RoleName, "The role's name, at most 64 characters. Default a unique name derived from the "+
		"component's name.")
	an.Describe(&a.RoleNamePrefix, "A unique role name with this prefix, at most 38 characters. Conflicts with `roleName`.")
	an.Describe(&a.Path, "The role's path, such as `/ci/`. Default `/`.")
	an.Describe(&a.Description, "The role's description.")
	an.Describe(&a.MaxSessionDuration, "The role's longest session in seconds, 3600 to 43200.")
	an.SetDefault(&a.MaxSessionDuration, config.DefaultMaxSessionDuration)
	an.Describe(&a.PermissionsBoundary, "ARN of the managed policy that bounds the role.")
	an.Describe(&a.Tags, "Tags on the role and on a created provider.")
	an.Describe(&a.ManagedPolicyArns, "Managed policies attached to the role, one RolePolicyAttachment each, named "+
		"from the ARN so that reordering replaces nothing.")
	an.Describe(&a.InlinePolicies, "The role's inline policies: name -> JSON policy document.")
}

// CircleCIOIDC is component.CircleCIOIDC, described for the schema.
type CircleCIOIDC struct {
	pulumi.ResourceState

	RoleArn     pulumi.StringOutput      `pulumi:"roleArn"`
	RoleName    pulumi.StringOutput      `pulumi:"roleName"`
	ProviderArn pulumi.StringOutput      `pulumi:"providerArn"`
	IssuerUrl   pulumi.StringOutput      `pulumi:"issuerUrl"`
	Thumbprints pulumi.StringArrayOutput `pulumi:"thumbprints"`
	TrustPolicy pulumi.StringOutput      `pulumi:"trustPolicy"`
}

// Annotate sets the component's type token and describes its outputs.
func (c *CircleCIOIDC) Annotate(an infer.Annotator) {
	an.SetToken("index", "CircleCIOIDC")
	an.Describe(&c, "An IAM OIDC provider for a CircleCI organization (created or reused), a role that trusts "+
		"chosen CircleCI jobs, and the role's policies.")
	an.Describe(&c.RoleArn, "The role's ARN: `AWS_ROLE_ARN` for the aws-cli orb.")
	an.Describe(&c.RoleName, "The role's name.")
	an.Describe(&c.ProviderArn, "The ARN of the IAM OIDC provider, created or reused.")
	an.Describe(&c.IssuerUrl, "The token issuer the provider trusts.")
	an.Describe(&c.Thumbprints, "The provider's thumbprints; empty when the provider is reused.")
	an.Describe(&c.TrustPolicy, "The role's trust policy, as JSON.")
}
