package component_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/pulumimock"
)

// A secret inline policy stays secret where it goes, the role's inline
// policy, and nowhere else: the trust policy, the issuer and the thumbprints
// hold nothing of it, so `pulumi stack output trustPolicy` shows them.
func TestSecretInlinePolicyMakesOnlyItsRolePolicySecret(t *testing.T) {
	m := &pulumimock.Mocks{}
	secrets := map[string]bool{}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		args := baseArgs()
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}`
		args.InlinePolicies = map[string]pulumi.StringInput{"deploy": pulumi.ToSecret(pulumi.String(doc)).(pulumi.StringOutput)}
		c, err := component.NewCircleCIOIDC(ctx, "ci", args)
		if err != nil {
			return err
		}
		for name, o := range map[string]pulumi.Output{
			"trustPolicy": c.TrustPolicy, "issuerUrl": c.IssuerUrl, "thumbprints": c.Thumbprints,
			"roleArn": c.RoleArn, "providerArn": c.ProviderArn,
		} {
			secrets[name] = pulumi.IsSecret(o)
		}
		return nil
	}, pulumi.WithMocks("circleci-oidc", "test", m))
	require.NoError(t, err)
	for name, secret := range secrets {
		assert.False(t, secret, "%s holds nothing of the inline policy, yet is secret", name)
	}
	inline := m.OfType(typInline)
	require.Len(t, inline, 1)
	assert.True(t, inline[0].Inputs["policy"].IsSecret(), "the inline policy reaches its RolePolicy as a secret")
}
