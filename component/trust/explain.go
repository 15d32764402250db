package trust

import (
	"fmt"
	"strings"
)

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
