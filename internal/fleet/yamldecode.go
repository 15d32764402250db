package fleet

import (
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// fleet.yaml is decoded with yaml.v3, but not its maps: before it fills a
// map or a struct, yaml.v3 compares every key of the mapping with every
// other to find duplicates (decode.go, (*decoder).mapping), so a 2 MiB
// accounts map took seconds, growing with the square of its size. The types
// below decode their mappings themselves, finding duplicates with a Go map,
// and leave only each value to yaml.v3.

// Config is one level of program configuration: defaults, an OU's or an
// account's. Its keys are the stack program's (Pulumi.yaml).
type Config map[string]any

// UnmarshalYAML implements yaml.Unmarshaler in linear time.
func (c *Config) UnmarshalYAML(n *yaml.Node) error {
	if merges(n) { // a merge key (<<) needs yaml.v3's own mapping code
		var m map[string]any
		if err := n.Decode(&m); err != nil {
			return err
		}
		*c = m
		return nil
	}
	m, err := decodeMapping(n, "a config mapping", func(v *yaml.Node) (any, error) {
		var x any
		err := v.Decode(&x)
		return x, err
	})
	*c = m
	return err
}

// AccountConfigs is the accounts block of fleet.yaml, by account ID.
type AccountConfigs map[string]AccountEntry

// UnmarshalYAML implements yaml.Unmarshaler in linear time.
func (a *AccountConfigs) UnmarshalYAML(n *yaml.Node) error {
	m, err := decodeMapping(n, "the accounts mapping", func(v *yaml.Node) (AccountEntry, error) {
		var e AccountEntry
		err := v.Decode(&e)
		return e, err
	})
	*a = m
	return err
}

// OUConfigs is the ous block of fleet.yaml, by OU path.
type OUConfigs map[string]Config

// UnmarshalYAML implements yaml.Unmarshaler in linear time.
func (o *OUConfigs) UnmarshalYAML(n *yaml.Node) error {
	m, err := decodeMapping(n, "the ous mapping", func(v *yaml.Node) (Config, error) {
		var c Config
		err := v.Decode(&c)
		return c, err
	})
	*o = m
	return err
}

// UnmarshalYAML implements yaml.Unmarshaler: known fields only, as
// yaml.Decoder.KnownFields does, which Node.Decode cannot. Every struct of
// fleet.yaml needs one: Node.Decode checks no field of a nested struct.
func (e *AccountEntry) UnmarshalYAML(n *yaml.Node) error {
	type plain AccountEntry
	return decodeStruct(n, (*plain)(e), "fleet.AccountEntry")
}

// UnmarshalYAML implements yaml.Unmarshaler: known fields only, each once.
func (t *Targets) UnmarshalYAML(n *yaml.Node) error {
	type plain Targets
	return decodeStruct(n, (*plain)(t), "fleet.Targets")
}

// UnmarshalYAML implements yaml.Unmarshaler: known fields only, each once.
func (f *File) UnmarshalYAML(n *yaml.Node) error {
	type plain File
	return decodeStruct(n, (*plain)(f), "fleet.File")
}

// decodeStruct decodes a mapping into a struct after checking, in linear
// time, that each key is one of its yaml fields and appears once; yaml.v3
// then meets a mapping of no more keys than the struct has fields.
func decodeStruct(n *yaml.Node, out any, typ string) error {
	n = unalias(n)
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: cannot unmarshal %s into %s", n.Line, n.ShortTag(), typ)
	}
	known := yamlFields(reflect.TypeOf(out).Elem())
	if merges(n) {
		// yaml.v3 merges and finds duplicates; its values are left as
		// nodes, so that a large merged mapping costs no more than here.
		var keys map[string]yaml.Node
		if err := n.Decode(&keys); err != nil {
			return err
		}
		for k, v := range keys {
			if !known[k] {
				return fmt.Errorf("line %d: field %s not found in type %s", v.Line, Printable(k), typ)
			}
		}
	} else {
		seen := make(map[string]int, len(known))
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := unalias(n.Content[i])
			if !known[k.Value] {
				return fmt.Errorf("line %d: field %s not found in type %s", k.Line, Printable(k.Value), typ)
			}
			if first, dup := seen[k.Value]; dup {
				return fmt.Errorf("line %d: mapping key %q already defined at line %d", k.Line, k.Value, first)
			}
			seen[k.Value] = k.Line
		}
	}
	return n.Decode(out)
}

// decodeMapping decodes a mapping of string keys, value by value, refusing
// a key that appears twice.
func decodeMapping[V any](n *yaml.Node, what string, value func(*yaml.Node) (V, error)) (map[string]V, error) {
	n = unalias(n)
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: cannot unmarshal %s into %s", n.Line, n.ShortTag(), what)
	}
	out := make(map[string]V, len(n.Content)/2)
	lines := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := unalias(n.Content[i])
		if k.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: a key of %s must be a string", k.Line, what)
		}
		if first, dup := lines[k.Value]; dup {
			return nil, fmt.Errorf("line %d: mapping key %q already defined at line %d", k.Line, k.Value, first)
		}
		lines[k.Value] = k.Line
		v, err := value(n.Content[i+1])
		if err != nil {
			return nil, err
		}
		out[k.Value] = v
	}
	return out, nil
}

// merges reports whether a mapping holds a merge key (<<).
func merges(n *yaml.Node) bool {
	n = unalias(n)
	for i := 0; i+1 < len(n.Content) && n.Kind == yaml.MappingNode; i += 2 {
		k := n.Content[i]
		if k.Kind == yaml.ScalarNode && k.Value == "<<" && (k.Tag == "" || k.Tag == "!!merge" || k.Tag == "tag:yaml.org,2002:merge") {
			return true
		}
	}
	return false
}

func unalias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// yamlFields are the keys a struct type takes, from its yaml tags.
func yamlFields(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name == "" {
			name = strings.ToLower(t.Field(i).Name)
		}
		if name != "-" {
			out[name] = true
		}
	}
	return out
}
