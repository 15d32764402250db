package config

import (
	"fmt"
	"strings"
)

// FieldError is one problem with one input: which input, the bad value and
// the fix.
type FieldError struct {
	// Field names the input, with an index or key where it has one:
	// "projectIds[2]", `inlinePolicies["deploy"]`.
	Field string
	// Value is the offending value; empty when the problem is a missing value.
	Value string
	// Problem says what is wrong and how to fix it.
	Problem string
}

// Error returns `projectIds[2] "abc" is not a UUID; find it under ...`.
func (e *FieldError) Error() string {
	if e.Value == "" {
		return e.Field + " " + e.Problem
	}
	return fmt.Sprintf("%s %q %s", e.Field, e.Value, e.Problem)
}

// Errors is every problem found in one validation, in input order.
type Errors []*FieldError

// Error lists the problems, one a line.
func (es Errors) Error() string {
	if len(es) == 1 {
		return "circleci-oidc: " + es[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "circleci-oidc: %d invalid inputs:", len(es))
	for _, e := range es {
		b.WriteString("\n  - ")
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the problems, for errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// problems collects FieldErrors.
type problems struct{ list Errors }

func (p *problems) add(field, value, format string, args ...any) {
	p.list = append(p.list, &FieldError{Field: field, Value: value, Problem: fmt.Sprintf(format, args...)})
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return p.list
}

func index(field string, i int) string { return fmt.Sprintf("%s[%d]", field, i) }

func key(field, k string) string { return fmt.Sprintf("%s[%q]", field, k) }
