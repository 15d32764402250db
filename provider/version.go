package provider

import (
	_ "embed"
	"runtime/debug"
	"strings"

	"github.com/blang/semver"
)

// Version overrides the plugin's version when set at build time with
// -ldflags "-X github.com/circleci-oidc/pulumi-circleci-oidc/provider.Version=1.2.3",
// as scripts/release.sh does for the prebuilt archives.
var Version string

// versionFile is the version this commit releases as, from provider/VERSION.
// scripts/release.sh --set-version writes it before a release is tagged, and
// TestVersionFileMatchesTheTag fails on a tagged commit whose file differs.
//
//go:embed VERSION
var versionFile string

// modulePath is the Go module whose version the plugin reports.
const modulePath = "github.com/circleci-oidc/pulumi-circleci-oidc"

// devVersion is the version of a build that carries no version at all.
const devVersion = "0.0.0-dev"

// PluginVersion returns the plugin's semver version, without a leading v.
//
// The first of these that is a semver wins:
//  1. Version, set by the release build's -ldflags;
//  2. the main module's version that Go stamps into the build: v1.2.3 on a
//     commit tagged v1.2.3, a pseudo-version such as
//     v1.2.4-0.20261129052321-f4546fb0c9a1 on a later one. Go stamps it only
//     with VCS stamping on, or when the module is built as a dependency;
//  3. provider/VERSION, embedded in every build. This is what a source
//     plugin reports: pulumi-language-go builds it with
//     `go build -buildvcs=false` and no ldflags (sdk/go/pulumi-language-go,
//     compileProgram; pulumi/pulumi#22788), so neither 1 nor 2 is there.
func PluginVersion() string {
	info, _ := debug.ReadBuildInfo()
	return versionFrom(Version, info, versionFile)
}

// versionFrom picks the version from an override, build information or the
// version file, in that order.
func versionFrom(override string, info *debug.BuildInfo, file string) string {
	candidates := []string{override}
	if info != nil {
		// This module's own version: the main module's when the plugin is the
		// program, otherwise its entry among the dependencies.
		if info.Main.Path == modulePath {
			candidates = append(candidates, info.Main.Version)
		}
		for _, dep := range info.Deps {
			if dep.Path == modulePath {
				candidates = append(candidates, dep.Version)
			}
		}
	}
	candidates = append(candidates, strings.TrimSpace(file))
	for _, v := range candidates {
		v = strings.TrimPrefix(v, "v")
		if _, err := semver.Parse(v); err == nil {
			return v
		}
	}
	return devVersion // "(devel)", empty, or not semver
}
