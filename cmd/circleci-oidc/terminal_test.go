//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// runMainEnv makes the test binary run the command line instead of the tests:
// the tests start it on a terminal, with the command's own package graph.
const runMainEnv = "CIRCLECI_OIDC_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(runMainEnv); ok {
		os.Args = append([]string{"circleci-oidc"}, strings.Fields(args)...)
		main()
	}
	os.Exit(m.Run())
}

// openPTY opens a pseudo-terminal pair: the test keeps the controller, the
// command gets the terminal.
func openPTY(t *testing.T) (controller, terminal *os.File) {
	t.Helper()
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	controller = os.NewFile(uintptr(fd), "/dev/ptmx")
	unlock := 0
	require.NoError(t, unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, unlock))
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	require.NoError(t, err)
	terminal, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	require.NoError(t, err)
	return controller, terminal
}

// onTerminal runs the command line with args on a terminal that never
// answers, as a terminal that ignores colour queries does, and returns
// everything the command wrote to it.
func onTerminal(t *testing.T, env []string, args string) string {
	t.Helper()
	controller, terminal := openPTY(t)
	defer controller.Close()
	self, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(self)
	cmd.Env = append(append(os.Environ(), runMainEnv+"="+args, "TERM=xterm-256color", "CI="), env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = terminal, terminal, terminal
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	require.NoError(t, cmd.Start())
	terminal.Close()
	var out bytes.Buffer
	buf := make([]byte, 4096)
	for {
		n, err := controller.Read(buf)
		out.Write(buf[:n])
		if err != nil { // EIO once the command has exited and closed the terminal
			break
		}
	}
	_ = cmd.Wait()
	return out.String()
}

// TestNoTerminalQuery: Bubble Tea v1, which Pulumi's Go SDK links through
// sdk/go/common/util/cmdutil, asks the terminal for its background colour in
// a package init (OSC 11, then a cursor position request, CSI 6n) and waits
// up to 5 s for an answer; every run of the command line stalled 5 s on a
// terminal that does not answer. The command line must not query at all.
func TestNoTerminalQuery(t *testing.T) {
	out := onTerminal(t, nil, "--help")
	assert.Contains(t, out, "circleci-oidc", "the help was written")
	assert.NotContains(t, out, "\x1b]11;?", "a background colour query (OSC 11)")
	assert.NotContains(t, out, "\x1b[6n", "a cursor position request (CSI 6n)")
}

// TestTermguardInitializesFirst: termguard works only if its init runs
// before termenv's, lipgloss's and Bubble Tea's, which Go's package
// initialization order decides from the package graph.
func TestTermguardInitializesFirst(t *testing.T) {
	self, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), runMainEnv+"=--help", "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	order := map[string]int{}
	for i, line := range strings.Split(stderr.String(), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "init" {
			order[f[1]] = i
		}
	}
	guard, ok := order["github.com/circleci-oidc/pulumi-circleci-oidc/internal/termguard"]
	require.True(t, ok, "termguard is initialized")
	linked := 0
	for _, pkg := range []string{"github.com/muesli/termenv", "github.com/charmbracelet/lipgloss", "github.com/charmbracelet/bubbletea"} {
		if i, ok := order[pkg]; ok {
			linked++
			assert.Less(t, guard, i, "termguard initializes before %s", pkg)
		}
	}
	require.Positive(t, linked, "none of termenv, lipgloss and Bubble Tea is linked any more: remove termguard")
}
