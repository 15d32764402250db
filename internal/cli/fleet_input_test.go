package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/cli"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/fleet"
)

// writeFile writes content to name under dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// fleetBackend keeps any pulumi command a test reaches on a local file
// backend of its own.
func fleetBackend(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("PULUMI_BACKEND_URL", "file://"+dir)
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", "test")
	t.Setenv("PULUMI_SKIP_UPDATE_CHECK", "true")
}

// Issue 22 item 6: every usage mistake exits 3 before any AWS call, counted
// at a loopback AWS.
func TestFleetUsageErrorsCallNoAWS(t *testing.T) {
	dir := t.TempDir()
	noTargets := writeFile(t, dir, "none.yaml", "version: 1\n")
	badTarget := writeFile(t, dir, "bad-target.yaml", "version: 1\ntargets: {accounts: [\"123\"]}\n")
	badArn := writeFile(t, dir, "bad-arn.yaml", "version: 1\ntargets: {accounts: [\"111111111111\"]}\n"+
		"accounts: {\"111111111111\": {assumeRoleArn: \"not an arn\"}}\n")
	otherAccountArn := writeFile(t, dir, "other-arn.yaml", "version: 1\ntargets: {accounts: [\"111111111111\"]}\n"+
		"accounts: {\"111111111111\": {assumeRoleArn: \"arn:aws:iam::222222222222:role/Deployer\"}}\n")
	badRegion := writeFile(t, dir, "bad-region.yaml", "version: 1\nregion: Europe\ntargets: {org: true}\n")
	badRole := writeFile(t, dir, "bad-role.yaml", "version: 1\nassumeRoleName: \"a b\"\ntargets: {org: true}\n")
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"--accounts 123", []string{"--accounts", "123"}, `--accounts: entry 1 "123" is not a 12-digit AWS account ID`},
		{"bad targets.accounts", []string{"--config", badTarget}, `entry 1 "123" is not a 12-digit AWS account ID`},
		{"no accounts targeted", []string{"--config", noTargets}, "no accounts targeted"},
		{"--ou prod", []string{"--ou", "prod"}, `--ou "prod" is neither an OU path, such as /prod/eu, nor an OU ID`},
		{"--ou with a bad ID", []string{"--ou", "ou-PROD"}, `--ou "ou-PROD" is neither an OU path`},
		{"--region", []string{"--accounts", "111111111111", "--region", "not a region"}, `--region "not a region" is not an AWS region`},
		{"fleet.yaml region", []string{"--config", badRegion}, `region "Europe" is not an AWS region`},
		{"--role-name", []string{"--accounts", "111111111111", "--role-name", "../x y"}, `--role-name "../x y" is not an IAM role name`},
		{"fleet.yaml assumeRoleName", []string{"--config", badRole}, `assumeRoleName "a b" is not an IAM role name`},
		{"assumeRoleArn", []string{"--config", badArn}, `accounts.111111111111.assumeRoleArn "not an arn" is not an IAM role ARN`},
		{"assumeRoleArn of another account", []string{"--config", otherAccountArn},
			`accounts.111111111111.assumeRoleArn "arn:aws:iam::222222222222:role/Deployer" is a role of account 222222222222`},
	}
	for _, tt := range tests {
		for _, mode := range []string{"plan", "up"} {
			t.Run(mode+" "+tt.name, func(t *testing.T) {
				aws := startFakeAWS(t, &fakeAWS{})
				r := run(t, cli.Env{}, append([]string{"fleet", mode, "--work-dir", t.TempDir()}, tt.args...)...)
				assert.Equal(t, fleet.ExitUsage, r.code, r.stdout+r.stderr)
				assert.Contains(t, r.stderr, tt.wantErr)
				assert.Empty(t, aws.Calls(), "AWS calls before the usage error: %s", opsOf(aws.Calls()))
			})
		}
	}
}

