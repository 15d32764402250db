package provider

import (
	"github.com/pulumi/pulumi-go-provider/infer"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component"
	"github.com/circleci-oidc/pulumi-circleci-oidc/component/config"
)

// CircleCIOIDCArgs are the component's own arguments, described for the
// schema. A defined type keeps the component's fields and tags, so there is no
// second list of them here.
type CircleCIOIDCArgs component.CircleCIOIDCArgs

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
	an.Describe(&a.Rules, "Groups of CircleCI jobs with their own limits, each with its own projectIds, vcsOrigins, "+
		"branches, gitTags and userIds, as the top-level inputs have: the API deploys from `main`, infra"+
		" from `release/*`. A job that any rule accepts may assume the role. Instead of the top-level "+
		"lists.")
	an.Describe(&a.ProjectPinning, "How the trust policy pins projects: `claim` tests STS's `oidc.circleci.com/project-id` key and "+
		"keeps projects out of the `sub` patterns, the compact form; `subject` writes them into the "+
		"`sub` patterns; `both` does both. Default `claim` for CircleCI cloud, `subject` for a custom "+
		"`issuerUrl`, which has no such key.")
	an.Describe(&a.ExtraConditions, "Conditions added to the trust policy: operator -> condition key -> values. "+
		"They may not replace the `aud` and `sub` conditions the component builds.")
	an.Describe(&a.ExistingProviderArn, "Reuse this IAM OIDC provider instead of creating one: a second role or "+
		"stack in the same account. Nothing is fetched then.")
	an.Describe(&a.ReuseProvider, "Reuse the account's IAM OIDC provider for the issuer without typing its ARN: "+
		"`arn:<partition>:iam::<account>:oidc-provider/<issuer>`, from the credentials' account and "+
		"partition. The provider must exist; the preview fails with the way to create it when it "+
		"doesn't. Conflicts with `existingProviderArn`.")
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
	an.Describe(&a.TrustPolicyQuota, "The account's role trust policy length quota in characters (Service Quotas code L-C07B4B0D), "+
		"from 2048, the default, to 8192. A longer trust policy fails validation before anything is "+
		"created.")
	an.SetDefault(&a.TrustPolicyQuota, config.DefaultTrustPolicyQuota)
	an.Describe(&a.ManagedPoliciesQuota, "The account's quota of managed policies per role, from 10, the default, to 20. More "+
		"`managedPolicyArns` fail validation before anything is created.")
	an.SetDefault(&a.ManagedPoliciesQuota, config.DefaultManagedPoliciesQuota)
}

// CircleCIOIDC is the component itself, described for the schema.
type CircleCIOIDC component.CircleCIOIDC

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
