package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pythonTools is the venv scripts/python-tools.sh installs twine, pypiserver
// and passlib into.
func pythonTools() string { return filepath.Join(repoRoot(), ".tools", "python") }

// requirePythonTools skips the test unless scripts/e2e-tools.sh installed
// the Python tools and Debian's python3, which makes the consumers' venvs.
func requirePythonTools(t *testing.T) {
	t.Helper()
	for _, f := range []string{"bin/pypi-server", "bin/twine"} {
		if _, err := os.Stat(filepath.Join(pythonTools(), f)); err != nil {
			t.Skip("pypiserver and twine are not installed: run scripts/e2e-tools.sh (scripts/python-tools.sh)")
		}
	}
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("Debian's python3 is not installed: run scripts/e2e-tools.sh")
	}
}

// pypiServer is pypiserver on 127.0.0.1, its packages in a temp folder,
// uploads only for the user __token__ with the server's API token, as the
// public index takes them.
type pypiServer struct {
	// URL is the server's root: uploads go there, the simple index is URL+"simple/".
	URL   string
	Token string
	dir   string
}

// defaultIndex is the index pip installs from on this machine: PIP_INDEX_URL,
// or pip's own default. Its address lives in pip, not in this repository.
func defaultIndex(t *testing.T) string {
	t.Helper()
	if u := os.Getenv("PIP_INDEX_URL"); u != "" {
		return u
	}
	out := run(t, "", nil, filepath.Join(pythonTools(), "bin", "python"), "-c",
		"from pip._internal.models.index import PyPI; print(PyPI.simple_url)")
	return strings.TrimSpace(out)
}

// startPyPIServer starts pypiserver. With fallback set, a project it doesn't
// hold is redirected there (pypiserver's --fallback-url), so that one index
// URL serves this package and, from the real index, its dependencies, as
// the public index serves both to a user; without, it answers 404.
func startPyPIServer(t *testing.T, fallback string) *pypiServer {
	t.Helper()
	requirePythonTools(t)
	b := make([]byte, 48)
	_, err := rand.Read(b)
	require.NoError(t, err)
	s := &pypiServer{Token: "pypi-" + base64.RawURLEncoding.EncodeToString(b), dir: t.TempDir()}
	packages := filepath.Join(s.dir, "packages")
	require.NoError(t, os.MkdirAll(packages, 0o755))
	htpasswd := filepath.Join(s.dir, "htpasswd")
	// The token goes through the environment, never a command line.
	cmd := exec.Command(filepath.Join(pythonTools(), "bin", "python"), "-c",
		"import os, sys; from passlib.apache import HtpasswdFile; h = HtpasswdFile(sys.argv[1], new=True); "+
			"h.set_password('__token__', os.environ['TOKEN']); h.save()", htpasswd)
	cmd.Env = append(os.Environ(), "TOKEN="+s.Token)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	args := []string{"run", "--host", "127.0.0.1", "--port", fmt.Sprint(port), "--authenticate", "update",
		"--passwords", htpasswd, "--hash-algo", "sha256", "--log-stream", "stderr"}
	if fallback != "" {
		args = append(args, "--fallback-url", fallback)
	} else {
		args = append(args, "--disable-fallback")
	}
	srv := exec.Command(filepath.Join(pythonTools(), "bin", "pypi-server"), append(args, packages)...)
	log, err := os.Create(filepath.Join(s.dir, "server.log"))
	require.NoError(t, err)
	srv.Stdout, srv.Stderr = log, log
	require.NoError(t, srv.Start())
	t.Cleanup(func() {
		_ = srv.Process.Kill()
		_ = srv.Wait()
		_ = log.Close()
	})
	s.URL = fmt.Sprintf("http://127.0.0.1:%d/", port)
	// Up within 200 tries 50 ms apart; a count, not a deadline.
	for i := 0; ; i++ {
		resp, err := http.Get(s.URL + "health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if i == 200 {
			t.Fatalf("pypiserver did not answer on %s:\n%s", s.URL, mustRead(t, log.Name()))
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

// publish runs scripts/publish-pypi.sh, the release's upload, against the
// server with token, and returns its output and error.
func (s *pypiServer) publish(t *testing.T, token string, files ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "bash", append([]string{"scripts/publish-pypi.sh"}, files...)...)
	cmd.Dir = repoRoot()
	cmd.Env = append(os.Environ(), "PYPI_TOKEN="+token, "PYPI_INDEX_URL="+s.URL+"simple/", "PYPI_REPOSITORY_URL="+s.URL)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestPyPIPublishIsSafeToRunAgain publishes the wheel of dist/sdk to
// pypiserver with the release's command: the first run uploads it, the
// second changes nothing and succeeds, a changed wheel at the same version
// is refused naming both digests, and a wrong token is refused by the
// server. No output ever shows a token.
func TestPyPIPublishIsSafeToRunAgain(t *testing.T) {
	requireTools(t)
	rel := requireDist(t)
	wheel := rel.sdkFile(t, ".whl")
	sum := sha256File(t, wheel)
	s := startPyPIServer(t, "")

	out, err := s.publish(t, s.Token, wheel)
	require.NoError(t, err, out)
	assert.Contains(t, out, "published "+filepath.Base(wheel)+", sha256 "+sum)
	index := httpGet(t, s.URL+"simple/pulumi-circleci-oidc/")
	assert.Contains(t, index, filepath.Base(wheel)+"#sha256="+sum, "the index serves the wheel with its digest")

	out2, err := s.publish(t, s.Token, wheel)
	require.NoError(t, err, "a second run is a success:\n%s", out2)
	assert.Contains(t, out2, "already published with sha256 "+sum+", the same file: nothing to do")
	assert.NotContains(t, out2, "Uploading", "twine is not run again")

	// The same version, other content: a rebuild that is not reproducible, or another commit.
	changed := filepath.Join(t.TempDir(), filepath.Base(wheel))
	b, err := os.ReadFile(wheel)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(changed, append(b, 0), 0o644)) // one byte more
	changedSum := sha256File(t, changed)
	out3, err := s.publish(t, s.Token, changed)
	require.Error(t, err, out3)
	assert.Contains(t, out3, "already published with other content: the index has sha256 "+sum+", this build has sha256 "+changedSum)
	assert.Contains(t, index, sum)
	assert.Equal(t, index, httpGet(t, s.URL+"simple/pulumi-circleci-oidc/"), "the index is unchanged")

	// Authentication on upload: a wrong token is refused, and not printed either.
	other := startPyPIServer(t, "")
	wrong := "pypi-" + strings.Repeat("x", 40)
	out4, err := other.publish(t, wrong, wheel)
	require.Error(t, err, out4)
	assert.Contains(t, out4, "403", "pypiserver refuses the upload")
	assert.Contains(t, out4, "twine upload failed")
	assert.NotContains(t, out4, wrong)
	assert.NotContains(t, httpGet(t, other.URL+"simple/"), "pulumi-circleci-oidc")

	for _, o := range []string{out, out2, out3} {
		assert.NotContains(t, o, s.Token, "no output shows the token")
	}
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "GET %s: %s", url, b)
	return string(b)
}