// Issue 22 item 2: two accounts whose context names render alike are refused
// before anything is written, naming both.
func TestFleetPublishRefusesCollidingContextNames(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "fleet.yaml", "version: 1\naccounts:\n"+
		"  \"111111111111\": {name: prod}\n  \"222222222222\": {name: prod}\n  \"333333333333\": {name: dev}\n")
	tests := []struct{ template, want string }{
		{"aws-{{.Name}}", `accounts 111111111111 and 222222222222 both publish to context "aws-prod"`},
		{"aws-{{.OU}}", `accounts 111111111111 and 222222222222 both publish to context "aws-"`},
		{"aws-{{if false}}{{.ID}}{{end}}prod", `accounts 111111111111 and 222222222222 both publish to context "aws-prod"`},
	}
	for _, tt := range tests {
		t.Run(tt.template, func(t *testing.T) {
			startFakeAWS(t, &fakeAWS{})
			fleetBackend(t)
			r := run(t, cli.Env{}, "fleet", "publish", "--config", cfg, "--accounts", "111111111111,222222222222,333333333333",
				"--context", tt.template, "--dry-run", "--work-dir", t.TempDir())
			assert.Equal(t, fleet.ExitUsage, r.code, r.stdout+r.stderr)
			assert.Contains(t, r.stderr, tt.want)
			assert.NotContains(t, r.stderr, "fleet: 1/", "no account ran")
		})
	}
	t.Run("control characters", func(t *testing.T) {
		startFakeAWS(t, &fakeAWS{})
		evil := writeFile(t, dir, "evil.yaml", "version: 1\naccounts: {\"444444444444\": {name: \"x\\e[2J\"}}\n")
		r := run(t, cli.Env{}, "fleet", "publish", "--config", evil, "--accounts", "444444444444",
			"--context", "aws-{{.Name}}", "--dry-run", "--work-dir", t.TempDir())
		assert.Equal(t, fleet.ExitUsage, r.code, r.stdout+r.stderr)
		assert.Contains(t, r.stderr, `--context renders the context name "aws-x\x1b[2J" for account 444444444444, which holds control characters`)
	})
}

// Issue 22 item 3: an account ID from Organizations that is not 12 digits is
// refused before it names any path; fleet ls used to truncate a file outside
// its work directory.
func TestFleetRefusesAccountIDsFromOrganizationsThatAreNotIDs(t *testing.T) {
	// The log of stack acct-<id> is <work>/logs/acct-<id>.log: with these
	// IDs, <work>/../pwned/x.log and <work>/../pwned.log.
	root := filepath.Join(t.TempDir(), "a")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "pwned"), 0o755))
	victim := writeFile(t, root, "pwned.log", "precious")
	victim2 := writeFile(t, filepath.Join(root, "pwned"), "x.log", "precious")
	work := filepath.Join(root, "work")
	startFakeAWS(t, &fakeAWS{accounts: []fakeAccount{
		{ID: "111111111111", Name: "fine", State: "ACTIVE"},
		{ID: "../../../../pwned/x", Name: "evil", State: "ACTIVE"},
		{ID: "../../../../pwned", Name: "evil2", State: "ACTIVE"},
	}})
	fleetBackend(t)
	r := run(t, cli.Env{}, "fleet", "ls", "--org", "--work-dir", work)
	assert.NotEqual(t, 0, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stderr, `organizations:ListAccounts returned the account ID "../../../../pwned/x", which is not 12 digits`)
	for _, v := range []string{victim, victim2} {
		b, err := os.ReadFile(v)
		require.NoError(t, err)
		assert.Equal(t, "precious", string(b), v)
	}
	var outside []string // what is under root, outside the work directory
	require.NoError(t, filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if p == work {
			return filepath.SkipDir
		}
		outside = append(outside, p)
		return err
	}))
	assert.ElementsMatch(t, []string{root, filepath.Dir(victim2), victim, victim2}, outside)
}

