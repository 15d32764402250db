// Package tests holds tests that cross package lines: the component's
// exported trust policy judged by the trust package's IAM evaluator against
// real-looking CircleCI tokens.
package tests

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component"
	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/pulumimock"
)

const (
	org      = "5a1e7e5e-0c1d-4a6b-9f3e-1b2c3d4e5f60"
	otherOrg = "9b8c7d6e-5f40-4a3b-8c2d-1e0f9a8b7c6d"
	api      = "0d6b4a8e-7c3f-4e21-9a5b-3c2d1e0f9a8b"
	web      = "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9"
	alice    = "c0ffee00-1234-4abc-8def-0123456789ab"
)

type job struct {
	org, project, origin, ref string
	v1                        bool
	aud                       string
}

func (j job) claims() trust.Claims {
	o := j.org
	if o == "" {
		o = org
	}
	sub := "org/" + o + "/project/" + j.project + "/user/" + alice
	if !j.v1 {
		sub += "/vcs-origin/" + j.origin + "/vcs-ref/" + j.ref
	}
	aud := j.aud
	if aud == "" {
		aud = o
	}
	return trust.Claims{Issuer: "https://oidc.circleci.com/org/" + o, Subject: sub, Audience: []string{aud}, ProjectID: j.project}
}

// TestExportedPolicyDecidesLikeIAM builds the component under mocks, checks the
// role received exactly the exported trust policy, then judges jobs with it.
func TestExportedPolicyDecidesLikeIAM(t *testing.T) {
	args := component.CircleCIOIDCArgs{
		OrganizationId: pulumi.String(org),
		ProjectIds:     pulumi.ToStringArray([]string{api}),
		Branches:       pulumi.ToStringArray([]string{"main"}),
		GitTags:        pulumi.ToStringArray([]string{"v*"}),
		VcsOrigins:     pulumi.ToStringArray([]string{"github.com/acme/api"}),
		ProjectPinning: "both",
	}
	m := &pulumimock.Mocks{}
	out, err := pulumimock.Construct(m, "deploy", args)
	require.NoError(t, err)
	roles := m.OfType("aws:iam/role:Role")
	require.Len(t, roles, 1)
	require.Equal(t, out.TrustPolicy, roles[0].Inputs["assumeRolePolicy"].StringValue())
	policy, err := trust.Parse(out.TrustPolicy)
	require.NoError(t, err)

	tests := []struct {
		name  string
		job   job
		allow bool
	}{
		{"main of the api repo", job{project: api, origin: "github.com/acme/api", ref: "refs/heads/main"}, true},
		{"release tag", job{project: api, origin: "github.com/acme/api", ref: "refs/tags/v2.0.1"}, true},
		{"feature branch", job{project: api, origin: "github.com/acme/api", ref: "refs/heads/feature"}, false},
		{"v1 token", job{project: api, v1: true}, false},
		{"other project", job{project: web, origin: "github.com/acme/api", ref: "refs/heads/main"}, false},
		{"fork", job{project: api, origin: "github.com/mallory/api", ref: "refs/heads/main"}, false},
		{"branch spelling main", job{project: api, origin: "github.com/acme/api", ref: "refs/heads/x/vcs-ref/refs/heads/main"}, false},
		{"other organization", job{org: otherOrg, project: api, origin: "github.com/acme/api", ref: "refs/heads/main"}, false},
		{"custom audience", job{project: api, origin: "github.com/acme/api", ref: "refs/heads/main", aud: "sts.amazonaws.com"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := trust.Evaluate(policy, tt.job.claims())
			assert.Equal(t, tt.allow, v.Allowed, v.Reason)
		})
	}
}

// TestSecondRoleSharesTheProvider is the provider-reuse recipe from the README.
func TestSecondRoleSharesTheProvider(t *testing.T) {
	m := &pulumimock.Mocks{}
	var deploy, readonly pulumimock.Outputs
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		d, err := component.NewCircleCIOIDC(ctx, "deploy", component.CircleCIOIDCArgs{
			OrganizationId: pulumi.String(org),
			ProjectIds:     pulumi.ToStringArray([]string{api}),
			Branches:       pulumi.ToStringArray([]string{"main"}),
		})
		if err != nil {
			return err
		}
		r, err := component.NewCircleCIOIDC(ctx, "readonly", component.CircleCIOIDCArgs{
			OrganizationId:      pulumi.String(org),
			ProjectIds:          pulumi.ToStringArray([]string{api, web}),
			ExistingProviderArn: d.ProviderArn,
			ManagedPolicyArns:   pulumi.ToStringArray([]string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}),
		})
		if err != nil {
			return err
		}
		pulumimock.Await(d, &deploy)
		pulumimock.Await(r, &readonly)
		return nil
	}, pulumi.WithMocks("circleci-oidc", "test", m))
	require.NoError(t, err)
	assert.Len(t, m.OfType("aws:iam/openIdConnectProvider:OpenIdConnectProvider"), 1)
	var fetches int
	for _, c := range m.Calls() {
		if c.Token == pulumimock.GetCertificate {
			fetches++
		}
	}
	assert.Equal(t, 1, fetches, "one certificate fetch for one provider")
	assert.Equal(t, deploy.ProviderArn, readonly.ProviderArn)

	webJob := job{project: web, origin: "github.com/acme/web", ref: "refs/heads/feature"}.claims()
	dp, _ := trust.Parse(deploy.TrustPolicy)
	rp, _ := trust.Parse(readonly.TrustPolicy)
	assert.False(t, trust.Evaluate(dp, webJob).Allowed)
	assert.True(t, trust.Evaluate(rp, webJob).Allowed)
}
