package trust

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ParseStrict reads a role trust policy for judging, and refuses what Parse
// would read differently from IAM:
//   - a key given twice in one object; for condition keys, twice in any case
//     (Go's decoder keeps the last one, and IAM refuses them: R17);
//   - NotPrincipal, Resource and NotResource, which a role trust policy may not
//     have, and NotAction and a Principal that is not an object, which the
//     evaluator does not model.
//
// It accepts numbers and booleans as condition values, as IAM's grammar does,
// and reads them as their JSON text.
func ParseStrict(s string) (Document, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	tree, err := decodeValue(dec, "policy")
	if err != nil {
		return Document{}, fmt.Errorf("trust: parse policy: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
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
	return Parse(string(norm))
}

func checkStatement(st map[string]any) error {
	for k, v := range st {
		switch k {
		case "Sid", "Effect", "Action":
		case "Principal":
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

// decodeValue reads one JSON value, refusing an object that has the same key
// twice.
func decodeValue(dec *json.Decoder, path string) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		obj := map[string]any{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k := kt.(string)
			if _, dup := obj[k]; dup {
				return nil, fmt.Errorf("%s has the key %q twice; IAM refuses that, and only one would be read", path, k)
			}
			if obj[k], err = decodeValue(dec, path+"."+k); err != nil {
				return nil, err
			}
		}
		_, err := dec.Token()
		return obj, err
	case json.Delim('['):
		var arr []any
		for dec.More() {
			x, err := decodeValue(dec, fmt.Sprintf("%s[%d]", path, len(arr)))
			if err != nil {
				return nil, err
			}
			arr = append(arr, x)
		}
		_, err := dec.Token()
		return arr, err
	}
	return tok, nil
}