// Issue 22 item 4: an OU whose name holds "/" made --ou /prod/eu pick
// different accounts on different runs. It is refused, with the same message
// every time.
func TestFleetRefusesOUNamesWithASlash(t *testing.T) {
	var first string
	for i := range 8 {
		startFakeAWS(t, &fakeAWS{
			accounts: []fakeAccount{{ID: "200000000001", Name: "real-eu", State: "ACTIVE"},
				{ID: "300000000001", Name: "slash-eu", State: "ACTIVE"}},
			parent:  map[string]string{"ou-ab12-prod0001": "r-root", "ou-ab12-eu000001": "ou-ab12-prod0001", "ou-ab12-slash001": "r-root", "200000000001": "ou-ab12-eu000001", "300000000001": "ou-ab12-slash001"},
			ouNames: map[string]string{"ou-ab12-prod0001": "prod", "ou-ab12-eu000001": "eu", "ou-ab12-slash001": "prod/eu"},
		})
		r := run(t, cli.Env{}, "fleet", "plan", "--ou", "/prod/eu", "--work-dir", t.TempDir())
		require.NotEqual(t, 0, r.code, r.stdout+r.stderr)
		assert.Contains(t, r.stderr, `OU ou-ab12-slash001 is named "prod/eu"`)
		if i == 0 {
			first = r.stderr
		}
		assert.Equal(t, first, r.stderr, "run %d", i+1)
	}
}

// Issue 22 item 4: account and OU names reach the terminal escaped.
func TestFleetEscapesNamesInTheTable(t *testing.T) {
	startFakeAWS(t, &fakeAWS{
		accounts: []fakeAccount{{ID: "200000000001", Name: "evil\x1b[2J\nname", State: "SUSPENDED"}},
		parent:   map[string]string{"200000000001": "ou-ab12-evil0001", "ou-ab12-evil0001": "r-root"},
		ouNames:  map[string]string{"ou-ab12-evil0001": "ou\x1b]0;title\x07"},
	})
	fleetBackend(t)
	r := run(t, cli.Env{}, "fleet", "ls", "--org", "--work-dir", t.TempDir())
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.NotContains(t, r.stdout+r.stderr, "\x1b")
	assert.NotContains(t, r.stdout+r.stderr, "\x07")
	assert.Contains(t, r.stdout, `evil\x1b[2J\nname`)
	assert.Contains(t, r.stdout, `/ou\x1b]0;title\a`)
}

// Issue 22 item 5: fleet's input files are bounded as doctor's --policy is:
// /dev/zero and FIFOs are refused before they are read, and an oversized file
// after a bounded read. Each within the watchdog and under 100 MB allocated.
func TestFleetBoundsItsInputFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	bigYAML := writeFile(t, dir, "big.yaml", "version: 1\n"+strings.Repeat("#", int(fleet.MaxFileBytes)))
	bigReport := writeFile(t, dir, "big.json", `{"version":1,"rows":[]}`+strings.Repeat(" ", int(fleet.MaxReportBytes)))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"plan --config /dev/zero", []string{"fleet", "plan", "--config", "/dev/zero"}, "--config: /dev/zero is not a regular file (a character device)"},
		{"plan --config FIFO", []string{"fleet", "plan", "--config", fifo}, "is not a regular file (a named pipe)"},
		{"plan --config too big", []string{"fleet", "plan", "--config", bigYAML}, "holds more than"},
		{"up --resume /dev/zero", []string{"fleet", "up", "--resume", "/dev/zero"}, "--resume: /dev/zero is not a regular file (a character device)"},
		{"up --resume FIFO", []string{"fleet", "up", "--resume", fifo}, "is not a regular file (a named pipe)"},
		{"up --resume too big", []string{"fleet", "up", "--resume", bigReport}, "holds more than"},
		{"report merge /dev/zero", []string{"fleet", "report", "merge", "/dev/zero"}, "/dev/zero is not a regular file (a character device)"},
		{"report merge FIFO", []string{"fleet", "report", "merge", fifo}, "is not a regular file (a named pipe)"},
		{"report merge too big", []string{"fleet", "report", "merge", bigReport}, "holds more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			aws := startFakeAWS(t, &fakeAWS{})
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			done := make(chan result, 1)
			start := time.Now()
			go func() { done <- run(t, cli.Env{}, tt.args...) }()
			select {
			case r := <-done:
				runtime.ReadMemStats(&after)
				assert.Equal(t, fleet.ExitUsage, r.code, r.stdout+r.stderr)
				assert.Contains(t, r.stderr, tt.want)
				assert.Empty(t, aws.Calls())
				assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(100<<20), "bytes allocated")
				t.Logf("%s: %v, %d KB allocated", tt.name, time.Since(start), (after.TotalAlloc-before.TotalAlloc)>>10)
			case <-time.After(30 * time.Second): // a hang, not a speed budget: the old code never returned
				t.Fatalf("%s still runs after 30 s", tt.name)
			}
		})
	}
}

