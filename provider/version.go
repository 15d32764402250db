package provider

import (
	"runtime/debug"
	"strings"

	"github.com/blang/semver"
)

// Version overrides the plugin's version when set at build time with
// -ldflags "-X github.com/circleci-oidc/pulumi-circleci-oidc/provider.Version=1.2.3".
// Left empty, the version is the one Go stamps from git (see PluginVersion).
var Version string

// devVersion is the version of a build that carries no version from git,
// such as a test binary.
const devVersion = "0.0.0-dev"

// PluginVersion returns the plugin's semver version, without a leading v.
//
// Built from a git checkout, Go (1.24 and later) stamps the main module's
// version from the tags into the build: v1.2.3 on a commit tagged v1.2.3, a
// pseudo-version such as v1.2.4-0.20261129052321-f4546fb0c9a1 on a later
// commit, with +dirty when the tree had changes. Pulumi requires a
// source-built plugin's version to follow its git tag (pulumi/pulumi#18967).
// Version, when set, wins; a build that carries neither is devVersion.
func PluginVersion() string {
	info, _ := debug.ReadBuildInfo()
	return versionFrom(Version, info)
}

// versionFrom picks the version from an override or build information.
func versionFrom(override string, info *debug.BuildInfo) string {
	v := override
	if v == "" && info != nil {
		v = info.Main.Version
	}
	v = strings.TrimPrefix(v, "v")
	if _, err := semver.Parse(v); err != nil {
		return devVersion // "(devel)", empty, or not semver
	}
	return v
}
