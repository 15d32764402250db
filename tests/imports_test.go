package tests

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestComponentStaysLight checks that the component and the stack program do
// not depend on pulumi-go-provider or the Pulumi engine: only the plugin does.
func TestComponentStaysLight(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go command to list dependencies")
	}
	for _, pkg := range []string{
		"github.com/circleci-oidc/pulumi-circleci-oidc/component",
		"github.com/circleci-oidc/pulumi-circleci-oidc",
	} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		require.NoError(t, err, string(out))
		for _, dep := range strings.Fields(string(out)) {
			assert.False(t, strings.HasPrefix(dep, "github.com/pulumi/pulumi-go-provider"), "%s imports %s", pkg, dep)
			assert.False(t, strings.HasPrefix(dep, "github.com/pulumi/pulumi/pkg/v3"), "%s imports %s", pkg, dep)
		}
	}
}

// TestTestHelpersStayOutOfProduction checks that no production package
// imports the test helpers under internal/testing: only _test.go files and
// the helpers themselves may.
func TestTestHelpersStayOutOfProduction(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go command to list imports")
	}
	const module = "github.com/circleci-oidc/pulumi-circleci-oidc"
	const helpers = module + "/internal/testing/"
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"/...").CombinedOutput()
	require.NoError(t, err, string(out))
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, imports := fields[0], fields[1:]
		if strings.HasPrefix(pkg, helpers) {
			continue
		}
		checked++
		for _, imp := range imports {
			assert.False(t, strings.HasPrefix(imp, helpers), "production package %s imports the test helper %s", pkg, imp)
		}
	}
	assert.Greater(t, checked, 10, "go list found the module's packages")
}
