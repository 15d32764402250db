package trust

import (
	"strings"
)

// Claims are the parts of a CircleCI OIDC token that IAM can test.
type Claims struct {
	// Issuer is the iss claim.
	Issuer string
	// Subject is the sub claim.
	Subject string
	// Audience is the aud claim.
	Audience []string
	// ProjectID is the oidc.circleci.com/project-id claim.
	ProjectID string
}

// Value is what a condition key resolves to in the request STS judges.
type Value struct {
	// Values are the key's values: one for a single-valued key.
	Values []string
	// Present reports whether the key is in the request context at all.
	Present bool
	// DependsOn, when not empty, says that the value is not known from the
	// token, and what it depends on; Values are then meaningless, and Present
	// says whether the key is always in the request.
	DependsOn string
}

// Request is what STS judges a trust policy against.
type Request struct {
	// Issuer is the token's iss claim: a statement applies only when its
	// Federated principal is the IAM OIDC provider for exactly this URL.
	Issuer string
	// Lookup resolves a condition key, spelt as in the policy; key names are
	// case-insensitive (R1), so Lookup must ignore case.
	Lookup func(key string) Value
}

// Request returns the request STS judges for a token with these claims.
func (c Claims) Request() Request { return Request{Issuer: c.Issuer, Lookup: c.Lookup} }

// Lookup resolves a condition key for a token with these claims, as STS does
// for AssumeRoleWithWebIdentity: <issuer>:aud, :sub and
// :oidc.circleci.com/project-id come from the token; every other claim of the
// issuer, and keys of other identity providers, are absent ("No other web
// identity based federation condition keys are available"); keys whose value
// comes from the request, not the token, are undetermined.
func (c Claims) Lookup(key string) Value {
	lk := strings.ToLower(key)
	switch lk {
	case "sts:rolesessionname", "aws:currenttime", "aws:epochtime":
		// RoleSessionName is a required parameter of the call; the time keys
		// are "always included in the request context".
		return Value{Present: true, DependsOn: requestDependent(lk)}
	}
	if prefix, ok := issuerKey(c.Issuer); ok && strings.HasPrefix(lk, strings.ToLower(prefix)+":") {
		switch lk[len(prefix)+1:] {
		case "aud":
			return Value{Values: c.Audience, Present: len(c.Audience) > 0}
		case "sub":
			return Value{Values: []string{c.Subject}, Present: c.Subject != ""}
		case ProjectIDClaim:
			if !cloudIssuerKey(prefix) {
				// STS sets the key only under CircleCI cloud's issuer
				// (FACTS: "STS also validates
				// oidc.circleci.com/org/<ORG>:oidc.circleci.com/project-id").
				return Value{}
			}
			return Value{Values: []string{c.ProjectID}, Present: c.ProjectID != ""}
		}
		return Value{}
	}
	service, _, _ := strings.Cut(lk, ":")
	if strings.ContainsAny(service, "./") {
		// Another identity provider's claim: a CircleCI token never has it.
		return Value{}
	}
	if on := requestDependent(lk); on != "" {
		return Value{DependsOn: on}
	}
	switch lk {
	case "aws:multifactorauthpresent", "aws:multifactorauthage":
		// "This condition key is not present for federated identities."
		return Value{}
	}
	return Value{DependsOn: "a condition key this evaluator does not model; AWS documents no value for it in " + Action}
}

// requestDependent says what a key's value depends on when STS takes it from
// the request or the session rather than from the token, and "" otherwise.
func requestDependent(lk string) string {
	switch lk {
	case "sts:rolesessionname":
		return "the RoleSessionName the caller passes to " + Action + " (the aws-cli orb's role_session_name, by default the job name)"
	case "aws:sourceip", "aws:vpcsourceip", "aws:sourcevpc", "aws:sourcevpcarn", "aws:sourcevpce":
		return "the network path of the call to STS: the public IP address it comes from, or the VPC endpoint it goes through"
	case "aws:currenttime", "aws:epochtime":
		return "the time of the call to STS"
	case "aws:securetransport":
		return "whether the call to STS uses TLS"
	case "aws:requestedregion":
		return "the STS endpoint the caller uses (global or regional)"
	case "aws:useragent", "aws:referer":
		return "the caller's HTTP client"
	case "aws:tagkeys", "sts:transitivetagkeys":
		return "the session tags of the request (the token's https://aws.amazon.com/tags claim, with sts:TagSession allowed)"
	case "aws:federatedprovider":
		return "the ARN of the account's IAM OIDC provider for the token's issuer"
	case "aws:tokenissuetime":
		return "whether STS sets it for " + Action + ", which AWS does not document"
	}
	for _, p := range []string{"aws:principaltag/", "aws:requesttag/"} {
		if strings.HasPrefix(lk, p) {
			return "the session tags of the request (the token's https://aws.amazon.com/tags claim, with sts:TagSession allowed)"
		}
	}
	return ""
}

// Context is a request context given in full, as in AWS's documentation
// examples: keys not in it are missing, and names are matched ignoring case.
type Context map[string][]string

// Lookup resolves key in c, ignoring case.
func (c Context) Lookup(key string) Value {
	for k, v := range c {
		if strings.EqualFold(k, key) {
			return Value{Values: v, Present: true}
		}
	}
	return Value{}
}

// issuerKey returns the prefix of an issuer's condition keys: the issuer URL
// without "https://", exactly as the token spells it, trailing slash and all.
// An issuer that is not an https URL has no IAM OIDC provider.
func issuerKey(issuer string) (string, bool) {
	k, ok := strings.CutPrefix(issuer, "https://")
	return k, ok && k != ""
}

// cloudIssuerKey reports whether an issuer's key prefix is CircleCI cloud's,
// oidc.circleci.com/org/<ORG>: the only issuer whose project-id claim STS
// exposes as a condition key.
func cloudIssuerKey(prefix string) bool {
	org, ok := strings.CutPrefix(prefix, "oidc.circleci.com/org/")
	return ok && org != "" && !strings.Contains(org, "/")
}
