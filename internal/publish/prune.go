package publish

import (
	"slices"
	"strings"
)

// stale returns the variables an earlier publish wrote (they have a marker)
// that this plan does not write, sorted.
func (p Plan) stale(existing []string) []string {
	var out []string
	for _, n := range existing {
		name, ok := strings.CutPrefix(n, MarkerPrefix)
		if !ok || name == "" || slices.ContainsFunc(p.Variables, func(v Variable) bool { return v.Name == name }) {
			continue
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// leftWhy explains a stale variable left in place: one an earlier publish
// wrote, or only its marker, when a killed prune deleted the variable.
func leftWhy(names []string, name string) string {
	if slices.Contains(names, name) {
		return "an earlier publish wrote it; --prune deletes it"
	}
	return "only its marker is left, from an interrupted prune; --prune deletes it"
}
