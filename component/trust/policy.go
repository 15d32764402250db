package trust

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"unicode/utf8"
)

// Action is the STS action a CircleCI job performs with its OIDC token.
const Action = "sts:AssumeRoleWithWebIdentity"

// PolicyVersion is the IAM policy language version.
const PolicyVersion = "2012-10-17"

// ProjectIDClaim is the CircleCI claim STS exposes as a condition key.
const ProjectIDClaim = "oidc.circleci.com/project-id"

// Operators used by the policies this package builds.
const (
	StringEquals  = "StringEquals"
	StringLike    = "StringLike"
	StringNotLike = "StringNotLike"
)

// Conditions maps an IAM condition operator to condition keys and their values.
type Conditions map[string]map[string]StringList

// StringList is a JSON list of strings that also accepts a lone string, as
// IAM writes single values.
type StringList []string

// UnmarshalJSON accepts a string or a list of strings.
func (l *StringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = StringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("want a string or a list of strings, got %s", b)
	}
	*l = many
	return nil
}

// Principal is the principal of a trust statement.
type Principal struct {
	Federated StringList `json:"Federated,omitempty"`
	AWS       StringList `json:"AWS,omitempty"`
	Service   StringList `json:"Service,omitempty"`
}

// Statement is one statement of a trust policy.
type Statement struct {
	Sid       string     `json:"Sid,omitempty"`
	Effect    string     `json:"Effect"`
	Principal Principal  `json:"Principal"`
	Action    StringList `json:"Action"`
	Condition Conditions `json:"Condition,omitempty"`
}

// Document is an IAM policy document.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Spec is everything a CircleCI trust policy is built from.
type Spec struct {
	// ProviderARN is the IAM OIDC provider's ARN, the federated principal.
	ProviderARN string
	// IssuerURL is the token issuer, whose host and path prefix every condition key.
	IssuerURL string
	// Audiences are the accepted aud values. Without any, the policy has no
	// aud condition, and STS still requires aud to be one of the provider's
	// client IDs; the component always gives at least one.
	Audiences []string
	// Scope limits the accepted sub values when Rules is empty.
	Scope Scope
	// Rules, when given, replace Scope; a token that any one accepts is
	// accepted.
	Rules []Scope
	// ProjectPinning says where projects are pinned; the zero value is
	// PinSubject.
	ProjectPinning Pinning
	// Extra conditions are added as they are; they must not touch the aud and sub
	// keys this package sets (config validation refuses that).
	Extra Conditions
}

// Pinning says how a trust policy pins CircleCI projects.
type Pinning string

// The ways to pin projects.
const (
	// PinSubject writes each project into the sub patterns: it works with any
	// issuer, and the policy grows as projects × users × origins × refs.
	PinSubject Pinning = "subject"
	// PinClaim tests STS's project-id key with StringEquals and writes the sub
	// patterns with AnyUUID for the project, so the policy grows as projects +
	// users × origins × refs. Only CircleCI cloud's issuer has the key.
	PinClaim Pinning = "claim"
	// PinBoth does both.
	PinBoth Pinning = "both"
)

// Pinnings lists the valid Pinning values.
var Pinnings = []Pinning{PinClaim, PinSubject, PinBoth}

// Scopes returns the scopes of the policy's statements: the rules, or the
// one scope.
func (spec Spec) Scopes() []Scope {
	if len(spec.Rules) > 0 {
		return spec.Rules
	}
	return []Scope{spec.Scope}
}

