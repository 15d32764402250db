package tests

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBubbleTeaOnlyThroughPulumi pins the one way Bubble Tea, whose package
// init queries the terminal, reaches the command line: Pulumi's cmdutil,
// which the Automation API and the Go SDK import and fleet needs. No package
// of this module may import it, lipgloss or termenv, and main must import
// internal/termguard, which keeps that init from querying (see its doc).
func TestBubbleTeaOnlyThroughPulumi(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go command to list dependencies")
	}
	const module = "github.com/circleci-oidc/pulumi-circleci-oidc"
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"/cmd/circleci-oidc").CombinedOutput()
	require.NoError(t, err, string(out))
	terminal := []string{"github.com/charmbracelet/bubbletea", "github.com/charmbracelet/lipgloss", "github.com/muesli/termenv"}
	allowed := []string{ // who may import Bubble Tea: Pulumi's cmdutil and what it brings
		"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil",
		"github.com/pulumi/pulumi/sdk/v3/go/internal/third_party/textinput",
		"github.com/charmbracelet/bubbles/cursor",
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg, imports := f[0], f[1:]
		if pkg == module+"/cmd/circleci-oidc" {
			assert.Contains(t, imports, module+"/internal/termguard", "main imports termguard")
		}
		for _, imp := range imports {
			if !slices.Contains(terminal, imp) {
				continue
			}
			assert.False(t, strings.HasPrefix(pkg, module), "%s imports %s, which queries the terminal", pkg, imp)
			if imp == terminal[0] {
				assert.Contains(t, allowed, pkg, "a new way for Bubble Tea into the command line: %s", pkg)
			}
		}
	}
}
