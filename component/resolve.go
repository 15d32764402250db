package component

import (
	"reflect"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/config"
)

// inputs are the args that may be outputs. It resolves, field by field name,
// to resolved.
type inputs struct {
	OrganizationID      pulumi.StringInput
	IssuerURL           pulumi.StringPtrInput
	Audiences           pulumi.StringArrayInput
	ProjectIDs          pulumi.StringArrayInput
	Branches            pulumi.StringArrayInput
	GitTags             pulumi.StringArrayInput
	VCSOrigins          pulumi.StringArrayInput
	UserIDs             pulumi.StringArrayInput
	ExistingProviderARN pulumi.StringPtrInput
	RoleName            pulumi.StringPtrInput
	RoleNamePrefix      pulumi.StringPtrInput
	Path                pulumi.StringPtrInput
	Description         pulumi.StringPtrInput
	MaxSessionDuration  pulumi.IntPtrInput
	PermissionsBoundary pulumi.StringPtrInput
	Tags                pulumi.StringMapInput
	ManagedPolicyARNs   pulumi.StringArrayInput
	InlinePolicies      pulumi.StringMapInput
}

// ElementType makes inputs a pulumi.Input that resolves to resolved.
func (inputs) ElementType() reflect.Type { return reflect.TypeFor[resolved]() }

// resolved holds the values of inputs once they are known.
type resolved struct {
	OrganizationID      string
	IssuerURL           *string
	Audiences           []string
	ProjectIDs          []string
	Branches            []string
	GitTags             []string
	VCSOrigins          []string
	UserIDs             []string
	ExistingProviderARN *string
	RoleName            *string
	RoleNamePrefix      *string
	Path                *string
	Description         *string
	MaxSessionDuration  *int
	PermissionsBoundary *string
	Tags                map[string]string
	ManagedPolicyARNs   []string
	InlinePolicies      map[string]string
}

func (a CircleCIOIDCArgs) inputs() inputs {
	return inputs{
		OrganizationID:      a.OrganizationId,
		IssuerURL:           a.IssuerUrl,
		Audiences:           a.Audiences,
		ProjectIDs:          a.ProjectIds,
		Branches:            a.Branches,
		GitTags:             a.GitTags,
		VCSOrigins:          a.VcsOrigins,
		UserIDs:             a.UserIds,
		ExistingProviderARN: a.ExistingProviderArn,
		RoleName:            a.RoleName,
		RoleNamePrefix:      a.RoleNamePrefix,
		Path:                a.Path,
		Description:         a.Description,
		MaxSessionDuration:  a.MaxSessionDuration,
		PermissionsBoundary: a.PermissionsBoundary,
		Tags:                a.Tags,
		ManagedPolicyARNs:   pulumi.StringArray(a.ManagedPolicyArns),
		InlinePolicies:      unsecretValues(a.InlinePolicies),
	}
}

// unsecretValues returns the map with each output value's secretness taken
// off. The configuration reads the inline policies' documents only to check
// them (JSON, IAM's size limit); no output derived from it holds them. So a
// secret document must not make the trust policy, the issuer or the
// thumbprints secret. The document itself stays secret on its way to its
// RolePolicy, which NewCircleCIOIDC builds from the arguments, not from these.
func unsecretValues(m map[string]pulumi.StringInput) pulumi.StringMap {
	if m == nil {
		return nil
	}
	out := make(pulumi.StringMap, len(m))
	for k, v := range m {
		if _, ok := v.(pulumi.Output); ok {
			v = pulumi.Unsecret(v.ToStringOutput()).(pulumi.StringOutput)
		}
		out[k] = v
	}
	return out
}

