// Package termguard keeps the command line from querying the terminal while
// Go initializes its packages.
//
// Pulumi's Go SDK (sdk/go/pulumi, sdk/go/auto), which fleet needs to run its
// program in-process, imports sdk/go/common/util/cmdutil, which imports
// Bubble Tea v1. Bubble Tea's package init calls lipgloss.HasDarkBackground,
// which, on a terminal, writes a background colour query (OSC 11) and a
// cursor position request (CSI 6n) and waits up to 5 s (termenv.OSCTimeout)
// for the answer: every run stalled 5 s on a terminal that does not answer,
// and the answer of one that does leaked into the shell. Nothing in main can
// stop it: package inits run first.
//
// This package sets TERM=dumb in its own init, for which termenv never
// queries (termStatusReport returns before writing), and main restores TERM
// before it does anything else. It works because its init runs before
// termenv's, lipgloss's and Bubble Tea's: since Go 1.21, packages initialize
// in import path order, each as soon as its imports have (the Go spec,
// "Package initialization"); this package imports only os, so it is ready
// before termenv, which needs golang.org/x/sys/unix and os, and its path sorts
// before github.com/muesli/termenv. A test of cmd/circleci-oidc checks the
// order with GODEBUG=inittrace=1.
package termguard

import "os"

var (
	saved   string
	hadTerm bool
	active  bool
)

func init() {
	saved, hadTerm = os.LookupEnv("TERM")
	active = os.Setenv("TERM", "dumb") == nil
}

// Restore puts TERM back as it was when the process started. main calls it
// first; later calls do nothing.
func Restore() {
	if !active {
		return
	}
	active = false
	if hadTerm {
		_ = os.Setenv("TERM", saved)
	} else {
		_ = os.Unsetenv("TERM")
	}
}
