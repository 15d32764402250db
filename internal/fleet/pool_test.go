package fleet

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeWorker answers each account with a scripted sequence of errors.
type fakeWorker struct {
	mu      sync.Mutex
	script  map[string][]error
	calls   map[string]int
	active  atomic.Int32
	peak    atomic.Int32
	delay   time.Duration
	started chan string
}

func (f *fakeWorker) Do(ctx context.Context, job Job, log io.Writer) (Outcome, error) {
	n := f.active.Add(1)
	defer f.active.Add(-1)
	for {
		p := f.peak.Load()
		if n <= p || f.peak.CompareAndSwap(p, n) {
			break
		}
	}
	if f.started != nil {
		f.started <- job.Account.ID
	}
	f.mu.Lock()
	i := f.calls[job.Account.ID]
	f.calls[job.Account.ID]++
	var err error
	if s := f.script[job.Account.ID]; i < len(s) {
		err = s[i]
	}
	f.mu.Unlock()
	_, _ = io.WriteString(log, "working on "+job.Account.ID+"\n")
	select {
	case <-time.After(f.delay):
	case <-ctx.Done():
		return Outcome{}, errors.New("error: update canceled")
	}
	if err != nil {
		return Outcome{}, err
	}
	return Outcome{Result: ResultOK, Counts: Counts{Same: 4}}, nil
}

func jobs(ids ...string) []Job {
	var out []Job
	for _, id := range ids {
		out = append(out, Job{Account: Account{ID: id}, Stack: StackName(id)})
	}
	return out
}

var errThrottled = errors.New("api error Throttling: Rate exceeded")

func TestPoolIsBoundedIsolatedAndRetriesThrottlingOnce(t *testing.T) {
	w := &fakeWorker{calls: map[string]int{}, delay: 20 * time.Millisecond, script: map[string][]error{
		"000000000002": {errors.New("EntityAlreadyExists: Provider exists")},
		"000000000003": {errThrottled},
		"000000000004": {errThrottled, errThrottled},
	}}
	logs := t.TempDir()
	p := &Pool{Concurrency: 2, Worker: w, LogDir: logs}
	rows := p.Run(t.Context(), jobs("000000000001", "000000000002", "000000000003", "000000000004", "000000000005"))
	require.Len(t, rows, 5)
	assert.LessOrEqual(t, w.peak.Load(), int32(2), "never more than --concurrency at once")
	want := []struct {
		result   Result
		attempts int
	}{
		{ResultOK, 1}, {Result(ClassConflict), 1}, {ResultOK, 2}, {Result(ClassThrottled), 2}, {ResultOK, 1},
	}
	for i, w := range want {
		assert.Equal(t, w.result, rows[i].Result, rows[i].Account)
		assert.Equal(t, w.attempts, rows[i].Attempts, rows[i].Account)
	}
	b, err := os.ReadFile(filepath.Join(logs, "acct-000000000003.log"))
	require.NoError(t, err)
	assert.Contains(t, string(b), "throttled; retrying once")
	assert.Equal(t, filepath.Join(logs, "acct-000000000003.log"), rows[2].Log)
}

func TestMaxFailuresOnlyStopsNewStarts(t *testing.T) {
	w := &fakeWorker{calls: map[string]int{}, script: map[string][]error{
		"000000000001": {errors.New("LimitExceeded")},
		"000000000002": {errors.New("LimitExceeded")},
	}}
	p := &Pool{Concurrency: 1, MaxFailures: 2, Worker: w}
	rows := p.Run(t.Context(), jobs("000000000001", "000000000002", "000000000003", "000000000004"))
	assert.Equal(t, []Result{Result(ClassQuota), Result(ClassQuota), ResultCancelled, ResultCancelled},
		[]Result{rows[0].Result, rows[1].Result, rows[2].Result, rows[3].Result})
	assert.Equal(t, "not started: --max-failures 2 reached", rows[3].Note)
	assert.Zero(t, w.calls["000000000003"])
}

func TestCancelStopsStartsAndReportsRunningAsCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	w := &fakeWorker{calls: map[string]int{}, delay: time.Minute, started: make(chan string, 4)}
	p := &Pool{Concurrency: 1, Worker: w}
	done := make(chan []Row)
	go func() { done <- p.Run(ctx, jobs("000000000001", "000000000002", "000000000003")) }()
	<-w.started
	cancel()
	rows := <-done
	assert.Equal(t, ResultCancelled, rows[0].Result)
	assert.Contains(t, rows[0].Note, "interrupted")
	for _, r := range rows[1:] {
		assert.Equal(t, ResultCancelled, r.Result)
		assert.Equal(t, "not started: the run was interrupted", r.Note)
	}
}
