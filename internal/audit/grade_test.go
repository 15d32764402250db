package audit_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/audit"
)

// fakeIAM is an account in memory: providers by ARN and roles by name, with
// policies URL-encoded as IAM returns them, listed two roles a page.
type fakeIAM struct {
	providers map[string][]string // URL without scheme -> client IDs
	roles     [][2]string         // name, policy
}

func (f fakeIAM) ListOpenIDConnectProviders(context.Context, *iam.ListOpenIDConnectProvidersInput, ...func(*iam.Options)) (*iam.ListOpenIDConnectProvidersOutput, error) {
	out := &iam.ListOpenIDConnectProvidersOutput{}
	for u := range f.providers {
		out.OpenIDConnectProviderList = append(out.OpenIDConnectProviderList, types.OpenIDConnectProviderListEntry{
			Arn: aws.String("arn:aws:iam::" + account + ":oidc-provider/" + u)})
	}
	return out, nil
}

func (f fakeIAM) GetOpenIDConnectProvider(_ context.Context, in *iam.GetOpenIDConnectProviderInput, _ ...func(*iam.Options)) (*iam.GetOpenIDConnectProviderOutput, error) {
	_, u, _ := strings.Cut(aws.ToString(in.OpenIDConnectProviderArn), ":oidc-provider/")
	return &iam.GetOpenIDConnectProviderOutput{Url: aws.String(u), ClientIDList: f.providers[u]}, nil
}

func (f fakeIAM) ListRoles(_ context.Context, in *iam.ListRolesInput, _ ...func(*iam.Options)) (*iam.ListRolesOutput, error) {
	start := 0
	if in.Marker != nil {
		fmt.Sscan(aws.ToString(in.Marker), &start)
	}
	out := &iam.ListRolesOutput{}
	for i := start; i < len(f.roles) && i < start+2; i++ {
		out.Roles = append(out.Roles, types.Role{RoleName: aws.String(f.roles[i][0]),
			Arn:                      aws.String("arn:aws:iam::" + account + ":role/" + f.roles[i][0]),
			AssumeRolePolicyDocument: aws.String(strings.ReplaceAll(url.QueryEscape(f.roles[i][1]), "+", "%20"))})
	}
	if start+2 < len(f.roles) {
		out.IsTruncated, out.Marker = true, aws.String(fmt.Sprint(start+2))
	}
	return out, nil
}

func scanOne(t *testing.T, policy string, opts audit.Options) audit.Role {
	t.Helper()
	f := fakeIAM{providers: map[string][]string{issuerKey(org): {org}}, roles: [][2]string{{"r", policy}}}
	rep, err := audit.Scan(t.Context(), f, opts)
	require.NoError(t, err)
	require.Len(t, rep.Roles, 1)
	return rep.Roles[0]
}

