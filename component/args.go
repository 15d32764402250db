package component

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// CircleCIOIDCArgs are the inputs of a CircleCIOIDC component.
//
// Inputs typed pulumi.*Input may be outputs of other resources. The plain ones
// (bools, thumbprints, extraConditions) shape the resources created, so they
// must be known when the component is created; so must the length of
// managedPolicyArns and the keys of inlinePolicies, whose entries may be
// outputs: pulumi.ToStringArray and pulumi.StringMap fit them.
//
// Each field's comment is its description in the schema and in Pulumi.yaml;
// a test in tests/ keeps the three equal.
type CircleCIOIDCArgs struct {
	// CircleCI organization UUID (Organization Settings > Overview).
	OrganizationId pulumi.StringInput `pulumi:"organizationId"`
	// Token issuer. Default `https://oidc.circleci.com/org/<organizationId>`; CircleCI server users set their own.
	IssuerUrl pulumi.StringPtrInput `pulumi:"issuerUrl,optional"`
	// Accepted `aud` values, also the provider's client IDs. Default `[organizationId]`. At most 100.
	Audiences pulumi.StringArrayInput `pulumi:"audiences,optional"`

	// CircleCI project UUIDs whose jobs may assume the role (Project Settings > Overview). Set this, `vcsOrigins`,
	// or `allowAllProjects`.
	ProjectIds pulumi.StringArrayInput `pulumi:"projectIds,optional"`
	// Only jobs on these branches: names or IAM patterns such as `main` or `release/*`. Accepts v2 tokens only.
	Branches pulumi.StringArrayInput `pulumi:"branches,optional"`
	// Only jobs on these git tags: names or patterns such as `v*`. Accepts v2 tokens only.
	GitTags pulumi.StringArrayInput `pulumi:"gitTags,optional"`
	// Only jobs of these repositories, as host/owner/name such as `github.com/acme/api`. Refuses forks. Accepts v2
	// tokens only.
	VcsOrigins pulumi.StringArrayInput `pulumi:"vcsOrigins,optional"`
	// Only jobs started by these CircleCI user UUIDs.
	UserIds pulumi.StringArrayInput `pulumi:"userIds,optional"`
	// Trust every project of the organization. Must be set on purpose; conflicts with `projectIds` and `vcsOrigins`.
	AllowAllProjects bool `pulumi:"allowAllProjects,optional"`
	// Groups of CircleCI jobs with their own limits, each with its own projectIds, vcsOrigins, branches, gitTags and
	// userIds, as the top-level inputs have: the API deploys from `main`, infra from `release/*`. A job that any
	// rule accepts may assume the role. Instead of the top-level lists.
	Rules []Rule `pulumi:"rules,optional"`
	// How the trust policy pins projects: `claim` tests STS's `oidc.circleci.com/project-id` key and keeps projects
	// out of the `sub` patterns, the compact form; `subject` writes them into the `sub` patterns; `both` does both.
	// Default `claim` for CircleCI cloud, `subject` for a custom `issuerUrl`, which has no such key.
	ProjectPinning string `pulumi:"projectPinning,optional"`
	// Conditions added to the trust policy: operator -> condition key -> values. They may not replace the `aud` and
	// `sub` conditions the component builds.
	ExtraConditions map[string]map[string][]string `pulumi:"extraConditions,optional"`

	// Reuse this IAM OIDC provider instead of creating one: a second role or stack in the same account. Nothing is
	// fetched then.
	ExistingProviderArn pulumi.StringPtrInput `pulumi:"existingProviderArn,optional"`
	// Reuse the account's IAM OIDC provider for the issuer without typing its ARN:
	// `arn:<partition>:iam::<account>:oidc-provider/<issuer>`, from the credentials' account and partition. The
	// provider must exist; the preview fails with the way to create it when it doesn't. Conflicts with
	// `existingProviderArn`.
	ReuseProvider bool `pulumi:"reuseProvider,optional"`
	// Provider thumbprints, 40 lowercase hex digits each, instead of the one fetched from the issuer's certificate
	// chain (the top intermediate CA's SHA-1). At most 5.
	Thumbprints []string `pulumi:"thumbprints,optional"`
	// Thumbprints added to the fetched or given ones. At most 5 in all.
	AdditionalThumbprints []string `pulumi:"additionalThumbprints,optional"`

	// The role's name, at most 64 characters. Default a unique name derived from the component's name.
	RoleName pulumi.StringPtrInput `pulumi:"roleName,optional"`
	// A unique role name with this prefix, at most 38 characters. Conflicts with `roleName`.
	RoleNamePrefix pulumi.StringPtrInput `pulumi:"roleNamePrefix,optional"`
	// The role's path, such as `/ci/`. Default `/`.
	Path pulumi.StringPtrInput `pulumi:"path,optional"`
	// The role's description.
	Description pulumi.StringPtrInput `pulumi:"description,optional"`
	// The role's longest session in seconds, 3600 to 43200.
	MaxSessionDuration pulumi.IntPtrInput `pulumi:"maxSessionDuration,optional"`
	// ARN of the managed policy that bounds the role.
	PermissionsBoundary pulumi.StringPtrInput `pulumi:"permissionsBoundary,optional"`
	// Tags on the role and on a created provider.
	Tags pulumi.StringMapInput `pulumi:"tags,optional"`
	// Managed policies attached to the role, one RolePolicyAttachment each, named from the ARN so that reordering
	// replaces nothing.
	ManagedPolicyArns []pulumi.StringInput `pulumi:"managedPolicyArns,optional"`
	// The role's inline policies: name -> JSON policy document.
	InlinePolicies map[string]pulumi.StringInput `pulumi:"inlinePolicies,optional"`
	// The account's role trust policy length quota in characters (Service Quotas code L-C07B4B0D), from 2048, the
	// default, to 8192. A longer trust policy fails validation before anything is created.
	TrustPolicyQuota int `pulumi:"trustPolicyQuota,optional"`
	// The account's quota of managed policies per role, from 10, the default, to 20. More `managedPolicyArns` fail
	// validation before anything is created.
	ManagedPoliciesQuota int `pulumi:"managedPoliciesQuota,optional"`
}

// Rule is one group of CircleCI jobs that may assume the role. Its fields mean
// what the top-level inputs of the same names mean, and each rule must set
// projectIds or vcsOrigins.
type Rule struct {
	ProjectIds []string `pulumi:"projectIds,optional"`
	VcsOrigins []string `pulumi:"vcsOrigins,optional"`
	Branches   []string `pulumi:"branches,optional"`
	GitTags    []string `pulumi:"gitTags,optional"`
	UserIds    []string `pulumi:"userIds,optional"`
}
