package audit_test

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

const (
	account = "123456789012" // moto's account
	org     = "11111111-1111-4111-8111-111111111111"
	org2    = "66666666-6666-4666-8666-666666666666"
	project = "22222222-2222-4222-8222-222222222222"
	user    = "55555555-5555-4555-8555-555555555555"
)

func providerARN(o string) string {
	return "arn:aws:iam::" + account + ":oidc-provider/oidc.circleci.com/org/" + o
}

func issuerKey(o string) string { return "oidc.circleci.com/org/" + o }

// seedProvider is an OIDC provider to create.
type seedProvider struct {
	url       string
	clientIDs []string
}

var seedProviders = []seedProvider{
	{"https://oidc.circleci.com/org/" + org, []string{org, "sts.amazonaws.com"}},
	{"https://oidc.circleci.com/org/" + org2, []string{org2}},
	{"https://token.actions.githubusercontent.com", []string{"sts.amazonaws.com"}},
}

// seedRole is a role to create, with what audit should say about it.
type seedRole struct {
	name, policy string
	// want are the checks audit should report, most severe first; nil for a
	// clean role; skip for a role audit must ignore.
	want []string
	skip bool
}

// handWritten is a one-statement trust policy for the first organization's
// provider with the given condition block.
func handWritten(o string, cond map[string]map[string]any) string {
	st := map[string]any{
		"Effect":    "Allow",
		"Principal": map[string]any{"Federated": providerARN(o)},
		"Action":    "sts:AssumeRoleWithWebIdentity",
	}
	if cond != nil {
		st["Condition"] = cond
	}
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{st}})
	return string(b)
}

// own is what this project's component writes for a scope.
func own(scope trust.Scope, pinning trust.Pinning) string {
	scope.OrganizationID = org
	return trust.Build(trust.Spec{
		ProviderARN: providerARN(org), IssuerURL: "https://" + issuerKey(org), Audiences: []string{org},
		Scope: scope, ProjectPinning: pinning,
	}).JSON()
}

// seedRoles are the shapes common tools write, and this project's own.
func seedRoles() []seedRole {
	aud := map[string]any{issuerKey(org) + ":aud": org}
	return []seedRole{
		{name: "circleci-oidc-deploy", policy: own(trust.Scope{ProjectIDs: []string{project}, Branches: []string{"main"},
			VCSOrigins: []string{"github.com/acme/api"}}, trust.PinClaim)},
		{name: "circleci-oidc-ci", policy: own(trust.Scope{ProjectIDs: []string{project}}, trust.PinSubject)},
		// terraform-aws-modules style: every project of the organization.
		{name: "terraform-org-projects", policy: handWritten(org, map[string]map[string]any{
			"StringEquals": aud,
			"StringLike":   {issuerKey(org) + ":sub": "org/" + org + "/project/*"},
		}), want: []string{"whole-organization"}},
		// Hand-written StringEquals on a v1 subject.
		{name: "hand-written-deploy", policy: handWritten(org, map[string]map[string]any{
			"StringEquals": {issuerKey(org) + ":aud": org, issuerKey(org) + ":sub": "org/" + org + "/project/" + project + "/user/" + user},
		}), want: []string{"v1-only"}},
		// The console's default: aud only.
		{name: "org-wide-aud-only", policy: handWritten(org, map[string]map[string]any{"StringEquals": aud}),
			want: []string{"whole-organization"}},
		// One user, any project: the user can be spelt in a branch name.
		{name: "user-pinned-any-project", policy: handWritten(org, map[string]map[string]any{
			"StringEquals": aud,
			"StringLike":   {issuerKey(org) + ":sub": "org/" + org + "/project/*/user/" + user},
		}), want: []string{"star-before-pinned-segment", "v1-only"}},
		// main of any repository, without the double-vcs-ref guard.
		{name: "main-branch-no-guard", policy: handWritten(org, map[string]map[string]any{
			"StringEquals": aud,
			"StringLike":   {issuerKey(org) + ":sub": "org/" + org + "/project/" + project + "/user/*/vcs-origin/*/vcs-ref/refs/heads/main"},
		}), want: []string{"ref-guard-missing", "branch-without-origin"}},
		// A second organization's provider, trusted without any condition.
		{name: "legacy-any-job", policy: handWritten(org2, nil), want: []string{"no-condition"}},
		// Not CircleCI: ignored.
		{name: "github-actions-deploy", skip: true, policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
			`"Principal":{"Federated":"arn:aws:iam::` + account + `:oidc-provider/token.actions.githubusercontent.com"},` +
			`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/*"}}}]}`},
		{name: "ec2-instance", skip: true, policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
			`"Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`},
	}
}

// seed creates the providers and roles in an account.
func seed(ctx context.Context, client *iam.Client) error {
	for _, p := range seedProviders {
		if _, err := client.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
			Url: aws.String(p.url), ClientIDList: p.clientIDs,
			ThumbprintList: []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"},
		}); err != nil {
			return err
		}
	}
	for _, r := range seedRoles() {
		if _, err := client.CreateRole(ctx, &iam.CreateRoleInput{
			RoleName: aws.String(r.name), Path: aws.String("/ci/"), AssumeRolePolicyDocument: aws.String(r.policy),
		}); err != nil {
			return err
		}
	}
	return nil
}
