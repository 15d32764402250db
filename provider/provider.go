// Package provider serves the CircleCIOIDC component to Pulumi programs in
// every language, as a component provider built with pulumi-go-provider.
//
// It is a thin wrapper: its types are the component's own with the schema's
// descriptions added, and its constructor is component.NewCircleCIOIDC.
package provider

import (
	"context"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component"
)

// Name is the Pulumi package name.
const Name = "circleci-oidc"

// Repository is where the package's source lives.
const Repository = "https://github.com/circleci-oidc/pulumi-circleci-oidc"

// PluginDownloadURL is where the engine and every generated SDK fetch the
// prebuilt plugin: the GitHub releases of Repository. Pulumi fills in the
// repository as pulumi-<name> and looks for the asset
// pulumi-resource-circleci-oidc-v<version>-<os>-<arch>.tar.gz
// (sdk/go/common/workspace/plugins.go); scripts/release.sh builds those.
const PluginDownloadURL = "github://api.github.com/circleci-oidc"

// Namespace is the package's publisher namespace in the schema. The SDK
// names come from the language map, so the namespace changes none of them.
const Namespace = "circleci-oidc"

// New returns the component provider.
func New() (p.Provider, error) {
	prov, err := infer.NewProviderBuilder().
		WithDisplayName("CircleCI OIDC").
		WithDescription("Lets CircleCI jobs assume an AWS IAM role with their OIDC token instead of stored access keys.").
		WithKeywords("circleci", "oidc", "aws", "iam", "category/cloud", "kind/component").
		WithHomepage(Repository).
		WithRepository(Repository).
		WithLicense("Apache-2.0").
		WithPublisher("circleci-oidc").
		WithNamespace(Namespace).
		WithPluginDownloadURL(PluginDownloadURL).
		WithLanguageMap(map[string]any{
			"go": map[string]any{
				"importBasePath":                 "github.com/circleci-oidc/pulumi-circleci-oidc/sdk/go/circlecioidc",
				"generateResourceContainerTypes": true,
				"respectSchemaVersion":           true,
			},
			"nodejs": map[string]any{"packageName": "@circleci-oidc/pulumi-circleci-oidc", "respectSchemaVersion": true},
			"python": map[string]any{
				"packageName":          "pulumi_circleci_oidc",
				"respectSchemaVersion": true,
				"pyproject":            map[string]any{"enabled": true},
			},
			"csharp": map[string]any{"rootNamespace": "CircleCIOIDC", "respectSchemaVersion": true},
		}).
		WithComponents(infer.ComponentF(construct)).
		// The component's types live in package component; the schema
		// puts them in the index module beside the component.
		WithModuleMap(map[tokens.ModuleName]tokens.ModuleName{"component": "index"}).
		Build()
	if err != nil {
		return p.Provider{}, err
	}
	getSchema := prov.GetSchema
	prov.GetSchema = func(ctx context.Context, req p.GetSchemaRequest) (p.GetSchemaResponse, error) {
		resp, err := getSchema(ctx, req)
		if err != nil {
			return resp, err
		}
		resp.Schema, err = describeRule(resp.Schema)
		return resp, err
	}
	return prov, nil
}

// Run serves the provider until the engine stops it.
func Run(ctx context.Context) error {
	prov, err := New()
	if err != nil {
		return err
	}
	return prov.Run(ctx, Name, PluginVersion())
}

// construct builds the component. infer registers the component's outputs
// after NewCircleCIOIDC has, which the Go SDK treats as a no-op.
func construct(ctx *pulumi.Context, name string, args CircleCIOIDCArgs,
	opts ...pulumi.ResourceOption,
) (*CircleCIOIDC, error) {
	c, err := component.NewCircleCIOIDC(ctx, name, component.CircleCIOIDCArgs(args), opts...)
	return (*CircleCIOIDC)(c), err
}
