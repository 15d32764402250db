// Package thumbprint chooses the thumbprint of an IAM OIDC provider from the
// certificate chain its issuer serves. It is pure: the chain is fetched
// elsewhere (by pulumi-tls's getCertificate).
package thumbprint

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// CircleCI is the widely published thumbprint for oidc.circleci.com.
const CircleCI = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"

var hexRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

// Valid reports whether s is a thumbprint as IAM stores it: 40 lowercase hex
// digits.
func Valid(s string) bool { return hexRE.MatchString(s) }

// Certificate is what Choose needs of one certificate of a chain.
type Certificate struct {
	Subject         string
	Issuer          string
	IsCA            bool
	SHA1Fingerprint string
}

// ErrNoChain is returned by Choose for an empty chain.
var ErrNoChain = errors.New("thumbprint: the issuer served no certificates")

// Choose returns the thumbprint IAM means: the SHA-1 fingerprint of the top
// intermediate CA, the last certificate the issuer's host serves. pulumi-tls's
// getCertificate lists the chain root-side first, the reverse of the served
// order, so that is chain[0]. It must be a CA: a chain of only the leaf would
// pin a certificate that rotates every few months.
func Choose(chain []Certificate) (string, error) {
	if len(chain) == 0 {
		return "", ErrNoChain
	}
	top := chain[0]
	if !top.IsCA {
		return "", fmt.Errorf("thumbprint: the top certificate served, %q, is not a CA: its fingerprint would "+
			"change whenever the leaf rotates; set thumbprints explicitly", top.Subject)
	}
	fp := Normalize(top.SHA1Fingerprint)
	if !Valid(fp) {
		return "", fmt.Errorf("thumbprint: the fingerprint of %q, %q, is not a SHA-1 fingerprint",
			top.Subject, top.SHA1Fingerprint)
	}
	return fp, nil
}

// Normalize lowercases a fingerprint and drops colons and spaces.
func Normalize(s string) string {
	return strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(s))
}

// Merge returns base followed by the entries of extra not already present.
func Merge(base, extra []string) []string {
	out := append([]string(nil), base...)
	for _, e := range extra {
		dup := false
		for _, o := range out {
			dup = dup || o == e
		}
		if !dup {
			out = append(out, e)
		}
	}
	return out
}
