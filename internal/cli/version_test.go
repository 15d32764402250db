package cli

import (
	"bytes"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestVersionFrom(t *testing.T) {
	stamped := &debug.BuildInfo{
		Main:     debug.Module{Path: "github.com/circleci-oidc/pulumi-circleci-oidc", Version: "v0.2.1-0.20261201000000-0123456789ab"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"}},
	}
	devel := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}
	for _, tc := range []struct {
		name, version, commit string
		info                  *debug.BuildInfo
		wantVersion, wantCmt  string
	}{
		{"the release's -ldflags win", "1.2.3", "fedcba987654", stamped, "1.2.3", "fedcba987654"},
		{"go build in a checkout", "", "", stamped, "0.2.1-0.20261201000000-0123456789ab", "0123456789ab"},
		{"go install @version", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.3.0"}}, "0.3.0", unknown},
		{"nothing recorded", "", "", devel, unknown, unknown},
		{"no build information", "", "", nil, unknown, unknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, c := versionFrom(tc.version, tc.commit, tc.info)
			assert.Equal(t, tc.wantVersion, v)
			assert.Equal(t, tc.wantCmt, c)
		})
	}
}

func TestVersionCommand(t *testing.T) {
	Version, Commit = "1.2.3", "0123456789ab"
	t.Cleanup(func() { Version, Commit = "", "" })
	var out, errOut bytes.Buffer
	code := Execute(t.Context(), []string{"version"}, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Now: time.Now})
	assert.Equal(t, ExitOK, code, errOut.String())
	assert.Equal(t, "circleci-oidc 1.2.3 (commit 0123456789ab, "+runtime.GOOS+"/"+runtime.GOARCH+")\n", out.String())
}
