// Package circleci is a small client for the parts of the CircleCI API v2
// that publishing a role needs: contexts, their environment variables and
// restrictions, and project environment variables.
//
// The token goes only to the configured scheme, host and port: http:// is
// refused unless the host is loopback, redirects to another origin are
// refused, and a redirect is never followed for a method other than GET or
// HEAD. Every call has a timeout. A 429 is retried after the wait its
// Retry-After asks for (delay-seconds or an HTTP-date, RFC 9110), and pauses
// every other call of the client until then, since the limit is the token's;
// a Retry-After longer than the longest wait fails the call at once, saying
// when to run again, rather than retrying early. Connection resets and 5xx
// answers to idempotent calls are retried with exponential backoff. Tries and
// each wait are bounded. A write that is not idempotent (a POST) is never resent blindly: the
// methods that make one look first whether an earlier try took effect. The
// token never appears in an error, even when the server echoes it.
package circleci

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/origin"
)

// DefaultBaseURL is CircleCI cloud's API v2.
const DefaultBaseURL = "https://circleci.com/api/v2"

// TokenEnv is the environment variable the token is read from by default.
const TokenEnv = "CIRCLE_TOKEN"

// MaxAnswer is the largest answer body the client reads, 4 MiB.
const MaxAnswer = 4 << 20

// maxRedirects bounds same-origin redirects of a GET or HEAD.
const maxRedirects = 5

// Client calls the CircleCI API v2.
type Client struct {
	baseURL    string
	origin     *url.URL
	token      string
	http       *http.Client
	timeout    time.Duration
	maxRetries int
	backoff    time.Duration
	maxWait    time.Duration
	sleep      func(context.Context, time.Duration) error
	now        func() time.Time

	// mu guards the pause a 429 puts on every call of the client: the rate
	// limit is the token's, so the workers of fleet publish share it.
	mu sync.Mutex
	// notBefore is when the API said calls may resume.
	notBefore time.Time
	// asked is the Retry-After that set a pause longer than maxWait.
	asked string
}

// Option configures a Client.
type Option func(*Client)

// WithBaseURL points the client at a CircleCI server installation, such as
// https://circleci.acme.internal/api/v2.
func WithBaseURL(u string) Option { return func(c *Client) { c.baseURL = strings.TrimSuffix(u, "/") } }

// WithTimeout bounds each HTTP request, answer included; the default is 30
// seconds. It applies per request and leaves the HTTP client untouched.
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithRetries sets how many times a retryable failure is retried (default 4)
// and the first backoff (default 500ms, doubling, with jitter).
func WithRetries(n int, backoff time.Duration) Option {
	return func(c *Client) { c.maxRetries, c.backoff = n, backoff }
}

// WithMaxRetryWait caps how long one wait between tries lasts, Retry-After
// included (default 60s).
func WithMaxRetryWait(d time.Duration) Option { return func(c *Client) { c.maxWait = d } }

// WithSleep replaces how the client waits between tries; tests use it to
// record waits instead of sleeping.
func WithSleep(f func(context.Context, time.Duration) error) Option {
	return func(c *Client) { c.sleep = f }
}

// WithClock sets the clock a Retry-After date is read against and the
// client-wide pause is kept on (default time.Now); tests pair it with
// WithSleep so that nothing depends on the wall clock.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithHTTPClient sets the HTTP client to send with. The client works on a copy
// with its own redirect policy, so the caller's client is never changed; its
// Timeout applies besides WithTimeout's.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// ErrNoToken is returned by New without a token.
var ErrNoToken = errors.New("circleci: no API token: set " + TokenEnv + " to a personal API token " +
	"(User Settings > Personal API Tokens)")

// New returns a client that authenticates with a personal API token.
func New(token string, opts ...Option) (*Client, error) {
	if token == "" {
		return nil, ErrNoToken
	}
	c := &Client{
		baseURL:    DefaultBaseURL,
		token:      token,
		timeout:    30 * time.Second,
		maxRetries: 4,
		backoff:    500 * time.Millisecond,
		maxWait:    60 * time.Second,
		sleep:      sleepContext,
		now:        time.Now,
	}
	for _, o := range opts {
		o(c)
	}
	origin, err := checkBaseURL(c.baseURL)
	if err != nil {
		return nil, err
	}
	c.origin = origin
	shared := c.http
	if shared == nil {
		shared = http.DefaultClient
	}
	own := *shared // a copy: the caller's client keeps its own redirect policy
	own.CheckRedirect = c.checkRedirect
	c.http = &own
	return c, nil
}

