package component_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component"
	"github.com/circleci-oidc/pulumi-circleci-oidc/component/config"
	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/pulumimock"
)

const (
	org      = "5a1e7e5e-0c1d-4a6b-9f3e-1b2c3d4e5f60"
	project  = "0d6b4a8e-7c3f-4e21-9a5b-3c2d1e0f9a8b"
	project2 = "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9"

	typProvider   = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
	typRole       = "aws:iam/role:Role"
	typAttachment = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	typInline     = "aws:iam/rolePolicy:RolePolicy"
)

var issuerKey = "oidc.circleci.com/org/" + org

func baseArgs() component.CircleCIOIDCArgs {
	return component.CircleCIOIDCArgs{
		OrganizationId: pulumi.String(org),
		ProjectIds:     pulumi.ToStringArray([]string{project}),
	}
}

func strings_(v resource.PropertyValue) []string {
	var out []string
	for _, e := range v.ArrayValue() {
		out = append(out, e.StringValue())
	}
	return out
}

func TestFreshProviderFetchesIntermediateThumbprint(t *testing.T) {
	m := &pulumimock.Mocks{}
	out, err := pulumimock.Construct(m, "ci", baseArgs())
	require.NoError(t, err)

	calls := m.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, pulumimock.GetCertificate, calls[0].Token)
	assert.Equal(t, "https://"+issuerKey, calls[0].Args["url"].StringValue())

	providers := m.OfType(typProvider)
	require.Len(t, providers, 1)
	p := providers[0]
	assert.Equal(t, "ci-provider", p.Name)
	assert.Equal(t, "https://"+issuerKey, p.Inputs["url"].StringValue())
	assert.Equal(t, []string{org}, strings_(p.Inputs["clientIdLists"]))
	assert.Equal(t, []string{pulumimock.IntermediateSHA1}, strings_(p.Inputs["thumbprintLists"]),
		"the thumbprint is the top intermediate's, not the leaf's")

	roles := m.OfType(typRole)
	require.Len(t, roles, 1)
	assert.Equal(t, out.TrustPolicy, roles[0].Inputs["assumeRolePolicy"].StringValue())
	assert.Equal(t, 3600.0, roles[0].Inputs["maxSessionDuration"].NumberValue())
	assert.Empty(t, m.OfType(typAttachment))

	assert.Equal(t, "arn:aws:iam::123456789012:oidc-provider/"+issuerKey, out.ProviderArn)
	assert.Equal(t, "arn:aws:iam::123456789012:role/ci-role-1a2b3c4", out.RoleArn)
	assert.Equal(t, "ci-role-1a2b3c4", out.RoleName)
	assert.Equal(t, "https://"+issuerKey, out.IssuerUrl)
	assert.Equal(t, []string{pulumimock.IntermediateSHA1}, out.Thumbprints)

	doc, err := trust.Parse(out.TrustPolicy)
	require.NoError(t, err)
	st := doc.Statement[0]
	assert.Equal(t, trust.StringList{out.ProviderArn}, st.Principal.Federated)
	assert.Equal(t, trust.StringList{org}, st.Condition["StringEquals"][issuerKey+":aud"])
	// The compact form: the project-id key pins the project, sub any UUID.
	assert.Equal(t, trust.StringList{"org/" + org + "/project/" + trust.AnyUUID + "/user/*"},
		st.Condition["StringLike"][issuerKey+":sub"])
	assert.Equal(t, trust.StringList{project}, st.Condition["StringEquals"][issuerKey+":"+trust.ProjectIDClaim])
}