// report writes a fleet report with these targets and rows.
func writeReport(t *testing.T, dir, name string, targets any, rows ...map[string]any) string {
	t.Helper()
	doc := map[string]any{"version": 1, "command": "fleet up", "rows": rows}
	if targets != nil {
		doc["targets"] = targets
	}
	b, err := json.Marshal(doc)
	require.NoError(t, err)
	return writeFile(t, dir, name, string(b))
}

func row(account, result string) map[string]any {
	return map[string]any{"account": account, "result": result}
}

// Issue 22 item 7: reports are checked when they are read.
func TestFleetRefusesMalformedReports(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		rows []map[string]any
		want string
	}{
		{"two rows, failure last", []map[string]any{row("111111111111", "ok"), row("111111111111", "unreachable")},
			"account 111111111111 has 2 rows"},
		{"two rows, failure first", []map[string]any{row("111111111111", "unreachable"), row("111111111111", "ok")},
			"account 111111111111 has 2 rows"},
		{"unknown result", []map[string]any{row("111111111111", "catastrophe")},
			`row 1: account 111111111111 has the unknown result "catastrophe"`},
		{"malformed account", []map[string]any{row("11\x1b[2J", "ok")},
			`row 1: "11\x1b[2J" is not a 12-digit AWS account ID`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			aws := startFakeAWS(t, &fakeAWS{})
			p := writeReport(t, dir, "r.json", nil, tt.rows...)
			for _, args := range [][]string{{"fleet", "report", "merge", p}, {"fleet", "up", "--accounts", "111111111111", "--resume", p}} {
				r := run(t, cli.Env{}, args...)
				assert.Equal(t, fleet.ExitUsage, r.code, r.stdout+r.stderr)
				assert.Contains(t, r.stderr, tt.want)
				assert.NotContains(t, r.stdout+r.stderr, "\x1b")
			}
			assert.Empty(t, aws.Calls())
		})
	}
}

// Issue 22 item 7: --only names results; one that is none is refused.
func TestFleetOnlyRefusesUnknownResults(t *testing.T) {
	aws := startFakeAWS(t, &fakeAWS{})
	p := writeReport(t, t.TempDir(), "r.json", map[string]any{"accounts": []string{"111111111111"}}, row("111111111111", "unreachable"))
	r := run(t, cli.Env{}, "fleet", "up", "--resume", p, "--only", "bogus")
	assert.Equal(t, fleet.ExitUsage, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stderr, `--only "bogus" is not a result; give failed, or results such as`)
	assert.Empty(t, aws.Calls())
}

