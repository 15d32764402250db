package fleet

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/inputfile"
)

// ReportVersion is the version of the --json document.
const ReportVersion = 1

// Result is an account's outcome: ok, skipped, orphaned, drift, cancelled,
// planned, or the Class of its failure.
type Result string

// The results that are not failures.
const (
	ResultOK        Result = "ok"
	ResultSkipped   Result = "skipped"
	ResultOrphaned  Result = "orphaned"
	ResultDrift     Result = "drift"
	ResultCancelled Result = "cancelled"
	ResultPlanned   Result = "planned"
)

// Failed reports whether a result is a failure class.
func (r Result) Failed() bool { return slices.Contains(Classes, Class(r)) }

// Counts are the engine's resource operations for one account.
type Counts struct {
	Create int `json:"create"`
	Update int `json:"update"`
	Delete int `json:"delete"`
	Same   int `json:"same"`
}

// Row is one account's line of the report.
type Row struct {
	Account string `json:"account"`
	Name    string `json:"name,omitempty"`
	OU      string `json:"ou,omitempty"`
	Stack   string `json:"stack,omitempty"`
	Result  Result `json:"result"`
	Counts  Counts `json:"counts"`
	RoleArn string `json:"roleArn,omitempty"`
	// Seconds is the account's wall time.
	Seconds float64 `json:"seconds"`
	// Attempts is how many times the update ran (2 after a throttled retry).
	Attempts int    `json:"attempts,omitempty"`
	Note     string `json:"note,omitempty"`
	// Log is the account's log file.
	Log string `json:"log,omitempty"`
	// Config is the account's effective config (plan only).
	Config map[string]any `json:"config,omitempty"`
}