func TestChildrenAreParentedToTheComponent(t *testing.T) {
	m := &pulumimock.Mocks{}
	args := baseArgs()
	args.ManagedPolicyArns = pulumi.ToStringArray([]string{"arn:aws:iam::aws:policy/ReadOnlyAccess"})
	args.InlinePolicies = pulumi.StringMap{"deploy": pulumi.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}`)}
	_, err := pulumimock.Construct(m, "ci", args)
	require.NoError(t, err)

	var compURN string
	for _, r := range m.Resources() {
		if r.Type == component.TypeToken {
			compURN = "urn:pulumi:test::circleci-oidc::" + component.TypeToken + "::ci"
			assert.Equal(t, "ci", r.Name)
		}
	}
	require.NotEmpty(t, compURN, "the component registers under its type token")
	children := 0
	for _, r := range m.Resources() {
		if r.Type == component.TypeToken {
			continue
		}
		children++
		assert.Equal(t, compURN, r.Parent, "%s %s", r.Type, r.Name)
	}
	assert.Equal(t, 4, children, "provider, role, attachment, inline policy")
}

func TestExplicitThumbprintsSkipTheFetch(t *testing.T) {
	m := &pulumimock.Mocks{}
	args := baseArgs()
	args.Thumbprints = []string{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}
	args.AdditionalThumbprints = []string{"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}
	out, err := pulumimock.Construct(m, "ci", args)
	require.NoError(t, err)

	assert.Empty(t, m.Calls(), "no TLS fetch when thumbprints are given")
	want := []string{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}
	assert.Equal(t, want, out.Thumbprints)
	assert.Equal(t, want, strings_(m.OfType(typProvider)[0].Inputs["thumbprintLists"]))
}

func TestAdditionalThumbprintsFollowTheFetchedOne(t *testing.T) {
	m := &pulumimock.Mocks{}
	args := baseArgs()
	args.AdditionalThumbprints = []string{"cccccccccccccccccccccccccccccccccccccccc"}
	out, err := pulumimock.Construct(m, "ci", args)
	require.NoError(t, err)
	assert.Len(t, m.Calls(), 1)
	assert.Equal(t, []string{pulumimock.IntermediateSHA1, "cccccccccccccccccccccccccccccccccccccccc"}, out.Thumbprints)
}

func TestReusedProviderCreatesNoProvider(t *testing.T) {
	m := &pulumimock.Mocks{}
	existing := "arn:aws:iam::123456789012:oidc-provider/" + issuerKey
	args := baseArgs()
	args.ExistingProviderArn = pulumi.String(existing)
	out, err := pulumimock.Construct(m, "second", args)
	require.NoError(t, err)

	assert.Empty(t, m.OfType(typProvider))
	calls := m.Calls()
	require.Len(t, calls, 1, "no TLS fetch when the provider is reused, only a read of the provider")
	assert.Equal(t, pulumimock.GetOpenIDConnectProvider, calls[0].Token)
	assert.Len(t, m.OfType(typRole), 1)
	assert.Equal(t, existing, out.ProviderArn)
	assert.Empty(t, out.Thumbprints)
	doc, err := trust.Parse(out.TrustPolicy)
	require.NoError(t, err)
	assert.Equal(t, trust.StringList{existing}, doc.Statement[0].Principal.Federated)
}

func TestReusedProviderFromAnotherComponentsOutput(t *testing.T) {
	m := &pulumimock.Mocks{}
	var second pulumimock.Outputs
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		first, err := component.NewCircleCIOIDC(ctx, "deploy", baseArgs())
		if err != nil {
			return err
		}
		args := baseArgs()
		args.ExistingProviderArn = first.ProviderArn
		args.Branches = pulumi.ToStringArray([]string{"main"})
		c, err := component.NewCircleCIOIDC(ctx, "release", args)
		if err != nil {
			return err
		}
		pulumimock.Await(c, &second)
		return nil
	}, pulumi.WithMocks("circleci-oidc", "test", m))
	require.NoError(t, err)
	assert.Len(t, m.OfType(typProvider), 1, "the second component reuses the first one's provider")
	assert.Len(t, m.OfType(typRole), 2)
	assert.Equal(t, "arn:aws:iam::123456789012:oidc-provider/"+issuerKey, second.ProviderArn)
}

func TestSeveralProjectsAndBranches(t *testing.T) {
	m := &pulumimock.Mocks{}
	args := component.CircleCIOIDCArgs{
		OrganizationId: pulumi.String(org),
		ProjectIds:     pulumi.ToStringArray([]string{project2, project}),
		Branches:       pulumi.ToStringArray([]string{"main", "release/*"}),
		VcsOrigins:     pulumi.ToStringArray([]string{"github.com/acme/api"}),
		ProjectPinning: "both",
		Audiences:      pulumi.ToStringArray([]string{"sts.amazonaws.com"}),
	}
	out, err := pulumimock.Construct(m, "ci", args)
	require.NoError(t, err)
	doc, err := trust.Parse(out.TrustPolicy)
	require.NoError(t, err)
	cond := doc.Statement[0].Condition
	subs := cond["StringLike"][issuerKey+":sub"]
	assert.Len(t, subs, 4, "2 projects x 1 origin x 2 branches")
	for _, s := range subs {
		assert.Contains(t, s, "/vcs-origin/github.com/acme/api/vcs-ref/refs/heads/")
	}
	assert.Equal(t, trust.StringList{trust.RefSpoofGuard}, cond["StringNotLike"][issuerKey+":sub"])
	assert.ElementsMatch(t, []string{project, project2}, cond["StringEquals"][issuerKey+":"+trust.ProjectIDClaim])
	assert.Equal(t, trust.StringList{"sts.amazonaws.com"}, cond["StringEquals"][issuerKey+":aud"])
	assert.Equal(t, []string{"sts.amazonaws.com"}, strings_(m.OfType(typProvider)[0].Inputs["clientIdLists"]))
}

func TestRoleSettingsAndPolicies(t *testing.T) {
	m := &pulumimock.Mocks{}
	deploy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::acme-artifacts/*"}]}`
	args := baseArgs()
	args.RoleName = pulumi.String("circleci-deploy")
	args.Path = pulumi.String("/ci/")
	args.Description = pulumi.String("CircleCI deploys")
	args.MaxSessionDuration = pulumi.Int(7200)
	args.PermissionsBoundary = pulumi.String("arn:aws:iam::123456789012:policy/ci-boundary")
	args.Tags = pulumi.StringMap{"team": pulumi.String("platform")}
	args.ManagedPolicyArns = pulumi.ToStringArray([]string{
		"arn:aws:iam::aws:policy/ReadOnlyAccess",
		"arn:aws:iam::123456789012:policy/team/deploy-api",
	})
	args.InlinePolicies = pulumi.StringMap{"deploy": pulumi.String(deploy)}
	out, err := pulumimock.Construct(m, "ci", args)
	require.NoError(t, err)

	role := m.OfType(typRole)[0].Inputs
	assert.Equal(t, "circleci-deploy", role["name"].StringValue())
	assert.Equal(t, "/ci/", role["path"].StringValue())
	assert.Equal(t, "CircleCI deploys", role["description"].StringValue())
	assert.Equal(t, 7200.0, role["maxSessionDuration"].NumberValue())
	assert.Equal(t, "arn:aws:iam::123456789012:policy/ci-boundary", role["permissionsBoundary"].StringValue())
	assert.Equal(t, "platform", role["tags"].ObjectValue()["team"].StringValue())
	assert.Equal(t, "platform", m.OfType(typProvider)[0].Inputs["tags"].ObjectValue()["team"].StringValue())
	assert.Equal(t, "arn:aws:iam::123456789012:role/ci/circleci-deploy", out.RoleArn)

	attachments := map[string]string{}
	for _, a := range m.OfType(typAttachment) {
		attachments[a.Name] = a.Inputs["policyArn"].StringValue()
		assert.Equal(t, "circleci-deploy", a.Inputs["role"].StringValue())
	}
	assert.Equal(t, map[string]string{
		"ci-ReadOnlyAccess":          "arn:aws:iam::aws:policy/ReadOnlyAccess",
		"ci-123456789012-deploy-api": "arn:aws:iam::123456789012:policy/team/deploy-api",
	}, attachments)

	inline := m.OfType(typInline)
	require.Len(t, inline, 1)
	assert.Equal(t, "ci-deploy", inline[0].Name)
	assert.Equal(t, "deploy", inline[0].Inputs["name"].StringValue())
	assert.Equal(t, deploy, inline[0].Inputs["policy"].StringValue())
}