// Issue 22 item 7: --resume runs the first run's targets, kept in its report,
// and refuses other targets or rows outside them.
func TestFleetResumeRemembersTheTargets(t *testing.T) {
	dir := t.TempDir()
	targets := map[string]any{"accounts": []string{"111111111111", "222222222222"}}
	done := writeReport(t, dir, "done.json", targets, row("111111111111", "ok"), row("222222222222", "skipped"))
	t.Run("no targets given", func(t *testing.T) {
		startFakeAWS(t, &fakeAWS{})
		fleetBackend(t)
		r := run(t, cli.Env{}, "fleet", "up", "--resume", done, "--json", "--work-dir", t.TempDir())
		require.Equal(t, 0, r.code, r.stdout+r.stderr)
		var got struct {
			Targets struct{ Accounts []string }
			Rows    []fleet.Row
		}
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
		assert.Equal(t, []string{"111111111111", "222222222222"}, got.Targets.Accounts, "the resumed report keeps the targets")
		require.Len(t, got.Rows, 2)
		assert.Equal(t, fleet.ResultOK, got.Rows[0].Result)
		assert.Contains(t, r.stderr, "no account of "+done+" has a result --only selects (failed)")
	})
	t.Run("the same targets again", func(t *testing.T) {
		startFakeAWS(t, &fakeAWS{})
		fleetBackend(t)
		r := run(t, cli.Env{}, "fleet", "up", "--resume", done, "--accounts", "222222222222,111111111111", "--work-dir", t.TempDir())
		assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	})
	t.Run("other targets", func(t *testing.T) {
		aws := startFakeAWS(t, &fakeAWS{})
		r := run(t, cli.Env{}, "fleet", "up", "--resume", done, "--accounts", "111111111111")
		assert.Equal(t, fleet.ExitUsage, r.code, r.stdout+r.stderr)
		assert.Contains(t, r.stderr, "--resume: "+done+" comes from a run that targeted --accounts 111111111111,222222222222; "+
			"drop --accounts, --org and --ou to resume it, or start a new run without --resume")
		assert.Empty(t, aws.Calls())
	})
	t.Run("rows outside the targets", func(t *testing.T) {
		startFakeAWS(t, &fakeAWS{})
		p := writeReport(t, dir, "outside.json", targets, row("111111111111", "ok"), row("333333333333", "unreachable"))
		r := run(t, cli.Env{}, "fleet", "up", "--resume", p, "--work-dir", t.TempDir())
		assert.Equal(t, fleet.ExitUsage, r.code, r.stdout+r.stderr)
		assert.Contains(t, r.stderr, "--resume: "+p+" has a row for account 333333333333, which the targets do not include")
	})
	t.Run("an older report without targets needs them", func(t *testing.T) {
		startFakeAWS(t, &fakeAWS{})
		fleetBackend(t)
		p := writeReport(t, dir, "old.json", nil, row("111111111111", "ok"), row("333333333333", "unreachable"))
		r := run(t, cli.Env{}, "fleet", "up", "--resume", p, "--accounts", "111111111111", "--work-dir", t.TempDir())
		assert.Equal(t, fleet.ExitUsage, r.code, r.stdout+r.stderr)
		assert.Contains(t, r.stderr, "--resume: "+p+" has a row for account 333333333333, which the targets do not include")
	})
}

// A value echoed in an error, here yaml's own "cannot unmarshal !!str" message,
// reaches the terminal with its control characters escaped: every error line
// the command line prints goes through fleet.Printable, and keeps its line
// breaks.
func TestErrorsReachTheTerminalEscaped(t *testing.T) {
	dir := t.TempDir()
	evil := writeFile(t, dir, "evil.yaml", "version: \"1\\e[2J\\u202e\"\naccounts: {\"111111111111\": {}}\n")
	startFakeAWS(t, &fakeAWS{})
	r := run(t, cli.Env{}, "fleet", "plan", "--config", evil, "--work-dir", t.TempDir())
	assert.Equal(t, fleet.ExitUsage, r.code, r.stdout+r.stderr)
	assert.NotContains(t, r.stderr, "\x1b", "a raw ESC reached the terminal")
	assert.NotContains(t, r.stderr, "\u202e", "a raw bidi control reached the terminal")
	assert.Contains(t, r.stderr, `\x1b[2J`)
	assert.Contains(t, r.stderr, "\nRun 'circleci-oidc fleet --help' for usage.\n", "line breaks stay")
}