// Report is the --json document, also the input of --resume and of
// `fleet report merge`.
type Report struct {
	Version  int       `json:"version"`
	Command  string    `json:"command"`
	Shard    string    `json:"shard,omitempty"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Targets are what the run targeted, from its flags or fleet.yaml;
	// --resume runs them again.
	Targets *Targets `json:"targets,omitempty"`
	Rows    []Row    `json:"rows"`
}

// Sort orders rows by account ID.
func (r *Report) Sort() {
	sort.SliceStable(r.Rows, func(i, j int) bool { return r.Rows[i].Account < r.Rows[j].Account })
}

// Exit codes of the fleet commands, documented in --help and the README.
const (
	// ExitOK: every account is fine.
	ExitOK = 0
	// ExitFailure: at least one account failed or was cancelled.
	ExitFailure = 1
	// ExitDrift: no failure, but at least one account differs from its stack.
	ExitDrift = 2
	// ExitUsage: a flag, argument or fleet.yaml is wrong; nothing ran.
	ExitUsage = 3
)

// ExitCodesHelp is the exit code list of every fleet command's --help; a
// test keeps the README's list equal to it.
const ExitCodesHelp = `Exit codes:
  0  every account is fine (ok, skipped or orphaned)
  1  at least one account failed or was cancelled; for audit, has a finding at or above --fail-on
  2  no failure, but at least one account drifted from its stack
  3  usage: a flag, an argument or fleet.yaml is wrong; nothing ran`

// ExitCode is the exit code a report's rows call for.
func (r *Report) ExitCode() int {
	code := ExitOK
	for _, row := range r.Rows {
		switch {
		case row.Result.Failed() || row.Result == ResultCancelled || row.Result == ResultFindings:
			return ExitFailure
		case row.Result == ResultDrift:
			code = ExitDrift
		}
	}
	return code
}

// WriteJSON writes the versioned document.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the report for people: one line per account.
func (r *Report) WriteTable(w io.Writer) error {
	var buf strings.Builder
	tw := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tNAME\tOU\tRESULT\t+\t~\t-\t=\tROLE ARN\tTIME\tNOTE")
	for _, row := range r.Rows {
		c := row.Counts
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n", Printable(row.Account), dash(Printable(row.Name)),
			dash(Printable(row.OU)), Printable(string(row.Result)), c.Create, c.Update, c.Delete, c.Same,
			dash(Printable(row.RoleArn)), seconds(row.Seconds), Printable(firstLine(row.Note)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		if _, err := io.WriteString(w, strings.TrimRight(line, " \n")+strings.Repeat("\n", strings.Count(line, "\n"))); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintln(w, r.Summary())
	return err
}

// Summary counts the rows by result, in a stable order.
func (r *Report) Summary() string {
	n := map[Result]int{}
	for _, row := range r.Rows {
		n[row.Result]++
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", n[Result(k)], k)
	}
	return fmt.Sprintf("%d accounts: %s", len(r.Rows), strings.Join(parts, ", "))
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func seconds(s float64) string {
	if s == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fs", s)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// MaxReportBytes is the largest report ReadReport reads: about 50,000
// accounts' rows.
const MaxReportBytes = 32 << 20

// ReadReport reads a --json document, a regular file of at most
// MaxReportBytes, refusing another version and rows that no run writes.
func ReadReport(path string) (*Report, error) {
	raw, err := inputfile.Read(path, MaxReportBytes)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("%s: not a fleet report: %w", path, err)
	}
	if r.Version != ReportVersion {
		return nil, fmt.Errorf("%s: report version %d, but this build reads version %d; re-run with this build's --json",
			path, r.Version, ReportVersion)
	}
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("%s: %w; a fleet report has one row per account, as --json writes it", path, err)
	}
	return &r, nil
}

// check refuses rows that no run writes: an account ID that is not one, a
// result that is none, or a second row for an account, which would make the
// exit code depend on the rows' order.
func (r *Report) check() error {
	first := map[string]int{}
	for i, row := range r.Rows {
		if err := CheckAccountID(row.Account); err != nil {
			return fmt.Errorf("row %d: %w", i+1, err)
		}
		if !row.Result.Known() {
			return fmt.Errorf("row %d: account %s has the unknown result %q; results are %s",
				i+1, row.Account, row.Result, strings.Join(resultNames(), ", "))
		}
		if j, dup := first[row.Account]; dup {
			return fmt.Errorf("account %s has 2 rows, %d and %d", row.Account, j+1, i+1)
		}
		first[row.Account] = i
	}
	if r.Targets != nil {
		t, err := r.Targets.check(false)
		if err != nil {
			return fmt.Errorf("targets: %w", err)
		}
		if t.empty() {
			return fmt.Errorf("targets: none")
		}
	}
	return nil
}

// Known reports whether a result is one a run writes.
func (r Result) Known() bool { return slices.Contains(resultNames(), string(r)) }

// resultNames are every result a run writes, failure classes last.
func resultNames() []string {
	out := []string{string(ResultOK), string(ResultSkipped), string(ResultOrphaned), string(ResultDrift),
		string(ResultCancelled), string(ResultPlanned), string(ResultFindings), string(ResultListed)}
	for _, c := range Classes {
		out = append(out, string(c))
	}
	return out
}

// Merge joins the reports of shards into one. An account in several reports
// (an orphan seen by every shard) keeps its row that is not orphaned or
// skipped, else its first row. Two such rows for one account are refused:
// the shards overlap, and keeping either would make the exit code depend on
// the order of the files.
func Merge(reports ...*Report) (*Report, error) {
	out := &Report{Version: ReportVersion}
	index := map[string]int{}
	from := map[string]int{} // the report an account's kept row comes from
	for i, r := range reports {
		if r.Version != ReportVersion {
			return nil, fmt.Errorf("report %d has version %d, not %d", i+1, r.Version, ReportVersion)
		}
		if out.Command == "" {
			out.Command = r.Command
		}
		if i == 0 {
			out.Targets = r.Targets
		} else if !out.Targets.equal(r.Targets) {
			return nil, fmt.Errorf("reports 1 and %d come from runs with different targets (%s, %s); merge the shards of one run",
				i+1, out.Targets, r.Targets)
		}
		if out.Started.IsZero() || (!r.Started.IsZero() && r.Started.Before(out.Started)) {
			out.Started = r.Started
		}
		if r.Finished.After(out.Finished) {
			out.Finished = r.Finished
		}
		for _, row := range r.Rows {
			j, seen := index[row.Account]
			if !seen {
				index[row.Account], from[row.Account] = len(out.Rows), i
				out.Rows = append(out.Rows, row)
				continue
			}
			weak := func(x Result) bool { return x == ResultOrphaned || x == ResultSkipped }
			switch {
			case !weak(out.Rows[j].Result) && !weak(row.Result):
				return nil, fmt.Errorf("account %s has a row in reports %d and %d (%q, %q): the shards overlap; "+
					"merge each shard of one run once", row.Account, from[row.Account]+1, i+1, out.Rows[j].Result, row.Result)
			case weak(out.Rows[j].Result) && !weak(row.Result):
				out.Rows[j], from[row.Account] = row, i
			}
		}
	}
	out.Sort()
	return out, nil
}

// Select returns the accounts of a report whose result is in only; "failed"
// stands for every failure class and cancelled.
func (r *Report) Select(only []string) map[string]bool {
	out := map[string]bool{}
	for _, row := range r.Rows {
		for _, o := range only {
			if Result(o) == row.Result || (o == "failed" && (row.Result.Failed() || row.Result == ResultCancelled)) {
				out[row.Account] = true
			}
		}
	}
	return out
}

// WriteConfigs writes each planned account's effective config, as plan
// shows it under the table.
func WriteConfigs(w io.Writer, r *Report) error {
	for _, row := range r.Rows {
		if row.Config == nil {
			continue
		}
		b, err := json.Marshal(row.Config)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "%s config: %s\n", row.Account, b); err != nil {
			return err
		}
	}
	return nil
}
