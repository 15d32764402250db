package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

// The resource types the component uses, as pulumi-aws names them.
const (
	typeProvider   = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
	typeRole       = "aws:iam/role:Role"
	typeAttachment = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	typeRolePolicy = "aws:iam/rolePolicy:RolePolicy"
)

// awsStandin stands in for the pulumi-aws provider for exactly the four IAM
// resource types the component registers (and the managed policy consumer
// programs attach, standin_policy_test.go), with pulumi-aws's property names,
// and makes the real IAM calls against moto. It is test code: no other type
// or property is known to it.
type awsStandin struct {
	pulumirpc.UnimplementedResourceProviderServer
	// cfg is the ambient AWS configuration: moto's endpoint and the
	// management account's credentials.
	cfg    aws.Config
	calls  *callCounter
	quotas iamQuotas
	// sessions holds each engine connection's configured clients; see conn.
	sessions sync.Map
	faults   faults
}

var unmarshal = plugin.MarshalOptions{KeepUnknowns: true, SkipNulls: true, KeepSecrets: false}

func props(s *structpb.Struct) (resource.PropertyMap, error) {
	return plugin.UnmarshalProperties(s, unmarshal)
}

// pair unmarshals old and new properties.
func pair(olds, news *structpb.Struct) (resource.PropertyMap, resource.PropertyMap, error) {
	o, err := props(olds)
	if err != nil {
		return nil, nil, err
	}
	n, err := props(news)
	return o, n, err
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, plugin.MarshalOptions{KeepUnknowns: true})
}

func typeOf(urn string) string {
	parts := strings.Split(urn, "::")
	t := parts[len(parts)-2]
	return t[strings.LastIndex(t, "$")+1:]
}

func nameOf(urn string) string { return urn[strings.LastIndex(urn, "::")+2:] }

func str(m resource.PropertyMap, k string) string {
	if v, ok := m[resource.PropertyKey(k)]; ok && v.IsString() {
		return v.StringValue()
	}
	return ""
}

func strs(m resource.PropertyMap, k string) []string {
	v, ok := m[resource.PropertyKey(k)]
	if !ok || !v.IsArray() {
		return nil
	}
	var out []string
	for _, e := range v.ArrayValue() {
		if e.IsString() {
			out = append(out, e.StringValue())
		}
	}
	return out
}

func tags(m resource.PropertyMap) []iamtypes.Tag {
	v, ok := m["tags"]
	if !ok || !v.IsObject() {
		return nil
	}
	var out []iamtypes.Tag
	for k, tv := range v.ObjectValue() {
		if tv.IsString() {
			out = append(out, iamtypes.Tag{Key: aws.String(string(k)), Value: aws.String(tv.StringValue())})
		}
	}
	return out
}

func suffix(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

func (p *awsStandin) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: "6.83.4"}, nil
}

// Check auto-names a role as pulumi-aws does, keeping the name it had.
func (p *awsStandin) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	p.calls.add("Check")
	olds, news, err := pair(req.GetOlds(), req.GetNews())
	if err != nil {
		return nil, err
	}
	if typeOf(req.GetUrn()) == typeRole && !news.HasValue("name") {
		switch {
		case olds.HasValue("name") && str(olds, "namePrefix") == str(news, "namePrefix"):
			news["name"] = olds["name"]
		case news.HasValue("namePrefix"):
			news["name"] = resource.NewProperty(str(news, "namePrefix") + "2026112800000000000000" + suffix(4))
		default:
			news["name"] = resource.NewProperty(nameOf(req.GetUrn()) + "-" + suffix(7))
		}
	}
	if typeOf(req.GetUrn()) == typeRole && !news.HasValue("path") {
		news["path"] = resource.NewProperty("/")
	}
	if typeOf(req.GetUrn()) == typePolicy {
		checkPolicy(req.GetUrn(), olds, news)
	}
	if typeOf(req.GetUrn()) == typeRole && !news.HasValue("maxSessionDuration") {
		news["maxSessionDuration"] = resource.NewProperty(3600.0)
	}
	inputs, err := withSecrets(news, req.GetNews())
	return &pulumirpc.CheckResponse{Inputs: inputs}, err
}

