package tests

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSetVersionRefusesBeforeItWrites runs scripts/release.sh --set-version
// in a clone with versions that Pulumi, Go or GitHub would not take: each is
// refused with the reason, and no file is changed. The old script wrote six
// files before gen-sdk refused 1.2.3-01, and took 1.2.3+meta.
func TestSetVersionRefusesBeforeItWrites(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not on PATH")
	}
	clone := filepath.Join(t.TempDir(), "clone")
	out, err := exec.Command("git", "clone", "-q", "..", clone).CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, v := range []string{"1.2.3-01", "1.2.3-rc..1", "1.2.3+meta", "01.2.3", "1.2", "v1.2.3.4", "next"} {
		cmd := exec.Command("bash", "scripts/release.sh", "--set-version", v)
		cmd.Dir = clone
		out, err := cmd.CombinedOutput()
		require.Error(t, err, "--set-version %s was taken:\n%s", v, out)
		assert.Contains(t, string(out), "is not a semver such as 1.2.3 or 1.2.4-dev (no +build)", v)
		status, err := exec.Command("git", "-C", clone, "status", "--porcelain").Output()
		require.NoError(t, err)
		assert.Empty(t, strings.TrimSpace(string(status)), "--set-version %s changed files", v)
	}
}
