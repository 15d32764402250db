package e2e

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/stack"
)

const (
	devOrg     = "11111111-1111-4111-8111-111111111111"
	devProject = "22222222-2222-4222-8222-222222222222"
	devRole    = "circleci-deploy-dev"
	// motoDefaultAccount is the account moto answers for when no other is
	// chosen (moto docs, "Multi-Account support").
	motoDefaultAccount = "123456789012"
)

// devStack makes a stack of the stack program, run inline, in a folder with
// the repository's Pulumi.yaml and Pulumi.dev.yaml under the stack's name.
func (w *world) devStack(t *testing.T, name string) auto.Stack {
	t.Helper()
	dir := filepath.Join(w.dir, "project-"+name)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for src, dst := range map[string]string{"Pulumi.yaml": "Pulumi.yaml", "Pulumi.dev.yaml": "Pulumi." + name + ".yaml"} {
		b, err := os.ReadFile(filepath.Join(repoRoot(), src))
		require.NoError(t, err)
		// Pulumi.dev.yaml's placeholder account becomes moto's default one,
		// which the aws stand-in checks aws:allowedAccountIds against.
		b = bytes.ReplaceAll(b, []byte(`"111111111111"`), []byte(`"`+motoDefaultAccount+`"`))
		require.NoError(t, os.WriteFile(filepath.Join(dir, dst), b, 0o644))
	}
	st, err := auto.UpsertStackInlineSource(t.Context(), name, stack.Project, stack.Run,
		auto.WorkDir(dir), auto.EnvVars(w.env))
	require.NoError(t, err)
	return st
}

// upDev deploys the dev stack and returns the ARN of the provider it made.
func (w *world) upDev(t *testing.T) string {
	t.Helper()
	st := w.devStack(t, "dev")
	res, err := st.Up(t.Context(), optup.ProgressStreams(io.Discard))
	require.NoError(t, err)
	return res.Outputs["providerArn"].Value.(string)
}

// besideDev makes a dev stack whose role gets its own name, so that it can
// stand beside the dev stack in the same account.
func (w *world) besideDev(t *testing.T, name string) auto.Stack {
	t.Helper()
	st := w.devStack(t, name)
	setPath(t, st, "circleci-oidc:roleName", "circleci-deploy-"+name)
	return st
}

func setPath(t *testing.T, st auto.Stack, key, value string) {
	t.Helper()
	require.NoError(t, st.SetConfigWithOptions(t.Context(), key, auto.ConfigValue{Value: value},
		&auto.ConfigOptions{Path: true}))
}

func onlySame(changes map[string]int) bool {
	for op, n := range changes {
		if op != string(apitype.OpSame) && n > 0 {
			return false
		}
	}
	return true
}

func previewChanges(t *testing.T, st auto.Stack) map[string]int {
	t.Helper()
	res, err := st.Preview(t.Context(), optpreview.ProgressStreams(io.Discard))
	require.NoError(t, err)
	out := map[string]int{}
	for op, n := range res.ChangeSummary {
		out[string(op)] = n
	}
	return out
}

func (w *world) providerARNs(ctx context.Context, t *testing.T) []string {
	t.Helper()
	list, err := w.iam.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
	require.NoError(t, err)
	var out []string
	for _, p := range list.OpenIDConnectProviderList {
		out = append(out, aws.ToString(p.Arn))
	}
	return out
}

func (w *world) roleNames(ctx context.Context, t *testing.T) []string {
	t.Helper()
	list, err := w.iam.ListRoles(ctx, &iam.ListRolesInput{})
	require.NoError(t, err)
	var out []string
	for _, r := range list.Roles {
		out = append(out, aws.ToString(r.RoleName))
	}
	return out
}

