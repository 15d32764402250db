package trust

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
)

// patternRune is one character of a policy value after variable
// substitution. wild marks a "*" or "?" that the policy wrote itself, which a
// Like operator treats as a wildcard; characters that came from ${*}, ${?} or a
// variable's value are literal (R14).
type patternRune struct {
	r    rune
	wild bool
}

func literal(s string) []patternRune {
	out := make([]patternRune, 0, len(s))
	for _, r := range s {
		out = append(out, patternRune{r: r})
	}
	return out
}

func text(p []patternRune) string {
	var b strings.Builder
	for _, c := range p {
		b.WriteRune(c.r)
	}
	return b.String()
}

// expand substitutes the policy variables in a policy value (R13-R15) when
// variables is true, which needs the operator to take them and the policy to
// be Version 2012-10-17; otherwise "${...}" is literal text. It returns no
// when a variable has no value and no default: the value is then "effectively
// null" and equals nothing. It returns unknown, with the reason, when a
// variable depends on the request or is malformed.
func expand(s string, variables bool, r Request) ([]patternRune, tri, string) {
	var out []patternRune
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		if !variables || rs[i] != '$' || i+1 >= len(rs) || rs[i+1] != '{' {
			out = append(out, patternRune{r: rs[i], wild: rs[i] == '*' || rs[i] == '?'})
			continue
		}
		end := -1
		for j := i + 2; j < len(rs); j++ {
			if rs[j] == '}' {
				end = j
				break
			}
		}
		if end < 0 {
			return nil, unknown, "a policy variable without its closing brace, which IAM refuses"
		}
		inner := string(rs[i+2 : end])
		i = end
		switch inner {
		case "*", "?", "$":
			out = append(out, patternRune{r: rune(inner[0])})
			continue
		case "":
			return nil, unknown, "an empty policy variable, which IAM refuses"
		}
		name, def, hasDef := inner, "", false
		if n, d, ok := strings.Cut(inner, ","); ok {
			d = strings.TrimPrefix(d, " ")
			if len(d) < 2 || d[0] != '\'' || d[len(d)-1] != '\'' {
				return nil, unknown, fmt.Sprintf("policy variable ${%s}: a default value must be in single quotes, which IAM requires", inner)
			}
			name, def, hasDef = n, d[1:len(d)-1], true
		}
		if name == "" || strings.IndexFunc(name, unicode.IsSpace) >= 0 {
			return nil, unknown, fmt.Sprintf("policy variable ${%s} has a space or no name, which IAM refuses", inner)
		}
		v := r.Lookup(name)
		switch {
		case v.DependsOn != "":
			return nil, unknown, fmt.Sprintf("the variable ${%s} depends on %s", name, v.DependsOn)
		case v.Present && len(v.Values) > 1:
			return nil, unknown, fmt.Sprintf("the variable ${%s} has several values; IAM does not allow a multivalued key as a variable", name)
		case v.Present && len(v.Values) == 1:
			out = append(out, literal(v.Values[0])...)
		case hasDef:
			out = append(out, literal(def)...)
		default:
			return nil, no, ""
		}
	}
	return out, yes, ""
}

func stringEquals(v string, p []patternRune) tri { return triOf(text(p) == v) }

func stringEqualsFold(v string, p []patternRune) tri { return triOf(strings.EqualFold(text(p), v)) }

func stringLike(v string, p []patternRune) tri { return triOf(glob(p, []rune(v))) }

// arnLike compares an ARN with an ARN pattern the way ArnLike and ArnEquals
// do: each of the six colon-separated parts on its own, so a wildcard never
// crosses a colon into the next part; the resource part may hold colons.
func arnLike(v string, p []patternRune) tri {
	vs := strings.SplitN(v, ":", 6)
	var ps [][]patternRune
	start := 0
	for i, c := range p {
		if c.r == ':' && len(ps) < 5 {
			ps = append(ps, p[start:i])
			start = i + 1
		}
	}
	ps = append(ps, p[start:])
	if len(vs) != 6 || len(ps) != 6 {
		return no
	}
	for i := range vs {
		if !glob(ps[i], []rune(vs[i])) {
			return no
		}
	}
	return yes
}

func boolEquals(v string, p []patternRune) tri {
	want := text(p)
	if want != "true" && want != "false" {
		return unknown
	}
	return triOf(v == want)
}

func numeric(cmp func(a, b float64) bool) func(string, []patternRune) tri {
	return func(v string, p []patternRune) tri {
		want, err := strconv.ParseFloat(text(p), 64)
		if err != nil {
			return unknown
		}
		got, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return no
		}
		return triOf(cmp(got, want))
	}
}

// ipAddress tests an address against a CIDR block; an address without a
// prefix length is a /32 (or /128).
func ipAddress(v string, p []patternRune) tri {
	s := text(p)
	prefix, err := netip.ParsePrefix(s)
	if err != nil {
		addr, aerr := netip.ParseAddr(s)
		if aerr != nil {
			return unknown
		}
		prefix = netip.PrefixFrom(addr, addr.BitLen())
	}
	addr, err := netip.ParseAddr(v)
	if err != nil {
		return no
	}
	return triOf(prefix.Masked().Contains(addr.Unmap()))
}

// Like reports whether value matches an IAM StringLike pattern: "*" matches
// any run of characters, "/" included, and "?" exactly one character. The
// match is case-sensitive and covers the whole value.
func Like(pattern, value string) bool {
	p := make([]patternRune, 0, len(pattern))
	for _, r := range pattern {
		p = append(p, patternRune{r: r, wild: r == '*' || r == '?'})
	}
	return glob(p, []rune(value))
}

// glob matches the whole of v against p, backtracking over the last "*".
// A wildcard in p is tried as a wildcard first, so a pattern "*" also
// matches a value that itself contains "*".
func glob(p []patternRune, v []rune) bool {
	pi, vi := 0, 0
	star, mark := -1, 0
	for vi < len(v) {
		switch {
		case pi < len(p) && p[pi].wild && p[pi].r == '*':
			star, mark = pi, vi
			pi++
		case pi < len(p) && ((p[pi].wild && p[pi].r == '?') || (!p[pi].wild && p[pi].r == v[vi])):
			pi++
			vi++
		case star >= 0:
			pi = star + 1
			mark++
			vi = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi].wild && p[pi].r == '*' {
		pi++
	}
	return pi == len(p)
}
