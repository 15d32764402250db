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

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/stackout"
	"github.com/circleci-oidc/pulumi-circleci-oidc/publish"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailed  = 1
	ExitUsage   = 2
	ExitRefused = 1
)

// Env is what the commands take from the world, so tests can replace it.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// LoadStack reads a stack's outputs and configuration.
	LoadStack func(ctx context.Context, dir, stack string) (publish.Stack, error)
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

// refusedError is a doctor verdict that is not an allowance.
type refusedError struct{}

func (refusedError) Error() string { return "refused" }

// Execute runs the command line and returns the exit code.
func Execute(ctx context.Context, args []string, env Env) int {
	root := &cobra.Command{
		Use:   "circleci-oidc",
		Short: "Publish a circleci-oidc stack's role to CircleCI, and explain refused tokens",
		Long: "circleci-oidc works with stacks of the circleci-oidc Pulumi program.\n\n" +
			"  publish  writes a stack's role ARN and region into a CircleCI context\n" +
			"  doctor   explains why AWS STS accepts or refuses a CircleCI OIDC token",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return publish.UsageError{Err: err} })
	root.AddCommand(newPublishCommand(env), newDoctorCommand(env))

	err := root.ExecuteContext(ctx)
	var usage publish.UsageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &refusedError{}):
		return ExitRefused
	case errors.As(err, &usage) || isCobraUsage(err):
		fmt.Fprintf(env.Stderr, "circleci-oidc: %v\nRun 'circleci-oidc --help' for usage.\n", err)
		return ExitUsage
	default:
		fmt.Fprintf(env.Stderr, "circleci-oidc: %v\n", err)
		return ExitFailed
	}
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
