// The stack program: one stack per AWS account, each trusting chosen CircleCI
// jobs through one CircleCIOIDC component. Its configuration is declared, with
// descriptions, in Pulumi.yaml; the program itself is package internal/stack,
// so that the Automation API can run it inline.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/stack"
)

func main() {
	pulumi.Run(stack.Run)
}
