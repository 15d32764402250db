package e2e

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// typePolicy is pulumi-aws's customer managed policy, which consumer
// programs create and attach to the component's role by its ARN.
const typePolicy = "aws:iam/policy:Policy"

func init() {
	// pulumi-aws replaces a policy whose name, path or description changes,
	// and versions its document in place.
	replaceKeys[typePolicy] = []string{"name", "namePrefix", "path", "description"}
	diffKeys[typePolicy] = []string{"name", "namePrefix", "path", "description", "policy", "tags"}
}

// checkPolicy auto-names a policy as pulumi-aws does, keeping the name it had.
func checkPolicy(urn string, olds, news resource.PropertyMap) {
	if !news.HasValue("name") {
		switch {
		case olds.HasValue("name") && str(olds, "namePrefix") == str(news, "namePrefix"):
			news["name"] = olds["name"]
		case news.HasValue("namePrefix"):
			news["name"] = resource.NewProperty(str(news, "namePrefix") + "2026112800000000000000" + suffix(4))
		default:
			news["name"] = resource.NewProperty(nameOf(urn) + "-" + suffix(7))
		}
	}
	if !news.HasValue("path") {
		news["path"] = resource.NewProperty("/")
	}
}

// createPolicy creates the policy; its ID is its ARN, as in pulumi-aws.
func createPolicy(ctx context.Context, c *iam.Client, in, out resource.PropertyMap) (string, error) {
	input := &iam.CreatePolicyInput{PolicyName: aws.String(str(in, "name")), Path: aws.String(str(in, "path")),
		PolicyDocument: aws.String(str(in, "policy")), Tags: tags(in)}
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

// updatePolicy makes the new document the default version, deleting the
// oldest version first when IAM's five are taken, as pulumi-aws does.
func updatePolicy(ctx context.Context, c *iam.Client, arn, document string) error {
	versions, err := c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
	if err != nil {
		return err
	}
	if len(versions.Versions) >= 5 {
		var oldest *iamtypes.PolicyVersion
		for i, v := range versions.Versions {
			if !v.IsDefaultVersion && (oldest == nil || v.CreateDate.Before(aws.ToTime(oldest.CreateDate))) {
				oldest = &versions.Versions[i]
			}
		}
		if _, err := c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: oldest.VersionId}); err != nil {
			return err
		}
	}
	_, err = c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn),
		PolicyDocument: aws.String(document), SetAsDefault: true})
	return err
}

// deletePolicy deletes the policy's other versions, then the policy, as IAM
// requires.
func deletePolicy(ctx context.Context, c *iam.Client, arn string) error {
	versions, err := c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
	var missing *iamtypes.NoSuchEntityException
	if errors.As(err, &missing) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, v := range versions.Versions {
		if !v.IsDefaultVersion {
			if _, err := c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: v.VersionId}); err != nil {
				return err
			}
		}
	}
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	return err
}