// replaceKeys are the properties whose change replaces the resource.
var replaceKeys = map[string][]string{
	// moto lacks Add/RemoveClientIDToOpenIDConnectProvider, so the stand-in
	// replaces where pulumi-aws would update the client IDs in place.
	typeProvider:   {"url", "clientIdLists"},
	typeRole:       {"name", "namePrefix", "path"},
	typeAttachment: {"role", "policyArn"},
	typeRolePolicy: {"role", "name"},
}

var diffKeys = map[string][]string{
	typeProvider:   {"url", "clientIdLists", "thumbprintLists", "tags"},
	typeRole:       {"name", "namePrefix", "path", "assumeRolePolicy", "description", "maxSessionDuration", "permissionsBoundary", "tags"},
	typeAttachment: {"role", "policyArn"},
	typeRolePolicy: {"role", "name", "policy"},
}

func (p *awsStandin) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	p.calls.add("Diff")
	olds, news, err := pair(req.GetOldInputs(), req.GetNews())
	if err != nil {
		return nil, err
	}
	typ := typeOf(req.GetUrn())
	var diffs, replaces []string
	for _, k := range diffKeys[typ] {
		o, n := olds[resource.PropertyKey(k)], news[resource.PropertyKey(k)]
		if n.ContainsUnknowns() || !o.DeepEquals(n) {
			diffs = append(diffs, k)
			if slices.Contains(replaceKeys[typ], k) {
				replaces = append(replaces, k)
			}
		}
	}
	resp := &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE, Diffs: diffs, Replaces: replaces}
	if len(diffs) > 0 {
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	resp.DeleteBeforeReplace = typ == typeAttachment
	return resp, nil
}

func (p *awsStandin) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	p.calls.add("Create")
	in, err := props(req.GetProperties())
	if err != nil {
		return nil, err
	}
	out := in.Copy()
	typ := typeOf(req.GetUrn())
	if req.GetPreview() {
		unknown := resource.MakeComputed(resource.NewProperty(""))
		switch typ {
		case typeProvider, typeRole, typePolicy:
			out["arn"] = unknown
		}
		props, err := withSecrets(out, req.GetProperties())
		return &pulumirpc.CreateResponse{Properties: props}, err
	}
	c := p.conn(ctx)
	if err := p.faults.next(c.account, "Create"+typ[strings.LastIndex(typ, ":")+1:]); err != nil {
		return nil, err
	}
	var id string
	switch typ {
	case typeProvider:
		r, err := c.iam.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
			Url: aws.String(str(in, "url")), ClientIDList: strs(in, "clientIdLists"),
			ThumbprintList: strs(in, "thumbprintLists"), Tags: tags(in),
		})
		if err != nil {
			return nil, err
		}
		id = aws.ToString(r.OpenIDConnectProviderArn)
		out["arn"] = resource.NewProperty(id)
	case typeRole:
		if err := p.quotas.checkRole(str(in, "name"), str(in, "assumeRolePolicy")); err != nil {
			return nil, fmt.Errorf("creating IAM Role (%s): %w", str(in, "name"), err)
		}
		input := &iam.CreateRoleInput{
			RoleName: aws.String(str(in, "name")), Path: aws.String(str(in, "path")),
			AssumeRolePolicyDocument: aws.String(str(in, "assumeRolePolicy")), Tags: tags(in),
			MaxSessionDuration: aws.Int32(int32(in["maxSessionDuration"].NumberValue())),
		}
		if d := str(in, "description"); d != "" {
			input.Description = aws.String(d)
		}
		if b := str(in, "permissionsBoundary"); b != "" {
			input.PermissionsBoundary = aws.String(b)
		}
		r, err := c.iam.CreateRole(ctx, input)
		if err != nil {
			return nil, err
		}
		id = aws.ToString(r.Role.RoleName)
		out["arn"] = resource.NewProperty(aws.ToString(r.Role.Arn))
		out["uniqueId"] = resource.NewProperty(aws.ToString(r.Role.RoleId))
	case typeAttachment:
		if err := p.quotas.checkAttach(ctx, c.iam, str(in, "role")); err != nil {
			return nil, fmt.Errorf("attaching policy %s to IAM Role (%s): %w", str(in, "policyArn"), str(in, "role"), err)
		}
		if _, err := c.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{
			RoleName: aws.String(str(in, "role")), PolicyArn: aws.String(str(in, "policyArn")),
		}); err != nil {
			return nil, err
		}
		id = str(in, "role") + "-" + suffix(12)
	case typeRolePolicy:
		if err := p.putRolePolicy(ctx, c.iam, in); err != nil {
			return nil, err
		}
		id = str(in, "role") + ":" + str(in, "name")
	case typePolicy:
		if id, err = createPolicy(ctx, c.iam, in, out); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("aws stand-in: %s is not implemented", typ)
	}
	props, err := withSecrets(out, req.GetProperties())
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, err
}