// Scenario 1: the stack program with Pulumi.dev.yaml's config, up to destroy.
func TestStackLifecycle(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	st := w.devStack(t, "dev")

	res, err := st.Up(ctx, optup.ProgressStreams(io.Discard))
	require.NoError(t, err)
	assert.Equal(t, 6, (*res.Summary.ResourceChanges)["create"],
		"stack, component, provider, role, attachment and inline policy")

	// moto's role has the trust policy the component exported.
	role, err := w.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(devRole)})
	require.NoError(t, err)
	live, err := trust.Parse(policyDocument(role.Role.AssumeRolePolicyDocument))
	require.NoError(t, err)
	exported, err := trust.Parse(res.Outputs["trustPolicy"].Value.(string))
	require.NoError(t, err)
	assert.Equal(t, exported.JSON(), live.JSON())
	assert.Equal(t, aws.ToString(role.Role.Arn), res.Outputs["roleArn"].Value)
	assert.Equal(t, "/ci/", aws.ToString(role.Role.Path))

	// The provider pins the intermediate's SHA-1, not the leaf's.
	arns := w.providerARNs(ctx, t)
	require.Len(t, arns, 1)
	p, err := w.iam.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arns[0])})
	require.NoError(t, err)
	assert.Equal(t, []string{fingerprint(w.chain.intermediate)}, p.ThumbprintList)
	assert.NotContains(t, p.ThumbprintList, fingerprint(w.chain.leaf))
	assert.Equal(t, []string{devOrg}, p.ClientIDList)

	attached, err := w.iam.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(devRole)})
	require.NoError(t, err)
	require.Len(t, attached.AttachedPolicies, 1)
	assert.Equal(t, "arn:aws:iam::aws:policy/ReadOnlyAccess", aws.ToString(attached.AttachedPolicies[0].PolicyArn))
	inline, err := w.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(devRole), PolicyName: aws.String("deploy-artifacts")})
	require.NoError(t, err)
	assert.Contains(t, policyDocument(inline.PolicyDocument), "acme-dev-artifacts")

	// A second up changes nothing and writes nothing.
	before := w.aws.snapshot()
	res, err = st.Up(ctx, optup.ProgressStreams(io.Discard))
	require.NoError(t, err)
	assert.True(t, onlySame(*res.Summary.ResourceChanges), "second up: %v", *res.Summary.ResourceChanges)
	assert.Zero(t, writes(w.aws.since(before)), "aws calls on a no-op up: %v", w.aws.since(before))

	// Reordering managedPolicyArns replaces nothing.
	setPath(t, st, "circleci-oidc:managedPolicyArns[1]", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
	_, err = st.Up(ctx, optup.ProgressStreams(io.Discard))
	require.NoError(t, err)
	setPath(t, st, "circleci-oidc:managedPolicyArns[0]", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
	setPath(t, st, "circleci-oidc:managedPolicyArns[1]", "arn:aws:iam::aws:policy/ReadOnlyAccess")
	changes := previewChanges(t, st)
	assert.True(t, onlySame(changes), "reordered managedPolicyArns: %v", changes)

	// destroy leaves moto with no role and no provider.
	_, err = st.Destroy(ctx)
	require.NoError(t, err)
	assert.Empty(t, w.roleNames(ctx, t))
	assert.Empty(t, w.providerARNs(ctx, t))
}

// Scenario 6: bad input fails preview with the component's message and creates nothing.
func TestBadInputCreatesNothing(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	st := w.devStack(t, "bad")
	setPath(t, st, "circleci-oidc:projectIds[1]", "abc")

	_, err := st.Preview(ctx, optpreview.ProgressStreams(io.Discard))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `projectIds[1] "abc" is not a UUID; find it under Project Settings > Overview`)
	_, err = st.Up(ctx, optup.ProgressStreams(io.Discard))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not a UUID")
	assert.Zero(t, writes(w.aws.snapshot()), "no aws resource was created: %s", w.aws)
	assert.Zero(t, w.tlsSrv.handshakes.Load(), "no certificate was fetched")
	assert.Empty(t, w.roleNames(ctx, t))
}
