package fleet

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
)

func TestCountsReadTheEnginesSummary(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]int
		want Counts
	}{
		{"first up", map[string]int{"create": 4}, Counts{Create: 4}},
		{"no-op", map[string]int{"same": 4}, Counts{Same: 4}},
		{"drift put back", map[string]int{"update": 1, "same": 3}, Counts{Update: 1, Same: 3}},
		{"a replacement counts as a change", map[string]int{"replace": 1, "create-replacement": 1, "delete-replaced": 1, "same": 2},
			Counts{Update: 3, Same: 2}},
		{"delete", map[string]int{"delete": 2}, Counts{Delete: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, counts(tt.in))
			typed := map[apitype.OpType]int{}
			for k, v := range tt.in {
				typed[apitype.OpType(k)] = v
			}
			assert.Equal(t, tt.want, counts(typed), "preview's ChangeSummary is typed")
		})
	}
}

// TestPluginsFollowTheLinkedSDKs: the plugins installed before the pool are
// the versions go.mod pins (FACTS.md: aws 6.83.4, tls 5.5.1).
func TestPluginsFollowTheLinkedSDKs(t *testing.T) {
	assert.Equal(t, map[string]string{"aws": "v6.83.4", "tls": "v5.5.1"}, Plugins())
}
