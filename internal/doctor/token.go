// Package doctor explains whether AWS STS would accept a CircleCI OIDC token
// for a role's trust policy, condition by condition, using the component's
// own IAM evaluator.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

// Claims are a CircleCI OIDC token's claims.
type Claims struct {
	Issuer     string           `json:"iss"`
	Subject    string           `json:"sub"`
	Audience   jwt.Audience     `json:"aud"`
	IssuedAt   *jwt.NumericDate `json:"iat,omitempty"`
	NotBefore  *jwt.NumericDate `json:"nbf,omitempty"`
	Expiry     *jwt.NumericDate `json:"exp,omitempty"`
	ProjectID  string           `json:"oidc.circleci.com/project-id,omitempty"`
	VCSOrigin  string           `json:"oidc.circleci.com/vcs-origin,omitempty"`
	VCSRef     string           `json:"oidc.circleci.com/vcs-ref,omitempty"`
	ContextIDs []string         `json:"oidc.circleci.com/context-ids,omitempty"`
	SSHRerun   bool             `json:"oidc.circleci.com/ssh-rerun,omitempty"`
}

// Token is a parsed, not yet verified, token.
type Token struct {
	Raw    string
	KeyID  string
	Claims Claims
}

// algorithms are the signature algorithms a token may use.
var algorithms = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512, jose.PS256}

// MaxTokenLength is the longest token STS takes: AssumeRoleWithWebIdentity's
// WebIdentityToken is 4 to 20,000 characters (AWS STS API, clientTokenType).
const MaxTokenLength = 20000

// ErrTooLong marks a token longer than MaxTokenLength, which STS refuses
// before it reads it.
var ErrTooLong = errors.New("longer than STS accepts")

// Parse decodes a token without checking its signature. Surrounding
// whitespace is dropped; a token longer than MaxTokenLength is refused, never
// cut.
func Parse(raw string) (*Token, error) {
	raw = strings.TrimSpace(raw)
	if len(raw) > MaxTokenLength {
		return nil, fmt.Errorf("doctor: the token is %d characters long; STS accepts at most %d (AssumeRoleWithWebIdentity WebIdentityToken): %w",
			len(raw), MaxTokenLength, ErrTooLong)
	}
	tok, err := jwt.ParseSigned(raw, algorithms)
	if err != nil {
		return nil, fmt.Errorf("doctor: the token is not a signed JWT: %w", err)
	}
	t := &Token{Raw: raw}
	if len(tok.Headers) > 0 {
		t.KeyID = tok.Headers[0].KeyID
	}
	if err := tok.UnsafeClaimsWithoutVerification(&t.Claims); err != nil {
		return nil, fmt.Errorf("doctor: reading the token's claims: %w", err)
	}
	if t.Claims.Issuer == "" || t.Claims.Subject == "" {
		return nil, errors.New("doctor: the token has no iss or sub claim; is it a CircleCI OIDC token?")
	}
	return t, nil
}

// Version is 2 for $CIRCLE_OIDC_TOKEN_V2 tokens, whose subject carries the
// repository and ref, and 1 otherwise.
func (t *Token) Version() int {
	if strings.Contains(t.Claims.Subject, "/vcs-origin/") {
		return 2
	}
	return 1
}

// TrustClaims returns what IAM can test of the token.
func (t *Token) TrustClaims() trust.Claims {
	return trust.Claims{
		Issuer:    t.Claims.Issuer,
		Subject:   t.Claims.Subject,
		Audience:  []string(t.Claims.Audience),
		ProjectID: t.Claims.ProjectID,
	}
}

// Verify checks the token's signature against its issuer's published keys.
// The keys are discovered at discoveryURL's /.well-known/openid-configuration,
// the token's own issuer when discoveryURL is "" (CircleCI server, or a test
// issuer, may serve them elsewhere). The iss claim must still be the token's.
func Verify(ctx context.Context, t *Token, discoveryURL string, client *http.Client) error {
	ctx = oidc.ClientContext(ctx, limitedClient(client, MaxDocumentSize))
	if discoveryURL == "" {
		discoveryURL = t.Claims.Issuer
	} else {
		ctx = oidc.InsecureIssuerURLContext(ctx, t.Claims.Issuer)
	}
	provider, err := oidc.NewProvider(ctx, strings.TrimSuffix(discoveryURL, "/"))
	if err != nil {
		return fmt.Errorf("doctor: discovering the issuer's keys: %w", err)
	}
	verifier := provider.Verifier(&oidc.Config{SkipClientIDCheck: true, SkipExpiryCheck: true})
	if _, err := verifier.Verify(ctx, t.Raw); err != nil {
		return fmt.Errorf("doctor: %w", err)
	}
	return nil
}

// ExpirySkew is how long after a token's exp STS still accepts it: "IAM
// provides a five minute window beyond the expiration time specified in the
// JWT to account for clock skew, as allowed by the OpenID Connect (OIDC) Core
// 1.0 standard" (IAM User Guide, "OIDC federation", the note on the exp
// claim).
const ExpirySkew = 5 * time.Minute

// lifetime describes the token's validity at now, and says why STS would
// refuse it, if it would: no exp claim, an nbf still ahead, or an exp passed.
func (t *Token) lifetime(now time.Time) (desc, problem string) {
	if nbf := t.Claims.NotBefore; nbf != nil && nbf.Time().After(now) {
		at := nbf.Time().UTC()
		return fmt.Sprintf("not valid before %s, in %s", at.Format(time.RFC3339), at.Sub(now).Round(time.Second)),
			fmt.Sprintf("the token is not valid before %s (nbf), %s from now", at.Format(time.RFC3339), at.Sub(now).Round(time.Second))
	}
	if t.Claims.Expiry == nil {
		return "no exp claim", "the token has no exp claim, and STS refuses a token that never expires"
	}
	exp := t.Claims.Expiry.Time().UTC()
	if !now.Before(exp.Add(ExpirySkew)) {
		d := fmt.Sprintf("expired at %s, %s ago", exp.Format(time.RFC3339), now.Sub(exp).Round(time.Second))
		return d, "the token " + d + fmt.Sprintf(", more than the %s STS allows after exp for clock skew", ExpirySkew)
	}
	if !now.Before(exp) {
		return fmt.Sprintf("expired at %s, %s ago, within the %s STS allows after exp for clock skew",
			exp.Format(time.RFC3339), now.Sub(exp).Round(time.Second), ExpirySkew), ""
	}
	return fmt.Sprintf("expires at %s, in %s", exp.Format(time.RFC3339), exp.Sub(now).Round(time.Second)), ""
}
