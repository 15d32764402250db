package e2e

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// githubReleases answers as GitHub's REST API does for the one release in
// dist/, over TLS, for the requests Pulumi's github:// plugin source makes
// (sdk/go/common/workspace/plugins.go, githubSource.downloadViaAPI): the
// release by tag, whose assets it matches by name, then the asset's API URL
// with Accept: application/octet-stream, which GitHub answers with a 302 to
// its storage, which sends the bytes with Content-Length (Pulumi checks the
// download against it). A wrong tag is 404; the asset URL without that Accept
// gives the asset's JSON, not its bytes. Every request is recorded.
type githubReleases struct {
	*httptest.Server
	// certFile is the server's certificate, for the CLI's SSL_CERT_FILE.
	certFile string
	mu       sync.Mutex
	reqs     []string
}

func serveGitHubReleases(t *testing.T, rel release) *githubReleases {
	t.Helper()
	const repo = "/repos/circleci-oidc/pulumi-circleci-oidc"
	files := rel.assets(t) // asset name -> path
	names := sortedKeys(files)
	g := &githubReleases{}
	g.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.reqs = append(g.reqs, r.Method+" "+r.URL.Path)
		g.mu.Unlock()
		type assetJSON struct {
			ID                 int    `json:"id"`
			Name               string `json:"name"`
			URL                string `json:"url"`
			BrowserDownloadURL string `json:"browser_download_url"`
			State              string `json:"state"`
		}
		assetOf := func(i int) assetJSON {
			return assetJSON{ID: 100 + i, Name: names[i], URL: fmt.Sprintf("%s%s/releases/assets/%d", g.URL, repo, 100+i),
				BrowserDownloadURL: g.URL + "/download/v" + rel.Version + "/" + names[i], State: "uploaded"}
		}
		switch {
		case r.URL.Path == repo+"/releases/tags/v"+rel.Version:
			var assets []assetJSON
			for i := range names {
				assets = append(assets, assetOf(i))
			}
			writeJSON(w, http.StatusOK, map[string]any{"tag_name": "v" + rel.Version, "draft": false, "assets": assets})
		case strings.HasPrefix(r.URL.Path, repo+"/releases/assets/"):
			id, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, repo+"/releases/assets/"))
			if err != nil || id < 100 || id-100 >= len(names) {
				writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
				return
			}
			a := assetOf(id - 100)
			if r.Header.Get("Accept") != "application/octet-stream" {
				writeJSON(w, http.StatusOK, a)
				return
			}
			http.Redirect(w, r, a.BrowserDownloadURL, http.StatusFound)
		case strings.HasPrefix(r.URL.Path, "/download/v"+rel.Version+"/"):
			path, ok := files[strings.TrimPrefix(r.URL.Path, "/download/v"+rel.Version+"/")]
			if !ok {
				http.NotFound(w, r)
				return
			}
			http.ServeFile(w, r, path)
		default:
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		}
	}))
	t.Cleanup(g.Close)
	g.certFile = filepath.Join(t.TempDir(), "github.pem")
	require.NoError(t, os.WriteFile(g.certFile,
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: g.Certificate().Raw}), 0o644))
	return g
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// requests returns the requests so far and forgets them.
func (g *githubReleases) requests() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.reqs
	g.reqs = nil
	return r
}

// downloads are the requests one plugin install makes for asset.
func (g *githubReleases) downloads(rel release, asset string) []string {
	const repo = "/repos/circleci-oidc/pulumi-circleci-oidc"
	return []string{"GET " + repo + "/releases/tags/v" + rel.Version, "GET " + repo + "/releases/assets/<id>",
		"GET /download/v" + rel.Version + "/" + asset}
}

// normalize replaces asset IDs, which the release chooses, by <id>.
func normalize(reqs []string) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = regexp.MustCompile(`/assets/\d+$`).ReplaceAllString(r, "/assets/<id>")
	}
	return out
}

// consumer is a machine with the Pulumi CLI and no Go: a fresh PULUMI_HOME,
// no ambient plugins, and a `go` first on PATH that records any call and
// fails. The production download URL is mapped with
// PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES (regexp=URL,
// sdk/go/common/workspace/plugins.go) to the same github:// form on the
// loopback GitHub, whose certificate the CLI trusts through SSL_CERT_FILE.
type consumer struct {
	w      *world
	dir    string
	goLog  string
	server *githubReleases
}

