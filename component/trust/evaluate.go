package trust

import (
	"fmt"
	"strings"
)

// The evaluator follows the AWS IAM User Guide: "IAM JSON policy elements:
// Condition operators", "... Condition", "Conditions with multiple context
// keys or values", "Single-valued vs. multivalued context keys", "IAM policy
// elements: Variables and tags" and "Policy evaluation logic". The rule ids
// (R1 ... R21) in comments refer to the table in tests/iam_semantics_test.go,
// which cites the page each rule comes from.
//
// Decisions the documentation leaves open are not guessed: they come out as
// Undetermined, with the reason. They are: a plain operator applied to a key
// with several values (R9), an empty value list (the docs contradict each
// other), a key given twice in one operator (R17), NullIfExists, a multivalued
// key used as a policy variable, malformed variables, the Date and Binary
// operators, and every condition key whose value STS takes from the request
// rather than from the token.

// Decision is what a trust policy answers for one token.
type Decision int

// The three answers a trust policy can give.
const (
	// Refused: STS refuses the token, whatever the request around it.
	Refused Decision = iota
	// Allowed: STS accepts the token, whatever the request around it.
	Allowed
	// Undetermined: the answer depends on something the token does not
	// decide, such as the role session name or the caller's IP address.
	Undetermined
)

// String returns "refused", "allowed" or "undetermined".
func (d Decision) String() string {
	switch d {
	case Allowed:
		return "allowed"
	case Undetermined:
		return "undetermined"
	}
	return "refused"
}

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

// anyValue decides a check on a key that is always present but whose value
// is unknown, when the outcome is the same for every value: Null, and a Like
// pattern of nothing but "*".
func anyValue(op operator, want []string) (pass, ok bool) {
	if op.qualifier != "" {
		return false, false
	}
	if op.base == "Null" && !op.ifExists {
		for _, w := range want {
			if w == "false" {
				return true, true
			}
			if w != "true" {
				return false, false
			}
		}
		return false, true
	}
	if op.base != "StringLike" && op.base != "StringNotLike" {
		return false, false
	}
	for _, w := range want {
		if w != "" && strings.Trim(w, "*") == "" {
			return !op.negated, true
		}
	}
	return false, false
}

// Check is the outcome of one condition for one token.
type Check struct {
	Operator string
	Key      string
	// Want are the policy's values; Got the token's, empty when the key is missing.
	Want []string
	Got  []string
	// Pass is true when the condition holds for certain.
	Pass bool
	// Undetermined is true when the outcome depends on the request; DependsOn
	// then says on what.
	Undetermined bool
	DependsOn    string
	// Reason says why the check passed, failed or is undetermined, in words.
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
	// Undetermined is true when the statement applies, no check failed, and at
	// least one check is undetermined.
	Undetermined bool
}

// Verdict is the outcome of a whole policy for one token.
type Verdict struct {
	Decision Decision
	// Allowed is Decision == Allowed.
	Allowed    bool
	Statements []StatementResult
	// Reason is a one-line summary, starting "allowed: ", "refused: " or
	// "undetermined: ".
	Reason string
	// Open are the undetermined checks the decision hangs on.
	Open []Check
}

// Evaluate decides whether STS would let a token with these claims assume a
// role with this trust policy.
func Evaluate(d Document, c Claims) Verdict { return EvaluateRequest(d, c.Request()) }