func TestAttachmentNamesSurviveReordering(t *testing.T) {
	arns := []string{
		"arn:aws:iam::aws:policy/ReadOnlyAccess",
		"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
		"arn:aws:iam::123456789012:policy/deploy",
	}
	names := func(list []string) map[string]string {
		m := &pulumimock.Mocks{}
		args := baseArgs()
		args.ManagedPolicyArns = pulumi.ToStringArray(list)
		_, err := pulumimock.Construct(m, "ci", args)
		require.NoError(t, err)
		out := map[string]string{}
		for _, a := range m.OfType(typAttachment) {
			out[a.Name] = a.Inputs["policyArn"].StringValue()
		}
		return out
	}
	reversed := []string{arns[2], arns[1], arns[0]}
	assert.Equal(t, names(arns), names(reversed))
	assert.Len(t, names(arns), 3)
}

func TestValidationErrors(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*component.CircleCIOIDCArgs)
		want   []string
	}{
		{"project not a UUID", func(a *component.CircleCIOIDCArgs) {
			a.ProjectIds = pulumi.ToStringArray([]string{project, project2, "abc"})
		}, []string{`projectIds[2] "abc" is not a UUID; find it under Project Settings > Overview`}},
		{"missing organization", func(a *component.CircleCIOIDCArgs) { a.OrganizationId = nil },
			[]string{"organizationId is required"}},
		{"no trust scope", func(a *component.CircleCIOIDCArgs) { a.ProjectIds = nil },
			[]string{"projectIds is empty: no trust scope is set", "allowAllProjects: true"}},
		{"branches alone trust the whole org", func(a *component.CircleCIOIDCArgs) {
			a.ProjectIds = nil
			a.Branches = pulumi.ToStringArray([]string{"main"})
		}, []string{"branches, gitTags and userIds alone would trust every project"}},
		{"bad thumbprint", func(a *component.CircleCIOIDCArgs) {
			a.Thumbprints = []string{"9E:99:A4"}
		}, []string{`thumbprints[0] "9E:99:A4" is not 40 lowercase hex digits`}},
		{"too many thumbprints", func(a *component.CircleCIOIDCArgs) {
			a.AdditionalThumbprints = strings.Split(strings.Repeat("a", 40)+","+strings.Repeat("b", 40)+","+
				strings.Repeat("c", 40)+","+strings.Repeat("d", 40)+","+strings.Repeat("e", 40), ",")
		}, []string{"additionalThumbprints makes 6 thumbprints with the fetched one; IAM allows at most 5"}},
		{"duration out of range", func(a *component.CircleCIOIDCArgs) { a.MaxSessionDuration = pulumi.Int(60) },
			[]string{`maxSessionDuration "60" is out of range; give seconds from 3600 (1 hour) to 43200 (12 hours)`}},
		{"malformed policy ARN", func(a *component.CircleCIOIDCArgs) {
			a.ManagedPolicyArns = pulumi.ToStringArray([]string{"ReadOnlyAccess"})
		}, []string{`managedPolicyArns[0] "ReadOnlyAccess" is not a managed policy ARN`}},
		{"malformed policy JSON", func(a *component.CircleCIOIDCArgs) {
			a.InlinePolicies = pulumi.StringMap{"deploy": pulumi.String(`{"Statement": [`)}
		}, []string{`inlinePolicies["deploy"] is not a JSON policy document`}},
		{"role name too long", func(a *component.CircleCIOIDCArgs) {
			a.RoleName = pulumi.String(strings.Repeat("r", 65))
		}, []string{"is 65 characters; IAM allows at most 64"}},
		{"bad path", func(a *component.CircleCIOIDCArgs) { a.Path = pulumi.String("ci") },
			[]string{`path "ci" must start and end with /`}},
		{"provider ARN of another issuer", func(a *component.CircleCIOIDCArgs) {
			a.ExistingProviderArn = pulumi.String("arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com")
		}, []string{"is the provider for token.actions.githubusercontent.com, not for the issuer " + issuerKey}},
		{"every problem at once", func(a *component.CircleCIOIDCArgs) {
			a.OrganizationId = pulumi.String("acme")
			a.ProjectIds = pulumi.ToStringArray([]string{"p1"})
			a.Path = pulumi.String("ci")
		}, []string{"3 invalid inputs", `organizationId "acme" is not a UUID`, `projectIds[0] "p1"`, `path "ci"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := baseArgs()
			tt.mutate(&args)
			m := &pulumimock.Mocks{}
			_, err := pulumimock.Construct(m, "ci", args)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			var errs config.Errors
			assert.True(t, errors.As(err, &errs), "the error is a config.Errors: %T", err)
			assert.Empty(t, m.Resources(), "nothing is registered, not even the component")
			assert.Empty(t, m.Calls(), "no certificate is fetched")
		})
	}
}

func TestComputedBadInputCreatesNoChild(t *testing.T) {
	m := &pulumimock.Mocks{}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		computed := pulumi.String("not-a-uuid").ToStringOutput().ApplyT(func(s string) string { return s })
		args := baseArgs()
		args.ProjectIds = pulumi.StringArray{computed.(pulumi.StringOutput)}
		_, err := component.NewCircleCIOIDC(ctx, "ci", args)
		return err
	}, pulumi.WithMocks("circleci-oidc", "test", m))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `projectIds[0] "not-a-uuid" is not a UUID`)
	for _, r := range m.Resources() {
		assert.Equal(t, component.TypeToken, r.Type, "no child may be created: %s %s", r.Type, r.Name)
	}
}

func TestLeafOnlyChainIsRefused(t *testing.T) {
	m := &pulumimock.Mocks{Chain: pulumimock.RealisticChain[1:]}
	_, err := pulumimock.Construct(m, "ci", baseArgs())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not a CA")
	assert.Contains(t, err.Error(), "set thumbprints explicitly")
	assert.Empty(t, m.OfType(typProvider))
	assert.Empty(t, m.OfType(typRole))
}

func TestComputedPolicyARNIsNamedByIndex(t *testing.T) {
	m := &pulumimock.Mocks{}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		args := baseArgs()
		args.ManagedPolicyArns = []pulumi.StringInput{
			pulumi.String("arn:aws:iam::123456789012:policy/deploy").ToStringOutput(),
		}
		_, err := component.NewCircleCIOIDC(ctx, "ci", args)
		return err
	}, pulumi.WithMocks("circleci-oidc", "test", m))
	require.NoError(t, err)
	a := m.OfType(typAttachment)
	require.Len(t, a, 1)
	assert.Equal(t, "ci-policy-0", a[0].Name)
	assert.Equal(t, "arn:aws:iam::123456789012:policy/deploy", a[0].Inputs["policyArn"].StringValue())
}

func TestClashingAttachmentNamesAreRefused(t *testing.T) {
	m := &pulumimock.Mocks{}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		args := baseArgs()
		args.ManagedPolicyArns = []pulumi.StringInput{
			pulumi.String("arn:aws:iam::123456789012:policy/deploy").ToStringOutput(), // named ci-policy-0
			pulumi.String("arn:aws:iam::aws:policy/policy-0"),                         // also ci-policy-0
		}
		_, err := component.NewCircleCIOIDC(ctx, "ci", args)
		return err
	}, pulumi.WithMocks("circleci-oidc", "test", m))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `managedPolicyArns[1] would name its attachment "ci-policy-0" like managedPolicyArns[0]`)
	assert.Empty(t, m.Resources())
}

// manyProjects returns n distinct project UUIDs.
func manyProjects(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strings.Replace(project, "0d6b4a8e", fmt.Sprintf("%08x", i), 1)
	}
	return out
}

// TestTrustPolicyOverQuotaCreatesNothing is the failure: a policy over
// IAM's quota used to fail at CreateRole, after the provider was created.
func TestTrustPolicyOverQuotaCreatesNothing(t *testing.T) {
	tests := []struct {
		name     string
		computed bool
	}{
		{"known inputs", false},
		{"inputs known only later", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &pulumimock.Mocks{}
			err := pulumi.RunErr(func(ctx *pulumi.Context) error {
				args := baseArgs()
				args.ProjectPinning = "subject"
				args.ProjectIds = pulumi.ToStringArray(manyProjects(5))
				args.Branches = pulumi.ToStringArray([]string{"main", "release/*"})
				args.VcsOrigins = pulumi.ToStringArray([]string{"github.com/acme/api"})
				if tt.computed {
					args.ProjectIds = args.ProjectIds.ToStringArrayOutput().ApplyT(func(v []string) []string {
						return v
					}).(pulumi.StringArrayOutput)
				}
				_, err := component.NewCircleCIOIDC(ctx, "ci", args)
				return err
			}, pulumi.WithMocks("circleci-oidc", "test", m))
			require.Error(t, err)
			assert.Contains(t, err.Error(), `trustPolicyQuota "2048" is less than the trust policy's`)
			for _, r := range m.Resources() {
				assert.Equal(t, component.TypeToken, r.Type, "no child may be created: %s %s", r.Type, r.Name)
			}
		})
	}
}

