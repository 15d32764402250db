package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

// someProjects sets projectIds to n projects.
func someProjects(t *testing.T, st auto.Stack, n int) {
	t.Helper()
	for i := range n {
		setPath(t, st, fmt.Sprintf("circleci-oidc:projectIds[%d]", i), fmt.Sprintf("%08x-2222-4222-8222-222222222222", i))
	}
}

// Scenario 7: a 10-project, 2-branch stack fits IAM's default trust policy
// quota in the compact form; forced into the subject form, it fails at
// preview with the component's message and creates nothing. The stand-in
// refuses, as IAM does, the policy the component would let through with a
// quota the account does not have.
func TestTrustPolicyFitsTheQuota(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()

	compact := w.devStack(t, "compact")
	someProjects(t, compact, 10)
	res, err := compact.Up(ctx, optup.ProgressStreams(io.Discard))
	require.NoError(t, err)
	doc, err := trust.Parse(res.Outputs["trustPolicy"].Value.(string))
	require.NoError(t, err)
	t.Logf("compact form, 10 projects x 2 origins x 2 branches: %d characters, accepted by the stand-in", doc.Size())
	assert.LessOrEqual(t, doc.Size(), 2048)
	_, err = compact.Destroy(ctx)
	require.NoError(t, err)

	subject := w.devStack(t, "subject")
	someProjects(t, subject, 10)
	setPath(t, subject, "circleci-oidc:projectPinning", "subject")
	before := w.aws.snapshot()
	_, err = subject.Preview(ctx, optpreview.ProgressStreams(io.Discard))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `trustPolicyQuota "2048" is less than the trust policy's`)
	assert.Contains(t, err.Error(), "set projectPinning: claim, the compact form")
	assert.Zero(t, writes(w.aws.since(before)), "nothing was created: %v", w.aws.since(before))
	assert.Empty(t, w.providerARNs(ctx, t), "no provider was created")

	// Told the account's quota is 8,192, the component lets the policy
	// through; the stand-in, like IAM with its default 2,048, refuses it.
	setPath(t, subject, "circleci-oidc:trustPolicyQuota", "8192")
	_, err = subject.Up(ctx, optup.ProgressStreams(io.Discard))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "LimitExceeded: Cannot exceed quota for ACLSizePerRole: 2048")
	assert.Empty(t, w.roleNames(ctx, t))
	_, err = subject.Destroy(ctx)
	require.NoError(t, err)
}

// Scenario 8: with the account's quota raised to 4,096 and declared, the
// subject form deploys; the largest policy the stand-in takes is the quota.
func TestRaisedQuotaIsHonoured(t *testing.T) {
	w := newWorld(t, withQuotas(iamQuotas{TrustPolicy: 4096}))
	ctx := t.Context()
	st := w.devStack(t, "raised")
	someProjects(t, st, 4)
	setPath(t, st, "circleci-oidc:projectPinning", "subject")
	setPath(t, st, "circleci-oidc:trustPolicyQuota", "4096")
	res, err := st.Up(ctx, optup.ProgressStreams(io.Discard))
	require.NoError(t, err)
	doc, err := trust.Parse(res.Outputs["trustPolicy"].Value.(string))
	require.NoError(t, err)
	t.Logf("subject form, 4 projects x 2 origins x 2 branches: %d characters, accepted under a 4,096 quota", doc.Size())
	assert.Greater(t, doc.Size(), 2048)
	assert.LessOrEqual(t, doc.Size(), 4096)
}

// Scenario 9: branches without vcsOrigins warn at preview; a reused provider
// that lacks an audience is refused before the role is created.
func TestWarningsAndReusedProviderAudiences(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	providerARN := w.upDev(t)

	second := w.besideDev(t, "second")
	setPath(t, second, "circleci-oidc:existingProviderArn", providerARN)
	require.NoError(t, second.RemoveConfig(ctx, "circleci-oidc:vcsOrigins"))
	var out bytes.Buffer
	_, err := second.Preview(ctx, optpreview.ProgressStreams(&out))
	require.NoError(t, err)
	assert.Contains(t, out.String(), "branches and gitTags are set without vcsOrigins")

	setPath(t, second, "circleci-oidc:audiences[0]", devOrg)
	setPath(t, second, "circleci-oidc:audiences[1]", "sts.amazonaws.com")
	_, err = second.Preview(ctx, optpreview.ProgressStreams(io.Discard))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `audiences[1] "sts.amazonaws.com" is not a client ID of the reused provider `+providerARN)
	_, err = second.Up(ctx, optup.ProgressStreams(io.Discard))
	require.Error(t, err)
	assert.Equal(t, []string{devRole}, w.roleNames(ctx, t), "no second role")
}