func (p *awsStandin) putRolePolicy(ctx context.Context, c *iam.Client, in resource.PropertyMap) error {
	if err := p.quotas.checkInline(ctx, c, str(in, "role"), str(in, "name"), str(in, "policy")); err != nil {
		return fmt.Errorf("putting IAM Role (%s) policy (%s): %w", str(in, "role"), str(in, "name"), err)
	}
	_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
		RoleName: aws.String(str(in, "role")), PolicyName: aws.String(str(in, "name")),
		PolicyDocument: aws.String(str(in, "policy")),
	})
	return err
}

func (p *awsStandin) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	p.calls.add("Update")
	olds, news, err := pair(req.GetOldInputs(), req.GetNews())
	if err != nil {
		return nil, err
	}
	state, err := props(req.GetOlds())
	if err != nil {
		return nil, err
	}
	out := news.Copy()
	for _, k := range []resource.PropertyKey{"arn", "uniqueId", "policyId"} {
		if v, ok := state[k]; ok {
			out[k] = v
		}
	}
	if !req.GetPreview() {
		c := p.conn(ctx)
		changed := func(k string) bool { return !olds[resource.PropertyKey(k)].DeepEquals(news[resource.PropertyKey(k)]) }
		switch typeOf(req.GetUrn()) {
		case typeProvider:
			if changed("thumbprintLists") {
				_, err = c.iam.UpdateOpenIDConnectProviderThumbprint(ctx, &iam.UpdateOpenIDConnectProviderThumbprintInput{
					OpenIDConnectProviderArn: aws.String(req.GetId()), ThumbprintList: strs(news, "thumbprintLists"),
				})
			}
		case typeRole:
			role := aws.String(req.GetId())
			if err == nil && changed("assumeRolePolicy") {
				err = p.quotas.checkRole(req.GetId(), str(news, "assumeRolePolicy"))
			}
			if err == nil && changed("assumeRolePolicy") {
				_, err = c.iam.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{
					RoleName: role, PolicyDocument: aws.String(str(news, "assumeRolePolicy")),
				})
			}
			if err == nil && (changed("description") || changed("maxSessionDuration")) {
				_, err = c.iam.UpdateRole(ctx, &iam.UpdateRoleInput{
					RoleName: role, Description: aws.String(str(news, "description")),
					MaxSessionDuration: aws.Int32(int32(news["maxSessionDuration"].NumberValue())),
				})
			}
		case typeRolePolicy:
			if changed("policy") {
				err = p.putRolePolicy(ctx, c.iam, news)
			}
		case typePolicy:
			if changed("policy") {
				err = updatePolicy(ctx, c.iam, req.GetId(), str(news, "policy"))
			}
		}
		if err != nil {
			return nil, err
		}
	}
	props, err := withSecrets(out, req.GetNews())
	return &pulumirpc.UpdateResponse{Properties: props}, err
}

func (p *awsStandin) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	p.calls.add("Delete")
	state, err := props(req.GetProperties())
	if err != nil {
		return nil, err
	}
	c := p.conn(ctx)
	switch typeOf(req.GetUrn()) {
	case typeProvider:
		_, err = c.iam.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{
			OpenIDConnectProviderArn: aws.String(req.GetId())})
	case typeRole:
		_, err = c.iam.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(req.GetId())})
	case typeAttachment:
		_, err = c.iam.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{
			RoleName: aws.String(str(state, "role")), PolicyArn: aws.String(str(state, "policyArn"))})
	case typeRolePolicy:
		_, err = c.iam.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{
			RoleName: aws.String(str(state, "role")), PolicyName: aws.String(str(state, "name"))})
	case typePolicy:
		err = deletePolicy(ctx, c.iam, req.GetId())
	}
	var missing *iamtypes.NoSuchEntityException
	if errors.As(err, &missing) {
		err = nil // already gone
	}
	return &emptypb.Empty{}, err
}

// policyDocument decodes the URL-encoded documents IAM returns.
func policyDocument(s *string) string { return trust.DecodeDocument(aws.ToString(s)) }
