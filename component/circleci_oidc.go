// Package component provides CircleCIOIDC, a Pulumi component that lets
// CircleCI jobs assume an AWS IAM role with their OIDC token instead of stored
// access keys.
//
// It registers resources only. What it builds is decided by pure packages:
// config (defaults and validation), trust (the trust policy) and thumbprint
// (which certificate of the issuer's chain IAM pins).
package component

import (
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-tls/sdk/v5/go/tls"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/config"
	"github.com/circleci-oidc/pulumi-circleci-oidc/component/thumbprint"
	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

// TypeToken is the component's Pulumi type, the same from Go and from the
// component provider.
const TypeToken = "circleci-oidc:index:CircleCIOIDC"

// CircleCIOIDC is an IAM OIDC provider for a CircleCI organization (created
// or reused), a role that trusts chosen CircleCI jobs, and the role's policies.
type CircleCIOIDC struct {
	pulumi.ResourceState

	// The role's ARN: `AWS_ROLE_ARN` for the aws-cli orb.
	RoleArn pulumi.StringOutput `pulumi:"roleArn"`
	// The role's name.
	RoleName pulumi.StringOutput `pulumi:"roleName"`
	// The ARN of the IAM OIDC provider, created or reused.
	ProviderArn pulumi.StringOutput `pulumi:"providerArn"`
	// The token issuer the provider trusts.
	IssuerUrl pulumi.StringOutput `pulumi:"issuerUrl"`
	// The provider's thumbprints; empty when the provider is reused.
	Thumbprints pulumi.StringArrayOutput `pulumi:"thumbprints"`
	// The role's trust policy, as JSON.
	TrustPolicy pulumi.StringOutput `pulumi:"trustPolicy"`
}

// NewCircleCIOIDC registers a CircleCIOIDC component, its children and its
// outputs.
//
// Inputs are validated before anything is registered when their values are
// known, and otherwise as soon as they are, before any child is created: a
// bad input fails with every problem listed (see config.Errors) and creates
// nothing.
//
// The outputs are registered last. A host that registers them again, such as
// pulumi-go-provider's infer, does no harm: since pulumi/pulumi#19058 the Go
// SDK treats a second registration of a resource's outputs as a no-op.
func NewCircleCIOIDC(ctx *pulumi.Context, name string, args CircleCIOIDCArgs,
	opts ...pulumi.ResourceOption,
) (*CircleCIOIDC, error) {
	comp := &CircleCIOIDC{}
	in := args.inputs()
	if r, ok := known(in); ok {
		if err := r.config(args).Validate(); err != nil {
			return nil, err
		}
	}
	policyARNs := listInput(args.ManagedPolicyArns)
	if err := uniqueAttachmentNames(name, policyARNs); err != nil {
		return nil, err
	}
	inline := mapInput(args.InlinePolicies)
	reuse := isSet(args.ExistingProviderArn) || args.ReuseProvider

	if err := ctx.RegisterComponentResource(TypeToken, name, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)

	// Every child's inputs derive from cfg, so an invalid computed value stops
	// them all before any is created.
	cfg := pulumi.ToOutput(in).ApplyT(func(v any) (config.Config, error) {
		c := v.(resolved).config(args)
		if isSet(args.ExistingProviderArn) && c.ExistingProviderARN == "" {
			return c, config.Errors{{Field: "existingProviderArn", Problem: "resolved to an empty string; " +
				"give the ARN of the issuer's IAM OIDC provider or leave it unset"}}
		}
		if err := c.Validate(); err != nil {
			return c, err
		}
		for _, w := range c.Warnings() {
			_ = ctx.Log.Warn(w, &pulumi.LogArgs{Resource: comp})
		}
		return c, nil
	}).(pulumi.AnyOutput)
	str := func(f func(config.Config) string) pulumi.StringOutput {
		return from(cfg, f).(pulumi.StringOutput)
	}
	issuer := str(func(c config.Config) string { return c.IssuerURL })

	var providerARN pulumi.StringOutput
	var thumbprints pulumi.StringArrayOutput
	switch {
	case args.ReuseProvider:
		// The provider of the issuer in the account and partition of the
		// credentials, as CDK's fromOrganizationId builds it.
		account := aws.GetCallerIdentityOutput(ctx, aws.GetCallerIdentityOutputArgs{}, parent).AccountId()
		partition := aws.GetPartitionOutput(ctx, aws.GetPartitionOutputArgs{}, parent).Partition()
		arn := pulumi.All(cfg, partition, account).ApplyT(func(v []any) string {
			return v[0].(config.Config).ProviderARN(v[1].(string), v[2].(string))
		}).(pulumi.StringOutput)
		providerARN = reusedProvider(ctx, cfg, arn, parent)
		thumbprints = pulumi.ToStringArray(nil).ToStringArrayOutput()
	case reuse:
		providerARN = reusedProvider(ctx, cfg, str(func(c config.Config) string { return c.ExistingProviderARN }), parent)
		thumbprints = pulumi.ToStringArray(nil).ToStringArrayOutput()
	default:
		thumbprints = thumbprintsOf(ctx, cfg, issuer, len(args.Thumbprints) == 0, parent)
		provider, err := iam.NewOpenIdConnectProvider(ctx, name+"-provider", &iam.OpenIdConnectProviderArgs{
			Url: issuer,
			ClientIdLists: from(cfg, func(c config.Config) []string {
				return c.Audiences
			}).(pulumi.StringArrayOutput),
			ThumbprintLists: thumbprints,
			Tags:            args.Tags,
		}, parent)
		if err != nil {
			return nil, err
		}
		providerARN = provider.Arn
	}

	// The size was checked with a placeholder ARN; the real one is checked
	// here, before the role is created.
	trustPolicy := pulumi.All(cfg, providerARN).ApplyT(func(v []any) (string, error) {
		c := v[0].(config.Config)
		doc := trust.Build(c.TrustSpec(v[1].(string)))
		if e := c.TrustPolicyProblem(doc); e != nil {
			return "", config.Errors{e}
		}
		return doc.JSON(), nil
	}).(pulumi.StringOutput)

	role, err := iam.NewRole(ctx, name+"-role", &iam.RoleArgs{
		AssumeRolePolicy:    trustPolicy,
		Name:                args.RoleName,
		NamePrefix:          args.RoleNamePrefix,
		Path:                args.Path,
		Description:         args.Description,
		MaxSessionDuration:  from(cfg, func(c config.Config) int { return c.MaxSessionDuration }).(pulumi.IntOutput),
		PermissionsBoundary: args.PermissionsBoundary,
		Tags:                args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	for _, p := range policyARNs {
		if _, err := iam.NewRolePolicyAttachment(ctx, attachmentName(name, p), &iam.RolePolicyAttachmentArgs{
			Role:      role.Name,
			PolicyArn: p.value,
		}, parent); err != nil {
			return nil, err
		}
	}
	for _, p := range inline {
		if _, err := iam.NewRolePolicy(ctx, name+"-"+p.key, &iam.RolePolicyArgs{
			Role:   role.Name,
			Name:   pulumi.String(p.key),
			Policy: p.value,
		}, parent); err != nil {
			return nil, err
		}
	}

	comp.RoleArn = role.Arn
	comp.RoleName = role.Name
	comp.ProviderArn = providerARN
	comp.IssuerUrl = issuer
	comp.Thumbprints = thumbprints
	comp.TrustPolicy = trustPolicy
	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"roleArn":     comp.RoleArn,
		"roleName":    comp.RoleName,
		"providerArn": comp.ProviderArn,
		"issuerUrl":   comp.IssuerUrl,
		"thumbprints": comp.Thumbprints,
		"trustPolicy": comp.TrustPolicy,
	}); err != nil {
		return nil, err
	}
	return comp, nil
}

// reusedProvider reads the reused provider and returns its ARN once every
// audience is one of its client IDs: STS refuses a token whose aud the
// provider lacks before the trust policy is read. A provider that cannot be
// read fails with the way to create it.
func reusedProvider(ctx *pulumi.Context, cfg pulumi.AnyOutput, arn pulumi.StringOutput,
	parent pulumi.ResourceOrInvokeOption,
) pulumi.StringOutput {
	return pulumi.All(cfg, arn).ApplyT(func(v []any) (string, error) {
		c, arn := v[0].(config.Config), v[1].(string)
		found, err := iam.LookupOpenIdConnectProvider(ctx, &iam.LookupOpenIdConnectProviderArgs{Arn: &arn}, parent)
		if err != nil {
			return "", c.MissingProvider(arn, err)
		}
		if err := c.CheckReusedProvider(arn, found.ClientIdLists); err != nil {
			return "", err
		}
		return arn, nil
	}).(pulumi.StringOutput)
}

// thumbprintsOf returns the provider's thumbprints: the given ones, or the
// one chosen from the issuer's certificate chain, then the additional ones.
func thumbprintsOf(ctx *pulumi.Context, cfg pulumi.AnyOutput, issuer pulumi.StringOutput, fetch bool,
	parent pulumi.ResourceOrInvokeOption,
) pulumi.StringArrayOutput {
	if !fetch {
		return from(cfg, func(c config.Config) []string {
			return thumbprint.Merge(c.Thumbprints, c.AdditionalThumbprints)
		}).(pulumi.StringArrayOutput)
	}
	chain := tls.GetCertificateOutput(ctx, tls.GetCertificateOutputArgs{
		Url: issuer.ToStringPtrOutput(),
	}, parent)
	return pulumi.All(cfg, chain.Certificates()).ApplyT(func(v []any) ([]string, error) {
		c, certs := v[0].(config.Config), v[1].([]tls.GetCertificateCertificate)
		chosen := make([]thumbprint.Certificate, len(certs))
		for i, cert := range certs {
			chosen[i] = thumbprint.Certificate{
				Subject: cert.Subject, Issuer: cert.Issuer, IsCA: cert.IsCa, SHA1Fingerprint: cert.Sha1Fingerprint,
			}
		}
		tp, err := thumbprint.Choose(chosen)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.IssuerURL, err)
		}
		return thumbprint.Merge([]string{tp}, c.AdditionalThumbprints), nil
	}).(pulumi.StringArrayOutput)
}

