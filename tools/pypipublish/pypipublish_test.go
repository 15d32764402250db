package pypipublish

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const token = "pypi-AgEIcHlwaS5vcmcCJGUxMjM0NTY3LWFiY2QtZWZnaC1pamtsLW1ub3BxcnN0dXZ3eAACKlszLCJ0ZXN0Il0"

func TestReadDist(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		file, project, version, err string
	}{
		{file: "pulumi_circleci_oidc-1.2.3-py3-none-any.whl", project: "pulumi-circleci-oidc", version: "1.2.3"},
		{file: "pulumi_circleci_oidc-1.2.3rc1-1-py3-none-any.whl", project: "pulumi-circleci-oidc", version: "1.2.3rc1"},
		{file: "pulumi_circleci_oidc-1.2.3.tar.gz", project: "pulumi-circleci-oidc", version: "1.2.3"},
		{file: "Pulumi.CircleCI-1.0.tar.gz", project: "pulumi-circleci", version: "1.0"},
		{file: "pulumi_circleci_oidc-1.2.3.zip", err: "is neither a wheel"},
		{file: "pulumi_circleci_oidc-1.2.3-any.whl", err: "is neither a wheel"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			require.NoError(t, os.WriteFile(path, []byte(tt.file), 0o644))
			d, err := ReadDist(path)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			sum := sha256.Sum256([]byte(tt.file))
			assert.Equal(t, Dist{Path: path, Project: tt.project, Version: tt.version, SHA256: hex.EncodeToString(sum[:])}, d)
		})
	}
}

// index is a PEP 503 simple index of one project, in pypiserver's markup
// or in PyPI's, recording the requests it gets.
type index struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string]string // file name -> sha256
	reqs  []string
}

func newIndex(t *testing.T, pypiStyle bool) *index {
	ix := &index{files: map[string]string{}}
	ix.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ix.mu.Lock()
		defer ix.mu.Unlock()
		ix.reqs = append(ix.reqs, r.Method+" "+r.URL.Path)
		if r.URL.Path != "/simple/pulumi-circleci-oidc/" || len(ix.files) == 0 {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, "<!DOCTYPE html>\n<html><head><title>Links for pulumi-circleci-oidc</title></head><body>\n")
		for name, sum := range ix.files {
			if pypiStyle {
				fmt.Fprintf(w, `<a href="https://files.example/packages/ab/cd/%s#sha256=%s" data-requires-python="&gt;=3.9">%s</a><br />`+"\n", name, sum, name)
			} else {
				fmt.Fprintf(w, `<a href="/packages/%s#sha256=%s">%s</a><br>`+"\n", name, sum, name)
			}
		}
		fmt.Fprint(w, "</body></html>\n")
	}))
	t.Cleanup(ix.Close)
	return ix
}

// fakeTwine records its arguments and the password it was given, prints
// the token as a careless tool might.
func fakeTwine(t *testing.T, exit int) (string, string) {
	dir := t.TempDir()
	log := filepath.Join(dir, "calls")
	script := fmt.Sprintf("#!/bin/sh\necho \"args: $*\" >> %q\necho \"user=$TWINE_USERNAME password=$TWINE_PASSWORD\" >> %q\n"+
		"echo \"Uploading with $TWINE_PASSWORD\"\nexit %d\n", log, log, exit)
	bin := filepath.Join(dir, "twine")
	require.NoError(t, os.WriteFile(bin, []byte(script), 0o755))
	return bin, log
}

func wheel(t *testing.T, content string) (string, string) {
	path := filepath.Join(t.TempDir(), "pulumi_circleci_oidc-1.2.3-py3-none-any.whl")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	sum := sha256.Sum256([]byte(content))
	return path, hex.EncodeToString(sum[:])
}

