package e2e

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/fleet"
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
