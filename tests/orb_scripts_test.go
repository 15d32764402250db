package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/oidctest"
)

// writeStub writes an executable shell script named name into dir.
func writeStub(t *testing.T, dir, name, body string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body), 0o755))
}

// The orb's doctor script keeps the token it mints out of the log even in a
// job whose shell traces its commands (shell: /bin/bash -eox pipefail, or a
// `set -x` in $BASH_ENV), as people debugging a failed assume turn on: the
// assignment that hands the minted token to doctor would otherwise be traced
// with the token in it.
func TestOrbDoctorScriptNeverTracesTheToken(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	token, err := oidctest.SignWithOtherKey(oidctest.Token{Org: "11111111-1111-4111-8111-111111111111",
		Project: "22222222-2222-4222-8222-222222222222", User: "55555555-5555-4555-8555-555555555555",
		Origin: "github.com/acme/api", Ref: "refs/heads/main"})
	require.NoError(t, err)
	script := readOrb(t, "scripts/doctor.sh")
	for _, tc := range []struct {
		name    string
		flags   []string
		bashEnv string
	}{
		{"shell: /bin/bash -eox pipefail", []string{"-eox", "pipefail"}, ""},
		{"set -x in $BASH_ENV", []string{"-eo", "pipefail"}, "set -x\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			bin := filepath.Join(dir, "bin")
			require.NoError(t, os.MkdirAll(bin, 0o755))
			// circleci run oidc get prints the token it minted; doctor judges it and refuses.
			writeStub(t, bin, "circleci", "printf '%s\\n' \"$TEST_MINTED\"\n")
			writeStub(t, bin, "circleci-oidc", "[ -n \"$CIRCLE_OIDC_TOKEN_V2\" ] || exit 1\nexit 3\n")
			bashEnv := filepath.Join(dir, "bash_env")
			require.NoError(t, os.WriteFile(bashEnv, []byte(tc.bashEnv), 0o644))
			cmd := exec.CommandContext(t.Context(), bash, append(tc.flags, "-c", script)...)
			cmd.Env = []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + dir,
				"BASH_ENV=" + bashEnv, "CIRCLE_ORGANIZATION_ID=11111111-1111-4111-8111-111111111111",
				"TEST_MINTED=" + token, "PARAM_VERIFY=true", "PARAM_ISSUER_URL="}
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, string(out))
			assert.Equal(t, 3, exit.ExitCode(), "doctor's exit code, from the minted token:\n%s", out)
			assert.Contains(t, string(out), "minting one with circleci run oidc get")
			assert.Empty(t, oidctest.Leaks(string(out), token), "the job's log holds token material:\n%s", out)
		})
	}
}
