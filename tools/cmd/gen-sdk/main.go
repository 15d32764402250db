// Command gen-sdk writes one of the package's SDKs, generated from the golden
// schema, into a folder: gen-sdk -lang nodejs -version 1.2.3 -out dist/sdk/nodejs.
// scripts/release.sh runs it to build the SDK packages of a release.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/circleci-oidc/pulumi-circleci-oidc/tools/sdkgen"
)

func main() {
	lang := flag.String("lang", "", fmt.Sprintf("the SDK's language, one of %v", sdkgen.Languages))
	schemaPath := flag.String("schema", "provider/cmd/pulumi-resource-circleci-oidc/schema.json", "the schema to generate from")
	version := flag.String("version", "", "the SDK's version, without a v (default: the schema's)")
	out := flag.String("out", "", "the folder to write the SDK into")
	flag.Parse()
	if *lang == "" || *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gen-sdk -lang LANG [-version X.Y.Z] [-schema FILE] -out DIR")
		os.Exit(2)
	}
	if err := sdkgen.Generate(*lang, *schemaPath, *version, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen-sdk:", err)
		os.Exit(1)
	}
}
