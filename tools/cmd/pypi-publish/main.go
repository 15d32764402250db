// Command pypi-publish uploads Python distributions with twine, safely run
// again: a file the index already has with the same sha256 is skipped, one
// it has with another sha256 is refused, naming both. scripts/publish-pypi.sh
// runs it:
//
//	pypi-publish -index-url URL [-repository-url URL] -twine PATH [-dry-run] FILE...
//
// The API token comes from PYPI_TOKEN and reaches twine only through its
// environment.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/circleci-oidc/pulumi-circleci-oidc/tools/pypipublish"
)

func main() {
	index := flag.String("index-url", "", "the index's simple API root, whose /<project>/ pages list the published files")
	repo := flag.String("repository-url", "", "twine's upload URL (default: twine's own, the public index)")
	twine := flag.String("twine", "twine", "the twine executable")
	dryRun := flag.Bool("dry-run", false, "print what would be read and run instead of doing it")
	flag.Parse()
	if *index == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: pypi-publish -index-url URL [-repository-url URL] [-twine PATH] [-dry-run] FILE...")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	p := &pypipublish.Publisher{IndexURL: *index, RepositoryURL: *repo, Twine: *twine,
		Token: os.Getenv("PYPI_TOKEN"), DryRun: *dryRun, Out: os.Stdout}
	if err := p.Publish(ctx, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
