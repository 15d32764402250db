package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Read refreshes a resource: it reports a deleted one with an empty ID, and
// for a role it reads back the trust policy, description and longest
// session, as pulumi-aws's refresh does, so that a change made outside the
// stack shows as drift. A trust policy equal as JSON to the state's keeps the
// state's text, as pulumi-aws treats equivalent policies as equal.
func (p *awsStandin) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	p.calls.add("Read")
	var err error
	var role *iamtypes.Role
	c := p.conn(ctx)
	switch typeOf(req.GetUrn()) {
	case typeProvider:
		_, err = c.iam.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{
			OpenIDConnectProviderArn: aws.String(req.GetId())})
	case typeRole:
		var out *iam.GetRoleOutput
		if out, err = c.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(req.GetId())}); err == nil {
			role = out.Role
		}
	}
	var missing *iamtypes.NoSuchEntityException
	if errors.As(err, &missing) {
		return &pulumirpc.ReadResponse{}, nil
	}
	if err != nil {
		return nil, err
	}
	if role == nil {
		return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
	}
	state, err := props(req.GetProperties())
	if err != nil {
		return nil, err
	}
	inputs, err := props(req.GetInputs())
	if err != nil {
		return nil, err
	}
	live := resource.PropertyMap{}
	if doc := policyDocument(role.AssumeRolePolicyDocument); !sameJSON(doc, str(state, "assumeRolePolicy")) {
		live["assumeRolePolicy"] = resource.NewProperty(doc)
	}
	if d := aws.ToString(role.Description); d != str(state, "description") {
		live["description"] = resource.NewProperty(d)
	}
	if m := float64(aws.ToInt32(role.MaxSessionDuration)); state.HasValue("maxSessionDuration") &&
		m != state["maxSessionDuration"].NumberValue() {
		live["maxSessionDuration"] = resource.NewProperty(m)
	}
	for k, v := range live {
		state[k], inputs[k] = v, v
	}
	outState, err := marshal(state)
	if err != nil {
		return nil, err
	}
	outInputs, err := marshal(inputs)
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: outState, Inputs: outInputs}, err
}

// sameJSON reports whether two JSON documents are equal as values.
func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return a == b
	}
	return reflect.DeepEqual(x, y)
}
