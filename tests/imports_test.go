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
