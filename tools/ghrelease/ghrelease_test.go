package ghrelease

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const token = "ghp_secret-token-value"

// fakeGitHub answers the release calls as GitHub's REST API does: a draft is
// listed but has no tag to be fetched by; an upload that fails leaves a
// "starter" asset whose name a new upload may not take (422) until it is
// deleted; a name already uploaded is refused with 422.
type fakeGitHub struct {
	*httptest.Server
	mu       sync.Mutex
	releases []*release
	log      []string
	// failUploads makes the next n uploads of name answer 502 after
	// leaving a starter asset, as an interrupted upload does.
	failUploads map[string]int
	// publicWith records the asset names a release had when it became public.
	publicWith []string
}

func newFakeGitHub(t *testing.T) *fakeGitHub {
	g := &fakeGitHub{failUploads: map[string]int{}}
	g.Server = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.Close)
	return g
}

var (
	releasesPath = regexp.MustCompile(`^/repos/acme/tool/releases$`)
	releasePath  = regexp.MustCompile(`^/repos/acme/tool/releases/(\d+)$`)
	assetsPath   = regexp.MustCompile(`^/repos/acme/tool/releases/(\d+)/assets$`)
	assetPath    = regexp.MustCompile(`^/repos/acme/tool/releases/assets/(\d+)$`)
)

func (g *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.log = append(g.log, r.Method+" "+r.URL.Path)
	if r.Header.Get("Authorization") != "Bearer "+token || r.Header.Get("X-GitHub-Api-Version") != "2022-11-28" {
		http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
		return
	}
	body, _ := io.ReadAll(r.Body)
	switch {
	case r.Method == http.MethodGet && releasesPath.MatchString(r.URL.Path):
		writeJSON(w, http.StatusOK, g.releases)
	case r.Method == http.MethodPost && releasesPath.MatchString(r.URL.Path):
		var in struct {
			TagName string `json:"tag_name"`
			Draft   bool   `json:"draft"`
		}
		_ = json.Unmarshal(body, &in)
		for _, rel := range g.releases {
			if rel.TagName == in.TagName && !rel.Draft {
				writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Validation Failed: already_exists"})
				return
			}
		}
		rel := &release{ID: int64(len(g.releases) + 1), TagName: in.TagName, Draft: in.Draft}
		rel.UploadURL = fmt.Sprintf("%s/repos/acme/tool/releases/%d/assets{?name,label}", g.URL, rel.ID)
		g.releases = append(g.releases, rel)
		writeJSON(w, http.StatusCreated, rel)
	case r.Method == http.MethodPost && assetsPath.MatchString(r.URL.Path):
		rel := g.release(assetsPath.FindStringSubmatch(r.URL.Path)[1])
		name := r.URL.Query().Get("name")
		for _, a := range rel.Assets {
			if a.Name == name {
				writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Validation Failed: already_exists"})
				return
			}
		}
		a := asset{ID: int64(1000 + len(g.log)), Name: name, State: "uploaded"}
		if g.failUploads[name] > 0 {
			g.failUploads[name]--
			a.State = "starter"
			rel.Assets = append(rel.Assets, a)
			http.Error(w, "Bad Gateway", http.StatusBadGateway)
			return
		}
		if r.ContentLength != int64(len(body)) || r.Header.Get("Content-Type") != "application/octet-stream" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": "bad upload"})
			return
		}
		rel.Assets = append(rel.Assets, a)
		writeJSON(w, http.StatusCreated, a)
	case r.Method == http.MethodDelete && assetPath.MatchString(r.URL.Path):
		id, _ := strconv.ParseInt(assetPath.FindStringSubmatch(r.URL.Path)[1], 10, 64)
		for _, rel := range g.releases {
			for i, a := range rel.Assets {
				if a.ID == id {
					rel.Assets = append(rel.Assets[:i], rel.Assets[i+1:]...)
					w.WriteHeader(http.StatusNoContent)
					return
				}
			}
		}
		http.NotFound(w, r)
	case r.Method == http.MethodPatch && releasePath.MatchString(r.URL.Path):
		rel := g.release(releasePath.FindStringSubmatch(r.URL.Path)[1])
		var in struct {
			Draft *bool `json:"draft"`
		}
		_ = json.Unmarshal(body, &in)
		if in.Draft != nil && !*in.Draft && rel.Draft {
			rel.Draft = false
			for _, a := range rel.Assets {
				g.publicWith = append(g.publicWith, a.Name+":"+a.State)
			}
		}
		writeJSON(w, http.StatusOK, rel)
	default:
		http.NotFound(w, r)
	}
}

