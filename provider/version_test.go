package provider

import (
	"runtime/debug"
	"testing"

	"github.com/blang/semver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVersionFrom(t *testing.T) {
	build := func(v string) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Path: "github.com/circleci-oidc/pulumi-circleci-oidc", Version: v}}
	}
	tests := []struct {
		name, override string
		info           *debug.BuildInfo
		want           string
	}{
		{"tagged build", "", build("v1.2.3"), "1.2.3"},
		{"untagged build after a tag", "", build("v1.2.4-0.20261129052321-f4546fb0c9a1"), "1.2.4-0.20261129052321-f4546fb0c9a1"},
		{"untagged repository", "", build("v0.0.0-20261129052321-f4546fb0c9a1"), "0.0.0-20261129052321-f4546fb0c9a1"},
		{"dirty tree", "", build("v1.2.3+dirty"), "1.2.3+dirty"},
		{"no version control", "", build("(devel)"), devVersion},
		{"no build information", "", nil, devVersion},
		{"override wins", "2.0.0", build("v1.2.3"), "2.0.0"},
		{"override with a v", "v2.0.0-rc.1", build("v1.2.3"), "2.0.0-rc.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := versionFrom(tt.override, tt.info)
			assert.Equal(t, tt.want, got)
			_, err := semver.Parse(got)
			require.NoError(t, err, "Pulumi needs a semver")
		})
	}
}
