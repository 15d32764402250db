// Command gh-release publishes a GitHub release of the given files, as a
// draft first and public only once every file is uploaded; run again, it
// completes what an earlier run left. scripts/release.sh --publish runs it:
//
//	gh-release -repo owner/name -tag v1.2.3 [-prerelease] [-dry-run] FILE...
//
// The token comes from GITHUB_TOKEN, the API from GITHUB_API_URL (default
// https://api.github.com).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/circleci-oidc/pulumi-circleci-oidc/tools/ghrelease"
)

func main() {
	repo := flag.String("repo", "circleci-oidc/pulumi-circleci-oidc", "the repository, owner/name")
	tag := flag.String("tag", "", "the release's tag, such as v1.2.3")
	prerelease := flag.Bool("prerelease", false, "mark the release as a pre-release")
	dryRun := flag.Bool("dry-run", false, "print each request instead of sending it")
	flag.Parse()
	if *tag == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: gh-release -repo owner/name -tag vX.Y.Z [-prerelease] [-dry-run] FILE...")
		os.Exit(2)
	}
	api := os.Getenv("GITHUB_API_URL")
	if api == "" {
		api = "https://api.github.com"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	p := &ghrelease.Publisher{API: api, Repo: *repo, Token: os.Getenv("GITHUB_TOKEN"), Out: os.Stdout,
		DryRun: *dryRun, Retries: 3}
	if err := p.Publish(ctx, *tag, *prerelease, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
