package component_test

import (
	"fmt"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/pulumimock"
)

// BenchmarkConstruct measures a whole program run under mocks that builds one
// component, resolves its outputs and waits for every registration.
func BenchmarkConstruct(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		ids := make([]string, n)
		for i := range ids {
			ids[i] = fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
		}
		args := component.CircleCIOIDCArgs{
			OrganizationId:    pulumi.String(org),
			ProjectIds:        pulumi.ToStringArray(ids),
			Branches:          pulumi.ToStringArray([]string{"main"}),
			ManagedPolicyArns: pulumi.ToStringArray([]string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}),
		}
		b.Run(fmt.Sprintf("projects=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := pulumimock.Construct(&pulumimock.Mocks{}, "ci", args); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
