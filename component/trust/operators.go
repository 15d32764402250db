package trust

import (
	"fmt"
	"strings"
)

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
