package pulumimock

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component"
)

// Outputs are a CircleCIOIDC component's outputs, resolved.
type Outputs struct {
	RoleArn, RoleName, ProviderArn, IssuerUrl, TrustPolicy string
	Thumbprints                                            []string
}

// Construct runs a program that builds one CircleCIOIDC named name under m
// and returns its resolved outputs.
func Construct(m *Mocks, name string, args component.CircleCIOIDCArgs) (Outputs, error) {
	var out Outputs
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		c, err := component.NewCircleCIOIDC(ctx, name, args)
		if err != nil {
			return err
		}
		Await(c, &out)
		return nil
	}, pulumi.WithMocks("circleci-oidc", "test", m))
	return out, err
}

// Await fills out with c's outputs once they resolve, which is before
// pulumi.RunErr returns.
func Await(c *component.CircleCIOIDC, out *Outputs) {
	pulumi.All(c.RoleArn, c.RoleName, c.ProviderArn, c.IssuerUrl, c.TrustPolicy, c.Thumbprints).ApplyT(
		func(v []any) error {
			*out = Outputs{
				RoleArn: v[0].(string), RoleName: v[1].(string), ProviderArn: v[2].(string),
				IssuerUrl: v[3].(string), TrustPolicy: v[4].(string), Thumbprints: v[5].([]string),
			}
			return nil
		})
}
