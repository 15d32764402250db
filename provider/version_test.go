package provider

import (
	"os/exec"
	"runtime/debug"
	"strings"
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
		file           string
		want           string
	}{
		{"tagged build", "", build("v1.2.3"), "1.2.3\n", "1.2.3"},
		{"untagged build after a tag", "", build("v1.2.4-0.20261129052321-f4546fb0c9a1"), "1.2.3\n", "1.2.4-0.20261129052321-f4546fb0c9a1"},
		{"untagged repository", "", build("v0.0.0-20261129052321-f4546fb0c9a1"), "", "0.0.0-20261129052321-f4546fb0c9a1"},
		{"dirty tree", "", build("v1.2.3+dirty"), "1.2.3", "1.2.3+dirty"},
		// What pulumi-language-go builds: -buildvcs=false, no ldflags.
		{"source plugin: no version control", "", build("(devel)"), "1.2.3\n", "1.2.3"},
		{"no build information", "", nil, "1.2.3", "1.2.3"},
		{"nothing at all", "", build("(devel)"), "", devVersion},
		{"a file that is not semver", "", build("(devel)"), "next\n", devVersion},
		{"override wins", "2.0.0", build("v1.2.3"), "1.2.3", "2.0.0"},
		{"override with a v", "v2.0.0-rc.1", build("v1.2.3"), "1.2.3", "2.0.0-rc.1"},
		{"linked into another program", "", &debug.BuildInfo{
			Main: debug.Module{Path: "example.com/other", Version: "v9.0.0"},
			Deps: []*debug.Module{{Path: "github.com/circleci-oidc/pulumi-circleci-oidc", Version: "v1.2.3"}},
		}, "1.0.0", "1.2.3"},
		{"another program's version is never ours", "", &debug.BuildInfo{
			Main: debug.Module{Path: "example.com/other", Version: "v9.0.0"},
		}, "1.0.0", "1.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := versionFrom(tt.override, tt.info, tt.file)
			assert.Equal(t, tt.want, got)
			_, err := semver.Parse(got)
			require.NoError(t, err, "Pulumi needs a semver")
		})
	}
}

// TestVersionFileIsSemver keeps provider/VERSION a plain semver with no v,
// since every build that carries no other version reports it.
func TestVersionFileIsSemver(t *testing.T) {
	v := strings.TrimSpace(versionFile)
	_, err := semver.Parse(v)
	require.NoError(t, err, "provider/VERSION holds %q; write it with scripts/release.sh --set-version X.Y.Z", v)
	assert.Equal(t, v+"\n", versionFile, "provider/VERSION is one line")
}

// TestVersionFileMatchesTheTag fails on a commit tagged vX.Y.Z whose
// provider/VERSION is not X.Y.Z: Pulumi's own build of the source plugin
// would then report another version than the tag it was asked for.
func TestVersionFileMatchesTheTag(t *testing.T) {
	out, err := exec.Command("git", "tag", "--points-at", "HEAD").Output()
	if err != nil {
		t.Skipf("not in a git checkout: %v", err)
	}
	checked := 0
	for _, tag := range strings.Fields(string(out)) {
		if !strings.HasPrefix(tag, "v") {
			continue
		}
		checked++
		assert.Equal(t, strings.TrimPrefix(tag, "v"), strings.TrimSpace(versionFile),
			"HEAD is tagged %s: run scripts/release.sh --set-version %s, commit, and move the tag", tag, strings.TrimPrefix(tag, "v"))
	}
	if checked == 0 {
		t.Skip("HEAD has no v* tag")
	}
}
