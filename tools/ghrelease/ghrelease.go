// Package ghrelease publishes a release and its assets on GitHub so that a
// consumer never sees it half-made, and so that a run that failed part-way
// can simply be run again: it creates the release as a draft (or takes up
// the draft an earlier run left), uploads the assets the draft lacks, and
// only then publishes it. Pulumi resolves a plugin through the release's
// assets (sdk/go/common/workspace/plugins.go), so a published release with a
// missing asset would break every consumer until it is fixed.
//
// The calls are GitHub's REST API, version 2022-11-28: list releases (drafts
// included, for a token that may push), create a release, upload a release
// asset to the upload_url it returns, delete an asset, update a release.
package ghrelease

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Publisher publishes one repository's releases.
type Publisher struct {
	// API is the REST API's base URL, such as https://api.github.com.
	API string
	// Repo is owner/name.
	Repo string
	// Token may create releases in Repo. It is sent only to API and the
	// upload URL GitHub returns, and never printed.
	Token string
	// HTTP sends the requests; nil means http.DefaultClient.
	HTTP *http.Client
	// Out receives one line for each step.
	Out io.Writer
	// DryRun prints each request, with its JSON body, instead of sending it.
	DryRun bool
	// Retries is how many times an upload is tried again after a 5xx or a
	// network error; the wait doubles from one second.
	Retries int
}

// release is the part of GitHub's release object this package reads.
type release struct {
	ID        int64   `json:"id"`
	TagName   string  `json:"tag_name"`
	Draft     bool    `json:"draft"`
	UploadURL string  `json:"upload_url"`
	Assets    []asset `json:"assets"`
}

type asset struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	State string `json:"state"` // "uploaded" when complete; "starter" after a failed upload
}

// Publish makes tag's release hold exactly-named copies of files, then
// publishes it. It is safe to run again after any failure.
func (p *Publisher) Publish(ctx context.Context, tag string, prerelease bool, files []string) error {
	if p.Token == "" && !p.DryRun {
		return errors.New("ghrelease: no token: set GITHUB_TOKEN to a token that may create releases in " + p.Repo)
	}
	names := map[string]bool{}
	for _, f := range files {
		if names[filepath.Base(f)] {
			return fmt.Errorf("ghrelease: two assets named %s: release assets are flat", filepath.Base(f))
		}
		names[filepath.Base(f)] = true
	}

	rel, err := p.find(ctx, tag)
	if err != nil {
		return err
	}
	switch {
	case rel == nil:
		body := map[string]any{"tag_name": tag, "name": tag, "draft": true, "prerelease": prerelease,
			"generate_release_notes": true}
		rel = &release{}
		if err := p.call(ctx, http.MethodPost, p.API+"/repos/"+p.Repo+"/releases", body, http.StatusCreated, rel); err != nil {
			return err
		}
		if p.DryRun {
			rel.ID, rel.UploadURL = 0, strings.Replace(p.API, "://api.", "://uploads.", 1)+"/repos/"+p.Repo+"/releases/0/assets{?name,label}"
		}
		p.say("created draft release %s", tag)
	case !rel.Draft:
		missing := 0
		for name := range names {
			if !rel.has(name) {
				missing++
			}
		}
		if missing > 0 {
			return fmt.Errorf("ghrelease: release %s is already published without %d of its assets; "+
				"upload them by hand or delete the release, then run again", tag, missing)
		}
		p.say("release %s is already published with every asset: nothing to do", tag)
		return nil
	default:
		p.say("taking up the draft release %s that an earlier run left", tag)
	}

	for _, f := range files {
		name := filepath.Base(f)
		if rel.has(name) {
			p.say("  %s is already uploaded", name)
			continue
		}
		if err := p.upload(ctx, tag, rel, f); err != nil {
			return err
		}
		p.say("  uploaded %s", name)
	}

	if err := p.call(ctx, http.MethodPatch, fmt.Sprintf("%s/repos/%s/releases/%d", p.API, p.Repo, rel.ID),
		map[string]any{"draft": false}, http.StatusOK, nil); err != nil {
		return err
	}
	p.say("published release %s with %d assets%s", tag, len(files), map[bool]string{true: " (dry run: nothing was sent)"}[p.DryRun])
	return nil
}