// Build returns the trust policy for spec: one Allow statement for
// sts:AssumeRoleWithWebIdentity by the provider, with aud pinned by
// StringEquals, sub by StringLike and, with PinClaim or PinBoth, the project
// by StringEquals on the project-id key.
//
// Rules share the statement: IAM accepts a sub that matches any of a key's
// values, so the union of the rules' patterns ORs the rules, as separate
// statements would, at a fraction of the size (each statement repeats the
// principal, the action and every condition key). For that, each pattern
// keeps its rule's projects, whatever the pinning; the project-id key, where
// every rule names projects, checks them a second time. One difference is on
// the safe side: once a rule pins a ref, RefSpoofGuard refuses, for every
// rule, the subjects whose ref holds "/vcs-ref/".
func Build(spec Spec) Document {
	key := IssuerKey(spec.IssuerURL)
	scopes := spec.Scopes()
	cond := Conditions{}
	if len(spec.Audiences) > 0 {
		cond.add(StringEquals, key+":aud", spec.Audiences...)
	}
	var projects []string
	everyRuleNamesProjects := true
	for _, scope := range scopes {
		subjects := scope
		if spec.ProjectPinning == PinClaim && len(scopes) == 1 {
			subjects.ProjectIDs = nil // the project-id key pins them
		}
		cond.add(StringLike, key+":sub", subjects.Subjects()...)
		if scope.PinsRef() {
			cond.add(StringNotLike, key+":sub", RefSpoofGuard)
		}
		projects = append(projects, scope.ProjectIDs...)
		everyRuleNamesProjects = everyRuleNamesProjects && len(scope.ProjectIDs) > 0
	}
	if (spec.ProjectPinning == PinClaim || spec.ProjectPinning == PinBoth) && everyRuleNamesProjects {
		cond.add(StringEquals, key+":"+ProjectIDClaim, projects...)
	}
	for op, keys := range spec.Extra {
		for k, vs := range keys {
			cond.add(op, k, vs...)
		}
	}
	return Document{
		Version: PolicyVersion,
		Statement: []Statement{{
			Sid:       "CircleCIOIDC",
			Effect:    "Allow",
			Principal: Principal{Federated: StringList{spec.ProviderARN}},
			Action:    StringList{Action},
			Condition: cond,
		}},
	}
}

// CountSubjects returns a lower bound of the number of sub patterns Build
// writes for spec, without building them: the count of its largest scope,
// which is exact when there is one scope.
func (spec Spec) CountSubjects() int {
	scopes := spec.Scopes()
	n := 0
	for _, scope := range scopes {
		if spec.ProjectPinning == PinClaim && len(scopes) == 1 {
			scope.ProjectIDs = nil // as in Build: the project-id key pins them
		}
		n = max(n, scope.CountSubjects())
	}
	return n
}

func (c Conditions) add(op, key string, values ...string) {
	if c[op] == nil {
		c[op] = map[string]StringList{}
	}
	c[op][key] = sortedUnique(append(c[op][key], values...))
}

// Size returns the document's length as IAM counts it against the role trust
// policy quota (see PolicySize).
func (d Document) Size() int { return PolicySize(d.JSON()) }

// PolicySize returns a JSON policy's length as IAM counts it against its
// quotas: characters without the white space between JSON tokens. White space
// inside values is counted, which can only overstate the size. A document
// that is not JSON counts as it is.
func PolicySize(doc string) int {
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(doc)); err != nil {
		return utf8.RuneCountInString(doc)
	}
	return utf8.RuneCount(buf.Bytes())
}

// JSON returns the document as indented JSON with a stable key order:
// struct fields in declaration order, map keys sorted, value lists as built.
func (d Document) JSON() string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		// Only strings, lists and maps of strings: encoding cannot fail.
		panic(err)
	}
	return string(bytes.TrimRight(buf.Bytes(), "\n"))
}

// Keys returns the condition keys of c's operator op, sorted.
func (c Conditions) Keys(op string) []string {
	keys := make([]string, 0, len(c[op]))
	for k := range c[op] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// UnmarshalJSON accepts Statement as a list or, as IAM allows, a lone object.
// Read policies with Parse, which refuses what IAM refuses first.
func (d *Document) UnmarshalJSON(b []byte) error {
	var raw struct {
		Version   string          `json:"Version"`
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	d.Version = raw.Version
	d.Statement = nil
	if len(raw.Statement) == 0 {
		return nil
	}
	if isJSONObject(raw.Statement) {
		var one Statement
		if err := json.Unmarshal(raw.Statement, &one); err != nil {
			return err
		}
		d.Statement = []Statement{one}
		return nil
	}
	return json.Unmarshal(raw.Statement, &d.Statement)
}
