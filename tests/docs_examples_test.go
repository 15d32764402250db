package tests

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDocsShowThePythonExampleCIRuns keeps docs/_index.md's Python tab equal
// to examples/python/__main__.py, the program the end-to-end suite runs.
func TestDocsShowThePythonExampleCIRuns(t *testing.T) {
	docs, err := os.ReadFile("../docs/_index.md")
	require.NoError(t, err)
	example, err := os.ReadFile("../examples/python/__main__.py")
	require.NoError(t, err)
	_, tab, ok := strings.Cut(string(docs), "\nPython, [`examples/python/__main__.py`]")
	require.True(t, ok, "docs/_index.md has the Python tab")
	_, block, ok := strings.Cut(tab, "```python\n")
	require.True(t, ok)
	block, _, ok = strings.Cut(block, "```\n")
	require.True(t, ok)
	assert.Equal(t, string(example), block, "docs/_index.md's Python tab is examples/python/__main__.py")
}
