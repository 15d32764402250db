package e2e

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// release is what scripts/release.sh left in dist/.
type release struct {
	Dir     string
	Version string `json:"version"`
	Tag     string `json:"tag"`
	Commit  string `json:"commit"`
}

// requireDist skips the test unless scripts/release.sh has built dist/
// (scripts/e2e.sh runs it with --host --sdk first).
func requireDist(t *testing.T) release {
	t.Helper()
	dir := filepath.Join(repoRoot(), "dist")
	b, err := os.ReadFile(filepath.Join(dir, "metadata.json"))
	if err != nil {
		t.Skip("dist/ is not built: run scripts/release.sh --host --sdk (scripts/e2e.sh does)")
	}
	rel := release{Dir: dir}
	require.NoError(t, json.Unmarshal(b, &rel))
	require.NotEmpty(t, rel.Version)
	head := strings.TrimSpace(run(t, repoRoot(), nil, "git", "rev-parse", "--short=12", "HEAD"))
	require.Equal(t, head, rel.Commit, "dist/ was built from another commit: run scripts/release.sh --host --sdk")
	return rel
}

// archive is the file name Pulumi asks a pluginDownloadURL for.
func (r release) archive(goos, goarch string) string {
	return pluginName + "-v" + r.Version + "-" + goos + "-" + goarch + ".tar.gz"
}

// assets are the files a release uploads, by their flat asset names, as
// scripts/release.sh --publish sends them: the archives, the checksums file
// and the SDK packages.
func (r release) assets(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{}
	for _, pattern := range []string{"*.tar.gz", "*_checksums.txt", "sdk/*"} {
		matches, err := filepath.Glob(filepath.Join(r.Dir, pattern))
		require.NoError(t, err)
		for _, m := range matches {
			files[filepath.Base(m)] = m
		}
	}
	return files
}

// sdkFile is the one SDK package in dist/sdk whose name ends in ext.
func (r release) sdkFile(t *testing.T, ext string) string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(r.Dir, "sdk", "*"+ext))
	require.NoError(t, err)
	require.Len(t, matches, 1, "dist/sdk holds one %s: build it with scripts/release.sh --sdk", ext)
	return matches[0]
}

// targets are the six platforms a release ships.
var targets = map[string]bool{
	"linux-amd64": true, "linux-arm64": true, "darwin-amd64": true,
	"darwin-arm64": true, "windows-amd64": true, "windows-arm64": true,
}

// cliName is the command line's binary, shipped beside the plugin.
const cliName = "circleci-oidc"

// cliArchive is the file name of the command line's archive for a target.
func (r release) cliArchive(goos, goarch string) string {
	return cliName + "-v" + r.Version + "-" + goos + "-" + goarch + ".tar.gz"
}

