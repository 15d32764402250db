// Package stack is the stack program: one stack per AWS account, each
// trusting chosen CircleCI jobs through one CircleCIOIDC component. Its
// configuration is declared, with descriptions, in the root Pulumi.yaml.
//
// It lives apart from main.go so that the Automation API can run it inline.
package stack

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumiconfig "github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component"
	"github.com/circleci-oidc/pulumi-circleci-oidc/component/config"
)

// Run builds the stack and exports the component's outputs.
func Run(ctx *pulumi.Context) error {
	oidc, err := Deploy(ctx)
	if err != nil {
		return err
	}
	ctx.Export("roleArn", oidc.RoleArn)
	ctx.Export("roleName", oidc.RoleName)
	ctx.Export("providerArn", oidc.ProviderArn)
	ctx.Export("issuerUrl", oidc.IssuerUrl)
	ctx.Export("thumbprints", oidc.Thumbprints)
	ctx.Export("trustPolicy", oidc.TrustPolicy)
	return nil
}

// Deploy reads the stack's configuration and builds the component.
func Deploy(ctx *pulumi.Context) (*component.CircleCIOIDC, error) {
	a, err := loadArgs(pulumiconfig.New(ctx, ""))
	if err != nil {
		return nil, err
	}
	return component.NewCircleCIOIDC(ctx, "circleci", a)
}

// loadArgs reads the configuration into the component's arguments.
//
// Each key is read into the component's plain configuration, whose field of
// the same name in UpperCamelCase holds it.
func loadArgs(cfg *pulumiconfig.Config) (component.CircleCIOIDCArgs, error) {
	var c config.Config
	var errs []error
	str := func(key string, dst *string) { *dst = cfg.Get(key) }
	obj := func(key string, dst any) {
		if err := cfg.GetObject(key, dst); err != nil {
			errs = append(errs, fmt.Errorf("config %s: %w", configKey(key), err))
		}
	}
	str("organizationId", &c.OrganizationID)
	str("issuerUrl", &c.IssuerURL)
	str("existingProviderArn", &c.ExistingProviderARN)
	str("roleName", &c.RoleName)
	str("roleNamePrefix", &c.RoleNamePrefix)
	str("path", &c.Path)
	str("description", &c.Description)
	str("permissionsBoundary", &c.PermissionsBoundary)
	obj("audiences", &c.Audiences)
	obj("projectIds", &c.ProjectIDs)
	obj("branches", &c.Branches)
	obj("gitTags", &c.GitTags)
	obj("vcsOrigins", &c.VCSOrigins)
	obj("userIds", &c.UserIDs)
	obj("allowAllProjects", &c.AllowAllProjects)
	obj("requireProjectIdClaim", &c.RequireProjectIDClaim)
	obj("extraConditions", &c.ExtraConditions)
	obj("thumbprints", &c.Thumbprints)
	obj("additionalThumbprints", &c.AdditionalThumbprints)
	obj("maxSessionDuration", &c.MaxSessionDuration)
	obj("tags", &c.Tags)
	obj("managedPolicyArns", &c.ManagedPolicyARNs)
	obj("inlinePolicies", &c.InlinePolicies)
	if c.OrganizationID == "" {
		errs = append(errs, fmt.Errorf("config %s is required: set it with `pulumi config set organizationId <uuid>` "+
			"(Organization Settings > Overview)", configKey("organizationId")))
	}
	if len(errs) > 0 {
		return component.CircleCIOIDCArgs{}, joinErrors(errs)
	}
	return args(c), nil
}

func joinErrors(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	msg := fmt.Sprintf("%d configuration problems:", len(errs))
	for _, e := range errs {
		msg += "\n  - " + e.Error()
	}
	return fmt.Errorf("%s", msg)
}

// args converts the configuration, leaving unset values unset so that the
// component applies its own defaults.
func args(c config.Config) component.CircleCIOIDCArgs {
	optional := func(s string) pulumi.StringPtrInput {
		if s == "" {
			return nil
		}
		return pulumi.String(s)
	}
	list := func(v []string) pulumi.StringArrayInput {
		if len(v) == 0 {
			return nil
		}
		return pulumi.ToStringArray(v)
	}
	dict := func(m map[string]string) pulumi.StringMapInput {
		if len(m) == 0 {
			return nil
		}
		return pulumi.ToStringMap(m)
	}
	a := component.CircleCIOIDCArgs{
		OrganizationId:        pulumi.String(c.OrganizationID),
		IssuerUrl:             optional(c.IssuerURL),
		Audiences:             list(c.Audiences),
		ProjectIds:            list(c.ProjectIDs),
		Branches:              list(c.Branches),
		GitTags:               list(c.GitTags),
		VcsOrigins:            list(c.VCSOrigins),
		UserIds:               list(c.UserIDs),
		AllowAllProjects:      c.AllowAllProjects,
		RequireProjectIdClaim: c.RequireProjectIDClaim,
		ExtraConditions:       c.ExtraConditions,
		ExistingProviderArn:   optional(c.ExistingProviderARN),
		Thumbprints:           c.Thumbprints,
		AdditionalThumbprints: c.AdditionalThumbprints,
		RoleName:              optional(c.RoleName),
		RoleNamePrefix:        optional(c.RoleNamePrefix),
		Path:                  optional(c.Path),
		Description:           optional(c.Description),
		PermissionsBoundary:   optional(c.PermissionsBoundary),
		Tags:                  dict(c.Tags),
		ManagedPolicyArns:     pulumi.ToStringArray(c.ManagedPolicyARNs),
		InlinePolicies:        pulumi.ToStringMap(c.InlinePolicies),
	}
	if c.MaxSessionDuration != 0 {
		a.MaxSessionDuration = pulumi.Int(c.MaxSessionDuration)
	}
	return a
}

// Project is the Pulumi project name, the namespace of the keys in Pulumi.yaml.
const Project = "circleci-oidc"

func configKey(key string) string { return Project + ":" + key }
