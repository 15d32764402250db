package component

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// CircleCIOIDCArgs are the inputs of a CircleCIOIDC component.
//
// Inputs typed pulumi.*Input may be outputs of other resources. The plain ones
// (bools, thumbprints, extraConditions) shape the resources created, so they
// must be known when the component is created; so must the length of
// managedPolicyArns and the keys of inlinePolicies, whose entries may be
// outputs.
type CircleCIOIDCArgs struct {
	// OrganizationId is the CircleCI organization UUID (Organization Settings > Overview).
	OrganizationId pulumi.StringInput `pulumi:"organizationId"`
	// IssuerUrl is the token issuer; default https://oidc.circleci.com/org/<organizationId>.
	// CircleCI server users set their own.
	IssuerUrl pulumi.StringPtrInput `pulumi:"issuerUrl,optional"`
	// Audiences are the accepted aud values and the provider's client IDs; default [organizationId].
	Audiences pulumi.StringArrayInput `pulumi:"audiences,optional"`

	// ProjectIds are the CircleCI project UUIDs whose jobs may assume the role.
	ProjectIds pulumi.StringArrayInput `pulumi:"projectIds,optional"`
	// Branches limit the role to jobs on these branches (names or IAM patterns such as release/*); v2 tokens only.
	Branches pulumi.StringArrayInput `pulumi:"branches,optional"`
	// GitTags limit the role to jobs on these git tags (names or patterns such as v*); v2 tokens only.
	GitTags pulumi.StringArrayInput `pulumi:"gitTags,optional"`
	// VcsOrigins limit the role to these repositories, as host/owner/name; v2 tokens only.
	VcsOrigins pulumi.StringArrayInput `pulumi:"vcsOrigins,optional"`
	// UserIds limit the role to jobs started by these CircleCI users.
	UserIds pulumi.StringArrayInput `pulumi:"userIds,optional"`
	// AllowAllProjects trusts every project of the organization; it must be set on purpose.
	AllowAllProjects bool `pulumi:"allowAllProjects,optional"`
	// RequireProjectIdClaim also tests the oidc.circleci.com/project-id claim against projectIds.
	RequireProjectIdClaim bool `pulumi:"requireProjectIdClaim,optional"`
	// ExtraConditions are added to the trust policy: operator -> condition key -> values.
	ExtraConditions map[string]map[string][]string `pulumi:"extraConditions,optional"`

	// ExistingProviderArn reuses an IAM OIDC provider for the issuer instead of creating one.
	ExistingProviderArn pulumi.StringPtrInput `pulumi:"existingProviderArn,optional"`
	// Thumbprints replace the thumbprint fetched from the issuer (at most 5, 40 lowercase hex digits).
	Thumbprints []string `pulumi:"thumbprints,optional"`
	// AdditionalThumbprints are added to the fetched or given thumbprints.
	AdditionalThumbprints []string `pulumi:"additionalThumbprints,optional"`

	// RoleName is the role's name; default a unique name derived from the component's.
	RoleName pulumi.StringPtrInput `pulumi:"roleName,optional"`
	// RoleNamePrefix makes a unique role name with this prefix; conflicts with roleName.
	RoleNamePrefix pulumi.StringPtrInput `pulumi:"roleNamePrefix,optional"`
	// Path is the role's path, such as /ci/; default /.
	Path pulumi.StringPtrInput `pulumi:"path,optional"`
	// Description is the role's description.
	Description pulumi.StringPtrInput `pulumi:"description,optional"`
	// MaxSessionDuration is the role's maximum session in seconds, 3600 to 43200; default 3600.
	MaxSessionDuration pulumi.IntPtrInput `pulumi:"maxSessionDuration,optional"`
	// PermissionsBoundary is the ARN of the managed policy that bounds the role.
	PermissionsBoundary pulumi.StringPtrInput `pulumi:"permissionsBoundary,optional"`
	// Tags are set on the role and on a created provider.
	Tags pulumi.StringMapInput `pulumi:"tags,optional"`
	// ManagedPolicyArns are attached to the role, one RolePolicyAttachment each.
	// The list's length shapes the resources, so it is a list of inputs rather
	// than an input of a list; pulumi.ToStringArray fits.
	ManagedPolicyArns []pulumi.StringInput `pulumi:"managedPolicyArns,optional"`
	// InlinePolicies are the role's inline policies: name -> JSON policy document.
	// Its keys shape the resources, so it is a map of inputs; pulumi.StringMap fits.
	InlinePolicies map[string]pulumi.StringInput `pulumi:"inlinePolicies,optional"`
}