// Scenario 16: every archive in dist/ has the name Pulumi downloads (the
// plugin's) or the orb's install command downloads (the command line's),
// holds the binary, README.md and LICENSE at its root and no
// PulumiPlugin.yaml, and is listed with its sha256 in the checksums file;
// this machine's plugin serves the schema at the version it was given, and
// its command line prints that version and the commit.
func TestReleaseArchives(t *testing.T) {
	requireTools(t)
	rel := requireDist(t)
	name := regexp.MustCompile(`^(` + regexp.QuoteMeta(pluginName) + `|` + regexp.QuoteMeta(cliName) +
		`)-v(.+)-(linux|darwin|windows)-(amd64|arm64)\.tar\.gz$`)

	sums := map[string]string{}
	checksums, err := filepath.Glob(filepath.Join(rel.Dir, "*_checksums.txt"))
	require.NoError(t, err)
	require.Len(t, checksums, 1, "one checksums file")
	assert.Equal(t, "circleci-oidc_"+rel.Version+"_checksums.txt", filepath.Base(checksums[0]))
	for _, line := range strings.Split(strings.TrimSpace(mustRead(t, checksums[0])), "\n") {
		sum, file, ok := strings.Cut(line, "  ")
		require.True(t, ok, "sha256sum's format: %q", line)
		sums[file] = sum
	}

	entries, err := os.ReadDir(rel.Dir)
	require.NoError(t, err)
	found := map[string][]string{} // binary -> targets
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".tar.gz") {
			continue
		}
		m := name.FindStringSubmatch(e.Name())
		require.NotNil(t, m, "%s is not named pulumi-resource-circleci-oidc-v<version>-<os>-<arch>.tar.gz "+
			"or circleci-oidc-v<version>-<os>-<arch>.tar.gz", e.Name())
		assert.Equal(t, rel.Version, m[2], e.Name())
		found[m[1]] = append(found[m[1]], m[3]+"-"+m[4])

		path := filepath.Join(rel.Dir, e.Name())
		assert.Equal(t, sha256File(t, path), sums[e.Name()], "%s's checksum", e.Name())
		exe := m[1]
		if m[3] == "windows" {
			exe += ".exe"
		}
		files := tarFiles(t, path)
		assert.Equal(t, []string{"LICENSE", "README.md", exe}, sortedKeys(files), "%s holds these at its root", e.Name())
		assert.NotZero(t, files[exe]&0o111, "%s: %s is executable", e.Name(), exe)
	}
	host := runtime.GOOS + "-" + runtime.GOARCH
	for _, bin := range []string{pluginName, cliName} {
		require.Contains(t, found[bin], host, "dist/ has this machine's %s archive", bin)
		for _, f := range found[bin] {
			assert.True(t, targets[f], "%s is a release target", f)
		}
	}
	assert.ElementsMatch(t, found[pluginName], found[cliName], "the command line ships for the plugin's targets")
	t.Logf("checked %d archives of each binary (%s); scripts/release.sh --snapshot builds all %d",
		len(found[pluginName]), strings.Join(found[pluginName], ", "), len(targets))
	// The checksums file names each asset as the release uploads it, flat.
	assets := rel.assets(t)
	delete(assets, filepath.Base(checksums[0]))
	assert.Equal(t, sortedKeys(assets), sortedKeys(sums), "the checksums file lists every asset and nothing else")
	for name, path := range assets {
		assert.Equal(t, sha256File(t, path), sums[name], "%s's checksum", name)
	}

	// This machine's binary runs and says the version it was built with.
	w := newWorld(t)
	dir := filepath.Join(w.dir, "unpacked")
	untar(t, filepath.Join(rel.Dir, rel.archive(runtime.GOOS, runtime.GOARCH)), dir)
	s := w.getSchema(t, filepath.Join(dir, pluginName))
	assert.Equal(t, rel.Version, s["version"])
	assert.Equal(t, "github://api.github.com/circleci-oidc", s["pluginDownloadURL"])

	// And so does the command line, with the commit.
	untar(t, filepath.Join(rel.Dir, rel.cliArchive(runtime.GOOS, runtime.GOARCH)), dir)
	out := run(t, dir, nil, filepath.Join(dir, cliName), "version")
	assert.Equal(t, "circleci-oidc "+rel.Version+" (commit "+rel.Commit+", "+runtime.GOOS+"/"+runtime.GOARCH+")\n", out)
}

// cloneRepo clones this repository's committed HEAD into dir/clone and
// returns the clone and a git that commits as a test user there.
func cloneRepo(t *testing.T, dir string) (string, func(args ...string)) {
	t.Helper()
	clone := filepath.Join(dir, "clone")
	run(t, dir, nil, "git", "clone", "-q", repoRoot(), clone)
	return clone, func(args ...string) {
		run(t, clone, nil, "git", append([]string{"-c", "user.name=e2e", "-c", "user.email=e2e@localhost"}, args...)...)
	}
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	h := sha256.New()
	_, err = io.Copy(h, f)
	require.NoError(t, err)
	return hex.EncodeToString(h.Sum(nil))
}

// walkTar calls fn for each entry of a .tar.gz archive, with its content.
func walkTar(t *testing.T, path string, fn func(h *tar.Header, r io.Reader)) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	gz, err := gzip.NewReader(f)
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		require.NoError(t, err)
		fn(h, tr)
	}
}

// tarFiles lists a .tar.gz archive's entries with their modes.
func tarFiles(t *testing.T, path string) map[string]int64 {
	t.Helper()
	files := map[string]int64{}
	walkTar(t, path, func(h *tar.Header, _ io.Reader) { files[h.Name] = h.Mode })
	return files
}