func TestPublish(t *testing.T) {
	for _, pypiStyle := range []bool{false, true} {
		for _, tt := range []struct {
			name     string
			have     string // the index's digest of the file; "" absent, "same" this build's
			twineErr bool
			wantErr  string
			uploaded bool
		}{
			{name: "absent: uploaded", uploaded: true},
			{name: "the same file: nothing to do", have: "same"},
			{name: "other content: refused", have: strings.Repeat("ab", 32), wantErr: "already published with other content"},
			{name: "twine fails", twineErr: true, uploaded: true, wantErr: "twine upload failed"},
		} {
			t.Run(fmt.Sprintf("%s/pypi-markup=%v", tt.name, pypiStyle), func(t *testing.T) {
				ix := newIndex(t, pypiStyle)
				path, sum := wheel(t, "wheel bytes")
				switch tt.have {
				case "":
				case "same":
					ix.files[filepath.Base(path)] = sum
				default:
					ix.files[filepath.Base(path)] = tt.have
				}
				exit := 0
				if tt.twineErr {
					exit = 1
				}
				bin, log := fakeTwine(t, exit)
				var out bytes.Buffer
				p := &Publisher{IndexURL: ix.URL + "/simple/", RepositoryURL: ix.URL + "/", Twine: bin, Token: token, Out: &out}
				if tt.uploaded && !tt.twineErr {
					// A real index lists the file once it is uploaded.
					p.Client = &http.Client{Transport: addAfterUpload{ix: ix, log: log, name: filepath.Base(path), sum: sum}}
				}
				err := p.Publish(t.Context(), []string{path})
				calls, _ := os.ReadFile(log)
				if tt.wantErr != "" {
					require.ErrorContains(t, err, tt.wantErr)
				} else {
					require.NoError(t, err, out.String())
				}
				if tt.have != "" && tt.have != "same" {
					assert.Contains(t, err.Error(), tt.have, "the refusal names the index's digest")
					assert.Contains(t, err.Error(), sum, "and this build's")
				}
				if !tt.uploaded {
					assert.Empty(t, calls, "twine is not run")
					return
				}
				assert.Contains(t, string(calls), "args: upload --non-interactive --disable-progress-bar --repository-url "+ix.URL+"/ "+path)
				assert.Contains(t, string(calls), "user=__token__ password="+token, "the token reaches twine in its environment")
				assert.NotContains(t, strings.SplitN(string(calls), "\n", 2)[0], token, "and never on its command line")
				assert.NotContains(t, out.String(), token, "twine's output is redacted")
				assert.Contains(t, out.String(), "Uploading with <PYPI_TOKEN>")
				if err != nil {
					assert.NotContains(t, err.Error(), token)
				}
			})
		}
	}
}

// addAfterUpload lists the file in the index once twine has been called,
// as a real index does after an upload.
type addAfterUpload struct {
	ix             *index
	log, name, sum string
}

func (a addAfterUpload) RoundTrip(r *http.Request) (*http.Response, error) {
	if b, _ := os.ReadFile(a.log); len(b) > 0 {
		a.ix.mu.Lock()
		a.ix.files[a.name] = a.sum
		a.ix.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestPublishChecksWhatTheIndexServesAfterTheUpload(t *testing.T) {
	ix := newIndex(t, false)
	path, _ := wheel(t, "wheel bytes")
	bin, _ := fakeTwine(t, 0) // "succeeds" but the index never lists the file
	p := &Publisher{IndexURL: ix.URL + "/simple/", Twine: bin, Token: token, Out: &bytes.Buffer{}}
	err := p.Publish(t.Context(), []string{path})
	require.ErrorContains(t, err, "after the upload the index lists pulumi_circleci_oidc-1.2.3-py3-none-any.whl with sha256 \"\"")
}

func TestDryRunSendsNothingAndHidesTheToken(t *testing.T) {
	for _, tok := range []string{token, ""} {
		ix := newIndex(t, false)
		path, _ := wheel(t, "wheel bytes")
		bin, log := fakeTwine(t, 0)
		var out bytes.Buffer
		p := &Publisher{IndexURL: ix.URL + "/simple/", Twine: bin, Token: tok, DryRun: true, Out: &out}
		require.NoError(t, p.Publish(t.Context(), []string{path}))
		assert.Empty(t, ix.reqs, "a dry run reads nothing")
		_, err := os.Stat(log)
		assert.True(t, errors.Is(err, os.ErrNotExist), "a dry run runs no twine")
		assert.Contains(t, out.String(), "dry run: GET "+ix.URL+"/simple/pulumi-circleci-oidc/")
		assert.Contains(t, out.String(), "dry run: TWINE_USERNAME=__token__ TWINE_PASSWORD=<PYPI_TOKEN: ")
		assert.Contains(t, out.String(), bin+" upload --non-interactive --disable-progress-bar "+path)
		assert.Contains(t, out.String(), "(dry run: nothing was uploaded)")
		if tok != "" {
			assert.NotContains(t, out.String(), tok)
			assert.Contains(t, out.String(), fmt.Sprintf("%d characters, not shown", len(tok)))
		}
	}
}

func TestPublishWithoutATokenFailsBeforeTwine(t *testing.T) {
	ix := newIndex(t, false)
	path, _ := wheel(t, "wheel bytes")
	bin, log := fakeTwine(t, 0)
	p := &Publisher{IndexURL: ix.URL + "/simple/", Twine: bin, Out: &bytes.Buffer{}}
	require.ErrorContains(t, p.Publish(t.Context(), []string{path}), "no API token: set PYPI_TOKEN")
	_, err := os.Stat(log)
	assert.True(t, errors.Is(err, os.ErrNotExist))
}
