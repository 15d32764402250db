package fleet

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func sampleReport() *Report {
	at := time.Date(2026, 12, 2, 13, 0, 0, 0, time.UTC)
	return &Report{Version: ReportVersion, Command: "fleet up", Started: at, Finished: at.Add(42 * time.Second), Rows: []Row{
		{Account: "100000000000", Name: "management", OU: "/", Result: ResultSkipped,
			Note: "management account: pass --include-management to deploy to it"},
		{Account: "200000000001", Name: "prod-api", OU: "/prod", Stack: "acct-200000000001", Result: ResultOK,
			Counts: Counts{Create: 4}, RoleArn: "arn:aws:iam::200000000001:role/circleci-deploy", Seconds: 12.34, Attempts: 1},
		{Account: "400000000001", Name: "sandbox-a", OU: "/sandbox", Stack: "acct-400000000001", Result: Result(ClassConflict),
			Seconds: 0.71, Attempts: 1, Note: "an OIDC provider for the issuer exists outside the stack"},
		{Account: "500000000001", Stack: "acct-500000000001", Result: ResultOrphaned, Note: "no longer targeted"},
	}}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./internal/fleet -update")
	assert.Equal(t, string(want), string(got))
}

func TestGoldenTableAndJSON(t *testing.T) {
	var table, js bytes.Buffer
	require.NoError(t, sampleReport().WriteTable(&table))
	require.NoError(t, sampleReport().WriteJSON(&js))
	golden(t, "report.txt", table.Bytes())
	golden(t, "report.json", js.Bytes())

	// The JSON is also the --resume input.
	path := filepath.Join(t.TempDir(), "r.json")
	require.NoError(t, os.WriteFile(path, js.Bytes(), 0o644))
	back, err := ReadReport(path)
	require.NoError(t, err)
	assert.Equal(t, sampleReport(), back)
	assert.Equal(t, map[string]bool{"400000000001": true}, back.Select([]string{"failed"}))
	assert.Equal(t, map[string]bool{"200000000001": true, "500000000001": true}, back.Select([]string{"ok", "orphaned"}))
}

func TestReadReportRefusesAnotherVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"version": 2, "rows": []}`), 0o644))
	_, err := ReadReport(path)
	require.ErrorContains(t, err, "report version 2, but this build reads version 1")
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		name    string
		results []Result
		want    int
	}{
		{"all fine", []Result{ResultOK, ResultSkipped, ResultOrphaned}, ExitOK},
		{"a failure", []Result{ResultOK, Result(ClassQuota)}, ExitFailure},
		{"cancelled", []Result{ResultOK, ResultCancelled}, ExitFailure},
		{"drift", []Result{ResultOK, ResultDrift}, ExitDrift},
		{"failure beats drift", []Result{ResultDrift, Result(ClassLocked)}, ExitFailure},
		{"empty", nil, ExitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Report{}
			for _, res := range tt.results {
				r.Rows = append(r.Rows, Row{Result: res})
			}
			assert.Equal(t, tt.want, r.ExitCode())
		})
	}
}

func TestMergeJoinsShardsAndKeepsTheRealRowOfAnOrphan(t *testing.T) {
	a := &Report{Version: 1, Command: "fleet up", Shard: "0/2", Rows: []Row{
		{Account: "200000000001", Result: ResultOK},
		{Account: "300000000001", Result: ResultOrphaned},
	}}
	b := &Report{Version: 1, Command: "fleet up", Shard: "1/2", Rows: []Row{
		{Account: "300000000001", Result: Result(ClassQuota)},
		{Account: "100000000000", Result: ResultOK},
	}}
	m, err := Merge(a, b)
	require.NoError(t, err)
	assert.Equal(t, []Row{
		{Account: "100000000000", Result: ResultOK},
		{Account: "200000000001", Result: ResultOK},
		{Account: "300000000001", Result: Result(ClassQuota)},
	}, m.Rows)
	assert.Equal(t, ExitFailure, m.ExitCode())
	_, err = Merge(a, &Report{Version: 9})
	require.ErrorContains(t, err, "report 2 has version 9, not 1")
}

// Two shards that both ran one account (the same shard given twice, or
// shards of different --shard totals) are refused, whichever comes first:
// keeping the first row made `merge ok.json failed.json` exit 0 and the
// same files the other way round exit 1.
func TestMergeRefusesTwoRealRowsOfOneAccount(t *testing.T) {
	ok := &Report{Version: 1, Command: "fleet up", Shard: "0/2", Rows: []Row{{Account: "200000000001", Result: ResultOK}}}
	failed := &Report{Version: 1, Command: "fleet up", Shard: "1/2", Rows: []Row{{Account: "200000000001", Result: Result(ClassQuota)}}}
	for _, order := range [][]*Report{{ok, failed}, {failed, ok}, {ok, ok}} {
		_, err := Merge(order...)
		require.ErrorContains(t, err, "account 200000000001 has a row in reports 1 and 2")
	}
}