func TestRulesReachThePolicy(t *testing.T) {
	args := component.CircleCIOIDCArgs{
		OrganizationId: pulumi.String(org),
		Rules: []component.Rule{
			{ProjectIds: []string{project}, VcsOrigins: []string{"github.com/acme/api"}, Branches: []string{"main"}},
			{ProjectIds: []string{project2}, VcsOrigins: []string{"github.com/acme/infra"}, Branches: []string{"release/*"}},
		},
	}
	out, err := pulumimock.Construct(&pulumimock.Mocks{}, "ci", args)
	require.NoError(t, err)
	doc, err := trust.Parse(out.TrustPolicy)
	require.NoError(t, err)
	subs := doc.Statement[0].Condition["StringLike"][issuerKey+":sub"]
	require.Len(t, subs, 2)
	assert.Contains(t, subs[0]+subs[1], project+"/user/"+trust.AnyUUID+"/vcs-origin/github.com/acme/api/vcs-ref/refs/heads/main")
	assert.Contains(t, subs[0]+subs[1], project2+"/user/"+trust.AnyUUID+"/vcs-origin/github.com/acme/infra/vcs-ref/refs/heads/release/*")

	args.ProjectIds = pulumi.ToStringArray([]string{project})
	_, err = pulumimock.Construct(&pulumimock.Mocks{}, "ci", args)
	assert.ErrorContains(t, err, "rules cannot be set with projectIds")
}

