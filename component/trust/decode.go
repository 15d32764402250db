package trust

import (
	"net/url"
	"strings"
)

// DecodeDocument returns a policy document that IAM's API returned: IAM
// URL-encodes documents ("URL-encoded compliant with RFC 3986", IAM API
// reference, GetRole), so "+" is a plus sign, not a space. A document that
// is not encoded, as some emulators return it through AWS_ENDPOINT_URL, starts
// with "{" and is returned as it is: decoding it would turn a literal "%2A"
// into "*". Every reader of IAM's answers decodes with this function.
func DecodeDocument(doc string) string {
	if strings.HasPrefix(strings.TrimSpace(doc), "{") {
		return doc
	}
	if d, err := url.PathUnescape(doc); err == nil {
		return d
	}
	return doc
}
