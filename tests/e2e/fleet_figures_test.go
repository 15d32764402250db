package e2e

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/fleet"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/stack"
)

// TestFleetFigures prints fleet's wall time over six accounts (five created
// ones and the management account) at concurrency 1, 2 and 4, and the peak
// memory of the pulumi engines it starts. It asserts nothing about time. Run:
//
//	E2E_FIGURES=1 CIRCLECI_OIDC_E2E=1 go test ./tests/e2e -run TestFleetFigures -v
func TestFleetFigures(t *testing.T) {
	if os.Getenv("E2E_FIGURES") == "" {
		t.Skip("prints performance figures; set E2E_FIGURES=1")
	}
	for _, c := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("concurrency %d", c), func(t *testing.T) {
			w := newWorld(t)
			w.fleetEnv(t)
			seedOrg(t)
			dir := t.TempDir()
			writeFile(t, dir, "fleet.yaml", fleetYAML(""))
			args := []string{"up", "--org", "--include-management", "--concurrency", strconv.Itoa(c)}

			s := startRSSSampler()
			start := time.Now()
			code, r, stderr := fleetReport(t, t.Context(), dir, args...)
			first := time.Since(start)
			peakSum, peakOne := s.stop()
			require.Equal(t, fleet.ExitOK, code, describe(r, stderr))
			require.Equal(t, 6, countResult(r, fleet.ResultOK))

			start = time.Now()
			code, r, stderr = fleetReport(t, t.Context(), dir, args...)
			noop := time.Since(start)
			require.Equal(t, fleet.ExitOK, code, describe(r, stderr))
			t.Logf("FIGURE concurrency=%d accounts=6 first_up=%.1fs noop_up=%.1fs engines_peak_rss_sum=%dMB "+
				"engine_peak_rss_one=%dMB test_process_hwm=%dMB", c, first.Seconds(), noop.Seconds(),
				peakSum>>10, peakOne>>10, selfHWM()>>10)
		})
	}
}

func countResult(r *fleet.Report, res fleet.Result) int {
	n := 0
	for _, row := range r.Rows {
		if row.Result == res {
			n++
		}
	}
	return n
}

// rssSampler samples, every 50 ms, the resident memory of every process
// named pulumi: the sum at each instant and the largest single one (kB).
type rssSampler struct {
	done          chan struct{}
	wg            sync.WaitGroup
	peakSum, peak int
}

func startRSSSampler() *rssSampler {
	s := &rssSampler{done: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			sum := 0
			procs, _ := filepath.Glob("/proc/[0-9]*/comm")
			for _, p := range procs {
				comm, err := os.ReadFile(p)
				if err != nil || strings.TrimSpace(string(comm)) != "pulumi" {
					continue
				}
				kb := statusField(filepath.Join(filepath.Dir(p), "status"), "VmRSS:")
				sum += kb
				s.peak = max(s.peak, kb)
			}
			s.peakSum = max(s.peakSum, sum)
			select {
			case <-s.done:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return s
}

func (s *rssSampler) stop() (peakSum, peakOne int) {
	close(s.done)
	s.wg.Wait()
	return s.peakSum, s.peak
}

// selfHWM is this process's peak resident memory (kB).
func selfHWM() int { return statusField("/proc/self/status", "VmHWM:") }

// statusField reads a kB field of /proc/<pid>/status.
func statusField(path, field string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return n
		}
	}
	return 0
}