func TestGradeShapes(t *testing.T) {
	sub := issuerKey(org) + ":sub"
	aud := map[string]any{issuerKey(org) + ":aud": org}
	tests := []struct {
		name   string
		policy string
		want   []string
	}{
		{"own output, branch without origin: the guard holds, forks do not",
			own(trust.Scope{ProjectIDs: []string{project}, Branches: []string{"main"}}, trust.PinSubject), []string{"branch-without-origin"}},
		{"own output, users", own(trust.Scope{ProjectIDs: []string{project}, UserIDs: []string{user}}, trust.PinSubject), nil},
		{"own output, origin only", own(trust.Scope{VCSOrigins: []string{"github.com/acme/api"}}, trust.PinSubject), nil},
		{"own output, whole organization on purpose", own(trust.Scope{}, trust.PinSubject), []string{"whole-organization"}},
		{"ForAllValues does not pin aud", handWritten(org, map[string]map[string]any{
			"ForAllValues:StringLike": {issuerKey(org) + ":aud": "*"},
			"StringLike":              {sub: "org/" + org + "/project/" + project + "/user/*"},
		}), []string{"aud-not-pinned"}},
		// Finding A1: the guard stops a pinned origin spelt in the branch, not
		// one spelt in the origin, as a GitLab subgroup may be named "user".
		{"an origin after a *, with the guard: spelt in a subgroup path", handWritten(org, map[string]map[string]any{"StringEquals": aud,
			"StringLike":    {sub: "org/" + org + "/project/*/user/*/vcs-origin/gitlab.com/acme/api/vcs-ref/refs/heads/main"},
			"StringNotLike": {sub: trust.RefSpoofGuard},
		}), []string{"star-before-pinned-segment"}},
		// Finding A2: whole-organization trust on a branch other than the
		// four the probes used to try.
		{"own output, whole organization on one branch", own(trust.Scope{Branches: []string{"deploy"}}, trust.PinSubject),
			[]string{"whole-organization", "branch-without-origin"}},
		// The noise: branch-without-origin once per statement.
		{"own output, three branches without origin", own(trust.Scope{ProjectIDs: []string{project},
			Branches: []string{"main", "dev", "release/*"}}, trust.PinSubject), []string{"branch-without-origin"}},
		// Finding A3: JSON-escaped slashes.
		{"escaped slashes", strings.ReplaceAll(own(trust.Scope{}, trust.PinSubject), "/", `\/`), []string{"whole-organization"}},
		{"an origin after a *, without the guard", handWritten(org, map[string]map[string]any{"StringEquals": aud,
			"StringLike": {sub: "org/" + org + "/project/*/user/*/vcs-origin/github.com/acme/api/vcs-ref/refs/heads/main"},
		}), []string{"star-before-pinned-segment"}},
		{"the guard stops a spelt origin", handWritten(org, map[string]map[string]any{"StringEquals": aud,
			"StringLike":    {sub: "org/" + org + "/project/" + project + "/user/*/vcs-origin/github.com/acme/api/vcs-ref/*"},
			"StringNotLike": {sub: trust.RefSpoofGuard},
		}), nil},
		{"aud by a pattern the organization ID does not match", handWritten(org, map[string]map[string]any{
			"StringLike": {issuerKey(org) + ":aud": "custom-*"},
		}), []string{"whole-organization", "aud-not-pinned"}},
		{"a request key makes a finding conditional", handWritten(org, map[string]map[string]any{"StringEquals": aud,
			"StringLike": {"sts:RoleSessionName": "deploy-*"},
		}), []string{"whole-organization"}},
		{"a Deny statement that keeps other projects out", `{"Version":"2012-10-17","Statement":[` +
			`{"Effect":"Allow","Principal":{"Federated":"` + providerARN(org) + `"},"Action":"sts:AssumeRoleWithWebIdentity",` +
			`"Condition":{"StringEquals":{"` + issuerKey(org) + `:aud":"` + org + `"}}},` +
			`{"Effect":"Deny","Principal":{"Federated":"` + providerARN(org) + `"},"Action":"sts:AssumeRoleWithWebIdentity",` +
			`"Condition":{"StringNotLike":{"` + sub + `":"org/` + org + `/project/` + project + `/*"}}}]}`, nil},
		{"a key given twice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + providerARN(org) +
			`"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + sub + `":"a","` + sub + `":"b"}}}]}`,
			[]string{"unreadable-policy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := scanOne(t, tt.policy, audit.Options{})
			assert.Equal(t, tt.want, checks(r.Findings), "%+v", r.Findings)
		})
	}

	r := scanOne(t, handWritten(org, map[string]map[string]any{"StringEquals": aud, "StringLike": {"sts:RoleSessionName": "deploy-*"}}), audit.Options{})
	require.Len(t, r.Findings, 1)
	assert.Contains(t, r.Findings[0].Problem, "(if statement 0: sts:RoleSessionName depends on the RoleSessionName")
}

