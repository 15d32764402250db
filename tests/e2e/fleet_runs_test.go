package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/fleet"
)

// Fleet scenario 8: throttling. One account's first create is throttled:
// the account is retried once and succeeds. Another is throttled on both
// attempts: it ends throttled after exactly one retry. Before that, a third
// is given another account's role by mistake: fleet.yaml is refused (exit 3)
// before any AWS call, so nothing is written.
func TestFleetThrottledIsRetriedOnce(t *testing.T) {
	w := newWorld(t)
	w.fleetEnv(t)
	o := seedOrg(t)
	ctx := t.Context()
	dir := t.TempDir()
	once, twice, eu := o.ids["prod-api"], o.ids["prod-web"], o.ids["prod-eu"]
	writeFile(t, dir, "fleet.yaml", fleetYAML("accounts:\n  \""+eu+"\":\n    assumeRoleArn: "+
		fleet.RoleArn("aws", once, fleet.DefaultRoleName)+"\n"))
	code, _, stderr := fleetRun(t, ctx, dir, "up", "--ou", "/prod")
	require.Equal(t, fleet.ExitUsage, code, stderr)
	assert.Contains(t, stderr, "accounts."+eu+".assumeRoleArn \""+fleet.RoleArn("aws", once, fleet.DefaultRoleName)+
		"\" is a role of account "+once)
	assert.Empty(t, rolesIn(ctx, t, accountIAM(t, eu)), "nothing written in the account")

	writeFile(t, dir, "fleet.yaml", fleetYAML(""))
	w.awsSrv.faults.throttle(once, 1)
	w.awsSrv.faults.throttle(twice, 2)
	code, r, stderr := fleetReport(t, ctx, dir, "up", "--ou", "/prod", "--concurrency", "2", "--throttle-backoff", "100ms")
	require.Equal(t, fleet.ExitFailure, code, describe(r, stderr))
	rows := rowsByAccount(r)
	assert.Equal(t, fleet.ResultOK, rows[once].Result, rows[once].Note)
	assert.Equal(t, 2, rows[once].Attempts)
	assert.Equal(t, fleet.Result(fleet.ClassThrottled), rows[twice].Result, rows[twice].Note)
	assert.Equal(t, 2, rows[twice].Attempts, "retried once, not more")
	assert.Contains(t, rows[twice].Note, "api error Throttling: Rate exceeded")
	assert.Equal(t, fleet.ResultOK, rows[eu].Result, rows[eu].Note)
	log, err := os.ReadFile(rows[once].Log)
	require.NoError(t, err)
	assert.Contains(t, string(log), "=== throttled; retrying once after 100ms")
}

// Fleet scenario 10: two shards together cover every account exactly once,
// the management account included (--include-management, with the ambient
// credentials), and fleet report merge joins their reports.
func TestFleetShardsCoverEveryAccountOnce(t *testing.T) {
	w := newWorld(t)
	w.fleetEnv(t)
	o := seedOrg(t)
	ctx := t.Context()
	dir := t.TempDir()
	writeFile(t, dir, "fleet.yaml", fleetYAML(""))

	ran := map[string]int{}
	var paths []string
	for _, shard := range []string{"0/2", "1/2"} {
		code, r, stderr := fleetReport(t, ctx, dir, "up", "--org", "--include-management", "--shard", shard)
		require.Equal(t, fleet.ExitOK, code, describe(r, stderr))
		assert.Equal(t, shard, r.Shard)
		for _, row := range r.Rows {
			if row.Result == fleet.ResultOK {
				ran[row.Account]++
			}
		}
		paths = append(paths, writeFile(t, dir, "report-"+shard[:1]+".json", mustJSON(t, r)))
	}
	want := map[string]int{motoDefaultAccount: 1}
	for _, id := range o.active() {
		want[id] = 1
	}
	assert.Equal(t, want, ran, "every active account ran in exactly one shard")

	code, out, stderr := fleetRun(t, ctx, dir, append([]string{"report", "merge"}, paths...)...)
	require.Equal(t, fleet.ExitOK, code, stderr)
	var merged fleet.Report
	require.NoError(t, json.Unmarshal([]byte(out), &merged))
	rows := rowsByAccount(&merged)
	assert.Len(t, merged.Rows, len(fleetAccounts)+1, "six accounts and the management account, once each")
	for _, id := range append(o.active(), motoDefaultAccount) {
		assert.Equal(t, fleet.ResultOK, rows[id].Result)
	}
	assert.Len(t, providersIn(ctx, t, w.iam), 1, "the management account's own provider")
}

// Fleet scenario 6: Ctrl-C in the middle of a run stops it cleanly (the
// running update is interrupted, the rest never start, all reported
// cancelled, exit 1), and the next run converges with one provider and one
// role in every account.
func TestFleetCancelThenConverge(t *testing.T) {
	w := newWorld(t)
	w.fleetEnv(t)
	o := seedOrg(t)
	dir := t.TempDir()
	writeFile(t, dir, "fleet.yaml", fleetYAML(""))
	logs := filepath.Join(dir, ".circleci-oidc-fleet", "logs")

	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		// Cancel once the second account has started.
		for ctx.Err() == nil {
			if m, _ := filepath.Glob(filepath.Join(logs, "acct-*.log")); len(m) >= 2 {
				cancel()
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	code, r, stderr := fleetReport(t, ctx, dir, "up", "--org", "--concurrency", "1")
	cancel()
	require.Equal(t, fleet.ExitFailure, code, describe(r, stderr))
	cancelled := 0
	for _, row := range r.Rows {
		assert.Contains(t, []fleet.Result{fleet.ResultOK, fleet.ResultSkipped, fleet.ResultCancelled}, row.Result,
			"%s: %s", row.Account, row.Note)
		if row.Result == fleet.ResultCancelled {
			cancelled++
		}
	}
	assert.GreaterOrEqual(t, cancelled, 3, describe(r, stderr))

	code, r, stderr = fleetReport(t, t.Context(), dir, "up", "--org", "--concurrency", "2")
	require.Equal(t, fleet.ExitOK, code, describe(r, stderr))
	for _, id := range o.active() {
		assert.Equal(t, fleet.ResultOK, rowsByAccount(r)[id].Result)
		c := accountIAM(t, id)
		assert.Len(t, providersIn(t.Context(), t, c), 1, "account %s", id)
		assert.Equal(t, []string{"circleci-deploy"}, rolesIn(t.Context(), t, c), "account %s", id)
	}
}