// EvaluateRequest decides a trust policy for a request the way IAM does: a
// matching Deny refuses, else a matching Allow allows, else the request is
// implicitly refused (R18). A statement that may match, depending on the
// request, makes the decision Undetermined unless a certain match decides it.
func EvaluateRequest(d Document, r Request) Verdict {
	var v Verdict
	var allow, deny, maybeAllow, maybeDeny []StatementResult
	for i, st := range d.Statement {
		res := evaluateStatement(i, st, d.Version, r)
		v.Statements = append(v.Statements, res)
		switch {
		case res.Matches && st.Effect == "Deny":
			deny = append(deny, res)
		case res.Matches && st.Effect == "Allow":
			allow = append(allow, res)
		case res.Undetermined && st.Effect == "Deny":
			maybeDeny = append(maybeDeny, res)
		case res.Undetermined && st.Effect == "Allow":
			maybeAllow = append(maybeAllow, res)
		}
	}
	switch {
	case len(deny) > 0:
		v.Decision = Refused
		v.Reason = fmt.Sprintf("refused: a Deny statement matches the token (statement %d)", deny[0].Index)
	case len(allow) > 0 && len(maybeDeny) == 0:
		v.Decision = Allowed
		v.Reason = "allowed: an Allow statement matches the token"
	case len(allow) > 0:
		v.Decision = Undetermined
		v.Open = openChecks(maybeDeny)
		v.Reason = fmt.Sprintf("undetermined: an Allow statement matches, but Deny statement %d may too: %s",
			maybeDeny[0].Index, v.Open[0].Reason)
	case len(maybeAllow) > 0:
		v.Decision = Undetermined
		v.Open = openChecks(append(maybeAllow, maybeDeny...))
		v.Reason = fmt.Sprintf("undetermined: statement %d: %s", maybeAllow[0].Index, openChecks(maybeAllow)[0].Reason)
	default:
		v.Decision = Refused
		v.Reason = "refused: " + firstFailure(v.Statements)
	}
	v.Allowed = v.Decision == Allowed
	return v
}

func openChecks(rs []StatementResult) []Check {
	var out []Check
	for _, r := range rs {
		for _, ch := range r.Checks {
			if ch.Undetermined {
				out = append(out, ch)
			}
		}
	}
	return out
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
			if !ch.Pass && !ch.Undetermined {
				return fmt.Sprintf("statement %d: %s", r.Index, ch.Reason)
			}
		}
	}
	return "no Allow statement in the policy"
}

func evaluateStatement(i int, st Statement, version string, r Request) StatementResult {
	res := StatementResult{Index: i, Sid: st.Sid, Effect: st.Effect, Applies: true}
	switch {
	case st.Effect != "Allow" && st.Effect != "Deny":
		res.Applies, res.Why = false, fmt.Sprintf("Effect %q is neither Allow nor Deny", st.Effect)
	case !actionFits(st.Action):
		res.Applies, res.Why = false, fmt.Sprintf("Action %v does not include %s", []string(st.Action), Action)
	case !principalFits(st.Principal.Federated, r.Issuer) && otherPrincipal(st.Principal) != "":
		// IAM documents no rule for whether an AWS wildcard or a Service
		// principal covers the caller of AssumeRoleWithWebIdentity, so the
		// statement may apply ("Principal": "*" is read as {"AWS": "*"}). A
		// named account, user or role is an IAM identity, which a
		// web-identity caller is not.
		res.Checks = append(res.Checks, undetermined(Check{Operator: "Principal", Key: otherPrincipal(st.Principal)},
			fmt.Sprintf("Principal %s: IAM does not document whether it covers a web-identity caller", otherPrincipal(st.Principal)),
			"whether IAM counts a web-identity caller as an AWS or Service principal"))
	case !principalFits(st.Principal.Federated, r.Issuer):
		res.Applies, res.Why = false, fmt.Sprintf("Federated principal %v is not the provider for issuer %s",
			[]string(st.Principal.Federated), r.Issuer)
	}
	for _, op := range sortedOperators(st.Condition) {
		keys := st.Condition.Keys(op)
		for _, key := range keys {
			ch := evaluateCheck(op, key, st.Condition[op][key], version, r)
			if n := countFold(keys, key); n > 1 {
				ch = undetermined(ch, fmt.Sprintf("%s names %s %d times in different case; IAM does not document which one counts (R17)", op, key, n),
					"how IAM resolves a key given twice in one operator")
			}
			res.Checks = append(res.Checks, ch)
		}
	}
	failed, open := false, false
	for _, ch := range res.Checks {
		failed = failed || (!ch.Pass && !ch.Undetermined)
		open = open || ch.Undetermined
	}
	res.Matches = res.Applies && !failed && !open
	res.Undetermined = res.Applies && !failed && open
	return res
}