// untar unpacks a .tar.gz archive of plain files into dir.
func untar(t *testing.T, path, dir string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	walkTar(t, path, func(h *tar.Header, r io.Reader) {
		out, err := os.OpenFile(filepath.Join(dir, filepath.Base(h.Name)), os.O_CREATE|os.O_WRONLY, os.FileMode(h.Mode))
		require.NoError(t, err)
		_, err = io.Copy(out, r)
		require.NoError(t, err)
		require.NoError(t, out.Close())
	})
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Scenario 19: the release workflow's own command, `scripts/release.sh
// --release --sdk --publish`, in its dry-run form in a tagged clone: it
// checks the tag against provider/VERSION and the tree, and prints the GitHub
// calls it would make. Only this machine's target is built (RELEASE_TARGETS);
// scripts/release.sh --snapshot builds all six.
func TestReleaseDryRunInATaggedClone(t *testing.T) {
	requireTools(t)
	clone, git := cloneRepo(t, t.TempDir())
	const pypiToken = "pypi-dry-run-token-never-printed"
	release := func() (string, error) {
		cmd := exec.CommandContext(t.Context(), "bash", "scripts/release.sh", "--release", "--sdk", "--publish", "--dry-run")
		cmd.Dir = clone
		cmd.Env = append(os.Environ(), "RELEASE_TARGETS="+runtime.GOOS+"-"+runtime.GOARCH, "GITHUB_TOKEN=", "PYPI_TOKEN="+pypiToken)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	out, err := release()
	require.Error(t, err)
	assert.Contains(t, out, "HEAD has no v* tag: tag the release commit first")

	run(t, clone, nil, "bash", "scripts/release.sh", "--set-version", "1.2.3")
	git("commit", "-q", "-am", "release v1.2.3")
	git("tag", "v1.2.4")
	out, err = release()
	require.Error(t, err)
	assert.Contains(t, out, "HEAD is tagged v1.2.4 but provider/VERSION says 1.2.3")

	git("tag", "-d", "v1.2.4")
	git("tag", "v1.2.3")
	require.NoError(t, os.WriteFile(filepath.Join(clone, "stray.txt"), []byte("x"), 0o644))
	out, err = release()
	require.Error(t, err)
	assert.Contains(t, out, "the work tree has changes")
	require.NoError(t, os.Remove(filepath.Join(clone, "stray.txt")))

	out, err = release()
	require.NoError(t, err, out)
	api := "https://api.github.com/repos/circleci-oidc/pulumi-circleci-oidc/releases"
	assert.Contains(t, out, "dry run: POST "+api+` {"draft":true,"generate_release_notes":true,"name":"v1.2.3","prerelease":false,"tag_name":"v1.2.3"}`)
	for _, name := range []string{
		pluginName + "-v1.2.3-" + runtime.GOOS + "-" + runtime.GOARCH + ".tar.gz",
		cliName + "-v1.2.3-" + runtime.GOOS + "-" + runtime.GOARCH + ".tar.gz",
		"circleci-oidc_1.2.3_checksums.txt",
		"circleci-oidc-pulumi-circleci-oidc-1.2.3.tgz",
		"pulumi_circleci_oidc-1.2.3-py3-none-any.whl",
	} {
		assert.Contains(t, out, "/assets?name="+name+" <- ", "the release uploads %s", name)
	}
	assert.Contains(t, out, "dry run: PATCH "+api+`/0 {"draft":false}`, "published after the uploads")
	assert.Contains(t, out, "(dry run: nothing was sent)")
	// The wheel to the Python package index, the token hidden.
	assert.Contains(t, out, "dry run: TWINE_USERNAME=__token__ TWINE_PASSWORD=<PYPI_TOKEN: "+fmt.Sprint(len(pypiToken))+
		" characters, not shown> twine upload --non-interactive --disable-progress-bar dist/sdk/pulumi_circleci_oidc-1.2.3-py3-none-any.whl")
	assert.Contains(t, out, "(dry run: nothing was uploaded)")
	assert.NotContains(t, out, pypiToken)
}
