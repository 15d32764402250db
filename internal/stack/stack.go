// Package stack is the stack program: one stack per AWS account, each
// trusting chosen CircleCI jobs through one CircleCIOIDC component. Its
// configuration is declared, with descriptions, in the root Pulumi.yaml.
//
// It lives apart from main.go so that the Automation API can run it inline.
package stack

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumiconfig "github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component"
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

// loadArgs reads each key of the configuration once, straight into the
// component's argument of the same name. An unset key leaves its argument
// unset, so that the component applies its own default.
func loadArgs(cfg *pulumiconfig.Config) (component.CircleCIOIDCArgs, error) {
	r := reader{cfg: cfg}
	a := component.CircleCIOIDCArgs{
		OrganizationId:        pulumi.String(cfg.Get("organizationId")),
		IssuerUrl:             r.str("issuerUrl"),
		Audiences:             r.list("audiences"),
		ProjectIds:            r.list("projectIds"),
		Branches:              r.list("branches"),
		GitTags:               r.list("gitTags"),
		VcsOrigins:            r.list("vcsOrigins"),
		UserIds:               r.list("userIds"),
		ExistingProviderArn:   r.str("existingProviderArn"),
		ReuseProvider:         plain[bool](&r, "reuseProvider"),
		RoleName:              r.str("roleName"),
		RoleNamePrefix:        r.str("roleNamePrefix"),
		Path:                  r.str("path"),
		Description:           r.str("description"),
		MaxSessionDuration:    r.integer("maxSessionDuration"),
		PermissionsBoundary:   r.str("permissionsBoundary"),
		Tags:                  r.dict("tags"),
		ManagedPolicyArns:     pulumi.ToStringArray(plain[[]string](&r, "managedPolicyArns")),
		InlinePolicies:        pulumi.ToStringMap(plain[map[string]string](&r, "inlinePolicies")),
		AllowAllProjects:      plain[bool](&r, "allowAllProjects"),
		Rules:                 strict[[]component.Rule](&r, "rules"),
		ProjectPinning:        r.cfg.Get("projectPinning"),
		TrustPolicyQuota:      plain[int](&r, "trustPolicyQuota"),
		ManagedPoliciesQuota:  plain[int](&r, "managedPoliciesQuota"),
		ExtraConditions:       plain[map[string]map[string][]string](&r, "extraConditions"),
		Thumbprints:           plain[[]string](&r, "thumbprints"),
		AdditionalThumbprints: plain[[]string](&r, "additionalThumbprints"),
	}
	if cfg.Get("organizationId") == "" {
		r.errs = append(r.errs, fmt.Errorf("config %s is required: set it with `pulumi config set organizationId <uuid>` "+
			"(Organization Settings > Overview)", configKey("organizationId")))
	}
	switch len(r.errs) {
	case 0:
		return a, nil
	case 1:
		return component.CircleCIOIDCArgs{}, r.errs[0]
	}
	msg := fmt.Sprintf("%d configuration problems:", len(r.errs))
	for _, e := range r.errs {
		msg += "\n  - " + e.Error()
	}
	return component.CircleCIOIDCArgs{}, errors.New(msg)
}

// reader reads configuration keys and collects what is malformed.
type reader struct {
	cfg  *pulumiconfig.Config
	errs []error
}

// plain returns the value of a structured key, the zero value when unset.
func plain[T any](r *reader, key string) T {
	var v T
	if err := r.cfg.GetObject(key, &v); err != nil {
		r.errs = append(r.errs, fmt.Errorf("config %s: %w", configKey(key), err))
	}
	return v
}

// strict returns the value of a structured key whose objects must have no
// key the Go type lacks, so that a misspelt field is an error, not ignored.
func strict[T any](r *reader, key string) T {
	var v T
	raw := r.cfg.Get(key)
	if raw == "" {
		return v
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		r.errs = append(r.errs, fmt.Errorf("config %s: %w", configKey(key), err))
	}
	return v
}

// str returns a string key, nil when unset or empty.
func (r *reader) str(key string) pulumi.StringPtrInput {
	if v := r.cfg.Get(key); v != "" {
		return pulumi.String(v)
	}
	return nil
}

// integer returns an integer key, nil when unset or zero.
func (r *reader) integer(key string) pulumi.IntPtrInput {
	if v := plain[int](r, key); v != 0 {
		return pulumi.Int(v)
	}
	return nil
}

// list returns a list key, nil when unset or empty.
func (r *reader) list(key string) pulumi.StringArrayInput {
	if v := plain[[]string](r, key); len(v) > 0 {
		return pulumi.ToStringArray(v)
	}
	return nil
}

// dict returns a map key, nil when unset or empty.
func (r *reader) dict(key string) pulumi.StringMapInput {
	if v := plain[map[string]string](r, key); len(v) > 0 {
		return pulumi.ToStringMap(v)
	}
	return nil
}

// Project is the Pulumi project name, the namespace of the keys in Pulumi.yaml.
const Project = "circleci-oidc"

func configKey(key string) string { return Project + ":" + key }

// Keys returns the configuration keys the program reads, without the
// project's prefix, sorted. They are the component's input names, which
// TestPulumiYAMLDeclaresEveryInput keeps equal to Pulumi.yaml's.
func Keys() []string {
	typ := reflect.TypeFor[component.CircleCIOIDCArgs]()
	keys := make([]string, 0, typ.NumField())
	for i := range typ.NumField() {
		keys = append(keys, strings.Split(typ.Field(i).Tag.Get("pulumi"), ",")[0])
	}
	slices.Sort(keys)
	return keys
}
