package e2e

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// typePolicy is pulumi-aws's customer managed policy, which a consumer's
// program creates to attach its own policy by ARN (managedPolicyArns).
const typePolicy = "aws:iam/policy:Policy"

func init() {
	// pulumi-aws replaces a policy whose name, path or description changes,
	// and updates its document in place with a new default version.
	diffKeys[typePolicy] = []string{"name", "namePrefix", "path", "policy", "description", "tags"}
	replaceKeys[typePolicy] = []string{"name", "namePrefix", "path", "description"}
}

// createPolicy is pulumi-aws's Policy create: CreatePolicy, whose ARN is the
// resource's ID and its arn output.
func createPolicy(ctx context.Context, c *iam.Client, in, out resource.PropertyMap) (string, error) {
	input := &iam.CreatePolicyInput{
		PolicyName: aws.String(str(in, "name")), Path: aws.String(str(in, "path")),
		PolicyDocument: aws.String(str(in, "policy")), Tags: tags(in),
	}
	if d := str(in, "description"); d != "" {
		input.Description = aws.String(d)
	}
	r, err := c.CreatePolicy(ctx, input)
	if err != nil {
		return "", err
	}
	arn := aws.ToString(r.Policy.Arn)
	out["arn"] = resource.NewProperty(arn)
	out["policyId"] = resource.NewProperty(aws.ToString(r.Policy.PolicyId))
	return arn, nil
}

// updatePolicy is pulumi-aws's in-place update of a policy's document: a new
// default version.
func updatePolicy(ctx context.Context, c *iam.Client, arn string, news resource.PropertyMap) error {
	_, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{
		PolicyArn: aws.String(arn), PolicyDocument: aws.String(str(news, "policy")), SetAsDefault: true,
	})
	return err
}

// deletePolicy is pulumi-aws's Policy delete: its other versions first, as
// IAM refuses to delete a policy that has any.
func deletePolicy(ctx context.Context, c *iam.Client, arn string) error {
	versions, err := c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
	if err != nil {
		return err
	}
	for _, v := range versions.Versions {
		if !v.IsDefaultVersion {
			if _, err := c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{
				PolicyArn: aws.String(arn), VersionId: v.VersionId}); err != nil {
				return err
			}
		}
	}
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	return err
}
