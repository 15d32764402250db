package doctor

import (
	"errors"
	"fmt"
	"io"
	"net/http"
)

// MaxDocumentSize bounds each document Verify reads from the issuer: the
// discovery document and the JWKS. CircleCI's are a few KiB.
const MaxDocumentSize = 1 << 20

// errTooLarge is the error of a document over MaxDocumentSize.
var errTooLarge = errors.New("answer too large")

// limitedClient returns a copy of c, or of the default client, whose
// answers fail once they pass max bytes instead of being read whole.
func limitedClient(c *http.Client, max int64) *http.Client {
	if c == nil {
		c = http.DefaultClient
	}
	limited := *c
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	limited.Transport = limitTransport{base: base, max: max}
	return &limited
}

// limitTransport bounds the bodies of the answers of base.
type limitTransport struct {
	base http.RoundTripper
	max  int64
}

// RoundTrip sends r and bounds the answer's body.
func (t limitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > t.max {
		resp.Body.Close()
		return nil, fmt.Errorf("%s: %w (%d bytes, over %d)", r.URL.Redacted(), errTooLarge, resp.ContentLength, t.max)
	}
	resp.Body = &limitBody{ReadCloser: resp.Body, left: t.max, url: r.URL.Redacted(), max: t.max}
	return resp, nil
}

// limitBody fails a read that goes past max bytes.
type limitBody struct {
	io.ReadCloser
	left, max int64
	url       string
}

// Read reads at most the bytes left, and fails when the body has more.
func (b *limitBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		n, err := b.ReadCloser.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("%s: %w (over %d bytes)", b.url, errTooLarge, b.max)
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}
