// Package orbpack packs a CircleCI orb written in the orb development kit's
// layout (src/@orb.yml, src/commands, src/jobs, src/executors, src/examples,
// src/scripts) into one orb.yml, as `circleci orb pack` does, checks that the
// packed orb holds together, and publishes it through CircleCI's GraphQL API,
// as `circleci orb publish` does. The circleci CLI itself is not needed.
package orbpack

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// VersionPlaceholder stands, in the orb's sources, for the release's version:
// the install command's default version and the examples' orb reference.
// Pack replaces it everywhere.
const VersionPlaceholder = "@@ORB_VERSION@@"

// Sections are the folders of the source that become top-level maps of the
// packed orb, one key per YAML file.
var Sections = []string{"commands", "executors", "jobs", "examples"}

// includeRE is circleci-cli's include directive (process.MaybeIncludeFile):
// the whole value must be one <<include(path)>>, path relative to the source.
var includeRE = regexp.MustCompile(`<<[\s]*include\(([-\w\/\.]+)\)?[\s]*>>`)

// Pack reads the orb source in src and returns the packed orb.yml, with
// every <<include(file)>> replaced by the file (its "<<" escaped as "\<<", as
// circleci-cli does, so that CircleCI does not read a script's text as a
// parameter) and VersionPlaceholder by version.
func Pack(src, version string) ([]byte, error) {
	if version == "" {
		return nil, fmt.Errorf("orbpack: no version to pack the orb at")
	}
	rootFile := filepath.Join(src, "@orb.yml")
	raw, err := os.ReadFile(rootFile)
	if err != nil {
		return nil, fmt.Errorf("orbpack: %s: @orb.yml file not found, is %s the orb's source root?", rootFile, src)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, fmt.Errorf("orbpack: %s: %w", rootFile, err)
	}
	if len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("orbpack: %s is not a YAML map", rootFile)
	}
	doc := root.Content[0]
	for _, section := range Sections {
		files, err := filepath.Glob(filepath.Join(src, section, "*.yml"))
		if err != nil {
			return nil, err
		}
		more, _ := filepath.Glob(filepath.Join(src, section, "*.yaml"))
		files = append(files, more...)
		if len(files) == 0 {
			continue
		}
		if mappingValue(doc, section) != nil {
			return nil, fmt.Errorf("orbpack: %s is both a key of @orb.yml and a folder of %s", section, src)
		}
		sort.Strings(files)
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, f := range files {
			name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(f), ".yml"), ".yaml")
			if mappingValue(m, name) != nil {
				return nil, fmt.Errorf("orbpack: %s/%s is defined twice", section, name)
			}
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			var n yaml.Node
			if err := yaml.Unmarshal(b, &n); err != nil {
				return nil, fmt.Errorf("orbpack: %s: %w", f, err)
			}
			if len(n.Content) != 1 {
				return nil, fmt.Errorf("orbpack: %s is empty", f)
			}
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: name}, n.Content[0])
		}
		doc.Content = append(doc.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: section}, m)
	}
	if err := inline(doc, src, version); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// inline replaces include directives and the version placeholder in every
// scalar under n.
func inline(n *yaml.Node, src, version string) error {
	if n.Kind == yaml.ScalarNode {
		matches := includeRE.FindAllStringSubmatch(n.Value, 2)
		switch {
		case len(matches) > 1:
			return fmt.Errorf("orbpack: multiple include statements: '%s'", n.Value)
		case len(matches) == 1 && matches[0][0] != n.Value:
			return fmt.Errorf("orbpack: entire string must be include statement: '%s'", n.Value)
		case len(matches) == 1:
			path := filepath.Join(src, matches[0][1])
			b, err := os.ReadFile(path)
			if err != nil {
				return fmt.Errorf("orbpack: could not open %s for inclusion", path)
			}
			n.Value = strings.ReplaceAll(string(b), "<<", `\<<`)
			n.Style = yaml.LiteralStyle
		}
		n.Value = strings.ReplaceAll(n.Value, VersionPlaceholder, version)
		return nil
	}
	for _, c := range n.Content {
		if err := inline(c, src, version); err != nil {
			return err
		}
	}
	return nil
}

// mappingValue returns the value of key in the map m, or nil.
func mappingValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
