package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// iamQuotas are the IAM quotas that moto does not enforce and the aws
// stand-in does, as IAM does (AWS IAM User Guide, "IAM and AWS STS quotas";
// see FACTS.md). The zero value is IAM's defaults.
type iamQuotas struct {
	// TrustPolicy is the role trust policy length quota (ACLSizePerRole).
	TrustPolicy int
	// ManagedPerRole is the managed policies per role quota (PoliciesPerRole).
	ManagedPerRole int
}

// IAM's fixed limits.
const (
	iamInlinePoliciesSize = 10240
	iamRoleNameLength     = 64
)

func (q iamQuotas) trustPolicy() int {
	if q.TrustPolicy == 0 {
		return 2048
	}
	return q.TrustPolicy
}

func (q iamQuotas) managedPerRole() int {
	if q.ManagedPerRole == 0 {
		return 10
	}
	return q.ManagedPerRole
}

// iamSize is a policy's length as IAM counts it: without white space
// between JSON tokens.
func iamSize(doc string) int {
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(doc)); err != nil {
		return utf8.RuneCountInString(doc)
	}
	return utf8.RuneCount(buf.Bytes())
}

// limitExceeded is IAM's answer over a quota: LimitExceeded, HTTP 409, as the
// AWS SDK prints it.
func limitExceeded(format string, args ...any) error {
	return fmt.Errorf("operation error IAM: https response error StatusCode: 409, %w",
		&iamtypes.LimitExceededException{Message: aws.String(fmt.Sprintf(format, args...))})
}

// checkRole refuses a role name or trust policy IAM would refuse.
func (q iamQuotas) checkRole(name, trustPolicy string) error {
	if n := utf8.RuneCountInString(name); n > iamRoleNameLength {
		return fmt.Errorf("operation error IAM: https response error StatusCode: 400, api error ValidationError: "+
			"1 validation error detected: Value '%s' at 'roleName' failed to satisfy constraint: Member must have "+
			"length less than or equal to %d", name, iamRoleNameLength)
	}
	if iamSize(trustPolicy) > q.trustPolicy() {
		return limitExceeded("Cannot exceed quota for ACLSizePerRole: %d", q.trustPolicy())
	}
	return nil
}

// checkAttach refuses one more managed policy on a role at its quota.
func (q iamQuotas) checkAttach(ctx context.Context, c *iam.Client, role string) error {
	attached, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
	if err != nil {
		return err
	}
	if len(attached.AttachedPolicies) >= q.managedPerRole() {
		return limitExceeded("Cannot exceed quota for PoliciesPerRole: %d", q.managedPerRole())
	}
	return nil
}

// checkInline refuses an inline policy that would take the role's inline
// policies over their aggregate size.
func (q iamQuotas) checkInline(ctx context.Context, c *iam.Client, role, name, doc string) error {
	total := iamSize(doc)
	names, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(role)})
	if err != nil {
		return err
	}
	for _, n := range names.PolicyNames {
		if n == name {
			continue // replaced
		}
		got, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(n)})
		if err != nil {
			return err
		}
		total += iamSize(policyDocument(got.PolicyDocument))
	}
	if total > iamInlinePoliciesSize {
		return limitExceeded("Maximum policy size of %d bytes exceeded for role %s", iamInlinePoliciesSize, role)
	}
	return nil
}

// Invoke answers iam.getOpenIdConnectProvider by reading the provider.
func (p *awsStandin) Invoke(ctx context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	p.calls.add("Invoke")
	switch req.GetTok() {
	case "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider":
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return p.callerIdentity(ctx)
	case "aws:index/getPartition:getPartition":
		// moto serves the standard partition.
		ret, err := plugin.MarshalProperties(resource.PropertyMap{
			"id": resource.NewProperty("aws"), "partition": resource.NewProperty("aws"),
			"dnsSuffix": resource.NewProperty("amazonaws.com"), "reverseDnsPrefix": resource.NewProperty("com.amazonaws"),
		}, plugin.MarshalOptions{})
		return &pulumirpc.InvokeResponse{Return: ret}, err
	default:
		return nil, fmt.Errorf("aws stand-in: %s is not implemented", req.GetTok())
	}
	args, err := props(req.GetArgs())
	if err != nil {
		return nil, err
	}
	arn := str(args, "arn")
	got, err := p.conn(ctx).iam.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("reading IAM OIDC Provider (%s): %w", arn, err)
	}
	list := func(v []string) resource.PropertyValue {
		out := make([]resource.PropertyValue, len(v))
		for i, s := range v {
			out[i] = resource.NewProperty(s)
		}
		return resource.NewProperty(out)
	}
	ret, err := plugin.MarshalProperties(resource.PropertyMap{
		"arn":             resource.NewProperty(arn),
		"id":              resource.NewProperty(arn),
		"url":             resource.NewProperty(aws.ToString(got.Url)),
		"clientIdLists":   list(got.ClientIDList),
		"thumbprintLists": list(got.ThumbprintList),
		"tags":            resource.NewProperty(resource.PropertyMap{}),
	}, plugin.MarshalOptions{})
	return &pulumirpc.InvokeResponse{Return: ret}, err
}

// callerIdentity answers aws.getCallerIdentity from moto's STS.
func (p *awsStandin) callerIdentity(ctx context.Context) (*pulumirpc.InvokeResponse, error) {
	id, err := p.conn(ctx).sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, err
	}
	ret, err := plugin.MarshalProperties(resource.PropertyMap{
		"id":        resource.NewProperty(aws.ToString(id.Account)),
		"accountId": resource.NewProperty(aws.ToString(id.Account)),
		"arn":       resource.NewProperty(aws.ToString(id.Arn)),
		"userId":    resource.NewProperty(aws.ToString(id.UserId)),
	}, plugin.MarshalOptions{})
	return &pulumirpc.InvokeResponse{Return: ret}, err
}
