// Package pypipublish publishes Python distributions to a package index with
// twine, safely run again: before uploading, it reads the index's PEP 503
// simple page of the project, whose links end in `#sha256=<digest>` (on PyPI
// and on pypiserver alike). A file already there with the same digest is
// skipped; one there with another digest is a refusal naming both digests,
// since an index never lets a published file be replaced.
//
// The API token is given to twine in its environment (TWINE_USERNAME
// `__token__`, TWINE_PASSWORD), never on its command line, and is blanked
// from every line twine prints.
package pypipublish

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Publisher uploads distributions to one index.
type Publisher struct {
	// IndexURL is the index's simple API root, such as
	// http://127.0.0.1:8080/simple/; the project's page is IndexURL/<name>/.
	IndexURL string
	// RepositoryURL is twine's upload URL; empty means twine's default, the
	// public index.
	RepositoryURL string
	// Twine is the twine executable.
	Twine string
	// Token is the index's API token; twine sends it as the password of the
	// user __token__.
	Token string
	// DryRun prints what would be read and run instead of doing it.
	DryRun bool
	// Out receives progress lines.
	Out io.Writer
	// Client reads the index; nil means a client with a 30 s timeout.
	Client *http.Client
}

// Dist is one distribution file and what its name says.
type Dist struct {
	Path, Project, Version, SHA256 string
}

// wheelName and sdistName are the file names of PEP 427 and of the
// packaging guide's source distribution format.
var (
	wheelName = regexp.MustCompile(`^([A-Za-z0-9](?:[A-Za-z0-9._]*[A-Za-z0-9])?)-([^-]+)-(?:[^-]+-)?[^-]+-[^-]+-[^-]+\.whl$`)
	sdistName = regexp.MustCompile(`^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)-([^-]+)\.tar\.gz$`)
)

// ReadDist reads a wheel or sdist's project, version and sha256.
func ReadDist(path string) (Dist, error) {
	base := filepath.Base(path)
	m := wheelName.FindStringSubmatch(base)
	if m == nil {
		m = sdistName.FindStringSubmatch(base)
	}
	if m == nil {
		return Dist{}, fmt.Errorf("pypipublish: %s is neither a wheel (name-version-tags.whl) nor an sdist (name-version.tar.gz)", base)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Dist{}, fmt.Errorf("pypipublish: %w", err)
	}
	sum := sha256.Sum256(b)
	return Dist{Path: path, Project: Normalize(m[1]), Version: m[2], SHA256: hex.EncodeToString(sum[:])}, nil
}

// Normalize is a project name as PEP 503 writes it in the index's URLs.
func Normalize(name string) string {
	return strings.ToLower(regexp.MustCompile(`[-_.]+`).ReplaceAllString(name, "-"))
}

// link is one file the index lists.
var link = regexp.MustCompile(`(?i)<a\s[^>]*href="([^"#]*)(?:#([a-z0-9]+)=([0-9a-f]+))?"[^>]*>\s*([^<]*?)\s*</a>`)

// Published returns the files the index lists for project, by file name,
// with their sha256 digests ("" when the index gives none). A project the
// index does not know has none.
func (p *Publisher) Published(ctx context.Context, project string) (map[string]string, error) {
	url := strings.TrimSuffix(p.IndexURL, "/") + "/" + project + "/"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("pypipublish: index URL %q: %w", p.IndexURL, err)
	}
	req.Header.Set("Accept", "text/html")
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("pypipublish: reading the index: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("pypipublish: reading %s: %w", url, err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return map[string]string{}, nil
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("pypipublish: GET %s: %s", url, resp.Status)
	}
	files := map[string]string{}
	for _, m := range link.FindAllStringSubmatch(string(body), -1) {
		name := m[4]
		if name == "" {
			name = m[1][strings.LastIndex(m[1], "/")+1:]
		}
		files[name] = ""
		if strings.EqualFold(m[2], "sha256") {
			files[name] = strings.ToLower(m[3])
		}
	}
	return files, nil
}

// ErrConflict is what Publish wraps when the index has a file of the same
// name with other content.
var ErrConflict = errors.New("already published with other content")

