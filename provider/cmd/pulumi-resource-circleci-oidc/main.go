// Command pulumi-resource-circleci-oidc is the component provider plugin
// that serves CircleCIOIDC to Pulumi programs in every language.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/circleci-oidc/pulumi-circleci-oidc/provider"
)

func main() {
	if err := provider.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
