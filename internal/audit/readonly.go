package audit

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// ReadOnly wraps the HTTP client of an IAM client so that it sends only
// reads: an action whose name does not start with Get or List is refused
// before it leaves the machine. IAM speaks the AWS query protocol, so the
// action is the Action field of the form body.
type ReadOnly struct {
	// Next sends the requests that are reads.
	Next iam.HTTPClient
}

// Do refuses a request that is not a Get or List action, and sends the rest.
func (c ReadOnly) Do(req *http.Request) (*http.Response, error) {
	action, err := Action(req)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(action, "Get") && !strings.HasPrefix(action, "List") {
		return nil, fmt.Errorf("audit: refusing IAM %s: audit only reads (Get and List actions)", action)
	}
	return c.Next.Do(req)
}

// Action returns the IAM action of a request, and leaves its body readable.
func Action(req *http.Request) (string, error) {
	if req.Body == nil {
		return "", fmt.Errorf("audit: refusing an IAM request without a body to %s", req.URL.Redacted())
	}
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return "", fmt.Errorf("audit: reading the IAM request: %w", err)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("Action") == "" {
		return "", fmt.Errorf("audit: refusing an IAM request whose action cannot be read")
	}
	return form.Get("Action"), nil
}