// TestFleetScaleFigures seeds E2E_FLEET_N accounts (default 6) in moto and
// prints, for each fleet command, its wall time and the CPU time of this
// process and the pulumi processes it waited for, per account: up, a no-op
// up, plan, ls and drift, at concurrency 2. With E2E_FLEET_LS_STACKS=M (more
// than N) it then clones the first stack's checkpoint, as the file backend
// wrote it, into M stacks and times ls over all of them. It asserts nothing
// about time. Run:
//
//	E2E_FIGURES=1 E2E_FLEET_N=24 E2E_FLEET_LS_STACKS=1000 CIRCLECI_OIDC_E2E=1 \
//	  go test -timeout 2h ./tests/e2e -run TestFleetScaleFigures -v
func TestFleetScaleFigures(t *testing.T) {
	if os.Getenv("E2E_FIGURES") == "" {
		t.Skip("prints performance figures; set E2E_FIGURES=1")
	}
	n := envInt(t, "E2E_FLEET_N", 6)
	w := newWorld(t)
	w.fleetEnv(t)
	ids := seedAccounts(t, n)
	dir := t.TempDir()
	writeFile(t, dir, "fleet.yaml", `version: 1
region: us-east-1
defaults:
  organizationId: `+devOrg+`
  projectIds: [`+devProject+`]
  roleName: circleci-deploy
`)
	for _, step := range []struct {
		name string
		args []string
		want fleet.Result
	}{
		{"up", []string{"up", "--org"}, fleet.ResultOK},
		{"noop-up", []string{"up", "--org"}, fleet.ResultOK},
		{"plan", []string{"plan", "--org"}, fleet.ResultPlanned},
		{"ls", []string{"ls", "--org"}, fleet.ResultListed},
		{"drift", []string{"drift", "--org"}, fleet.ResultOK},
	} {
		kept := backendKeeps(t, filepath.Join(w.dir, "backend"))
		wall, cpu, r, stderr := timed(t, dir, append(step.args, "--concurrency", "2")...)
		require.Equal(t, n, countResult(r, step.want), describe(r, stderr))
		t.Logf("FIGURE fleet=%s accounts=%d wall=%.1fs per_account_wall=%.2fs per_account_cpu=%.2fs "+
			"history_and_backups_added_per_account=%.1fKB", step.name, n, wall.Seconds(), wall.Seconds()/float64(n),
			cpu.Seconds()/float64(n), float64(backendKeeps(t, filepath.Join(w.dir, "backend"))-kept)/1024/float64(n))
	}

	m := envInt(t, "E2E_FLEET_LS_STACKS", 0)
	if m <= n {
		return
	}
	all := cloneStacks(t, filepath.Join(w.dir, "backend"), ids[0], m-n)
	all = append(all, ids...)
	wall, cpu, r, stderr := timed(t, dir, "ls", "--accounts", strings.Join(all, ","), "--concurrency", "2")
	require.Equal(t, m, countResult(r, fleet.ResultListed), describe(r, stderr))
	t.Logf("FIGURE fleet=ls stacks=%d wall=%.1fs per_account_wall=%.3fs per_account_cpu=%.3fs",
		m, wall.Seconds(), wall.Seconds()/float64(m), cpu.Seconds()/float64(m))
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	require.NoError(t, err, "%s=%q", name, v)
	require.Positive(t, n, name)
	return n
}

// timed runs a fleet command and returns its wall time and the CPU time of
// this process and of the children it waited for (the pulumi CLI).
func timed(t *testing.T, dir string, args ...string) (time.Duration, time.Duration, *fleet.Report, string) {
	before := cpuTime(t)
	start := time.Now()
	_, r, stderr := fleetReport(t, t.Context(), dir, args...)
	return time.Since(start), cpuTime(t) - before, r, stderr
}

func cpuTime(t *testing.T) time.Duration {
	var total time.Duration
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		require.NoError(t, syscall.Getrusage(who, &ru))
		total += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return total
}

// seedAccounts creates an organization of n member accounts in moto.
func seedAccounts(t *testing.T, n int) []string {
	ctx := t.Context()
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	require.NoError(t, err)
	org := organizations.NewFromConfig(cfg)
	_, err = org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll})
	require.NoError(t, err)
	var ids []string
	for i := range n {
		name := fmt.Sprintf("scale-%04d", i)
		out, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{
			AccountName: aws.String(name), Email: aws.String(name + "@example.com")})
		require.NoError(t, err)
		ids = append(ids, aws.ToString(out.CreateAccountStatus.AccountId))
	}
	return ids
}

// cloneStacks copies the checkpoint of account from's stack, as the file
// backend wrote it, to k new stacks with other account IDs, and returns
// those IDs: stacks that pulumi lists and reads like the original.
func cloneStacks(t *testing.T, backend, from string, k int) []string {
	dir := filepath.Join(backend, ".pulumi", "stacks", stack.Project)
	src, err := os.ReadFile(filepath.Join(dir, fleet.StackName(from)+".json"))
	require.NoError(t, err)
	var ids []string
	for i := range k {
		id := fmt.Sprintf("9%011d", i)
		text := strings.ReplaceAll(string(src), fleet.StackName(from), fleet.StackName(id))
		text = strings.ReplaceAll(text, from, id)
		require.NoError(t, os.WriteFile(filepath.Join(dir, fleet.StackName(id)+".json"), []byte(text), 0o644))
		ids = append(ids, id)
	}
	return ids
}

// backendKeeps is the size in bytes of what a file backend keeps beside the
// stacks' checkpoints: .pulumi/history and .pulumi/backups.
func backendKeeps(t *testing.T, backend string) int64 {
	var total int64
	for _, d := range []string{"history", "backups"} {
		err := filepath.WalkDir(filepath.Join(backend, ".pulumi", d), func(_ string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			fi, err := e.Info()
			if err == nil {
				total += fi.Size()
			}
			return err
		})
		if !os.IsNotExist(err) {
			require.NoError(t, err)
		}
	}
	return total
}