// checkBaseURL refuses base URLs that could send the token somewhere it
// should not go: not absolute, credentials in the URL, or http:// to a host
// that is not loopback.
func checkBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("circleci: base URL %q is not an absolute https:// URL, such as %s",
			origin.HideUserinfo(raw), DefaultBaseURL)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("circleci: base URL %q must not carry credentials, a query or a fragment; "+
			"give only scheme, host and path, such as %s", redactUserinfo(u), DefaultBaseURL)
	}
	if !origin.Secure(u) {
		return nil, fmt.Errorf("circleci: base URL %q uses http://, which would send the API token in clear text; "+
			"use https:// (http:// is accepted only for loopback hosts such as 127.0.0.1)", raw)
	}
	return &url.URL{Scheme: strings.ToLower(u.Scheme), Host: strings.ToLower(u.Host)}, nil
}

func redactUserinfo(u *url.URL) string {
	v := *u
	if v.User != nil {
		v.User = url.User("REDACTED")
	}
	return v.String()
}

// sameOrigin reports whether u has the base URL's scheme, host and port.
func (c *Client) sameOrigin(u *url.URL) bool { return origin.Same(u, c.origin) }

// RedirectError is a redirect the client refused to follow.
type RedirectError struct {
	Method, Path string
	Status       int
	// To is the scheme, host and port the API redirected to.
	To string
	// Reason says why the redirect was refused.
	Reason string
}

// Error says what redirected where and why it was not followed.
func (e *RedirectError) Error() string {
	return fmt.Sprintf("circleci: %s %s: the API answered %d %s to %s; %s", e.Method, e.Path, e.Status,
		http.StatusText(e.Status), e.To, e.Reason)
}

// checkRedirect is the copy's redirect policy: follow only GET and HEAD, only
// to the same origin, only a few times.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	first := via[0]
	e := &RedirectError{Method: first.Method, Path: strings.TrimPrefix(first.URL.Path, c.basePath()),
		To: (&url.URL{Scheme: req.URL.Scheme, Host: req.URL.Host}).String()}
	if req.Response != nil {
		e.Status = req.Response.StatusCode
	}
	switch {
	case !c.sameOrigin(req.URL):
		e.Reason = fmt.Sprintf("refusing to send the API token to another origin than %s; check --circleci-url: "+
			"it must be the API's own address, such as %s", c.origin, DefaultBaseURL)
	case first.Method != http.MethodGet && first.Method != http.MethodHead:
		e.Reason = "a " + first.Method + " is never redirected, because the write could be lost or changed on the " +
			"way; check --circleci-url: it must be the API's own address"
	case len(via) > maxRedirects:
		e.Reason = fmt.Sprintf("stopped after %d redirects", maxRedirects)
	default:
		return nil
	}
	return e
}

