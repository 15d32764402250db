package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteJSON writes the report as indented JSON.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the report for a person: the providers, one row per
// role and finding, with the pattern and the fix under each finding, and a
// summary.
func (r Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "CircleCI OIDC providers: %d\n", len(r.Providers))
	for _, p := range r.Providers {
		fmt.Fprintf(&b, "  %s\n    client IDs: %s\n    trusted by: %s\n", p.ARN, orNone(p.ClientIDs), orNone(p.Roles))
	}
	fmt.Fprintf(&b, "\nRoles that trust them: %d of %d in the account\n", len(r.Roles), r.RolesScanned)
	if len(r.Roles) > 0 {
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  SEVERITY\tROLE\tSTMT\tCHECK")
		for _, role := range r.Roles {
			if len(role.Findings) == 0 {
				fmt.Fprintf(tw, "  ok\t%s\t\t%d characters, no findings\n", role.Name, role.Size)
				continue
			}
			for _, f := range role.Findings {
				stmt := "-"
				if f.Statement != nil {
					stmt = fmt.Sprint(*f.Statement)
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", f.Severity, role.Name, stmt, f.Check)
			}
		}
		tw.Flush()
	}
	if len(r.Findings) > 0 {
		b.WriteString("\nFindings\n")
		for _, f := range r.Findings {
			where := f.Role
			if f.Statement != nil {
				where = fmt.Sprintf("%s, statement %d", f.Role, *f.Statement)
			}
			if where == "" {
				where = f.Provider
			}
			fmt.Fprintf(&b, "  %s %s (%s)\n", strings.ToUpper(f.Severity.String()), f.Check, where)
			fmt.Fprintf(&b, "    pattern  %s\n    problem  %s\n", f.Pattern, f.Problem)
			if f.Example != "" {
				fmt.Fprintf(&b, "    example  sub %s\n", f.Example)
			}
			fmt.Fprintf(&b, "    fix      %s\n", f.Fix)
		}
	}
	fmt.Fprintf(&b, "\n%s\n", r.Summary())
	_, err := io.WriteString(w, b.String())
	return err
}

// Summary counts the findings by severity, in one line.
func (r Report) Summary() string {
	if len(r.Findings) == 0 {
		return "No findings."
	}
	counts := make([]int, Critical+1)
	for _, f := range r.Findings {
		counts[f.Severity]++
	}
	var parts []string
	for s := Critical; s >= Info; s-- {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	noun := "findings"
	if len(r.Findings) == 1 {
		noun = "finding"
	}
	return fmt.Sprintf("%d %s: %s.", len(r.Findings), noun, strings.Join(parts, ", "))
}

func orNone(v []string) string {
	if len(v) == 0 {
		return "(none)"
	}
	return strings.Join(v, ", ")
}