// otherPrincipal spells the principals of p that may cover a web-identity
// caller although they are not its provider: AWS principals with a wildcard,
// and Service principals, as "AWS:*, Service:x"; "" when there are none.
func otherPrincipal(p Principal) string {
	var parts []string
	for _, a := range p.AWS {
		if strings.ContainsAny(a, "*?") {
			parts = append(parts, "AWS:"+a)
		}
	}
	for _, s := range p.Service {
		parts = append(parts, "Service:"+s)
	}
	return strings.Join(parts, ", ")
}

func countFold(keys []string, key string) int {
	n := 0
	for _, k := range keys {
		if strings.EqualFold(k, key) {
			n++
		}
	}
	return n
}

// actionFits reports whether the statement's actions cover
// sts:AssumeRoleWithWebIdentity. Action names are case-insensitive, and may
// use wildcards.
func actionFits(actions []string) bool {
	for _, a := range actions {
		if Like(strings.ToLower(a), strings.ToLower(Action)) {
			return true
		}
	}
	return false
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

// principalFits reports whether one of the federated principals is the IAM
// OIDC provider whose URL is exactly issuer: its ARN ends in
// ":oidc-provider/<host/path>".
func principalFits(federated []string, issuer string) bool {
	key, ok := issuerKey(issuer)
	if !ok {
		return false
	}
	for _, f := range federated {
		if strings.HasPrefix(f, "arn:") && strings.HasSuffix(f, ":oidc-provider/"+key) {
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

// tri is a three-valued truth: Kleene's logic, where unknown stands for a
// value that depends on the request.
type tri int8

const (
	no tri = iota
	yes
	unknown
)

func triOf(b bool) tri {
	if b {
		return yes
	}
	return no
}

func (t tri) not() tri {
	switch t {
	case yes:
		return no
	case no:
		return yes
	}
	return unknown
}

// operator is a parsed condition operator name.
type operator struct {
	name      string
	qualifier string // "", "ForAllValues" or "ForAnyValue"
	base      string // without qualifier and IfExists
	ifExists  bool
	negated   bool
	// match compares one context value with one policy value, already
	// substituted; nil for Null and for operators not modelled.
	match func(value string, pattern []patternRune) tri
	// variables is true for the operators that take policy variables (R13).
	variables bool
	// unmodelled, when not empty, says why the operator is not evaluated.
	unmodelled string
}

// operators lists every operator IAM documents, by base name.
var operators = map[string]struct {
	negated   bool
	variables bool
	match     func(value string, pattern []patternRune) tri
}{
	"StringEquals":              {false, true, stringEquals},
	"StringNotEquals":           {true, true, stringEquals},
	"StringEqualsIgnoreCase":    {false, true, stringEqualsFold},
	"StringNotEqualsIgnoreCase": {true, true, stringEqualsFold},
	"StringLike":                {false, true, stringLike},
	"StringNotLike":             {true, true, stringLike},
	"ArnEquals":                 {false, true, arnLike},
	"ArnNotEquals":              {true, true, arnLike},
	"ArnLike":                   {false, true, arnLike},
	"ArnNotLike":                {true, true, arnLike},
	"Bool":                      {false, false, boolEquals},
	"Null":                      {false, false, nil},
	"NumericEquals":             {false, false, numeric(func(a, b float64) bool { return a == b })},
	"NumericNotEquals":          {true, false, numeric(func(a, b float64) bool { return a == b })},
	"NumericLessThan":           {false, false, numeric(func(a, b float64) bool { return a < b })},
	"NumericLessThanEquals":     {false, false, numeric(func(a, b float64) bool { return a <= b })},
	"NumericGreaterThan":        {false, false, numeric(func(a, b float64) bool { return a > b })},
	"NumericGreaterThanEquals":  {false, false, numeric(func(a, b float64) bool { return a >= b })},
	"IpAddress":                 {false, false, ipAddress},
	"NotIpAddress":              {true, false, ipAddress},
	"DateEquals":                {false, false, nil},
	"DateNotEquals":             {true, false, nil},
	"DateLessThan":              {false, false, nil},
	"DateLessThanEquals":        {false, false, nil},
	"DateGreaterThan":           {false, false, nil},
	"DateGreaterThanEquals":     {false, false, nil},
	"BinaryEquals":              {false, false, nil},
}

// parseOperator splits "ForAnyValue:StringLikeIfExists" into its parts.
// Operator names are matched exactly: IAM does not document them as
// case-insensitive.
func parseOperator(name string) operator {
	op := operator{name: name, base: name}
	if q, rest, ok := strings.Cut(name, ":"); ok {
		op.qualifier, op.base = q, rest
		if q != "ForAllValues" && q != "ForAnyValue" {
			op.unmodelled = fmt.Sprintf("%q is not a set operator; IAM knows ForAllValues and ForAnyValue", q)
			return op
		}
	}
	if b, ok := strings.CutSuffix(op.base, "IfExists"); ok {
		op.base, op.ifExists = b, true
	}
	def, known := operators[op.base]
	switch {
	case !known:
		op.unmodelled = fmt.Sprintf("%s is not a condition operator IAM documents", name)
	case op.base == "Null" && op.ifExists:
		op.unmodelled = "the Null operator cannot take IfExists; IAM refuses NullIfExists"
	case op.base != "Null" && def.match == nil:
		op.unmodelled = fmt.Sprintf("the %s operator is not modelled by this evaluator", op.base)
	}
	op.negated, op.variables, op.match = def.negated, def.variables, def.match
	return op
}

func undetermined(ch Check, reason, dependsOn string) Check {
	ch.Pass, ch.Undetermined, ch.Reason, ch.DependsOn = false, true, reason, dependsOn
	return ch
}

func evaluateCheck(opName, key string, want []string, version string, r Request) Check {
	ch := Check{Operator: opName, Key: key, Want: want}
	op := parseOperator(opName)
	if op.unmodelled != "" {
		return undetermined(ch, op.unmodelled, "an operator this evaluator does not model")
	}
	if len(want) == 0 {
		return undetermined(ch, fmt.Sprintf("%s %s has an empty value list; AWS documents contradictory outcomes for that", opName, key),
			"how IAM treats an empty value list")
	}
	val := r.Lookup(key)
	if val.DependsOn != "" {
		if val.Present {
			if pass, ok := anyValue(op, want); ok {
				ch.Pass = pass
				ch.Reason = fmt.Sprintf("%s is always in the request, and %s %s holds for every value: %t", key, opName, quoteList(want), pass)
				return ch
			}
		}
		return undetermined(ch, fmt.Sprintf("%s depends on %s", key, val.DependsOn), val.DependsOn)
	}
	missing := !val.Present || len(val.Values) == 0
	if !missing {
		ch.Got = val.Values
	}
	name := shortKey(key)

	if op.base == "Null" {
		return nullCheck(ch, op, name, missing)
	}
	if missing {
		// R4-R8: a missing key fails positive operators and passes negated
		// ones; IfExists and ForAllValues pass, ForAnyValue fails.
		switch {
		case op.ifExists:
			ch.Pass, ch.Reason = true, fmt.Sprintf("the token has no value for %s, and %s holds then", name, opName)
		case op.qualifier == "ForAllValues":
			ch.Pass, ch.Reason = true, fmt.Sprintf("the token has no value for %s, and ForAllValues holds for an empty set", name)
		case op.qualifier == "ForAnyValue":
			ch.Reason = fmt.Sprintf("the token has no value for %s, and ForAnyValue fails for an empty set", name)
		case op.negated:
			ch.Pass, ch.Reason = true, fmt.Sprintf("the token has no value for %s, and a negated operator holds then", name)
		default:
			ch.Reason = fmt.Sprintf("the token has no value for %s", name)
		}
		return ch
	}
	if op.qualifier == "" && len(val.Values) > 1 {
		return undetermined(ch, fmt.Sprintf("%s has %d values, and IAM does not document how %s without ForAnyValue or ForAllValues treats several (R9)",
			name, len(val.Values), opName), "how IAM applies a single-value operator to several values")
	}

	patterns := make([][]patternRune, 0, len(want))
	for _, w := range want {
		p, res, why := expand(w, op.variables && version == PolicyVersion, r)
		switch res {
		case unknown:
			return undetermined(ch, fmt.Sprintf("policy value %q: %s", w, why), why)
		case no:
			// An unresolved variable: "There is no equal or like value".
			patterns = append(patterns, nil)
		default:
			patterns = append(patterns, p)
		}
	}

	// one decides one context value: some pattern matches (positive), or none
	// does (negated, a NOR: R3).
	one := func(v string) tri {
		hit := no
		for _, p := range patterns {
			if p == nil {
				continue
			}
			switch op.match(v, p) {
			case yes:
				hit = yes
			case unknown:
				if hit == no {
					hit = unknown
				}
			}
		}
		if op.negated {
			return hit.not()
		}
		return hit
	}
	var result tri
	var witness string
	switch op.qualifier {
	case "ForAllValues":
		result = yes
		for _, v := range val.Values {
			if t := one(v); t != yes && result != no {
				result, witness = t, v
			}
		}
	case "ForAnyValue":
		result = no
		for _, v := range val.Values {
			if t := one(v); t != no && result != yes {
				result, witness = t, v
			}
		}
	default:
		result, witness = one(val.Values[0]), val.Values[0]
	}
	if result == unknown {
		return undetermined(ch, fmt.Sprintf("a policy value of %s %s cannot be read", opName, key), "a policy value this evaluator cannot read")
	}
	ch.Pass = result == yes
	ch.Reason = describe(op, name, val.Values, witness, want, ch.Pass)
	return ch
}

func nullCheck(ch Check, op operator, name string, missing bool) Check {
	switch op.qualifier {
	case "ForAllValues":
		ch.Pass, ch.Reason = true, "Null with ForAllValues always holds"
		return ch
	case "ForAnyValue":
		ch.Reason = "Null with ForAnyValue never holds"
		return ch
	}
	for _, w := range ch.Want {
		if w != "true" && w != "false" {
			return undetermined(ch, fmt.Sprintf("Null takes true or false, not %q", w), "a policy value this evaluator cannot read")
		}
	}
	for _, w := range ch.Want {
		if (w == "true") == missing {
			ch.Pass = true
		}
	}
	state := "has a value for"
	if missing {
		state = "has no value for"
	}
	if ch.Pass {
		ch.Reason = fmt.Sprintf("the token %s %s, as Null %s requires", state, name, strings.Join(ch.Want, ", "))
	} else {
		ch.Reason = fmt.Sprintf("the token %s %s, but Null %s requires otherwise", state, name, strings.Join(ch.Want, ", "))
	}
	return ch
}

// shortKey returns the claim name of an issuer's key ("sub" for
// "oidc.circleci.com/org/O:sub") and other keys as they are.
func shortKey(key string) string {
	if i := strings.LastIndex(key, ":"); i >= 0 && strings.ContainsAny(key[:i], "./") {
		return key[i+1:]
	}
	return key
}

func describe(op operator, name string, values []string, witness string, want []string, pass bool) string {
	verb, verbs := "match", "matches"
	if strings.Contains(op.base, "Equals") || op.base == "Bool" {
		verb, verbs = "equal", "equals"
	}
	if strings.Contains(op.base, "IpAddress") {
		verb, verbs = "fall in", "falls in"
	}
	// matched says whether the value matched some policy value.
	matched := func(p bool) bool { return p != op.negated }
	switch op.qualifier {
	case "ForAllValues":
		if pass {
			return fmt.Sprintf("every value of %s (%s) passes %s %s", name, quoteAll(values), op.base, quoteList(want))
		}
	case "ForAnyValue":
		if !pass {
			return fmt.Sprintf("no value of %s (%s) passes %s %s", name, quoteAll(values), op.base, quoteList(want))
		}
	}
	// One value decided it: single-valued keys, the failing value of
	// ForAllValues, the passing value of ForAnyValue.
	if matched(pass) {
		return fmt.Sprintf("%s %q %s %s", name, witness, verbs, quoteList(want))
	}
	return fmt.Sprintf("%s %q does not %s %s", name, witness, verb, quoteList(want))
}

func quoteAll(v []string) string {
	q := make([]string, len(v))
	for i, s := range v {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func quoteList(v []string) string {
	if len(v) == 1 {
		return fmt.Sprintf("%q", v[0])
	}
	return "any of " + quoteAll(v)
}
