// Package oidctest is a CircleCI-like OIDC issuer for tests: it serves
// /.well-known/openid-configuration and a JWKS on 127.0.0.1 and signs tokens
// with a key it generates.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Issuer signs tokens and publishes its key.
type Issuer struct {
	*httptest.Server
	key *rsa.PrivateKey
}

// KeyID is the kid of the issuer's key.
const KeyID = "circleci-oidc-test-key"

// NewIssuer starts an issuer; close it with Close.
func NewIssuer() (*Issuer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	iss := &Issuer{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                iss.URL,
			"jwks_uri":                              iss.URL + "/.well-known/jwks-pub.json",
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"subject_types_supported":               []string{"public"},
			"response_types_supported":              []string{"id_token"},
		})
	})
	mux.HandleFunc("/.well-known/jwks-pub.json", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
			Key: &key.PublicKey, KeyID: KeyID, Algorithm: string(jose.RS256), Use: "sig",
		}}})
	})
	iss.Server = httptest.NewServer(mux)
	return iss, nil
}

// Token is what a CircleCI job's token says.
type Token struct {
	Org, Project, User string
	// Origin and Ref make a v2 token; empty makes a v1 token.
	Origin, Ref string
	// Audience defaults to Org.
	Audience string
	// IssuedAt defaults to now; the token lives one hour, like CircleCI's.
	IssuedAt time.Time
}

// Subject returns the sub claim CircleCI writes for t.
func (t Token) Subject() string {
	sub := "org/" + t.Org + "/project/" + t.Project + "/user/" + t.User
	if t.Origin != "" {
		sub += "/vcs-origin/" + t.Origin + "/vcs-ref/" + t.Ref
	}
	return sub
}

// Sign returns t as a signed JWT whose iss is CircleCI cloud's issuer for
// t.Org, signed by this issuer's key.
func (iss *Issuer) Sign(t Token) (string, error) {
	return sign(iss.key, t)
}

// SignWithOtherKey signs with a key the issuer does not publish.
func SignWithOtherKey(t Token) (string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	return sign(key, t)
}

func sign(key *rsa.PrivateKey, t Token) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", KeyID))
	if err != nil {
		return "", err
	}
	iat := t.IssuedAt
	if iat.IsZero() {
		iat = time.Now()
	}
	aud := t.Audience
	if aud == "" {
		aud = t.Org
	}
	claims := map[string]any{
		"iss":                           "https://oidc.circleci.com/org/" + t.Org,
		"sub":                           t.Subject(),
		"aud":                           aud,
		"iat":                           iat.Unix(),
		"exp":                           iat.Add(time.Hour).Unix(),
		"oidc.circleci.com/project-id":  t.Project,
		"oidc.circleci.com/context-ids": []string{"44444444-4444-4444-8444-444444444444"},
	}
	if t.Origin != "" {
		claims["oidc.circleci.com/vcs-origin"] = t.Origin
		claims["oidc.circleci.com/vcs-ref"] = t.Ref
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}

// Tamper changes one character of the token's signature.
func Tamper(token string) string {
	i := strings.LastIndex(token, ".") + 5
	c := byte('A')
	if token[i] == 'A' {
		c = 'B'
	}
	return token[:i] + string(c) + token[i+1:]
}
