package trust

import (
	"fmt"
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

// values returns what a condition key resolves to for these claims, and
// whether the key exists for them at all.
func (c Claims) values(key string) ([]string, bool) {
	prefix := IssuerKey(c.Issuer) + ":"
	if !strings.HasPrefix(key, prefix) {
		return nil, false
	}
	switch strings.TrimPrefix(key, prefix) {
	case "aud":
		return c.Audience, len(c.Audience) > 0
	case "sub":
		return []string{c.Subject}, c.Subject != ""
	case ProjectIDClaim:
		return []string{c.ProjectID}, c.ProjectID != ""
	}
	return nil, false
}

// Check is the outcome of one condition for one token.
type Check struct {
	Operator string
	Key      string
	// Want are the policy's values; Got the token's, empty when the key is missing.
	Want []string
	Got  []string
	Pass bool
	// Reason says why the check passed or failed, in words.
	Reason string
}

// StatementResult is the outcome of one statement for one token.
type StatementResult struct {
	Index  int
	Sid    string
	Effect string
	// Applies is false when the principal or action do not fit the token; then
	// Why says which.
	Applies bool
	Why     string
	Checks  []Check
	// Matches is true when the statement applies and every check passed.
	Matches bool
}

// Verdict is the outcome of a whole policy for one token.
type Verdict struct {
	Allowed    bool
	Statements []StatementResult
	// Reason is a one-line summary.
	Reason string
}

// Evaluate decides whether IAM would let a token with these claims assume a
// role with this trust policy, the way STS does: some Allow statement must
// match and no Deny statement may. It knows the string operators (with the
// IfExists suffix and ForAnyValue/ForAllValues qualifiers); any other operator
// fails its check, since its outcome cannot be shown.
func Evaluate(d Document, c Claims) Verdict {
	var v Verdict
	allowed, denied := false, false
	for i, st := range d.Statement {
		r := evaluateStatement(i, st, c)
		v.Statements = append(v.Statements, r)
		if !r.Matches {
			continue
		}
		switch st.Effect {
		case "Allow":
			allowed = true
		case "Deny":
			denied = true
		}
	}
	v.Allowed = allowed && !denied
	switch {
	case denied:
		v.Reason = "refused: a Deny statement matches the token"
	case allowed:
		v.Reason = "allowed: an Allow statement matches the token"
	default:
		v.Reason = "refused: " + firstFailure(v.Statements)
	}
	return v
}

func firstFailure(rs []StatementResult) string {
	for _, r := range rs {
		if r.Effect != "Allow" {
			continue
		}
		if !r.Applies {
			return fmt.Sprintf("statement %d: %s", r.Index, r.Why)
		}
		for _, ch := range r.Checks {
			if !ch.Pass {
				return fmt.Sprintf("statement %d: %s", r.Index, ch.Reason)
			}
		}
	}
	return "no Allow statement in the policy"
}

func evaluateStatement(i int, st Statement, c Claims) StatementResult {
	r := StatementResult{Index: i, Sid: st.Sid, Effect: st.Effect, Applies: true}
	if !containsLike(st.Action, Action) {
		r.Applies, r.Why = false, fmt.Sprintf("Action %v does not include %s", []string(st.Action), Action)
	} else if !principalFits(st.Principal.Federated, c.Issuer) {
		r.Applies, r.Why = false, fmt.Sprintf("Federated principal %v is not the provider for issuer %s",
			[]string(st.Principal.Federated), c.Issuer)
	}
	for _, op := range sortedOperators(st.Condition) {
		for _, key := range st.Condition.Keys(op) {
			r.Checks = append(r.Checks, evaluateCheck(op, key, st.Condition[op][key], c))
		}
	}
	r.Matches = r.Applies
	for _, ch := range r.Checks {
		r.Matches = r.Matches && ch.Pass
	}
	return r
}

// principalFits reports whether one of the federated principals is the IAM
// OIDC provider for issuer: its ARN ends in "oidc-provider/<host/path>".
func principalFits(federated []string, issuer string) bool {
	want := ":oidc-provider/" + IssuerKey(issuer)
	for _, f := range federated {
		if strings.HasSuffix(f, want) {
			return true
		}
	}
	return false
}

func sortedOperators(c Conditions) []string {
	ops := make([]string, 0, len(c))
	for op := range c {
		ops = append(ops, op)
	}
	return sortedUnique(ops)
}

func evaluateCheck(op, key string, want []string, c Claims) Check {
	got, present := c.values(key)
	ch := Check{Operator: op, Key: key, Want: want, Got: got}

	base, qualifier, ifExists := splitOperator(op)
	if ifExists && !present {
		ch.Pass, ch.Reason = true, fmt.Sprintf("%s is absent, and %s passes then", key, op)
		return ch
	}
	var match func(pattern, value string) bool
	negate := false
	switch base {
	case "StringEquals":
		match = func(p, v string) bool { return p == v }
	case "StringNotEquals":
		match, negate = func(p, v string) bool { return p == v }, true
	case "StringEqualsIgnoreCase":
		match = strings.EqualFold
	case "StringNotEqualsIgnoreCase":
		match, negate = strings.EqualFold, true
	case "StringLike":
		match = Like
	case "StringNotLike":
		match, negate = Like, true
	default:
		ch.Reason = fmt.Sprintf("operator %s is not evaluated here; counted as failing", op)
		return ch
	}
	if !present {
		// A missing key fails every positive test and passes every negated one.
		ch.Pass = negate
		ch.Reason = fmt.Sprintf("the token has no value for %s", key)
		return ch
	}

	matchesAny := func(v string) bool {
		for _, p := range want {
			if match(p, v) {
				return true
			}
		}
		return false
	}
	hits := 0
	for _, v := range got {
		if matchesAny(v) {
			hits++
		}
	}
	switch {
	case qualifier == "ForAllValues" && !negate:
		ch.Pass = hits == len(got)
	case negate:
		ch.Pass = hits == 0
	default: // single-valued keys and ForAnyValue
		ch.Pass = hits > 0
	}
	ch.Reason = describe(key, base, want, got, ch.Pass)
	return ch
}

func describe(key, op string, want, got []string, pass bool) string {
	name := key[strings.LastIndex(key, ":")+1:]
	value := strings.Join(got, `", "`)
	verb := "match"
	if strings.Contains(op, "Equals") {
		verb = "equal"
	}
	// A negated operator passes when the value does not match.
	if matched := pass != strings.Contains(op, "Not"); matched {
		return fmt.Sprintf("%s %q %ss %s", name, value, verb, quoteList(want))
	}
	return fmt.Sprintf("%s %q does not %s %s", name, value, verb, quoteList(want))
}

func quoteList(v []string) string {
	if len(v) == 1 {
		return fmt.Sprintf("%q", v[0])
	}
	q := make([]string, len(v))
	for i, s := range v {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "any of " + strings.Join(q, ", ")
}

// splitOperator splits "ForAnyValue:StringLikeIfExists" into "StringLike",
// "ForAnyValue" and true.
func splitOperator(op string) (base, qualifier string, ifExists bool) {
	base = op
	if q, rest, ok := strings.Cut(op, ":"); ok {
		qualifier, base = q, rest
	}
	if strings.HasSuffix(base, "IfExists") {
		base, ifExists = strings.TrimSuffix(base, "IfExists"), true
	}
	return base, qualifier, ifExists
}

func containsLike(patterns []string, value string) bool {
	for _, p := range patterns {
		if Like(p, value) || strings.EqualFold(p, value) {
			return true
		}
	}
	return false
}

// Like reports whether value matches an IAM StringLike pattern: "*" matches
// any run of characters, "/" included, and "?" exactly one character. The
// match is case-sensitive and covers the whole value.
func Like(pattern, value string) bool {
	p, v := []rune(pattern), []rune(value)
	pi, vi := 0, 0
	star, mark := -1, 0
	for vi < len(v) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == v[vi]):
			pi++
			vi++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, vi
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			vi = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
