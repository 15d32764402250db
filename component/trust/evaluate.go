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