// TestGradeServerIssuer covers findings A4 and A5: on a server issuer,
// whole-organization trust was never flagged, because the probes named the
// placeholder <ORG_ID>; and a project pinned with StringEqualsIfExists on
// the project-id key, which STS sets only under CircleCI cloud's issuer,
// holds for every project.
func TestGradeServerIssuer(t *testing.T) {
	server := "circleci.example.com/org/" + org
	arn := "arn:aws:iam::" + account + ":oidc-provider/" + server
	doc := func(cond string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + arn +
			`"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":` + cond + `}]}`
	}
	tests := []struct{ name, policy string }{
		{"aud only", doc(`{"StringEquals":{"` + server + `:aud":"` + org + `"}}`)},
		{"any project", doc(`{"StringEquals":{"` + server + `:aud":"` + org + `"},"StringLike":{"` + server + `:sub":"org/` + org + `/project/*"}}`)},
		{"project-id IfExists", doc(`{"StringEquals":{"` + server + `:aud":"` + org + `"},"StringEqualsIfExists":{"` + server +
			`:oidc.circleci.com/project-id":"` + project + `"},"StringLike":{"` + server + `:sub":"org/` + org + `/project/*/user/*"}}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fakeIAM{providers: map[string][]string{server: {org}}, roles: [][2]string{{"r", tt.policy}}}
			rep, err := audit.Scan(t.Context(), f, audit.Options{Issuers: []string{"https://" + server}})
			require.NoError(t, err)
			require.Len(t, rep.Roles, 1)
			assert.Contains(t, checks(rep.Roles[0].Findings), "whole-organization", "%+v", rep.Roles[0].Findings)
		})
	}
}

func TestGradeSize(t *testing.T) {
	// Enough projects to land between 90 % and 100 % of the default quota.
	var projects []string
	policy := ""
	for n := 1; ; n++ {
		projects = append(projects, fmt.Sprintf("%08x-0000-4000-8000-%012x", n, n))
		policy = own(trust.Scope{ProjectIDs: projects}, trust.PinSubject)
		if audit.Size(policy)*10 >= audit.DefaultQuota*9 {
			break
		}
	}
	require.LessOrEqual(t, audit.Size(policy), audit.DefaultQuota)
	assert.Equal(t, []string{"size-near-quota"}, checks(scanOne(t, policy, audit.Options{}).Findings))
	assert.Empty(t, scanOne(t, policy, audit.Options{Quota: 4096}).Findings)

	projects = append(projects, "ffffffff-0000-4000-8000-ffffffffffff", "eeeeeeee-0000-4000-8000-eeeeeeeeeeee", "dddddddd-0000-4000-8000-dddddddddddd")
	over := scanOne(t, own(trust.Scope{ProjectIDs: projects}, trust.PinSubject), audit.Options{})
	require.Len(t, over.Findings, 1)
	assert.Equal(t, audit.Medium, over.Findings[0].Severity)
	assert.Contains(t, over.Findings[0].Problem, "over the declared quota of 2048")

	assert.Equal(t, 5, audit.Size(" {\n\t\"a\" } "))
}

func TestScanOptions(t *testing.T) {
	server := "circleci.example.com/org/" + org
	f := fakeIAM{
		providers: map[string][]string{server: {org}, "oidc.eks.example.com/id/X": {"sts.amazonaws.com"}},
		roles: [][2]string{
			{"a", strings.ReplaceAll(own(trust.Scope{ProjectIDs: []string{project}}, trust.PinSubject), issuerKey(org), server)},
			{"b", `{"Version":"2012-10-17","Statement":[]}`},
			{"c", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`},
		},
	}
	rep, err := audit.Scan(t.Context(), f, audit.Options{})
	require.NoError(t, err)
	assert.Empty(t, rep.Providers, "a server issuer is audited only when named")
	assert.Equal(t, 3, rep.RolesScanned, "all pages are read")

	rep, err = audit.Scan(t.Context(), f, audit.Options{Issuers: []string{"https://" + server}})
	require.NoError(t, err)
	require.Len(t, rep.Providers, 1)
	assert.Equal(t, []string{"a"}, rep.Providers[0].Roles)
	assert.Empty(t, rep.Findings)

	_, err = audit.Scan(t.Context(), f, audit.Options{Issuers: []string{server}})
	assert.ErrorContains(t, err, "is not an https URL")
	_, err = audit.Scan(t.Context(), f, audit.Options{Quota: 100})
	assert.ErrorContains(t, err, "quota 100 is outside 2048 to 8192")

	for _, name := range []string{"info", "LOW", "medium", "high", "critical"} {
		_, err := audit.ParseSeverity(name)
		assert.NoError(t, err)
	}
	_, err = audit.ParseSeverity("severe")
	assert.ErrorContains(t, err, `severity "severe" is not one of info, low, medium, high, critical`)
}
