package provider_test

import (
	"sort"
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/integration"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/urn"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component"
	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/pulumimock"
)

const (
	org     = "5a1e7e5e-0c1d-4a6b-9f3e-1b2c3d4e5f60"
	project = "0d6b4a8e-7c3f-4e21-9a5b-3c2d1e0f9a8b"
	other   = "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9"
	// The integration server names every stack "stack" and project "project".
	compURN = "urn:pulumi:stack::project::circleci-oidc:index:CircleCIOIDC::ci"
	deploy  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}`
)

var providerARN = "arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/" + org

func str(s string) property.Value { return property.New(s) }

func strs(v ...string) property.Value {
	out := make([]property.Value, len(v))
	for i, s := range v {
		out[i] = property.New(s)
	}
	return property.New(out)
}

// construct sends a Construct over the provider's gRPC surface, with mocked children.
func construct(t *testing.T, inputs map[string]property.Value, dryRun bool) (*pulumimock.Mocks, p.ConstructResponse, error) {
	t.Helper()
	m := &pulumimock.Mocks{}
	s := server(t, integration.WithMocks(m))
	resp, err := s.Construct(p.ConstructRequest{Urn: compURN, Inputs: property.NewMap(inputs), DryRun: dryRun})
	return m, resp, err
}

// children returns what was registered under the component, by type and name.
func children(m *pulumimock.Mocks) map[string]resource.PropertyMap {
	out := map[string]resource.PropertyMap{}
	for _, r := range m.Resources() {
		if r.Type != component.TypeToken {
			out[r.Type+"::"+r.Name] = r.Inputs
		}
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestConstructMatchesDirectUse builds the same component from Go and through
// the provider and compares the children, their inputs and the outputs.
func TestConstructMatchesDirectUse(t *testing.T) {
	tests := []struct {
		name   string
		args   component.CircleCIOIDCArgs
		inputs map[string]property.Value
	}{
		{
			name: "fresh provider with policies",
			args: component.CircleCIOIDCArgs{
				OrganizationId:     pulumi.String(org),
				ProjectIds:         pulumi.ToStringArray([]string{project, other}),
				Branches:           pulumi.ToStringArray([]string{"main"}),
				MaxSessionDuration: pulumi.Int(7200),
				Tags:               pulumi.StringMap{"team": pulumi.String("platform")},
				ManagedPolicyArns:  pulumi.ToStringArray([]string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}),
				InlinePolicies:     pulumi.StringMap{"deploy": pulumi.String(deploy)},
			},
			inputs: map[string]property.Value{
				"organizationId":     str(org),
				"projectIds":         strs(project, other),
				"branches":           strs("main"),
				"maxSessionDuration": property.New(7200.0),
				"tags":               property.New(map[string]property.Value{"team": str("platform")}),
				"managedPolicyArns":  strs("arn:aws:iam::aws:policy/ReadOnlyAccess"),
				"inlinePolicies":     property.New(map[string]property.Value{"deploy": str(deploy)}),
			},
		},
		{
			name: "reused provider",
			args: component.CircleCIOIDCArgs{
				OrganizationId:      pulumi.String(org),
				VcsOrigins:          pulumi.ToStringArray([]string{"github.com/acme/api"}),
				ExistingProviderArn: pulumi.String(providerARN),
				RoleName:            pulumi.String("circleci-api"),
			},
			inputs: map[string]property.Value{
				"organizationId":      str(org),
				"vcsOrigins":          strs("github.com/acme/api"),
				"existingProviderArn": str(providerARN),
				"roleName":            str("circleci-api"),
			},
		},
		{
			name: "explicit thumbprints, whole organization",
			args: component.CircleCIOIDCArgs{
				OrganizationId:        pulumi.String(org),
				AllowAllProjects:      true,
				Thumbprints:           []string{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
				AdditionalThumbprints: []string{"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
				ExtraConditions:       map[string]map[string][]string{"Bool": {"aws:SecureTransport": {"true"}}},
			},
			inputs: map[string]property.Value{
				"organizationId":        str(org),
				"allowAllProjects":      property.New(true),
				"thumbprints":           strs("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
				"additionalThumbprints": strs("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
				"extraConditions": property.New(map[string]property.Value{
					"Bool": property.New(map[string]property.Value{"aws:SecureTransport": strs("true")}),
				}),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			direct := &pulumimock.Mocks{}
			want, err := pulumimock.Construct(direct, "ci", tt.args)
			require.NoError(t, err)

			m, resp, err := construct(t, tt.inputs, false)
			require.NoError(t, err)
			got, wantChildren := children(m), children(direct)
			require.Equal(t, keys(wantChildren), keys(got))
			for k := range wantChildren {
				assert.Equal(t, wantChildren[k], got[k], k)
			}
			for _, r := range m.Resources() {
				if r.Type != component.TypeToken {
					assert.Equal(t, compURN, r.Parent, "%s is parented to the component", r.Name)
				}
			}
			assert.Equal(t, len(direct.Calls()), len(m.Calls()), "the same certificate fetches")

			assert.Equal(t, compURN, string(resp.Urn))
			assert.Equal(t, want.RoleArn, resp.State.Get("roleArn").AsString())
			assert.Equal(t, want.RoleName, resp.State.Get("roleName").AsString())
			assert.Equal(t, want.ProviderArn, resp.State.Get("providerArn").AsString())
			assert.Equal(t, want.IssuerUrl, resp.State.Get("issuerUrl").AsString())
			assert.Equal(t, want.TrustPolicy, resp.State.Get("trustPolicy").AsString())
			assert.Equal(t, len(want.Thumbprints), resp.State.Get("thumbprints").AsArray().Len())
		})
	}
}

func TestConstructRejectsBadInputs(t *testing.T) {
	tests := []struct {
		name   string
		inputs map[string]property.Value
		want   []string
	}{
		{"project not a UUID", map[string]property.Value{
			"organizationId": str(org), "projectIds": strs(project, "abc"),
		}, []string{`projectIds[1] "abc" is not a UUID; find it under Project Settings > Overview`}},
		{"no trust scope", map[string]property.Value{"organizationId": str(org)},
			[]string{"projectIds is empty: no trust scope is set"}},
		{"several problems", map[string]property.Value{
			"organizationId": str("acme"), "projectIds": strs(project), "maxSessionDuration": property.New(60.0),
		}, []string{"2 invalid inputs", `organizationId "acme" is not a UUID`, `maxSessionDuration "60" is out of range`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _, err := construct(t, tt.inputs, false)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Empty(t, children(m), "nothing is created")
		})
	}
}

// TestConstructAcceptsOutputs sends IDs and lists as outputs of other
// resources, as a program in another language does.
func TestConstructAcceptsOutputs(t *testing.T) {
	dep := []urn.URN{"urn:pulumi:stack::project::aws:iam/policy:Policy::deploy"}
	m, resp, err := construct(t, map[string]property.Value{
		"organizationId":    str(org).WithDependencies(dep),
		"projectIds":        property.New([]property.Value{str(project).WithDependencies(dep), str(other)}),
		"branches":          strs("main").WithDependencies(dep),
		"managedPolicyArns": property.New([]property.Value{str("arn:aws:iam::123456789012:policy/deploy").WithDependencies(dep)}),
	}, false)
	require.NoError(t, err)

	doc, err := trust.Parse(resp.State.Get("trustPolicy").AsString())
	require.NoError(t, err)
	projects := doc.Statement[0].Condition["StringEquals"]["oidc.circleci.com/org/"+org+":"+trust.ProjectIDClaim]
	assert.ElementsMatch(t, []string{project, other}, projects)
	assert.Contains(t, keys(children(m)), "aws:iam/rolePolicyAttachment:RolePolicyAttachment::ci-policy-0",
		"an ARN known only later is named by its index")
}

func TestConstructComputedOutputValidatedOnceKnown(t *testing.T) {
	dep := []urn.URN{"urn:pulumi:stack::project::aws:iam/policy:Policy::other"}
	m, _, err := construct(t, map[string]property.Value{
		"organizationId": str(org),
		"projectIds":     property.New([]property.Value{str("abc").WithDependencies(dep)}),
	}, false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `projectIds[0] "abc" is not a UUID`)
	assert.Empty(t, children(m), "no child is created")
}

func TestConstructPreviewWithUnknowns(t *testing.T) {
	m, resp, err := construct(t, map[string]property.Value{
		"organizationId": property.New(property.Computed),
		"projectIds":     strs(project),
	}, true)
	require.NoError(t, err)
	assert.NotEmpty(t, children(m), "preview registers the children with unknown inputs")
	assert.True(t, resp.State.Get("trustPolicy").IsComputed() || resp.State.Get("trustPolicy").IsNull())
}

// TestConstructTakesRules sends rules as the engine does, a list of objects,
// and checks that each reaches the trust policy with its own limits.
func TestConstructTakesRules(t *testing.T) {
	rule := func(project, origin, branch string) property.Value {
		return property.New(map[string]property.Value{
			"projectIds": strs(project), "vcsOrigins": strs(origin), "branches": strs(branch),
		})
	}
	_, resp, err := construct(t, map[string]property.Value{
		"organizationId": str(org),
		"rules": property.New([]property.Value{
			rule(project, "github.com/acme/api", "main"),
			rule(other, "github.com/acme/infra", "release/*"),
		}),
	}, false)
	require.NoError(t, err)
	doc, err := trust.Parse(resp.State.Get("trustPolicy").AsString())
	require.NoError(t, err)
	subs := doc.Statement[0].Condition["StringLike"]["oidc.circleci.com/org/"+org+":sub"]
	require.Len(t, subs, 2)
	assert.Contains(t, subs, "org/"+org+"/project/"+project+"/user/"+trust.AnyUUID+
		"/vcs-origin/github.com/acme/api/vcs-ref/refs/heads/main")
	assert.Contains(t, subs, "org/"+org+"/project/"+other+"/user/"+trust.AnyUUID+
		"/vcs-origin/github.com/acme/infra/vcs-ref/refs/heads/release/*")

	_, _, err = construct(t, map[string]property.Value{
		"organizationId": str(org),
		"rules":          property.New([]property.Value{rule("abc", "github.com/acme/api", "main")}),
	}, true)
	assert.ErrorContains(t, err, `rules[0].projectIds[0] "abc" is not a UUID`)
}