// Publish uploads the files the index lacks and checks the ones it has.
// After uploading, it reads the index again: each file must be listed with
// its own digest.
func (p *Publisher) Publish(ctx context.Context, paths []string) error {
	if len(paths) == 0 {
		return errors.New("pypipublish: no files to publish")
	}
	var dists []Dist
	for _, path := range paths {
		d, err := ReadDist(path)
		if err != nil {
			return err
		}
		dists = append(dists, d)
	}
	var upload []Dist
	for _, d := range dists {
		name := filepath.Base(d.Path)
		if p.DryRun {
			p.say("dry run: GET %s/%s/ (is %s there? taken as absent)", strings.TrimSuffix(p.IndexURL, "/"), d.Project, name)
			upload = append(upload, d)
			continue
		}
		have, err := p.Published(ctx, d.Project)
		if err != nil {
			return err
		}
		sum, ok := have[name]
		switch {
		case !ok:
			upload = append(upload, d)
		case sum == d.SHA256:
			p.say("%s %s: %s is already published with sha256 %s, the same file: nothing to do", d.Project, d.Version, name, sum)
		case sum == "":
			return fmt.Errorf("pypipublish: %s is already published and the index gives no sha256 for it: compare it by hand", name)
		default:
			return fmt.Errorf("pypipublish: %s %s: %s is %w: the index has sha256 %s, this build has sha256 %s; "+
				"a published file cannot be replaced: release a new version", d.Project, d.Version, name, ErrConflict, sum, d.SHA256)
		}
	}
	if len(upload) == 0 {
		return nil
	}
	if err := p.twine(ctx, upload); err != nil {
		return err
	}
	if p.DryRun {
		p.say("(dry run: nothing was uploaded)")
		return nil
	}
	for _, d := range upload {
		have, err := p.Published(ctx, d.Project)
		if err != nil {
			return err
		}
		name := filepath.Base(d.Path)
		if got := have[name]; got != d.SHA256 {
			return fmt.Errorf("pypipublish: after the upload the index lists %s with sha256 %q, not this build's %s", name, got, d.SHA256)
		}
		p.say("%s %s: published %s, sha256 %s", d.Project, d.Version, name, d.SHA256)
	}
	return nil
}

// twine runs `twine upload` for the files, with the token in its
// environment.
func (p *Publisher) twine(ctx context.Context, dists []Dist) error {
	args := []string{"upload", "--non-interactive", "--disable-progress-bar"}
	if p.RepositoryURL != "" {
		args = append(args, "--repository-url", p.RepositoryURL)
	}
	for _, d := range dists {
		args = append(args, d.Path)
	}
	if p.DryRun {
		token := "<PYPI_TOKEN: not set>"
		if p.Token != "" {
			token = fmt.Sprintf("<PYPI_TOKEN: %d characters, not shown>", len(p.Token))
		}
		p.say("dry run: TWINE_USERNAME=__token__ TWINE_PASSWORD=%s %s %s", token, p.Twine, strings.Join(args, " "))
		return nil
	}
	if p.Token == "" {
		return errors.New("pypipublish: no API token: set PYPI_TOKEN")
	}
	cmd := exec.CommandContext(ctx, p.Twine, args...)
	cmd.Env = append(os.Environ(), "TWINE_USERNAME=__token__", "TWINE_PASSWORD="+p.Token,
		// twine must not reach for a keyring or a ~/.pypirc for the password.
		"TWINE_NON_INTERACTIVE=1", "PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	p.write(out.String())
	if err != nil {
		return fmt.Errorf("pypipublish: twine upload failed (%v): its output is above", p.redact(err.Error()))
	}
	return nil
}

// redact blanks the token wherever it appears.
func (p *Publisher) redact(s string) string {
	if p.Token == "" {
		return s
	}
	return strings.ReplaceAll(s, p.Token, "<PYPI_TOKEN>")
}

func (p *Publisher) write(s string) {
	if p.Out != nil && s != "" {
		fmt.Fprint(p.Out, p.redact(s))
	}
}

func (p *Publisher) say(format string, args ...any) {
	p.write(fmt.Sprintf(format, args...) + "\n")
}