// has reports whether the release holds a complete asset called name.
func (r *release) has(name string) bool {
	for _, a := range r.Assets {
		if a.Name == name && a.State == "uploaded" {
			return true
		}
	}
	return false
}

// find returns the release, draft or not, whose tag is tag, or nil. Drafts
// have no tag yet, so GitHub's get-by-tag cannot see them: the list can.
func (p *Publisher) find(ctx context.Context, tag string) (*release, error) {
	if p.DryRun {
		p.say("dry run: GET %s/repos/%s/releases?per_page=100 (looking for %s; taken as absent)", p.API, p.Repo, tag)
		return nil, nil
	}
	var list []release
	if err := p.call(ctx, http.MethodGet, p.API+"/repos/"+p.Repo+"/releases?per_page=100", nil, http.StatusOK, &list); err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].TagName == tag {
			return &list[i], nil
		}
	}
	return nil, nil
}

// upload sends one file to the draft, trying again after a 5xx or a network
// error. Before each try it deletes a "starter" asset of the same name, which
// an interrupted upload leaves and which makes GitHub refuse the name (422).
func (p *Publisher) upload(ctx context.Context, tag string, rel *release, file string) error {
	name := filepath.Base(file)
	base, _, _ := strings.Cut(rel.UploadURL, "{")
	to := base + "?name=" + url.QueryEscape(name)
	if p.DryRun {
		info, err := os.Stat(file)
		if err != nil {
			return err
		}
		p.say("dry run: POST %s <- %s (%d bytes, application/octet-stream)", to, file, info.Size())
		return nil
	}
	wait := time.Second
	for attempt := 0; ; attempt++ {
		for _, a := range rel.Assets {
			if a.Name == name {
				if err := p.call(ctx, http.MethodDelete, fmt.Sprintf("%s/repos/%s/releases/assets/%d", p.API, p.Repo, a.ID),
					nil, http.StatusNoContent, nil); err != nil {
					return err
				}
			}
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		err = p.send(ctx, http.MethodPost, to, "application/octet-stream", b, http.StatusCreated, nil)
		var status *statusError
		if err == nil || attempt >= p.Retries || (errors.As(err, &status) && status.code < 500) || ctx.Err() != nil {
			return err
		}
		p.say("  %v; trying again in %s", err, wait)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
		wait *= 2
		// What the failed try left behind.
		fresh, err := p.find(ctx, tag)
		if err != nil {
			return err
		}
		if fresh != nil {
			rel.Assets = fresh.Assets
		}
	}
}

// call sends a JSON request, or prints it in a dry run.
func (p *Publisher) call(ctx context.Context, method, to string, body any, want int, out any) error {
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return err
		}
	}
	if p.DryRun {
		p.say("dry run: %s %s %s", method, to, b)
		return nil
	}
	return p.send(ctx, method, to, "application/json", b, want, out)
}

// statusError is an answer with an unexpected status.
type statusError struct {
	method, url string
	code        int
	body        string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("ghrelease: %s %s: %d %s: %s", e.method, e.url, e.code, http.StatusText(e.code), e.body)
}

// send makes one request and decodes the answer into out.
func (p *Publisher) send(ctx context.Context, method, to, contentType string, body []byte, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, to, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+p.Token)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	client := p.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("ghrelease: %w", err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		text := strings.ReplaceAll(strings.TrimSpace(string(answer)), p.Token, "[token]")
		if len(text) > 500 {
			text = text[:500] + "…"
		}
		return &statusError{method: method, url: to, code: resp.StatusCode, body: text}
	}
	if out != nil {
		if err := json.Unmarshal(answer, out); err != nil {
			return fmt.Errorf("ghrelease: %s %s: the answer is not the JSON GitHub sends: %w", method, to, err)
		}
	}
	return nil
}

func (p *Publisher) say(format string, args ...any) {
	if p.Out != nil {
		fmt.Fprintf(p.Out, format+"\n", args...)
	}
}
