package e2e

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// npmRegistry is a verdaccio on 127.0.0.1, as scripts/e2e-tools.sh installs
// it: no uplink, so it serves only what the suite publishes; storage and
// users in the test's temp folder; reading open to all, publishing to the
// one user the suite creates, whose token it holds.
type npmRegistry struct {
	url   string
	token string
}

// verdaccioConfig is the registry's whole configuration: no uplinks and no
// proxy entry, so a package it lacks is a 404, never a fetch from elsewhere.
const verdaccioConfig = `storage: %[1]s/storage
auth:
  htpasswd:
    file: %[1]s/htpasswd
    max_users: 1
uplinks: {}
packages:
  '**':
    access: $all
    publish: $authenticated
    unpublish: $authenticated
web:
  enable: false
log: { type: stdout, format: pretty, level: warn }
`

// startVerdaccio starts the registry and creates its publishing user the way
// `npm adduser` does (PUT /-/user/org.couchdb.user:<name>), which answers
// with the user's token.
func startVerdaccio(t *testing.T) *npmRegistry {
	t.Helper()
	requireTools(t, "verdaccio")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(verdaccioConfig, dir)), 0o644))
	addr := freeLoopbackAddr(t)
	cmd := exec.CommandContext(t.Context(), filepath.Join(toolsBin(), "verdaccio"), "--config", cfg, "--listen", addr)
	// A file, not a buffer: the process writes it while the test may read it.
	log, err := os.Create(filepath.Join(dir, "verdaccio.log"))
	require.NoError(t, err)
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	r := &npmRegistry{url: "http://" + addr + "/"}

	// Up when /-/ping answers; at most 300 tries, 100 ms apart.
	up := false
	for range 300 {
		if res, err := http.Get(r.url + "-/ping"); err == nil {
			res.Body.Close()
			if up = res.StatusCode == http.StatusOK; up {
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !up {
		b, _ := os.ReadFile(log.Name())
		t.Fatalf("verdaccio did not answer on %s:\n%s", addr, b)
	}

	body, _ := json.Marshal(map[string]string{"name": "e2e", "password": "e2e-" + suffix(16), "type": "user"})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, r.url+"-/user/org.couchdb.user:e2e", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var user struct {
		Token string `json:"token"`
	}
	b, _ := io.ReadAll(res.Body)
	require.Equal(t, http.StatusCreated, res.StatusCode, "creating the publishing user: %s", b)
	require.NoError(t, json.Unmarshal(b, &user))
	require.NotEmpty(t, user.Token, "%s", b)
	r.token = user.Token
	return r
}

// freeLoopbackAddr is a 127.0.0.1 address whose port was free a moment ago.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// publish runs the release's own npm step, scripts/npm-publish.sh, against
// this registry with the suite user's token (or another).
func (r *npmRegistry) publish(t *testing.T, token string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "bash", append([]string{"scripts/npm-publish.sh"}, args...)...)
	cmd.Dir = repoRoot()
	cmd.Env = append(os.Environ(), "NPM_REGISTRY="+r.url, "NPM_TOKEN="+token)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// dist is what the registry's packument says of name@version.
func (r *npmRegistry) dist(t *testing.T, name, version string) (integrity, shasum string) {
	t.Helper()
	res, err := http.Get(r.url + url.PathEscape(name))
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var doc struct {
		Versions map[string]struct {
			Dist struct{ Integrity, Shasum string } `json:"dist"`
		} `json:"versions"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&doc))
	v, ok := doc.Versions[version]
	require.True(t, ok, "%s has no %s@%s", r.url, name, version)
	return v.Dist.Integrity, v.Dist.Shasum
}

// tarballDigests are a file's npm integrity (sha512, base64) and shasum (sha1, hex).
func tarballDigests(t *testing.T, path string) (integrity, shasum string) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	s512, s1 := sha512.Sum512(b), sha1.Sum(b)
	return "sha512-" + base64.StdEncoding.EncodeToString(s512[:]), hex.EncodeToString(s1[:])
}

// Issue 20, item 1 and 2: the release's npm step publishes the SDK's tarball
// to a real registry; run again it is a success that sends nothing; a changed
// tarball at the same version is refused, naming both digests; the token is
// in no output, not even with a token the registry refuses or in a dry run.
func TestNpmPublishIsSafeToRunAgain(t *testing.T) {
	rel := requireDist(t)
	reg := startVerdaccio(t)
	tarball := rel.sdkFile(t, ".tgz")
	integrity, shasum := tarballDigests(t, tarball)

	// No uplink: the registry serves only what the suite publishes.
	res, err := http.Get(reg.url + url.PathEscape("@pulumi/pulumi"))
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusNotFound, res.StatusCode, "verdaccio proxies another registry")

	var outputs []string
	out, err := reg.publish(t, reg.token, tarball)
	outputs = append(outputs, out)
	require.NoError(t, err, out)
	assert.Contains(t, out, "npm: published "+npmPackage+"@"+rel.Version)
	gotIntegrity, gotShasum := reg.dist(t, npmPackage, rel.Version)
	assert.Equal(t, integrity, gotIntegrity, "the registry holds this tarball")
	assert.Equal(t, shasum, gotShasum)

	out, err = reg.publish(t, reg.token, tarball)
	outputs = append(outputs, out)
	require.NoError(t, err, "the same version with the same content is a success:\n%s", out)
	assert.Contains(t, out, "already on "+reg.url+" with the same content ("+integrity+"): nothing to do")
	assert.NotContains(t, out, "npm: publishing")

	// The same version with other content: the tarball with one more file.
	changed := filepath.Join(t.TempDir(), filepath.Base(tarball))
	unpacked := t.TempDir()
	run(t, unpacked, nil, "tar", "-xzf", tarball)
	require.NoError(t, os.WriteFile(filepath.Join(unpacked, "package", "CHANGED.md"), []byte("changed\n"), 0o644))
	run(t, unpacked, nil, "tar", "-czf", changed, "package")
	changedIntegrity, changedShasum := tarballDigests(t, changed)
	out, err = reg.publish(t, reg.token, changed)
	outputs = append(outputs, out)
	require.Error(t, err, "a changed tarball at a published version must be refused:\n%s", out)
	assert.Contains(t, out, npmPackage+"@"+rel.Version+" is already on "+reg.url+" with other content")
	assert.Contains(t, out, "the registry has "+integrity+" (shasum "+shasum+")")
	assert.Contains(t, out, changedIntegrity+" (shasum "+changedShasum+")")
	gotIntegrity, _ = reg.dist(t, npmPackage, rel.Version)
	assert.Equal(t, integrity, gotIntegrity, "the refusal sent nothing")

	// A token the registry refuses fails without printing it; so does a dry run print none.
	const refused = "npm_e2eRefusedToken0123456789abcdef"
	bumped := t.TempDir()
	run(t, bumped, nil, "tar", "-xzf", tarball)
	run(t, filepath.Join(bumped, "package"), nil, "npm", "pkg", "set", "version="+rel.Version+".refused")
	run(t, bumped, nil, "tar", "-czf", filepath.Join(bumped, "next.tgz"), "package")
	out, err = reg.publish(t, refused, filepath.Join(bumped, "next.tgz"))
	outputs = append(outputs, out)
	require.Error(t, err, out)
	assert.Contains(t, out, "E401")
	out, err = reg.publish(t, refused, "--dry-run", tarball)
	outputs = append(outputs, out)
	require.NoError(t, err, out)
	assert.Contains(t, out, "(dry run: nothing was sent)")
	assert.Equal(t, 1, strings.Count(out, "npm publish "), "the dry run shows the one publish it would run")
	for i, o := range outputs {
		assert.NotContains(t, o, reg.token, "run %d printed the token", i)
		assert.NotContains(t, o, refused, "run %d printed the token", i)
	}
}