func newConsumer(t *testing.T, w *world, rel release) *consumer {
	t.Helper()
	c := &consumer{w: w, dir: filepath.Join(w.dir, "consumer"), goLog: filepath.Join(w.dir, "go-calls.log"),
		server: serveGitHubReleases(t, rel)}
	fakeBin := filepath.Join(w.dir, "no-go")
	require.NoError(t, os.MkdirAll(fakeBin, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(fakeBin, "go"), []byte(
		"#!/bin/sh\necho \"go $*\" >> '"+c.goLog+"'\necho 'go: not installed on this machine' >&2\nexit 127\n"), 0o755))
	w.env["PATH"] = fakeBin + string(os.PathListSeparator) + toolsBin() + string(os.PathListSeparator) + "/usr/bin:/bin"
	w.env["PULUMI_IGNORE_AMBIENT_PLUGINS"] = "true"
	w.env["PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES"] = `^github://api\.github\.com/circleci-oidc=github://` +
		strings.TrimPrefix(c.server.URL, "https://") + "/circleci-oidc"
	w.env["SSL_CERT_FILE"] = c.server.certFile
	require.NoError(t, os.MkdirAll(c.dir, 0o755))
	return c
}

// pulumi runs the CLI in the consumer's project and returns its output and error.
func (c *consumer) pulumi(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "pulumi", args...)
	cmd.Dir = c.dir
	cmd.Env = os.Environ() // later entries win: the consumer's PATH replaces the test's
	for k, v := range c.w.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// goCalls is every call of `go` the consumer's machine saw.
func (c *consumer) goCalls(t *testing.T) []string {
	b, err := os.ReadFile(c.goLog)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// pluginDir is where the CLI installs this version of the plugin.
func (c *consumer) pluginDir(version string) string {
	return filepath.Join(c.w.env["PULUMI_HOME"], "plugins", "resource-circleci-oidc-v"+version)
}

// Scenario 17: a consumer with no Go adds the package from the prebuilt
// archive through the production URL form, restores it with `pulumi install`,
// then previews and deploys the YAML example, with one download per install,
// no call to go, and no version warning.
func TestPrebuiltPluginConsumer(t *testing.T) {
	w := newWorld(t)
	requireTools(t, "pulumi-language-yaml")
	rel := requireDist(t)
	f := runConsumer(t, w, rel)
	t.Logf("first prebuilt `pulumi package add`: %s; first preview: %s", f.add, f.preview)
}

// consumerFigures are the times a consumer waits for.
type consumerFigures struct {
	add, preview time.Duration
	goCalls      int
}

// runConsumer is scenario 17's consumer: add, restore, preview, up, destroy.
func runConsumer(t *testing.T, w *world, rel release) consumerFigures {
	t.Helper()
	var f consumerFigures
	c := newConsumer(t, w, rel)
	download := c.server.downloads(rel, rel.archive(runtime.GOOS, runtime.GOARCH))

	// The YAML example, at this build's version.
	example := mustRead(t, filepath.Join(repoRoot(), "examples", "yaml", "Pulumi.yaml"))
	require.Contains(t, example, "\n      version: ")
	lines := strings.Split(example, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "      version: ") {
			lines[i] = "      version: " + rel.Version
		}
	}
	example = strings.Join(lines, "\n")
	require.NoError(t, os.WriteFile(filepath.Join(c.dir, "Pulumi.yaml"), []byte(example), 0o644))

	// 1. pulumi package add, as the README tells a consumer.
	start := time.Now()
	out, err := c.pulumi(t, nil, "package", "add", "circleci-oidc@"+rel.Version, "--server", "github://api.github.com/circleci-oidc")
	f.add = time.Since(start).Round(10 * time.Millisecond)
	assert.Equal(t, download, normalize(c.server.requests()), "one download, of this platform's archive, through GitHub's API")
	require.FileExists(t, filepath.Join(c.pluginDir(rel.Version), pluginName), out)
	assert.NoFileExists(t, filepath.Join(c.pluginDir(rel.Version), "PulumiPlugin.yaml"))
	if err != nil {
		// pulumi-language-yaml v1.25.0, the newest the module proxy serves, has no Link: the CLI
		// downloads and installs the plugin, then stops before it writes the packages entry.
		require.Contains(t, out, "linking package: method Link not implemented", out)
		assert.Equal(t, example, mustRead(t, filepath.Join(c.dir, "Pulumi.yaml")), "nothing half-written")
		t.Log("the served YAML language host cannot link: the packages: entry check is skipped, and Pulumi.yaml keeps the example's resource options")
	} else {
		var proj struct {
			Packages map[string]map[string]string `yaml:"packages"`
		}
		require.NoError(t, yaml.Unmarshal([]byte(mustRead(t, filepath.Join(c.dir, "Pulumi.yaml"))), &proj))
		assert.Equal(t, map[string]string{"source": "circleci-oidc", "version": rel.Version,
			"pluginDownloadURL": "github://api.github.com/circleci-oidc"}, proj.Packages["circleci-oidc"])
	}

	// 2. Another machine, or an emptied cache: pulumi install restores the plugin.
	require.NoError(t, os.RemoveAll(c.pluginDir(rel.Version)))
	out, err = c.pulumi(t, nil, "install")
	require.NoError(t, err, out)
	require.FileExists(t, filepath.Join(c.pluginDir(rel.Version), pluginName), out)
	assert.Equal(t, download, normalize(c.server.requests()), "pulumi install downloads the archive once")

	// 3. preview and up with acquisition off: the installed binary, nothing else.
	off := map[string]string{"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true"}
	out, err = c.pulumi(t, off, "stack", "init", "dev")
	require.NoError(t, err, out)
	out, err = c.pulumi(t, off, "config", "set", "aws:region", "eu-west-1")
	require.NoError(t, err, out)
	start = time.Now()
	out, err = c.pulumi(t, off, "preview", "--non-interactive")
	f.preview = time.Since(start).Round(10 * time.Millisecond)
	require.NoError(t, err, out)
	assert.NotContains(t, out, "expected to have version")
	assert.Contains(t, out, "circleci-oidc:index:CircleCIOIDC")
	out, err = c.pulumi(t, off, "up", "--yes", "--non-interactive", "--skip-preview")
	require.NoError(t, err, out)
	assert.NotContains(t, out, "expected to have version")
	out, err = c.pulumi(t, off, "stack", "output", "roleArn")
	require.NoError(t, err, out)
	assert.Equal(t, "arn:aws:iam::123456789012:role/ci/circleci-deploy", strings.TrimSpace(out))

	assert.Empty(t, c.server.requests(), "preview and up download nothing")
	assert.Empty(t, c.goCalls(t), "a consumer needs no Go")
	out, err = c.pulumi(t, off, "destroy", "--yes", "--non-interactive", "--skip-preview")
	require.NoError(t, err, out)
	f.goCalls = len(c.goCalls(t))
	return f
}