// TestReusedProviderMustKnowEveryAudience: STS checks aud against the
// provider's client IDs before the trust policy.
func TestReusedProviderMustKnowEveryAudience(t *testing.T) {
	existing := "arn:aws:iam::123456789012:oidc-provider/" + issuerKey
	args := baseArgs()
	args.ExistingProviderArn = pulumi.String(existing)
	args.Audiences = pulumi.ToStringArray([]string{org, "sts.amazonaws.com"})

	m := &pulumimock.Mocks{}
	_, err := pulumimock.Construct(m, "ci", args)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `audiences[1] "sts.amazonaws.com" is not a client ID of the reused provider `+existing)
	assert.Empty(t, m.OfType(typRole), "no role is created")

	m = &pulumimock.Mocks{ClientIDs: map[string][]string{existing: {"sts.amazonaws.com", org}}}
	_, err = pulumimock.Construct(m, "ci", args)
	require.NoError(t, err)
	assert.Len(t, m.OfType(typRole), 1)
}

// TestReuseProviderByOrganization builds the provider's ARN from the
// credentials' account and partition, reads it, and creates no provider.
func TestReuseProviderByOrganization(t *testing.T) {
	args := baseArgs()
	args.ReuseProvider = true
	m := &pulumimock.Mocks{}
	out, err := pulumimock.Construct(m, "ci", args)
	require.NoError(t, err)
	want := "arn:aws:iam::" + pulumimock.Account + ":oidc-provider/" + issuerKey
	assert.Equal(t, want, out.ProviderArn)
	assert.Empty(t, m.OfType(typProvider))
	var tokens []string
	for _, c := range m.Calls() {
		tokens = append(tokens, c.Token)
	}
	assert.ElementsMatch(t, []string{pulumimock.GetCallerIdentity, pulumimock.GetPartition,
		pulumimock.GetOpenIDConnectProvider}, tokens, "no certificate fetch")
	doc, err := trust.Parse(out.TrustPolicy)
	require.NoError(t, err)
	assert.Equal(t, trust.StringList{want}, doc.Statement[0].Principal.Federated)

	// A provider that does not exist fails with the way to create it, and no role is made.
	m = &pulumimock.Mocks{Missing: map[string]bool{want: true}}
	_, err = pulumimock.Construct(m, "ci", args)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "reuseProvider needs the IAM OIDC provider "+want+", which could not be read")
	assert.Contains(t, err.Error(), "aws iam create-open-id-connect-provider --url https://"+issuerKey)
	assert.Empty(t, m.OfType(typRole))
}
