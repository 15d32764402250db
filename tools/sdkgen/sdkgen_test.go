package sdkgen

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const golden = "../../provider/cmd/pulumi-resource-circleci-oidc/schema.json"

// TestGoSDKIsGenerated keeps sdk/go, the Go SDK's own module, equal to what
// the generator makes of the golden schema. Regenerate it with
// go run ./tools/cmd/gen-sdk -lang go -out sdk/go
func TestGoSDKIsGenerated(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, Generate("go", golden, "", dir))
	committed := "../../sdk/go"
	seen := 0
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		want, _ := os.ReadFile(path)
		got, err := os.ReadFile(filepath.Join(committed, rel))
		require.NoError(t, err, "sdk/go/%s is missing: run go run ./tools/cmd/gen-sdk -lang go -out sdk/go", rel)
		assert.Equal(t, string(want), string(got), "sdk/go/%s is stale: run go run ./tools/cmd/gen-sdk -lang go -out sdk/go", rel)
		seen++
		return nil
	}))
	assert.Positive(t, seen)
}

func TestGenerateRefusesABadVersionAndLanguage(t *testing.T) {
	err := Generate("nodejs", golden, "v1", t.TempDir())
	require.ErrorContains(t, err, `version "v1" is not a semver`)
	err = Generate("cobol", golden, "", t.TempDir())
	require.ErrorContains(t, err, `language "cobol"`)
}