// Scenario 18: a stack deployed through the source plugin, as the README
// offered before prebuilt releases (a packages entry that Pulumi builds from
// source; here the binary built from that commit exactly as
// pulumi-language-go builds it), moves to the prebuilt plugin: the preview
// after the switch changes no resource.
func TestMigrationFromTheSourcePlugin(t *testing.T) {
	w := newWorld(t)
	requireTools(t, "pulumi-language-yaml")
	rel := requireDist(t)

	// The last commit before prebuilt releases, its example and its plugin.
	const before = "1f4a92c"
	old, git := cloneRepo(t, w.dir)
	git("checkout", "-q", before)
	pluginDir := filepath.Join(w.dir, "source-plugin")
	buildPlugin(t, old, pluginDir)
	oldExample := strings.Replace(mustRead(t, filepath.Join(old, "examples", "yaml", "Pulumi.yaml")),
		"github.com/circleci-oidc/pulumi-circleci-oidc/provider/cmd/pulumi-resource-circleci-oidc@v0.1.0", pluginDir, 1)

	c := newConsumer(t, w, rel)
	require.NoError(t, os.WriteFile(filepath.Join(c.dir, "Pulumi.yaml"), []byte(oldExample), 0o644))
	off := map[string]string{"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true"}
	for _, args := range [][]string{
		{"stack", "init", "dev"}, {"config", "set", "aws:region", "eu-west-1"},
		{"up", "--yes", "--non-interactive", "--skip-preview"},
	} {
		out, err := c.pulumi(t, off, args...)
		require.NoError(t, err, out)
	}

	// The switch: the example as it is now, at the release's version, and the prebuilt plugin.
	example := strings.Replace(mustRead(t, filepath.Join(repoRoot(), "examples", "yaml", "Pulumi.yaml")),
		"      version: "+strings.TrimSpace(mustRead(t, filepath.Join(repoRoot(), "provider", "VERSION"))),
		"      version: "+rel.Version, 1)
	require.NoError(t, os.WriteFile(filepath.Join(c.dir, "Pulumi.yaml"), []byte(example), 0o644))
	out, err := c.pulumi(t, nil, "install")
	require.NoError(t, err, out)
	out, err = c.pulumi(t, off, "preview", "--non-interactive", "--diff", "--expect-no-changes")
	require.NoError(t, err, "the README's migration check fails:\n%s", out)
	assert.Contains(t, out, "6 unchanged")
	assert.NotContains(t, out, "expected to have version")
	assert.Empty(t, c.goCalls(t))
}
