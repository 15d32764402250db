package trust

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MaxDepth is the deepest nesting Parse reads. A trust policy nests six
// levels at most: the document, its Statement list, a statement, its
// Condition, an operator, and a key's value list. Deeper input is not a
// policy, and is refused before it costs anything.
const MaxDepth = 8

// Parse reads a role trust policy as IAM does, and refuses what IAM would
// refuse or the evaluator would read differently from IAM:
//   - nesting deeper than MaxDepth;
//   - a key given twice in one object; for condition keys, twice in any case
//     (Go's decoder would keep the last one, and IAM refuses them: R17);
//   - NotPrincipal, Resource and NotResource, which a role trust policy may not
//     have, and NotAction and a Principal other than an object or "*", which
//     the evaluator does not model.
//
// It accepts IAM's lone-value shorthand for any list, numbers and booleans as
// condition values, read as their JSON text, and "Principal": "*", read as
// {"AWS": "*"}, which IAM documents as the same principal. Its cost grows
// linearly with the length of s.
func Parse(s string) (Document, error) {
	d := decoder{dec: json.NewDecoder(strings.NewReader(s))}
	d.dec.UseNumber()
	tree, err := d.value()
	if err != nil {
		return Document{}, fmt.Errorf("trust: parse policy: %w", err)
	}
	if _, err := d.dec.Token(); err != io.EOF {
		return Document{}, errors.New("trust: parse policy: text after the policy document")
	}
	top, ok := tree.(map[string]any)
	if !ok {
		return Document{}, errors.New("trust: parse policy: the policy is not a JSON object")
	}
	for k := range top {
		if k != "Version" && k != "Id" && k != "Statement" {
			return Document{}, fmt.Errorf("trust: parse policy: unknown element %q; a policy has Version, Id and Statement", k)
		}
	}
	stmts, ok := top["Statement"].([]any)
	if !ok && top["Statement"] != nil {
		stmts = []any{top["Statement"]}
	}
	if len(stmts) == 0 {
		return Document{}, errors.New("trust: parse policy: no Statement")
	}
	for i, raw := range stmts {
		st, ok := raw.(map[string]any)
		if !ok {
			return Document{}, fmt.Errorf("trust: parse policy: statement %d is not an object", i)
		}
		if err := checkStatement(st); err != nil {
			return Document{}, fmt.Errorf("trust: parse policy: statement %d: %w", i, err)
		}
	}
	norm, err := json.Marshal(top)
	if err != nil {
		return Document{}, fmt.Errorf("trust: parse policy: %w", err)
	}
	var doc Document
	if err := json.Unmarshal(norm, &doc); err != nil {
		return Document{}, fmt.Errorf("trust: parse policy: %w", err)
	}
	return doc, nil
}

func checkStatement(st map[string]any) error {
	for k, v := range st {
		switch k {
		case "Sid", "Effect", "Action":
		case "Principal":
			if v == "*" {
				// "Principal": "*" and {"AWS": "*"} both name every principal
				// (IAM User Guide, "AWS JSON policy elements: Principal",
				// "All principals").
				st[k] = map[string]any{"AWS": "*"}
				continue
			}
			if _, ok := v.(map[string]any); !ok {
				return fmt.Errorf("Principal %v is not modelled; name the IAM OIDC provider under Principal.Federated", v)
			}
		case "NotPrincipal":
			return errors.New("NotPrincipal is not allowed in a role trust policy (IAM: \"Role trust policies do not support NotPrincipal\")")
		case "Resource", "NotResource":
			return fmt.Errorf("%s is not allowed in a role trust policy: it applies to the role it is attached to", k)
		case "NotAction":
			return errors.New("NotAction is not modelled by this evaluator; use Action")
		case "Condition":
			if err := normaliseConditions(st, v); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unknown element %q", k)
		}
	}
	return nil
}

// normaliseConditions refuses condition keys given twice in any case, and
// turns number and boolean values into strings.
func normaliseConditions(st map[string]any, v any) error {
	ops, ok := v.(map[string]any)
	if !ok {
		return errors.New("the Condition element is not an object")
	}
	for op, raw := range ops {
		keys, ok := raw.(map[string]any)
		if !ok {
			return fmt.Errorf("condition operator %s is not an object of condition keys", op)
		}
		seen := map[string]string{}
		for key, val := range keys {
			if prev, dup := seen[strings.ToLower(key)]; dup {
				return fmt.Errorf("condition operator %s names %q and %q: condition keys are case-insensitive, and IAM refuses a key given twice", op, prev, key)
			}
			seen[strings.ToLower(key)] = key
			list, isList := val.([]any)
			if !isList {
				list = []any{val}
			}
			out := make([]any, len(list))
			for i, x := range list {
				switch x := x.(type) {
				case string:
					out[i] = x
				case json.Number:
					out[i] = x.String()
				case bool:
					out[i] = fmt.Sprint(x)
				default:
					return fmt.Errorf("condition %s %s: want a string, number or boolean, got %v", op, key, x)
				}
			}
			keys[key] = out
		}
	}
	st["Condition"] = ops
	return nil
}

// decoder reads a JSON tree at most MaxDepth deep, refusing an object that
// has the same key twice. It keeps the path to the current value as a stack
// of steps, and spells it out only in an error, so that the cost stays
// linear in the input.
type decoder struct {
	dec  *json.Decoder
	path []step
}

// step is one step of a path: an object key or, when key is empty and
// index is not negative, a list index.
type step struct {
	key   string
	index int
}

// where spells out the current path, as policy.Statement[0].Condition.
func (d *decoder) where() string {
	var b strings.Builder
	b.WriteString("policy")
	for _, s := range d.path {
		if s.index >= 0 {
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		} else {
			b.WriteString("." + s.key)
		}
	}
	return b.String()
}

func (d *decoder) value() (any, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('{') && tok != json.Delim('[') {
		return tok, nil
	}
	if len(d.path) >= MaxDepth {
		return nil, fmt.Errorf("%s nests deeper than %d levels; a trust policy nests at most 6 (Statement, statement, Condition, operator, key, values)",
			d.where(), MaxDepth)
	}
	if tok == json.Delim('{') {
		obj := map[string]any{}
		for d.dec.More() {
			kt, err := d.dec.Token()
			if err != nil {
				return nil, err
			}
			k := kt.(string)
			if _, dup := obj[k]; dup {
				return nil, fmt.Errorf("%s has the key %q twice; IAM refuses that, and only one would be read", d.where(), k)
			}
			d.path = append(d.path, step{key: k, index: -1})
			v, err := d.value()
			d.path = d.path[:len(d.path)-1]
			if err != nil {
				return nil, err
			}
			obj[k] = v
		}
		_, err := d.dec.Token()
		return obj, err
	}
	var arr []any
	for d.dec.More() {
		d.path = append(d.path, step{index: len(arr)})
		x, err := d.value()
		d.path = d.path[:len(d.path)-1]
		if err != nil {
			return nil, err
		}
		arr = append(arr, x)
	}
	_, err = d.dec.Token()
	return arr, err
}

// isJSONObject reports whether b, without surrounding space, is a JSON object.
func isJSONObject(b []byte) bool { return bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) }
