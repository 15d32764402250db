package tests

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/config"
	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

var update = flag.Bool("update", false, "rewrite the capacity table in docs/installation-configuration.md from the measured one")

// The README's capacity table stands between these markers.
const (
	capacityStart = "<!-- capacity table: written by go test ./tests -run TestCapacityTable -update -->"
	capacityEnd   = "<!-- end of capacity table -->"
)

// capacityQuotas are the trust policy quotas the table measures.
var capacityQuotas = []int{config.DefaultTrustPolicyQuota, 4096, config.MaxTrustPolicyQuota}

// uuids returns n distinct project UUIDs.
func uuids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%08x-7c3f-4e21-9a5b-3c2d1e0f9a8b", i)
	}
	return out
}

// capacity returns how many projects fit the quota with the given pinning,
// branches and repositories: the largest n whose configuration validates.
func capacity(t *testing.T, pinning trust.Pinning, branches, origins []string, quota int) int {
	t.Helper()
	return largest(t, func(n int) bool {
		c := config.Config{OrganizationID: org, ProjectIDs: uuids(n), Branches: branches, VCSOrigins: origins,
			ProjectPinning: string(pinning), TrustPolicyQuota: quota}.WithDefaults()
		return c.Validate() == nil
	})
}

// largest returns the largest n for which fits holds, counting up from 1.
func largest(t *testing.T, fits func(n int) bool) int {
	t.Helper()
	n := 0
	for fits(n + 1) {
		n++
		require.Less(t, n, 10000, "no limit found")
	}
	return n
}

// capacityTable measures how many projects a role's trust policy can name.
func capacityTable(t *testing.T) (string, map[string]int) {
	t.Helper()
	type row struct {
		pinning  trust.Pinning
		label    string
		branches []string
		origins  []string
	}
	rows := []row{
		{trust.PinClaim, "`claim` (default for cloud)", []string{"main"}, nil},
		{trust.PinClaim, "`claim` (default for cloud)", []string{"main", "release/*"}, nil},
		{trust.PinClaim, "`claim` (default for cloud)", []string{"main", "release/*"}, []string{"github.com/acme/api"}},
		{trust.PinSubject, "`subject` (CircleCI server)", []string{"main"}, nil},
		{trust.PinSubject, "`subject` (CircleCI server)", []string{"main", "release/*"}, nil},
		{trust.PinSubject, "`subject` (CircleCI server)", []string{"main", "release/*"}, []string{"github.com/acme/api"}},
	}
	var b strings.Builder
	b.WriteString("| `projectPinning` | branches | `vcsOrigins` |")
	for _, q := range capacityQuotas {
		fmt.Fprintf(&b, " %d |", q)
	}
	b.WriteString("\n|---|---|---|" + strings.Repeat("---|", len(capacityQuotas)) + "\n")
	found := map[string]int{}
	for _, r := range rows {
		origins := "any"
		if len(r.origins) > 0 {
			origins = fmt.Sprint(len(r.origins))
		}
		fmt.Fprintf(&b, "| %s | %d | %s |", r.label, len(r.branches), origins)
		for _, q := range capacityQuotas {
			n := capacity(t, r.pinning, r.branches, r.origins, q)
			found[fmt.Sprintf("%s/%d/%d/%d", r.pinning, len(r.branches), len(r.origins), q)] = n
			fmt.Fprintf(&b, " %d |", n)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n| `rules`, each of 1 project, 1 branch, 1 repository | `projectPinning` |")
	for _, q := range capacityQuotas {
		fmt.Fprintf(&b, " %d |", q)
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(capacityQuotas)) + "\n")
	for _, pinning := range []trust.Pinning{trust.PinClaim, trust.PinSubject} {
		fmt.Fprintf(&b, "| rules that fit | `%s` |", pinning)
		for _, q := range capacityQuotas {
			n := ruleCapacity(t, pinning, q)
			found[fmt.Sprintf("rules/%s/%d", pinning, q)] = n
			fmt.Fprintf(&b, " %d |", n)
		}
		b.WriteString("\n")
	}
	return b.String(), found
}

// ruleCapacity returns how many rules of one project, one branch and one
// repository fit the quota.
func ruleCapacity(t *testing.T, pinning trust.Pinning, quota int) int {
	t.Helper()
	return largest(t, func(n int) bool {
		rules := make([]config.Rule, n)
		for i, p := range uuids(n) {
			rules[i] = config.Rule{ProjectIDs: []string{p}, Branches: []string{"main"},
				VCSOrigins: []string{fmt.Sprintf("github.com/acme/repo%d", i)}}
		}
		c := config.Config{OrganizationID: org, Rules: rules, ProjectPinning: string(pinning),
			TrustPolicyQuota: quota}.WithDefaults()
		return c.Validate() == nil
	})
}

// TestCapacityTable measures how many projects fit each quota, checks the
// goals, and keeps the README's table equal to the measured one.
func TestCapacityTable(t *testing.T) {
	table, found := capacityTable(t)
	assert.GreaterOrEqual(t, found["claim/2/0/2048"], 30, "with 2 branches, 30 projects fit 2,048 characters")
	assert.GreaterOrEqual(t, found["claim/2/0/4096"], 80, "with 2 branches, 80 projects fit 4,096 characters")
	assert.Greater(t, found["claim/2/0/2048"], found["subject/2/0/2048"], "the compact form holds more")
	assert.GreaterOrEqual(t, found["rules/claim/2048"], 2, "two rules fit the default quota")

	raw, err := os.ReadFile("../docs/installation-configuration.md")
	require.NoError(t, err)
	readme := string(raw)
	start, end := strings.Index(readme, capacityStart), strings.Index(readme, capacityEnd)
	require.True(t, start >= 0 && end > start, "docs/installation-configuration.md has the capacity table markers")
	want := readme[:start] + capacityStart + "\n" + table + capacityEnd + readme[end+len(capacityEnd):]
	if *update {
		require.NoError(t, os.WriteFile("../docs/installation-configuration.md", []byte(want), 0o644))
	}
	assert.Equal(t, want, readme, "the capacity table in docs/installation-configuration.md is stale; run: go test ./tests -run TestCapacityTable -update")
}
