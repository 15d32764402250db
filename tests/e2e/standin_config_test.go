package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/peer"
)

// awsConn is what one engine connection configured: the clients its calls use
// and the account they land in.
type awsConn struct {
	iam     *iam.Client
	sts     *sts.Client
	account string
}

// standinAssumeRole is pulumi-aws v6's assumeRole provider config, the fields
// the stand-in honours (sdk/v6 go/aws/config: AssumeRole).
type standinAssumeRole struct {
	RoleArn     string `json:"roleArn"`
	SessionName string `json:"sessionName"`
	ExternalId  string `json:"externalId"`
	Duration    string `json:"duration"`
}

// standinConfig is the provider config the stand-in reads.
type standinConfig struct {
	Region            string             `json:"region"`
	AssumeRole        *standinAssumeRole `json:"assumeRole"`
	AllowedAccountIds []string           `json:"allowedAccountIds"`
}

// conn returns the clients configured by the engine connection that sent this
// call. Every stack's engine dials the stand-in on its own connection, as it
// would start its own pulumi-resource-aws process, so stacks running at once
// each keep their own account. A call from an unconfigured connection uses
// the ambient credentials.
func (p *awsStandin) conn(ctx context.Context) *awsConn {
	if pr, ok := peer.FromContext(ctx); ok {
		if c, ok := p.sessions.Load(pr.Addr.String()); ok {
			return c.(*awsConn)
		}
	}
	return &awsConn{iam: iam.NewFromConfig(p.cfg), sts: sts.NewFromConfig(p.cfg)}
}

// Configure does what pulumi-aws's Configure does with region, assumeRole and
// allowedAccountIds (hashicorp/aws-sdk-go-base v2, credentials.go and
// internal/config/config.go, which pulumi-aws v6 runs): assume the role with
// the ambient credentials, build clients from the returned keys, ask STS for
// the account and refuse one not allowed, with aws-sdk-go-base's wording.
func (p *awsStandin) Configure(ctx context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	p.calls.add("Configure")
	cfg, err := readStandinConfig(req)
	if err != nil {
		return nil, err
	}
	awsCfg := p.cfg.Copy()
	if cfg.Region != "" {
		awsCfg.Region = cfg.Region
	}
	if ar := cfg.AssumeRole; ar != nil && ar.RoleArn != "" {
		in := &sts.AssumeRoleInput{RoleArn: aws.String(ar.RoleArn), RoleSessionName: aws.String(ar.SessionName)}
		if ar.SessionName == "" {
			// stscreds' default when no name is given.
			in.RoleSessionName = aws.String(fmt.Sprintf("aws-go-sdk-%d", time.Now().UTC().UnixNano()))
		}
		if ar.ExternalId != "" {
			in.ExternalId = aws.String(ar.ExternalId)
		}
		if ar.Duration != "" {
			d, err := time.ParseDuration(ar.Duration)
			if err != nil {
				return nil, fmt.Errorf("assume_role.duration %q: %w", ar.Duration, err)
			}
			in.DurationSeconds = aws.Int32(int32(d.Seconds()))
		}
		out, err := sts.NewFromConfig(awsCfg).AssumeRole(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("IAM Role (%s) cannot be assumed.\n\n"+
				"There are a number of possible causes of this - the most common are:\n"+
				"  * The credentials used in order to assume the role are invalid\n"+
				"  * The credentials do not have appropriate permission to assume the role\n"+
				"  * The role ARN is not valid\n\nAWS Error: %w\n", ar.RoleArn, err)
		}
		k := out.Credentials
		awsCfg.Credentials = credentials.NewStaticCredentialsProvider(
			aws.ToString(k.AccessKeyId), aws.ToString(k.SecretAccessKey), aws.ToString(k.SessionToken))
	}
	c := &awsConn{iam: iam.NewFromConfig(awsCfg), sts: sts.NewFromConfig(awsCfg)}
	id, err := c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("Retrieving AWS account details: %w", err)
	}
	c.account = aws.ToString(id.Account)
	if len(cfg.AllowedAccountIds) > 0 && !slices.Contains(cfg.AllowedAccountIds, c.account) {
		return nil, fmt.Errorf("AWS account ID not allowed: %s", c.account)
	}
	if pr, ok := peer.FromContext(ctx); ok {
		p.sessions.Store(pr.Addr.String(), c)
	}
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

// readStandinConfig reads the provider's config from the request's args. The
// engine may send a structured value as an object or as its JSON text.
func readStandinConfig(req *pulumirpc.ConfigureRequest) (standinConfig, error) {
	var cfg standinConfig
	args, err := props(req.GetArgs())
	if err != nil {
		return cfg, err
	}
	plainArgs := map[string]any{}
	for k, v := range args {
		if v.IsString() && (k == "assumeRole" || k == "allowedAccountIds") {
			var decoded any
			if json.Unmarshal([]byte(v.StringValue()), &decoded) == nil {
				plainArgs[string(k)] = decoded
				continue
			}
		}
		plainArgs[string(k)] = v.Mappable()
	}
	b, err := json.Marshal(plainArgs)
	if err != nil {
		return cfg, err
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return cfg, fmt.Errorf("aws stand-in: provider config: %w", err)
	}
	return cfg, nil
}
