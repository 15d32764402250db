// Command circleci-oidc publishes a circleci-oidc stack's role to CircleCI
// and explains why AWS STS refuses a CircleCI OIDC token.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/cli"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/termguard"
)

func main() {
	termguard.Restore() // see termguard: TERM was "dumb" while packages initialized
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Execute(ctx, os.Args[1:], cli.OSEnv())
	stop()
	os.Exit(code)
}
