// Package circleci is a small client for the parts of the CircleCI API v2
// that publishing a role needs: contexts, their environment variables and
// project restrictions, and project environment variables.
//
// Every call has a timeout, retries 429 (honouring Retry-After) and 5xx
// answers a bounded number of times, and never puts the token in an error.
package circleci

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultBaseURL is CircleCI cloud's API v2.
const DefaultBaseURL = "https://circleci.com/api/v2"

// TokenEnv is the environment variable the token is read from by default.
const TokenEnv = "CIRCLE_TOKEN"

// Client calls the CircleCI API v2.
type Client struct {
	baseURL    string
	token      string
	http       *http.Client
	timeout    time.Duration
	maxRetries int
	backoff    time.Duration
	maxWait    time.Duration
	sleep      func(context.Context, time.Duration) error
}

// Option configures a Client.
type Option func(*Client)

// WithBaseURL points the client at a CircleCI server installation, such as
// https://circleci.acme.internal/api/v2.
func WithBaseURL(u string) Option { return func(c *Client) { c.baseURL = strings.TrimSuffix(u, "/") } }

// WithTimeout bounds each HTTP request, answer included; the default is 30
// seconds. It applies per request and leaves the HTTP client untouched.
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithRetries sets how many times a 429 or 5xx answer is retried (default 4)
// and the first backoff (default 500ms, doubling, with jitter).
func WithRetries(n int, backoff time.Duration) Option {
	return func(c *Client) { c.maxRetries, c.backoff = n, backoff }
}

// WithMaxRetryWait caps how long one Retry-After is honoured (default 60s).
func WithMaxRetryWait(d time.Duration) Option { return func(c *Client) { c.maxWait = d } }

// WithHTTPClient replaces the HTTP client, which the client never changes;
// its own Timeout applies besides WithTimeout's.
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
		http:       http.DefaultClient,
		timeout:    30 * time.Second,
		maxRetries: 4,
		backoff:    500 * time.Millisecond,
		maxWait:    60 * time.Second,
		sleep:      sleepContext,
	}
	for _, o := range opts {
		o(c)
	}
	if _, err := url.Parse(c.baseURL); err != nil {
		return nil, fmt.Errorf("circleci: base URL %q: %w", c.baseURL, err)
	}
	return c, nil
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
	// Message is the API's own message, if it sent one.
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

func hint(status int, what string) string {
	switch status {
	case http.StatusUnauthorized:
		return "check " + TokenEnv + ": it must be a personal API token (project tokens are not accepted by API v2)"
	case http.StatusForbidden:
		return "the token's user lacks access: check that it belongs to an organization admin"
	case http.StatusNotFound:
		return "check " + what
	case http.StatusTooManyRequests:
		return "rate limited; retries were exhausted"
	}
	if status >= 500 {
		return "CircleCI answered with a server error; retries were exhausted"
	}
	return ""
}

// do sends one API call, retrying 429 and 5xx, and decodes a JSON answer into
// out when out is not nil. what names the thing a 404 means is missing.
func (c *Client) do(ctx context.Context, method, path string, body, out any, what string) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("circleci: %s %s: %w", method, path, err)
		}
	}
	for attempt := 0; ; attempt++ {
		status, header, data, err := c.send(ctx, method, path, payload, body != nil)
		if err != nil {
			return err
		}
		if status < 300 {
			if out == nil || len(data) == 0 {
				return nil
			}
			if err := json.Unmarshal(data, out); err != nil {
				return fmt.Errorf("circleci: %s %s: decoding the answer: %w", method, path, err)
			}
			return nil
		}
		retryable := status == http.StatusTooManyRequests || status >= 500
		if retryable && attempt < c.maxRetries {
			if err := c.sleep(ctx, c.wait(attempt, header.Get("Retry-After"))); err != nil {
				return fmt.Errorf("circleci: %s %s: %w", method, path, err)
			}
			continue
		}
		apiErr := &APIError{Method: method, Path: path, Status: status, Hint: hint(status, what)}
		var msg struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(data, &msg) == nil {
			apiErr.Message = msg.Message
		}
		if retryable {
			apiErr.Hint = fmt.Sprintf("gave up after %d attempts; %s", attempt+1, apiErr.Hint)
		}
		return apiErr
	}
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
		// The URL holds no secret; the transport error never holds the header.
		return 0, nil, nil, fmt.Errorf("circleci: %s %s: %w", method, path, unwrapURLError(err))
	}
	defer resp.Body.Close()
	data, err = io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("circleci: %s %s: reading the answer: %w", method, path, err)
	}
	return resp.StatusCode, resp.Header, data, nil
}

// wait is how long to wait before retry number attempt+1: Retry-After when
// the API sent one (capped), else exponential backoff with jitter.
func (c *Client) wait(attempt int, retryAfter string) time.Duration {
	if retryAfter != "" {
		if s, err := strconv.Atoi(strings.TrimSpace(retryAfter)); err == nil && s >= 0 {
			return min(time.Duration(s)*time.Second, c.maxWait)
		}
		if t, err := http.ParseTime(retryAfter); err == nil {
			return min(max(time.Until(t), 0), c.maxWait)
		}
	}
	d := c.backoff << attempt
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
