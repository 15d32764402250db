// Command orb-pack packs the orb in orb/src into one orb.yml, checks it, and
// publishes it at the release's version:
//
//	go run ./tools/cmd/orb-pack -out dist/orb.yml                      pack and check
//	go run ./tools/cmd/orb-pack -out dist/orb.yml -publish NS/ORB      also publish (CIRCLECI_CLI_TOKEN)
//	go run ./tools/cmd/orb-pack ... -publish NS/ORB -dry-run           print the requests instead
//
// The version is provider/VERSION's, which the release workflow has checked
// against the tag; -version overrides it.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/circleci-oidc/pulumi-circleci-oidc/tools/orbpack"
)

func main() {
	src := flag.String("src", "orb/src", "the orb's source, in the orb development kit's layout")
	out := flag.String("out", "", "write the packed orb here (default: standard output)")
	version := flag.String("version", "", "the orb's version (default: provider/VERSION)")
	publish := flag.String("publish", "", "publish the orb under this name, namespace/orb, at the version")
	dryRun := flag.Bool("dry-run", false, "with -publish: print the requests instead of sending them")
	endpoint := flag.String("endpoint", orbpack.DefaultEndpoint, "CircleCI's GraphQL endpoint (CircleCI server: https://<host>/graphql-unstable)")
	flag.Parse()
	if flag.NArg() > 0 {
		fail(fmt.Errorf("orb-pack takes no arguments, got %q", flag.Args()))
	}
	if *version == "" {
		b, err := os.ReadFile("provider/VERSION")
		if err != nil {
			fail(fmt.Errorf("reading the version from provider/VERSION (or pass -version): %w", err))
		}
		*version = strings.TrimSpace(string(b))
	}
	*version = strings.TrimPrefix(*version, "v")
	packed, err := orbpack.Pack(*src, *version)
	if err != nil {
		fail(err)
	}
	name := *publish
	if name == "" {
		name = orbpack.DefaultName
	}
	if err := orbpack.Check(packed, name); err != nil {
		fail(err)
	}
	if *out == "" {
		os.Stdout.Write(packed)
	} else {
		if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
			fail(err)
		}
		if err := os.WriteFile(*out, packed, 0o644); err != nil {
			fail(err)
		}
		fmt.Fprintf(os.Stderr, "packed %s into %s (%d bytes) at version %s; it holds together\n", *src, *out, len(packed), *version)
	}
	if *publish == "" {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	p := orbpack.Publisher{
		Endpoint: *endpoint, Token: os.Getenv(orbpack.TokenEnv), DryRun: *dryRun,
		HTTP: &http.Client{Timeout: 60 * time.Second}, Log: os.Stderr,
	}
	if err := p.Publish(ctx, *publish, *version, packed); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "orb-pack: %v\n", err)
	os.Exit(1)
}