func (g *fakeGitHub) release(id string) *release {
	n, _ := strconv.ParseInt(id, 10, 64)
	return g.releases[n-1]
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func assetFiles(t *testing.T, names ...string) []string {
	dir := t.TempDir()
	var files []string
	for _, n := range names {
		f := filepath.Join(dir, n)
		require.NoError(t, os.WriteFile(f, []byte("content of "+n), 0o644))
		files = append(files, f)
	}
	return files
}

func publisher(g *fakeGitHub, out io.Writer) *Publisher {
	return &Publisher{API: g.URL, Repo: "acme/tool", Token: token, HTTP: g.Client(), Out: out, Retries: 1}
}

func TestPublishIsPublicOnlyWithEveryAsset(t *testing.T) {
	g := newFakeGitHub(t)
	files := assetFiles(t, "a-linux-amd64.tar.gz", "b-darwin-arm64.tar.gz", "checksums.txt")
	var out bytes.Buffer
	require.NoError(t, publisher(g, &out).Publish(t.Context(), "v1.2.3", false, files))

	require.Len(t, g.releases, 1)
	rel := g.releases[0]
	assert.False(t, rel.Draft)
	assert.Equal(t, "v1.2.3", rel.TagName)
	sort.Strings(g.publicWith)
	assert.Equal(t, []string{"a-linux-amd64.tar.gz:uploaded", "b-darwin-arm64.tar.gz:uploaded", "checksums.txt:uploaded"},
		g.publicWith, "the release became public with every asset complete")
	assert.Equal(t, "POST /repos/acme/tool/releases", g.log[1], "created after looking for a draft")
	assert.Equal(t, "PATCH /repos/acme/tool/releases/1", g.log[len(g.log)-1], "published last")
	assert.NotContains(t, out.String(), token)
}

func TestPublishCompletesWhatAFailedRunLeft(t *testing.T) {
	g := newFakeGitHub(t)
	files := assetFiles(t, "a.tar.gz", "b.tar.gz", "c.tar.gz")
	g.failUploads["b.tar.gz"] = 2 // the first try and its one retry
	var out bytes.Buffer
	err := publisher(g, &out).Publish(t.Context(), "v1.2.3", false, files)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "502")
	assert.True(t, g.releases[0].Draft, "a failed run leaves a draft, which no consumer sees")
	assert.NotContains(t, err.Error(), token)

	// The next run takes up the draft, replaces the starter asset and publishes.
	require.NoError(t, publisher(g, &out).Publish(t.Context(), "v1.2.3", false, files))
	require.Len(t, g.releases, 1, "no second release")
	rel := g.releases[0]
	assert.False(t, rel.Draft)
	var names []string
	for _, a := range rel.Assets {
		assert.Equal(t, "uploaded", a.State, a.Name)
		names = append(names, a.Name)
	}
	sort.Strings(names)
	assert.Equal(t, []string{"a.tar.gz", "b.tar.gz", "c.tar.gz"}, names)
	assert.Contains(t, out.String(), "taking up the draft release v1.2.3")
	assert.Contains(t, out.String(), "a.tar.gz is already uploaded")

	// A third run finds nothing to do and writes nothing.
	before := len(g.log)
	require.NoError(t, publisher(g, &out).Publish(t.Context(), "v1.2.3", false, files))
	assert.Equal(t, []string{"GET /repos/acme/tool/releases"}, g.log[before:])
}

func TestPublishRefusesAPublishedReleaseThatLacksAssets(t *testing.T) {
	g := newFakeGitHub(t)
	require.NoError(t, publisher(g, io.Discard).Publish(t.Context(), "v1.2.3", false, assetFiles(t, "a.tar.gz")))
	err := publisher(g, io.Discard).Publish(t.Context(), "v1.2.3", false, assetFiles(t, "a.tar.gz", "b.tar.gz"))
	require.ErrorContains(t, err, "release v1.2.3 is already published without 1 of its assets")
}

func TestPublishRefusesDuplicateNamesAndNoToken(t *testing.T) {
	g := newFakeGitHub(t)
	dir1, dir2 := assetFiles(t, "a.tar.gz"), assetFiles(t, "a.tar.gz")
	err := publisher(g, io.Discard).Publish(t.Context(), "v1", false, append(dir1, dir2...))
	require.ErrorContains(t, err, "two assets named a.tar.gz")
	p := publisher(g, io.Discard)
	p.Token = ""
	require.ErrorContains(t, p.Publish(t.Context(), "v1", false, dir1), "set GITHUB_TOKEN")
	assert.Empty(t, g.log, "nothing sent")
}

func TestDryRunSendsNothingAndShowsEveryRequest(t *testing.T) {
	g := newFakeGitHub(t)
	var out bytes.Buffer
	p := publisher(g, &out)
	p.DryRun, p.Token = true, ""
	require.NoError(t, p.Publish(t.Context(), "v1.3.0-rc.1", true, assetFiles(t, "a.tar.gz", "b+c.whl")))
	assert.Empty(t, g.log, "a dry run sends nothing")
	text := out.String()
	assert.Contains(t, text, `POST `+g.URL+`/repos/acme/tool/releases {"draft":true,"generate_release_notes":true,"name":"v1.3.0-rc.1","prerelease":true,"tag_name":"v1.3.0-rc.1"}`)
	assert.Contains(t, text, "/releases/0/assets?name=b%2Bc.whl <- ")
	assert.Contains(t, text, `PATCH `+g.URL+`/repos/acme/tool/releases/0 {"draft":false}`)
	assert.True(t, strings.HasSuffix(strings.TrimSpace(text), "(dry run: nothing was sent)"), text)
}
