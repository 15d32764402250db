// Package cli is the circleci-oidc command line: publish a stack's role to
// CircleCI, and explain why a token is refused.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/fleet"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/stackout"
)

// Exit codes, listed in the root command's help.
const (
	// ExitOK: the command did what was asked; for doctor, STS would accept the token.
	ExitOK = 0
	// ExitFailed: the command could not do its work.
	ExitFailed = 1
	// ExitUsage: the command was called wrongly.
	ExitUsage = 2
	// ExitRefused: doctor judged that STS would refuse the token.
	ExitRefused = 3
	// ExitUndetermined: doctor found that STS's answer depends on the request,
	// such as the role session name or the caller's IP address.
	ExitUndetermined = 4
	// ExitUnverified: the policy accepts the token, but doctor did not check
	// its signature (no --verify).
	ExitUnverified = 5
	// ExitFindings: audit found a weakness at or above --fail-on.
	ExitFindings = 6
)

// exitCodesHelp documents the exit codes in --help.
const exitCodesHelp = "\n\nExit codes:\n" +
	"  0  success; for doctor, STS would accept the token and its signature verified\n" +
	"  1  failure: the command could not do its work\n" +
	"  2  usage: a flag or argument is wrong\n" +
	"  3  doctor: STS would refuse the token\n" +
	"  4  doctor: undetermined: STS's answer depends on the request, not only on the token\n" +
	"  5  doctor: the policy accepts the token, but its signature was not checked (pass --verify)\n" +
	"  6  audit: a finding at or above --fail-on"

// UsageError is a mistake in how the command was called: it exits with ExitUsage.
type UsageError struct{ Err error }

// Error returns the mistake.
func (e UsageError) Error() string { return e.Err.Error() }

// Unwrap returns the mistake.
func (e UsageError) Unwrap() error { return e.Err }

// usage returns a UsageError with a formatted message.
func usage(format string, args ...any) error { return UsageError{fmt.Errorf(format, args...)} }

// Env is what the commands take from the world, so tests can replace it.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// LoadStack reads a stack's outputs and configuration.
	LoadStack func(ctx context.Context, dir, stack string) (stackout.Stack, error)
	Now       func() time.Time
	// HTTP is used for CircleCI and for token issuers.
	HTTP *http.Client
}

// OSEnv is the real world.
func OSEnv() Env {
	return Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv,
		LoadStack: stackout.Load, Now: time.Now, HTTP: &http.Client{Timeout: 30 * time.Second},
	}
}

// Verdicts that are not a plain success; Execute maps them to exit codes.
var (
	errRefused      = errors.New("refused")
	errUndetermined = errors.New("undetermined")
	errUnverified   = errors.New("signature not checked")
	errFindings     = errors.New("findings at or above --fail-on")
)

// Execute runs the command line and returns the exit code.
func Execute(ctx context.Context, args []string, env Env) int {
	root := &cobra.Command{
		Use:   "circleci-oidc",
		Short: "Publish a circleci-oidc stack's role to CircleCI, and explain refused tokens",
		Long: "circleci-oidc works with stacks of the circleci-oidc Pulumi program.\n\n" +
			"  publish  writes a stack's role ARN and region into a CircleCI context\n" +
			"  doctor   explains why AWS STS accepts or refuses a CircleCI OIDC token\n" +
			"  audit    finds weak CircleCI OIDC trust in an AWS account, read-only\n" +
			"  fleet    deploys the stack to every account of an AWS Organization (its own exit codes: fleet --help)\n" +
			"  version  prints the version and the commit this binary was built from" +
			exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return UsageError{Err: err} })
	root.AddCommand(newPublishCommand(env), newDoctorCommand(env), newAuditCommand(env), newFleetCommand(env))
	root.AddCommand(newVersionCommand())

	err := root.ExecuteContext(ctx)
	var usageErr UsageError
	var fleetErr fleetExit
	switch {
	case errors.As(err, &fleetErr):
		switch {
		case fleetErr.code == fleet.ExitUsage:
			fmt.Fprintf(env.Stderr, "circleci-oidc: %s\nRun 'circleci-oidc fleet --help' for usage.\n", printable(err))
		case fleetErr.err != nil:
			fmt.Fprintf(env.Stderr, "circleci-oidc: %s\n", printable(err))
		}
		return fleetErr.code
	case err == nil:
		return ExitOK
	case errors.Is(err, errRefused):
		return ExitRefused
	case errors.Is(err, errUndetermined):
		return ExitUndetermined
	case errors.Is(err, errUnverified):
		return ExitUnverified
	case errors.Is(err, errFindings):
		return ExitFindings
	case errors.As(err, &usageErr) || isCobraUsage(err):
		fmt.Fprintf(env.Stderr, "circleci-oidc: %s\nRun 'circleci-oidc --help' for usage.\n", printable(err))
		return ExitUsage
	default:
		fmt.Fprintf(env.Stderr, "circleci-oidc: %s\n", printable(err))
		return ExitFailed
	}
}

// printable is err's message fit for a terminal: each line through
// fleet.Printable, so a value an error echoes (a name from Organizations, a
// YAML value) can't move the cursor, clear the screen or reorder the text,
// while the message keeps its own line breaks.
func printable(err error) string {
	lines := strings.Split(err.Error(), "\n")
	for i, l := range lines {
		lines[i] = fleet.Printable(l)
	}
	return strings.Join(lines, "\n")
}

// isCobraUsage recognises cobra's own argument errors, which it does not type.
func isCobraUsage(err error) bool {
	for _, p := range []string{"unknown command", "accepts ", "requires ", "unknown flag", "unknown shorthand"} {
		if strings.HasPrefix(err.Error(), p) {
			return true
		}
	}
	return false
}
