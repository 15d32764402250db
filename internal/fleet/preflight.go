package fleet

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Probe is what the read-only pre-flight learnt of an account.
type Probe struct {
	// Partition is the account's partition, from its caller identity ARN.
	Partition string
	// ProviderArn is the OIDC provider for the account's issuer, or empty
	// when there is none.
	ProviderArn string
}

// Prober does an account's pre-flight.
type Prober interface {
	Probe(ctx context.Context, job Job) (Probe, error)
}

// AWSProber does the pre-flight with the AWS SDK: assume the account's role
// with the ambient credentials, check GetCallerIdentity's account, and look
// the issuer's OIDC provider up. It only reads.
type AWSProber struct {
	// Base is the ambient configuration, of the management account or the
	// account fleet runs in.
	Base aws.Config
}

// PreflightSession is the role session name of the pre-flight.
const PreflightSession = "circleci-oidc-fleet-preflight"

// Probe implements Prober.
func (p *AWSProber) Probe(ctx context.Context, job Job) (Probe, error) {
	cfg, partition, err := reach(ctx, p.Base, job)
	if err != nil {
		return Probe{}, err
	}
	arn := ProviderArn(partition, job.Account.ID, IssuerURL(job.Config))
	_, err = iam.NewFromConfig(cfg).GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{
		OpenIDConnectProviderArn: aws.String(arn)})
	var missing *iamtypes.NoSuchEntityException
	switch {
	case errors.As(err, &missing):
		return Probe{Partition: partition}, nil
	case err != nil:
		return Probe{}, fmt.Errorf("iam:GetOpenIDConnectProvider %s: %w", arn, err)
	}
	return Probe{Partition: partition, ProviderArn: arn}, nil
}

// reach returns a configuration whose credentials are the account's: the
// job's role assumed with the base credentials, or the base ones for the
// management account. It checks GetCallerIdentity's account and returns the
// partition.
func reach(ctx context.Context, base aws.Config, job Job) (aws.Config, string, error) {
	cfg := base.Copy()
	if job.RoleArn != "" {
		out, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{
			RoleArn: aws.String(job.RoleArn), RoleSessionName: aws.String(PreflightSession)})
		if err != nil {
			return cfg, "", &ClassError{ClassUnreachable, fmt.Errorf("assuming %s: %w; check that the role exists "+
				"in account %s and trusts the credentials fleet runs with, or give the account's assumeRoleArn in fleet.yaml "+
				"or another --role-name", job.RoleArn, err, job.Account.ID)}
		}
		k := out.Credentials
		cfg.Credentials = credentials.NewStaticCredentialsProvider(
			aws.ToString(k.AccessKeyId), aws.ToString(k.SecretAccessKey), aws.ToString(k.SessionToken))
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return cfg, "", &ClassError{ClassUnreachable, fmt.Errorf("sts:GetCallerIdentity for account %s: %w",
			job.Account.ID, err)}
	}
	if got := aws.ToString(id.Account); got != job.Account.ID {
		return cfg, "", &ClassError{ClassWrongAccount, fmt.Errorf("the credentials for account %s are for account %s "+
			"(%s); fix the account's assumeRoleArn in fleet.yaml", job.Account.ID, got, aws.ToString(id.Arn))}
	}
	partition := "aws"
	if parts := strings.SplitN(aws.ToString(id.Arn), ":", 3); len(parts) == 3 {
		partition = parts[1]
	}
	return cfg, partition, nil
}
