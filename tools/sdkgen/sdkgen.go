// Package sdkgen generates the package's SDKs from the golden schema with
// Pulumi's own code generators, the ones the pulumi-language-* hosts call for
// `pulumi package gen-sdk`. The hosts themselves cannot be had here, so the
// release build and the end-to-end suite call the generators directly.
package sdkgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// Languages are the SDKs this package ships, in the order they are built.
var Languages = []string{"go", "nodejs", "python"}

// Generate writes the SDK for lang, generated from the schema at schemaPath,
// into dir. A non-empty version replaces the schema's, so that the SDK's
// package version and its pulumi-plugin.json name the release.
func Generate(lang, schemaPath, version, dir string) error {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	if version != "" {
		if _, err := semver.Parse(version); err != nil {
			return fmt.Errorf("version %q is not a semver such as 1.2.3: %w", version, err)
		}
		spec.Version = version
	}
	pkg, diags, err := schema.BindSpec(spec, noPackages{}, schema.ValidationOptions{})
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return fmt.Errorf("%s: %s", schemaPath, diags.Error())
	}

	var files map[string][]byte
	switch lang {
	case "go":
		files, err = gogen.GeneratePackage("pulumi", pkg, nil)
	case "nodejs":
		files, err = nodejs.GeneratePackage("pulumi", pkg, nil, nil, true, noPackages{})
	case "python":
		files, err = python.GeneratePackage("pulumi", pkg, nil, noPackages{})
	default:
		return fmt.Errorf("language %q: want one of %v", lang, Languages)
	}
	if err != nil {
		return err
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// noPackages is a schema loader for a package that refers to no other.
type noPackages struct{}

var errNoPackages = errors.New("the circleci-oidc schema refers to no other package")

func (noPackages) LoadPackage(string, *semver.Version) (*schema.Package, error) {
	return nil, errNoPackages
}

func (noPackages) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errNoPackages
}

func (noPackages) LoadPackageReference(string, *semver.Version) (schema.PackageReference, error) {
	return nil, errNoPackages
}

func (noPackages) LoadPackageReferenceV2(context.Context, *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, errNoPackages
}
