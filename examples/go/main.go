// Command circleci-oidc-go uses CircleCIOIDC through the Go SDK that
// `pulumi package add` generates, as a remote component served by the plugin.
package main

import (
	"encoding/json"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/circleci-oidc/pulumi-circleci-oidc/sdk/go/circlecioidc"
)

func main() {
	pulumi.Run(program)
}

// program is the whole Pulumi program; the end-to-end suite runs it inline.
func program(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	organizationID := cfg.Get("organizationId")
	if organizationID == "" {
		organizationID = "11111111-1111-4111-8111-111111111111"
	}
	projectID := cfg.Get("projectId")
	if projectID == "" {
		projectID = "22222222-2222-4222-8222-222222222222"
	}
	infraProjectID := cfg.Get("infraProjectId")
	if infraProjectID == "" {
		infraProjectID = "33333333-3333-4333-8333-333333333333"
	}
	deploy, err := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Effect": "Allow", "Action": []string{"s3:PutObject"}, "Resource": "arn:aws:s3:::acme-artifacts/*",
		}},
	})
	if err != nil {
		return err
	}
	oidc, err := circlecioidc.NewCircleCIOIDC(ctx, "circleci", &circlecioidc.CircleCIOIDCArgs{
		OrganizationId: pulumi.String(organizationID),
		// The API deploys from main, infrastructure from release branches.
		Rules: circlecioidc.RuleArray{
			circlecioidc.RuleArgs{
				ProjectIds: []string{projectID},
				VcsOrigins: []string{"github.com/acme/api"},
				Branches:   []string{"main"},
			},
			circlecioidc.RuleArgs{
				ProjectIds: []string{infraProjectID},
				VcsOrigins: []string{"github.com/acme/infra"},
				Branches:   []string{"release/*"},
			},
		},
		RoleName:          pulumi.String("circleci-deploy"),
		Path:              pulumi.String("/ci/"),
		Tags:              pulumi.StringMap{"team": pulumi.String("platform")},
		ManagedPolicyArns: pulumi.StringArray{pulumi.String("arn:aws:iam::aws:policy/ReadOnlyAccess")},
		InlinePolicies:    pulumi.StringMap{"deploy-artifacts": pulumi.String(deploy)},
	})
	if err != nil {
		return err
	}
	ctx.Export("roleArn", oidc.RoleArn)
	ctx.Export("trustPolicy", oidc.TrustPolicy)
	return nil
}