func (c *Client) basePath() string {
	u, _ := url.Parse(c.baseURL)
	return u.Path
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// APIError is an answer from the API that is not a success.
type APIError struct {
	Method, Path string
	Status       int
	// Message is the API's own message, if it sent one, cleaned of the token.
	Message string
	// Hint says what to check.
	Hint string
}

// Error returns e.g. `circleci: GET /context?owner-id=…: 401 Unauthorized: Invalid token provided; check …`.
func (e *APIError) Error() string {
	msg := fmt.Sprintf("circleci: %s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

// IsStatus reports whether err is an APIError with that status.
func IsStatus(err error, status int) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status == status
}

func (c *Client) hint(status int, what string) string {
	switch status {
	case http.StatusUnauthorized:
		return "check " + TokenEnv + ": it must be a personal API token (project tokens are not accepted by API v2)"
	case http.StatusForbidden:
		return "the token's user lacks access: check that it belongs to an organization admin"
	case http.StatusNotFound:
		if p := c.basePath(); !strings.HasSuffix(p, "/api/v2") {
			return fmt.Sprintf("check the base URL %q: CircleCI serves API v2 under /api/v2, such as %s",
				c.baseURL, strings.TrimSuffix(c.baseURL, p)+"/api/v2")
		}
		return "check " + what
	case http.StatusTooManyRequests:
		return "rate limited; retries were exhausted"
	}
	if status >= 500 {
		return "CircleCI answered with a server error"
	}
	return ""
}

// call is one API call.
type call struct {
	method, path string
	body         any
	// out receives the decoded answer; nil ignores it.
	out any
	// check validates a decoded answer.
	check func() error
	// what names the thing a 404 means is missing.
	what string
	// idempotent calls are resent after a connection reset, a timeout or a
	// 5xx answer; others only after 429, which means the call was not handled.
	idempotent bool
}

// do sends one API call with retries and decodes a JSON answer into out.
func (c *Client) do(ctx context.Context, k call) error {
	var payload []byte
	if k.body != nil {
		var err error
		if payload, err = json.Marshal(k.body); err != nil {
			return fmt.Errorf("circleci: %s %s: %w", k.method, k.path, err)
		}
	}
	paused := false // this call just waited out the pause its own 429 set
	for attempt := 0; ; attempt++ {
		if !paused {
			if err := c.waitTurn(ctx, k); err != nil {
				return err
			}
		}
		paused = false
		status, header, data, err := c.send(ctx, k.method, k.path, payload, k.body != nil)
		if err != nil {
			if k.idempotent && transient(err) && ctx.Err() == nil && attempt < c.maxRetries {
				if err := c.sleep(ctx, c.backoffWait(attempt)); err != nil {
					return fmt.Errorf("circleci: %s %s: %w", k.method, k.path, err)
				}
				continue
			}
			if transient(err) && attempt > 0 {
				return fmt.Errorf("%w (gave up after %d attempts)", err, attempt+1)
			}
			return err
		}
		if status >= 200 && status < 300 {
			return c.decode(k, data)
		}
		limited := status == http.StatusTooManyRequests
		retryable := limited || (status >= 500 && k.idempotent)
		apiErr := &APIError{Method: k.method, Path: k.path, Status: status, Hint: c.hint(status, k.what)}
		var msg struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(data, &msg) == nil {
			apiErr.Message = c.clean(msg.Message)
		}
		wait := c.backoffWait(attempt)
		if limited {
			// The pause holds every call of the client until then; a
			// Retry-After past maxWait is not cut short.
			var tooLong bool
			if wait, tooLong = c.pause(attempt, header.Get("Retry-After")); tooLong {
				apiErr.Hint = c.tooLong(header.Get("Retry-After"), wait)
				return apiErr
			}
		}
		if retryable && attempt < c.maxRetries {
			if err := c.sleep(ctx, wait); err != nil {
				return fmt.Errorf("circleci: %s %s: %w", k.method, k.path, err)
			}
			paused = limited
			continue
		}
		if retryable {
			apiErr.Hint = fmt.Sprintf("gave up after %d attempts; %s", attempt+1, apiErr.Hint)
		}
		return apiErr
	}
}

// decode reads a 2xx answer into k.out and checks it.
func (c *Client) decode(k call, data []byte) error {
	if k.out == nil {
		return nil
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return fmt.Errorf("circleci: %s %s: the API answered with an empty body where JSON was expected; "+
			"check --circleci-url", k.method, k.path)
	}
	if err := json.Unmarshal(data, k.out); err != nil {
		return fmt.Errorf("circleci: %s %s: the answer is not the JSON expected (%v); check --circleci-url",
			k.method, k.path, err)
	}
	if k.check != nil {
		if err := k.check(); err != nil {
			return fmt.Errorf("circleci: %s %s: %w", k.method, k.path, err)
		}
	}
	return nil
}

// transient reports whether a transport error may go away on a second try:
// a reset or dropped connection, or a request that timed out.
func transient(err error) bool {
	var ne net.Error
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// send makes one request, bounded by the client's timeout, and reads the
// answer.
func (c *Client) send(ctx context.Context, method, path string, payload []byte, isJSON bool,
) (status int, header http.Header, data []byte, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, bytes.NewReader(payload))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("circleci: %s %s: %w", method, path, err)
	}
	req.Header.Set("Circle-Token", c.token)
	req.Header.Set("Accept", "application/json")
	if isJSON {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var re *RedirectError
		if errors.As(err, &re) {
			re.To, re.Reason = c.clean(re.To), c.clean(re.Reason)
			return 0, nil, nil, re
		}
		// The URL holds no secret; the transport error never holds the header.
		return 0, nil, nil, fmt.Errorf("circleci: %s %s: %w", method, path, unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.ContentLength > MaxAnswer {
		return 0, nil, nil, tooLarge(method, path)
	}
	data, err = io.ReadAll(io.LimitReader(resp.Body, MaxAnswer+1))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("circleci: %s %s: reading the answer: %w", method, path, err)
	}
	if len(data) > MaxAnswer {
		return 0, nil, nil, tooLarge(method, path)
	}
	return resp.StatusCode, resp.Header, data, nil
}

func tooLarge(method, path string) error {
	return fmt.Errorf("circleci: %s %s: answer too large (over %d MiB); check --circleci-url: "+
		"it must be the API's own address, such as %s", method, path, MaxAnswer>>20, DefaultBaseURL)
}

// waitTurn waits out the client's pause, if a 429 set one; a pause longer
// than maxWait fails the call without sending it.
func (c *Client) waitTurn(ctx context.Context, k call) error {
	c.mu.Lock()
	d, asked := c.notBefore.Sub(c.now()), c.asked
	c.mu.Unlock()
	if d <= 0 {
		return nil
	}
	if d > c.maxWait {
		return &APIError{Method: k.method, Path: k.path, Status: http.StatusTooManyRequests,
			Hint: c.tooLong(asked, d)}
	}
	if err := c.sleep(ctx, d); err != nil {
		return fmt.Errorf("circleci: %s %s: %w", k.method, k.path, err)
	}
	return nil
}

// pause makes every call of the client wait as a 429's Retry-After says, or,
// without one, for the backoff of this attempt, and returns that wait. It
// returns true when Retry-After asks for more than maxWait.
func (c *Client) pause(attempt int, retryAfter string) (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	d, ok := c.retryAfter(retryAfter, now)
	if !ok {
		d = c.backoffWait(attempt)
	}
	if until := now.Add(d); until.After(c.notBefore) {
		c.notBefore = until
		if d > c.maxWait {
			c.asked = retryAfter
		}
	}
	return d, d > c.maxWait
}

// tooLong is the hint of a call given up because the API asked for a longer
// wait than maxWait.
func (c *Client) tooLong(asked string, d time.Duration) string {
	return fmt.Sprintf("rate limited: CircleCI asked to wait %s (Retry-After: %s), longer than the %s this "+
		"command waits; run it again after %s", d.Round(time.Second), asked, c.maxWait,
		c.now().Add(d).UTC().Format(time.RFC3339))
}

// retryAfter reads Retry-After (RFC 9110, section 10.2.3): delay-seconds,
// or an HTTP-date in any of the three forms of section 5.6.7, read against
// the client's clock; a date in the past means no wait. Delays too large for
// a Duration are capped at a day, which is past any maxWait, so that they
// never overflow. It returns false when the header is absent or invalid.
func (c *Client) retryAfter(v string, now time.Time) (time.Duration, bool) {
	const day = 24 * time.Hour
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if strings.Trim(v, "0123456789") == "" { // 1*DIGIT
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil || s >= uint64(day/time.Second) { // out of range: larger still
			return day, true
		}
		return time.Duration(s) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), day), true
}

// backoffWait is the wait before retry number attempt+1 when the API said
// nothing: exponential backoff with jitter, never more than maxWait.
func (c *Client) backoffWait(attempt int) time.Duration {
	d := c.maxWait
	if attempt < 30 && c.backoff<<attempt > 0 {
		d = min(c.backoff<<attempt, c.maxWait)
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// clean makes a server-supplied text safe to show: the token (as sent, or
// escaped) is replaced, control characters are dropped, and the text is cut
// to a reasonable length.
func (c *Client) clean(s string) string { return origin.Clean(s, c.token, 300) }

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
