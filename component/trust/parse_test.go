package trust_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

// TestParseBoundsNesting covers finding B2: 40 KB of nested brackets took
// 1.6 s and 621 MB, because every level built its path string. A policy
// nests a few levels deep; deeper input is refused at once.
func TestParseBoundsNesting(t *testing.T) {
	for _, open := range []string{"[", `{"a":`, `{"Statement":[`} {
		deep := strings.Repeat(open, 40<<10/len(open))
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		_, err := trust.Parse(deep)
		elapsed := time.Since(start)
		runtime.ReadMemStats(&after)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "nests deeper than", open)
		assert.Less(t, elapsed, 200*time.Millisecond, open)
		assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(10<<20), "bytes allocated for %q", open)
	}
}

// TestParseCostIsLinear checks that a wide policy, allowed depth but many
// keys and values, parses in time that grows with its length.
func TestParseCostIsLinear(t *testing.T) {
	doc := func(n int) string {
		var b strings.Builder
		b.WriteString(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + providerARN(org) +
			`"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"k":[`)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(`"org/x/project/*"`)
		}
		b.WriteString(`]}}}]}`)
		return b.String()
	}
	_, err := trust.Parse(doc(100000))
	require.NoError(t, err)
}

// TestOneParser covers the loose end "one policy parser": Parse used to
// refuse boolean condition values and keep the last of two duplicate keys,
// where the strict reader did otherwise. There is one parser now, strict
// where IAM is strict.
func TestOneParser(t *testing.T) {
	stmt := func(extra string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + providerARN(org) +
			`"},"Action":"sts:AssumeRoleWithWebIdentity"` + extra + `}]}`
	}
	d, err := trust.Parse(stmt(`,"Condition":{"Bool":{"aws:SecureTransport":true}}`))
	require.NoError(t, err)
	assert.Equal(t, trust.StringList{"true"}, d.Statement[0].Condition["Bool"]["aws:SecureTransport"])

	_, err = trust.Parse(stmt(`,"Effect":"Deny"`))
	assert.ErrorContains(t, err, `has the key "Effect" twice`)
}
