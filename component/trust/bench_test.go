package trust_test

import (
	"fmt"
	"testing"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

// uuids returns n distinct UUID-shaped project IDs.
func uuids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
	}
	return out
}

func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		spec := trust.Spec{
			ProviderARN: providerARN(org), IssuerURL: issuer(org), Audiences: []string{org},
			Scope:          trust.Scope{OrganizationID: org, ProjectIDs: uuids(n), Branches: []string{"main", "release/*"}},
			ProjectPinning: trust.PinClaim,
		}
		b.Run(fmt.Sprintf("projects=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = trust.Build(spec).JSON()
			}
		})
	}
}

func BenchmarkEvaluate(b *testing.B) {
	d := trust.Build(trust.Spec{
		ProviderARN: providerARN(org), IssuerURL: issuer(org), Audiences: []string{org},
		Scope: trust.Scope{OrganizationID: org, ProjectIDs: uuids(100), Branches: []string{"main"}},
	})
	c := token(org, project, v2(org, project, user, origin, "refs/heads/main"))
	b.ReportAllocs()
	for b.Loop() {
		_ = trust.Evaluate(d, c)
	}
}
