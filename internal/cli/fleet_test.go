package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/cli"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/fleet"
)

// Usage mistakes exit 3, fleet's usage code, before any AWS call.
func TestFleetUsageErrorsExit3(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "fleet.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("version: 1\ndefaults: {projectId: [x]}\n"), 0o644))
	report := filepath.Join(dir, "old.json")
	require.NoError(t, os.WriteFile(report, []byte(`{"version": 7}`), 0o644))
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"fleet", "up", "--concurrency", "0"}, "--concurrency 0: give 1 or more"},
		{[]string{"fleet", "up", "--max-failures", "-1"}, "--max-failures -1"},
		{[]string{"fleet", "up", "--no-such-flag"}, "unknown flag: --no-such-flag"},
		{[]string{"fleet", "plan", "extra"}, `takes no arguments, got ["extra"]`},
		{[]string{"fleet", "up", "--shard", "2/2"}, `--shard "2/2": give i/n with 0 <= i < n`},
		{[]string{"fleet", "drift", "--config", bad}, `defaults: "projectId" is not a config key of the stack program`},
		{[]string{"fleet", "up", "--resume", report}, "--resume: " + report + ": report version 7"},
		{[]string{"fleet", "report", "merge"}, "needs at least one report file"},
		{[]string{"fleet", "publish", "--accounts", "111111111111"}, "--context is required"},
		{[]string{"fleet", "publish", "--context", "aws-prod"}, `--context "aws-prod" names one context for every account`},
		{[]string{"fleet", "publish", "--context", "aws-{{.Nme}}"}, "use {{.ID}}, {{.Name}}, {{.OU}} or {{.Stack}}"},
		{[]string{"fleet", "publish", "--context", "aws-{{.Name}}"}, "no API token"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := run(t, cli.Env{}, tt.args...)
			assert.Equal(t, fleet.ExitUsage, r.code, r.stderr)
			assert.Contains(t, r.stderr, tt.wantErr)
			assert.Contains(t, r.stderr, "Run 'circleci-oidc fleet --help' for usage.")
		})
	}
}

func TestFleetReportMerge(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.json")
	b := filepath.Join(dir, "b.json")
	require.NoError(t, os.WriteFile(a, []byte(`{"version":1,"command":"fleet up","rows":[{"account":"200000000001","result":"ok"}]}`), 0o644))
	require.NoError(t, os.WriteFile(b, []byte(`{"version":1,"command":"fleet up","rows":[{"account":"100000000001","result":"drift"}]}`), 0o644))
	r := run(t, cli.Env{}, "fleet", "report", "merge", a, b)
	assert.Equal(t, fleet.ExitDrift, r.code, r.stderr)
	assert.Less(t, strings.Index(r.stdout, "100000000001"), strings.Index(r.stdout, "200000000001"), r.stdout)
}

// TestFleetExitCodesInDocs keeps the exit codes of fleet --help and of
// docs/fleet.md equal.
func TestFleetExitCodesInDocs(t *testing.T) {
	for _, args := range [][]string{{"fleet", "--help"}, {"fleet", "up", "--help"}, {"fleet", "report", "merge", "--help"}} {
		r := run(t, cli.Env{}, args...)
		require.Equal(t, 0, r.code)
		assert.Contains(t, r.stdout, fleet.ExitCodesHelp, args)
	}
	raw, err := os.ReadFile("../../docs/fleet.md")
	require.NoError(t, err)
	doc := string(raw)
	start := strings.Index(doc, "<!-- fleet exit codes")
	end := strings.Index(doc, "<!-- end of fleet exit codes -->")
	require.True(t, start >= 0 && end > start, "docs/fleet.md lacks the fleet exit codes block")
	assert.Equal(t, "```text\n"+fleet.ExitCodesHelp+"\n```\n", doc[start+strings.Index(doc[start:], "\n")+1:end])
}