// config returns the plain configuration, defaults applied.
func (r resolved) config(a CircleCIOIDCArgs) config.Config {
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	c := config.Config{
		OrganizationID:        r.OrganizationID,
		IssuerURL:             deref(r.IssuerURL),
		Audiences:             r.Audiences,
		ProjectIDs:            r.ProjectIDs,
		Branches:              r.Branches,
		GitTags:               r.GitTags,
		VCSOrigins:            r.VCSOrigins,
		UserIDs:               r.UserIDs,
		AllowAllProjects:      a.AllowAllProjects,
		Rules:                 rules(a.Rules),
		ProjectPinning:        a.ProjectPinning,
		TrustPolicyQuota:      a.TrustPolicyQuota,
		ManagedPoliciesQuota:  a.ManagedPoliciesQuota,
		ExtraConditions:       a.ExtraConditions,
		ExistingProviderARN:   deref(r.ExistingProviderARN),
		ReuseProvider:         a.ReuseProvider,
		Thumbprints:           a.Thumbprints,
		AdditionalThumbprints: a.AdditionalThumbprints,
		RoleName:              deref(r.RoleName),
		RoleNamePrefix:        deref(r.RoleNamePrefix),
		Path:                  deref(r.Path),
		Description:           deref(r.Description),
		PermissionsBoundary:   deref(r.PermissionsBoundary),
		Tags:                  r.Tags,
		ManagedPolicyARNs:     r.ManagedPolicyARNs,
		InlinePolicies:        r.InlinePolicies,
	}
	if r.MaxSessionDuration != nil {
		c.MaxSessionDuration = *r.MaxSessionDuration
	}
	return c.WithDefaults()
}

// rules converts the rules to the plain configuration's.
func rules(in []Rule) []config.Rule {
	var out []config.Rule
	for _, r := range in {
		out = append(out, config.Rule{ProjectIDs: r.ProjectIds, VCSOrigins: r.VcsOrigins, Branches: r.Branches,
			GitTags: r.GitTags, UserIDs: r.UserIds})
	}
	return out
}

// known returns the values of in when none of them is an output, as with
// literals in a Go program or known values sent to a component provider.
func known(in inputs) (resolved, bool) {
	var r resolved
	iv, rv := reflect.ValueOf(in), reflect.ValueOf(&r).Elem()
	for i := range iv.NumField() {
		v, ok := plain(iv.Field(i).Interface(), rv.Field(i).Type())
		if !ok {
			return resolved{}, false
		}
		rv.Field(i).Set(v)
	}
	return r, true
}

// plain converts an input built from plain values (pulumi.String,
// pulumi.StringPtr, pulumi.StringArray of pulumi.String, ...) to a value of
// type t. It reports false when the input is or holds an output.
func plain(in any, t reflect.Type) (reflect.Value, bool) {
	if in == nil {
		return reflect.Zero(t), true
	}
	if _, isOutput := in.(pulumi.Output); isOutput {
		return reflect.Value{}, false
	}
	if t.Kind() == reflect.Pointer {
		v := reflect.ValueOf(in)
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return reflect.Zero(t), true
		}
		elem, ok := plain(in, t.Elem())
		if !ok {
			return reflect.Value{}, false
		}
		p := reflect.New(t.Elem())
		p.Elem().Set(elem)
		return p, true
	}
	v := reflect.ValueOf(in)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return reflect.Zero(t), true
		}
		v = v.Elem()
	}
	switch t.Kind() {
	case reflect.String, reflect.Int, reflect.Bool:
		if v.Kind() != t.Kind() {
			return reflect.Value{}, false
		}
		return v.Convert(t), true
	case reflect.Slice:
		if v.Kind() != reflect.Slice {
			return reflect.Value{}, false
		}
		out := reflect.MakeSlice(t, v.Len(), v.Len())
		for i := range v.Len() {
			e, ok := plain(v.Index(i).Interface(), t.Elem())
			if !ok {
				return reflect.Value{}, false
			}
			out.Index(i).Set(e)
		}
		return out, true
	case reflect.Map:
		if v.Kind() != reflect.Map {
			return reflect.Value{}, false
		}
		out := reflect.MakeMapWithSize(t, v.Len())
		for it := v.MapRange(); it.Next(); {
			e, ok := plain(it.Value().Interface(), t.Elem())
			if !ok {
				return reflect.Value{}, false
			}
			out.SetMapIndex(it.Key().Convert(t.Key()), e)
		}
		return out, true
	}
	return reflect.Value{}, false
}

var reflectString = reflect.TypeFor[string]()