// TestStandinEnforcesIAMQuotas checks the stand-in's own refusals against
// moto, call by call, with IAM's error codes and messages.
func TestStandinEnforcesIAMQuotas(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	q := iamQuotas{}
	policy := func(n int) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRoleWithWebIdentity",` +
			`"Principal":{"Federated":"x"},"Condition":{"StringLike":{"k":"` + strings.Repeat("x", n) + `"}}}]}`
	}
	short := policy(2048 - len(policy(0)))
	assert.Equal(t, 2048, iamSize(short))
	assert.NoError(t, q.checkRole("ci", short), "2,048 characters are within the quota")
	assert.NoError(t, q.checkRole("ci", strings.Replace(short, ",", ", \n  ", -1)), "white space is not counted")
	assert.ErrorContains(t, q.checkRole("ci", policy(2049-len(policy(0)))),
		"StatusCode: 409, LimitExceeded: Cannot exceed quota for ACLSizePerRole: 2048")
	assert.ErrorContains(t, q.checkRole(strings.Repeat("r", 65), short), "api error ValidationError")

	_, err := w.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ci"), AssumeRolePolicyDocument: aws.String(short)})
	require.NoError(t, err)
	for _, name := range []string{"ReadOnlyAccess", "AmazonS3ReadOnlyAccess"} {
		_, err := w.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("ci"),
			PolicyArn: aws.String("arn:aws:iam::aws:policy/" + name)})
		require.NoError(t, err)
	}
	assert.NoError(t, q.checkAttach(ctx, w.iam, "ci"))
	assert.ErrorContains(t, iamQuotas{ManagedPerRole: 2}.checkAttach(ctx, w.iam, "ci"),
		"LimitExceeded: Cannot exceed quota for PoliciesPerRole: 2")

	inline := func(n int) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` +
			strings.Repeat("x", n) + `"}]}`
	}
	_, err = w.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("ci"), PolicyName: aws.String("a"),
		PolicyDocument: aws.String(inline(6000))})
	require.NoError(t, err)
	assert.NoError(t, q.checkInline(ctx, w.iam, "ci", "a", inline(9000)), "replacing a policy counts it once")
	assert.ErrorContains(t, q.checkInline(ctx, w.iam, "ci", "b", inline(5000)),
		"LimitExceeded: Maximum policy size of 10240 bytes exceeded for role ci")
}

// Scenario 12: reuseProvider finds the account's provider by the issuer, with
// no ARN typed; where there is none, the preview says how to make one.
func TestReuseProviderByOrganization(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()

	none := w.devStack(t, "none")
	setPath(t, none, "circleci-oidc:reuseProvider", "true")
	_, err := none.Preview(ctx, optpreview.ProgressStreams(io.Discard))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "reuseProvider needs the IAM OIDC provider arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/"+devOrg)
	assert.Contains(t, err.Error(), "aws iam create-open-id-connect-provider")
	assert.Zero(t, writes(w.aws.snapshot()), "nothing was created: %s", w.aws)

	providerARN := w.upDev(t)

	second := w.besideDev(t, "second")
	setPath(t, second, "circleci-oidc:reuseProvider", "true")
	handshakes := w.tlsSrv.handshakes.Load()
	res, err := second.Up(ctx, optup.ProgressStreams(io.Discard))
	require.NoError(t, err)
	assert.Equal(t, providerARN, res.Outputs["providerArn"].Value)
	assert.Equal(t, handshakes, w.tlsSrv.handshakes.Load(), "a reused provider needs no certificate")
	assert.Equal(t, []string{providerARN}, w.providerARNs(ctx, t), "still one provider")
}