// from derives an output from the validated configuration.
func from[T any](cfg pulumi.AnyOutput, f func(config.Config) T) pulumi.Output {
	return cfg.ApplyT(func(v any) T { return f(v.(config.Config)) })
}

// element is one entry of a list or map input whose length, or keys, are known.
type element struct {
	key   string // map key, or the known list value ("" when computed)
	index int
	value pulumi.StringInput
}

// attachmentName names the attachment from the policy ARN when it is known,
// so that reordering the list replaces nothing, and from its index otherwise.
func attachmentName(component string, e element) string {
	if e.key != "" {
		return config.AttachmentName(component, e.key)
	}
	return fmt.Sprintf("%s-policy-%d", component, e.index)
}

// uniqueAttachmentNames refuses two attachments that would get the same
// Pulumi name: a computed ARN's index name can meet a known ARN's policy name.
func uniqueAttachmentNames(component string, policies []element) error {
	seen := map[string]int{}
	for _, p := range policies {
		n := attachmentName(component, p)
		if j, ok := seen[n]; ok {
			return config.Errors{{Field: fmt.Sprintf("managedPolicyArns[%d]", p.index),
				Problem: fmt.Sprintf("would name its attachment %q like managedPolicyArns[%d]; "+
					"give a known ARN or reorder the list", n, j)}}
		}
		seen[n] = p.index
	}
	return nil
}

// listInput returns the entries of a list of inputs, with the value of each
// one that is known.
func listInput(list []pulumi.StringInput) []element {
	out := make([]element, len(list))
	for i, e := range list {
		out[i] = element{index: i, value: e}
		if s, ok := e.(pulumi.String); ok {
			out[i].key = string(s)
		}
	}
	return out
}

// mapInput returns the entries of a map of inputs, by key.
func mapInput(m map[string]pulumi.StringInput) []element {
	out := make([]element, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, element{key: k, value: m[k]})
	}
	return out
}

// isSet reports whether an optional input was given: an output counts as
// given, a known empty string does not.
func isSet(in pulumi.StringPtrInput) bool {
	v, ok := plain(in, reflectString)
	return !ok || v.String() != ""
}
