package fleet

import (
	"fmt"
	"slices"
	"strings"
)

// A resumed run (--resume REPORT --only ...) re-runs some accounts of an
// earlier run and keeps the other rows of its report. It targets what the
// earlier run targeted, which its report keeps, so that every account gets
// the same OU config and the report's rows stay the targets'.

// Resume makes the options a run resumed from old, read from name: the
// targets of old's run, which flags may repeat but not change, and only the
// accounts whose result only names. A report of an earlier build keeps no
// targets; the flags or fleet.yaml then give them.
func (o *Options) Resume(name string, old *Report, only []string) error {
	for _, sel := range only {
		if sel != "failed" && !Result(sel).Known() {
			return &PlanError{fmt.Errorf("--only %q is not a result; give failed, or results such as %s",
				sel, strings.Join(resultNames(), ", "))}
		}
	}
	if old.Targets != nil {
		given, err := o.flagTargets().check(true)
		if err != nil {
			return &PlanError{err}
		}
		if !given.empty() && !given.equal(old.Targets) {
			return &PlanError{fmt.Errorf("--resume: %s comes from a run that targeted %s; drop --accounts, --org and --ou "+
				"to resume it, or start a new run without --resume", name, old.Targets)}
		}
		o.Accounts, o.Org, o.OUs = strings.Join(old.Targets.Accounts, ","), old.Targets.Org, old.Targets.OUs
	}
	o.Only = old.Select(only)
	return nil
}

// CheckResume refuses to resume old, read from name, when it holds a row
// for an account the run does not target: a report of other targets, or
// edited. Orphaned rows are exempt: they are rows of untargeted accounts.
func (r *Report) CheckResume(name string, targets map[string]bool) error {
	for _, row := range r.Rows {
		if !targets[row.Account] && row.Result != ResultOrphaned {
			return &PlanError{fmt.Errorf("--resume: %s has a row for account %s, which the targets do not include; "+
				"resume with the first run's targets, or start a new run without --resume", name, row.Account)}
		}
	}
	return nil
}

// Resumed is old with the rows of now in place of its own, and now's
// targets. An orphaned row of old whose account is targeted again is
// dropped.
func (r *Report) Resumed(now *Report, targets map[string]bool) *Report {
	rows := map[string]Row{}
	for _, row := range r.Rows {
		if row.Result != ResultOrphaned || !targets[row.Account] {
			rows[row.Account] = row
		}
	}
	for _, row := range now.Rows {
		rows[row.Account] = row
	}
	out := *now
	out.Rows = nil
	for _, row := range rows {
		out.Rows = append(out.Rows, row)
	}
	out.Sort()
	return &out
}

// equal reports whether two targets name the same accounts, OUs and org;
// nil is equal only to nil.
func (t *Targets) equal(u *Targets) bool {
	if t == nil || u == nil {
		return t == u
	}
	sorted := func(s []string) []string { s = slices.Clone(s); slices.Sort(s); return slices.Compact(s) }
	return t.Org == u.Org && slices.Equal(sorted(t.Accounts), sorted(u.Accounts)) && slices.Equal(sorted(t.OUs), sorted(u.OUs))
}

// String writes the targets as the flags that give them.
func (t *Targets) String() string {
	if t == nil {
		return "no recorded targets"
	}
	var parts []string
	if len(t.Accounts) > 0 {
		parts = append(parts, "--accounts "+strings.Join(t.Accounts, ","))
	}
	if t.Org {
		parts = append(parts, "--org")
	}
	for _, ou := range t.OUs {
		parts = append(parts, "--ou "+Printable(ou))
	}
	return strings.Join(parts, " ")
}
