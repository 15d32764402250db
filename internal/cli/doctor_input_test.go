package cli_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/cli"
)

// TestDoctorBoundsPolicyFile covers findings B1 and B2 as doctor meets them:
// --policy /dev/zero ran out of memory, a FIFO hung, and 80 KB of nested
// brackets took 16 s and 4 GB. Each is refused within 2 s, allocating less
// than 100 MB.
func TestDoctorBoundsPolicyFile(t *testing.T) {
	iss := issuer(t)
	token := sign(t, iss, onMain)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	nested := filepath.Join(dir, "nested.json")
	require.NoError(t, os.WriteFile(nested, []byte(strings.Repeat("[", 80<<10)), 0o600))
	big := filepath.Join(dir, "big.json")
	require.NoError(t, os.WriteFile(big, []byte(mainOnlyPolicy()+strings.Repeat(" ", 2<<20)), 0o600))

	tests := []struct {
		name, file, want string
		code             int
	}{
		{"/dev/zero", "/dev/zero", "--policy /dev/zero is not a regular file", cli.ExitUsage},
		{"FIFO", fifo, "is not a regular file (a named pipe)", cli.ExitUsage},
		{"nested brackets", nested, "nests deeper than 8 levels", cli.ExitFailed},
		{"over the size bound", big, "holds more than 1048576 bytes", cli.ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			done := make(chan result, 1)
			start := time.Now()
			go func() { done <- run(t, cli.Env{}, "doctor", "--token", token, "--policy", tt.file) }()
			select {
			case r := <-done:
				elapsed := time.Since(start)
				runtime.ReadMemStats(&after)
				assert.Equal(t, tt.code, r.code, r.stdout+r.stderr)
				assert.Contains(t, r.stderr, tt.want)
				assert.Less(t, elapsed, 2*time.Second)
				assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(100<<20), "bytes allocated")
				t.Logf("%s: %v, %d KB allocated", tt.name, elapsed, (after.TotalAlloc-before.TotalAlloc)>>10)
			case <-time.After(2 * time.Second):
				t.Fatalf("doctor --policy %s still runs after 2 s", tt.file)
			}
		})
	}
}

// TestDoctorRefusesATerminal covers finding B6: with no --token, doctor
// waited silently for standard input on a terminal. It refuses at once, and
// says how to give the token.
func TestDoctorRefusesATerminal(t *testing.T) {
	tty, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	done := make(chan result, 1)
	go func() { done <- run(t, cli.Env{Stdin: tty}, "doctor", "--policy", policyFile(t)) }()
	select {
	case r := <-done:
		assert.Equal(t, cli.ExitUsage, r.code, r.stdout+r.stderr)
		assert.Contains(t, r.stderr, "no --token, and standard input is a terminal: pass --token or pipe the token in; in a CircleCI job, use --from-job")
	case <-time.After(2 * time.Second):
		t.Fatal("doctor still waits on the terminal after 2 s")
	}
}
