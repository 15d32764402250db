package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version and Commit are set at build time by scripts/release.sh for the
// prebuilt archives, with -ldflags "-X <this package>.Version=1.2.3
// -X <this package>.Commit=0123456789ab".
var (
	// Version is the release's version, without a leading v.
	Version string
	// Commit is the commit the release was built from.
	Commit string
)

// unknown is what version prints for a part no build step recorded.
const unknown = "unknown"

// BuildVersion returns the version and commit of this binary: those set by
// -ldflags first, then those Go stamps into the build (the module's version
// for `go install …@v1.2.3`, vcs.revision for a `go build` in a checkout),
// "unknown" for what neither records.
func BuildVersion() (version, commit string) {
	info, _ := debug.ReadBuildInfo()
	return versionFrom(Version, Commit, info)
}

// versionFrom picks the version and commit from the -ldflags values or the
// build information.
func versionFrom(version, commit string, info *debug.BuildInfo) (string, string) {
	if info != nil {
		if v := info.Main.Version; version == "" && v != "" && v != "(devel)" {
			version = v
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && commit == "" && s.Value != "" {
				commit = s.Value
				if len(commit) > 12 {
					commit = commit[:12]
				}
			}
		}
	}
	if len(version) > 1 && version[0] == 'v' {
		version = version[1:]
	}
	if version == "" {
		version = unknown
	}
	if commit == "" {
		commit = unknown
	}
	return version, commit
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version and the commit this binary was built from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			version, commit := BuildVersion()
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "circleci-oidc %s (commit %s, %s/%s)\n",
				version, commit, runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
