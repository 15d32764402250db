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
//
// The token goes only to the API's scheme, host and port and to its uploads
// host (uploads.github.com beside api.github.com; the API's own origin on
// GitHub Enterprise Server): http:// is refused unless the host is loopback,
// an upload_url elsewhere is refused, a redirect is followed only for a GET
// or HEAD and only within the origin it was sent to, every request has a
// timeout, and the token never appears in an error, even when the server
// echoes it escaped.
package ghrelease

import (
	"bytes"
	"cmp"
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

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/origin"
)

// Default timeouts: a JSON call, and an upload (a plugin archive is tens of
// megabytes on a slow link).
const (
	defaultTimeout       = time.Minute
	defaultUploadTimeout = 15 * time.Minute
)

// maxRedirects bounds same-origin redirects of a GET or HEAD.
const maxRedirects = 5

// Publisher publishes one repository's releases.
type Publisher struct {
	// API is the REST API's base URL, such as https://api.github.com.
	API string
	// Repo is owner/name.
	Repo string
	// Token may create releases in Repo. It is sent only to API's origin and
	// its uploads host, and never printed.
	Token string
	// HTTP sends the requests; nil means http.DefaultClient. Publish works
	// on a copy with its own redirect policy.
	HTTP *http.Client
	// Timeout bounds each JSON call, answer included; 0 means one minute.
	Timeout time.Duration
	// UploadTimeout bounds each upload; 0 means 15 minutes.
	UploadTimeout time.Duration
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
	if _, err := p.apiOrigin(); err != nil {
		return err
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
	var base string
	if p.DryRun {
		base, _, _ = strings.Cut(rel.UploadURL, "{")
	} else {
		api, err := p.apiOrigin()
		if err != nil {
			return err
		}
		if base, err = uploadBase(api, rel.UploadURL); err != nil {
			return err
		}
	}
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

// apiOrigin checks the API's URL: absolute, https (http only to loopback),
// no credentials, query or fragment.
func (p *Publisher) apiOrigin() (*url.URL, error) {
	u, err := url.Parse(p.API)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("ghrelease: the API URL (GITHUB_API_URL) %q is not an absolute https:// URL, "+
			"such as https://api.github.com", p.clean(origin.HideUserinfo(p.API)))
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("ghrelease: the API URL (GITHUB_API_URL) %s must not carry credentials, a query or "+
			"a fragment; give only scheme, host and path, such as https://api.github.com", origin.Of(u)+u.Path)
	}
	if !origin.Secure(u) {
		return nil, fmt.Errorf("ghrelease: the API URL (GITHUB_API_URL) %q uses http://, which would send the token "+
			"in clear text; use https:// (http:// is accepted only for loopback hosts such as 127.0.0.1)", p.API)
	}
	return u, nil
}

// uploadBase checks the upload_url of a release, which GitHub's answer
// supplies, and returns it without its URI template. The token may go there
// only on the API's own origin (GitHub Enterprise Server's /api/uploads) or,
// for an API host api.X, on uploads.X with the same scheme and port.
func uploadBase(api *url.URL, uploadURL string) (string, error) {
	base, _, _ := strings.Cut(uploadURL, "{")
	u, err := url.Parse(base)
	if err != nil || !origin.Secure(u) || u.User != nil {
		return "", fmt.Errorf("ghrelease: the release's upload_url is not an https:// URL of %s; refusing to send "+
			"the token there: check GITHUB_API_URL", origin.Of(api))
	}
	uploads := *api
	if rest, ok := strings.CutPrefix(strings.ToLower(api.Hostname()), "api."); ok {
		uploads.Host = "uploads." + rest
		if api.Port() != "" {
			uploads.Host += ":" + api.Port()
		}
	}
	if !origin.Same(u, api) && !origin.Same(u, &uploads) {
		return "", fmt.Errorf("ghrelease: the release's upload_url points to %s, which is neither %s nor %s; "+
			"refusing to send the token there: check GITHUB_API_URL", origin.Of(u), origin.Of(api), origin.Of(&uploads))
	}
	return base, nil
}

// redirectError is a redirect the publisher refused to follow.
type redirectError struct {
	method, url string
	status      int
	to          string
	reason      string
}

func (e *redirectError) Error() string {
	return fmt.Sprintf("ghrelease: %s %s: the server answered %d %s to %s; %s", e.method, e.url, e.status,
		http.StatusText(e.status), e.to, e.reason)
}

// checkRedirect follows only a GET or HEAD, only within the origin of the
// request it was sent for, only a few times: Go's client would otherwise
// send the Authorization header to another port of the same host.
func checkRedirect(req *http.Request, via []*http.Request) error {
	first := via[0]
	e := &redirectError{method: first.Method, url: origin.Of(first.URL) + first.URL.Path, to: origin.Of(req.URL)}
	if req.Response != nil {
		e.status = req.Response.StatusCode
	}
	switch {
	case !origin.Same(req.URL, first.URL):
		e.reason = "refusing to send the token to another origin than " + origin.Of(first.URL) +
			"; check GITHUB_API_URL: it must be the API's own address"
	case first.Method != http.MethodGet && first.Method != http.MethodHead:
		e.reason = "a " + first.Method + " is never redirected, because the write could be lost or changed on the way"
	case len(via) > maxRedirects:
		e.reason = fmt.Sprintf("stopped after %d redirects", maxRedirects)
	default:
		return nil
	}
	return e
}

// client is the HTTP client to send with: a copy of p.HTTP (or of
// http.DefaultClient) with the redirect policy above.
func (p *Publisher) client() *http.Client {
	shared := p.HTTP
	if shared == nil {
		shared = http.DefaultClient
	}
	own := *shared
	own.CheckRedirect = checkRedirect
	return &own
}

// clean makes a text safe to show: the token, in any escaping, is replaced,
// control characters are dropped, and the text is cut to a reasonable length.
func (p *Publisher) clean(s string) string {
	return strings.TrimSpace(origin.Clean(s, p.Token, 500))
}

// message is what an error answer says: GitHub's JSON message (decoded, so
// that escapes are undone) with its errors, or else the text itself.
func message(answer []byte) string {
	var msg struct {
		Message string `json:"message"`
		Errors  []any  `json:"errors"`
	}
	if json.Unmarshal(answer, &msg) == nil && msg.Message != "" {
		if len(msg.Errors) > 0 {
			b, _ := json.Marshal(msg.Errors)
			return msg.Message + " " + string(b)
		}
		return msg.Message
	}
	return string(answer)
}

// send makes one request, bounded by a timeout, and decodes the answer into
// out. Only a URL of the API's origin or its uploads host reaches it.
func (p *Publisher) send(ctx context.Context, method, to, contentType string, body []byte, want int, out any) error {
	timeout := cmp.Or(p.Timeout, defaultTimeout)
	if contentType == "application/octet-stream" {
		timeout = cmp.Or(p.UploadTimeout, defaultUploadTimeout)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	shown := p.clean(to)
	req, err := http.NewRequestWithContext(ctx, method, to, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("ghrelease: %s %s: %s", method, shown, p.clean(err.Error()))
	}
	req.Header.Set("Authorization", "Bearer "+p.Token)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := p.client().Do(req)
	if err != nil {
		var re *redirectError
		if errors.As(err, &re) {
			return errors.New(p.clean(re.Error()))
		}
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			return fmt.Errorf("ghrelease: %s %s: timed out after %s", method, shown, timeout)
		}
		// A *url.Error names the URL, which a redirect may have filled.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("ghrelease: %s %s: %s", method, shown, p.clean(err.Error()))
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("ghrelease: %s %s: reading the answer: %s", method, shown, p.clean(err.Error()))
	}
	if resp.StatusCode != want {
		return &statusError{method: method, url: shown, code: resp.StatusCode, body: p.clean(message(answer))}
	}
	if out != nil {
		if err := json.Unmarshal(answer, out); err != nil {
			return fmt.Errorf("ghrelease: %s %s: the answer is not the JSON GitHub sends: %w", method, shown, err)
		}
	}
	return nil
}

func (p *Publisher) say(format string, args ...any) {
	if p.Out != nil {
		fmt.Fprintf(p.Out, format+"\n", args...)
	}
}
