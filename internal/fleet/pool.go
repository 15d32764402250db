package fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Job is one account's work in a run.
type Job struct {
	Account Account
	// Stack is the account's stack name, acct-<id>.
	Stack string
	// RoleArn is the role the stack assumes; empty for the management
	// account, which uses the ambient credentials.
	RoleArn string
	// Config is the account's effective program config.
	Config map[string]any
	// Provider is the aws provider config: region, assumeRole, allowedAccountIds.
	Provider map[string]any
	// Adopt reuses an OIDC provider found outside the stack (--adopt-existing).
	Adopt bool
}

// Outcome is what one successful stack operation reports.
type Outcome struct {
	Result  Result
	Counts  Counts
	RoleArn string
	Note    string
	// Config is the config the stack was given (plan shows it).
	Config map[string]any
}

// Worker does one job: pre-flight, then the stack operation.
type Worker interface {
	Do(ctx context.Context, job Job, log io.Writer) (Outcome, error)
}

// ClassError is an error whose class is known where it is made, such as a
// pre-flight refusal.
type ClassError struct {
	Class Class
	Err   error
}

// Error returns the underlying error's text.
func (e *ClassError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *ClassError) Unwrap() error { return e.Err }

// classOf returns an error's class: its ClassError's, else Classify's.
func classOf(err error) Class {
	var ce *ClassError
	if errors.As(err, &ce) {
		return ce.Class
	}
	return Classify(err, "")
}

// Pool runs jobs on a bounded number of workers. One account's failure is a
// row of the report, never an abort.
type Pool struct {
	// Concurrency is how many accounts run at once (--concurrency).
	Concurrency int
	// MaxFailures, when above zero, stops new starts once that many accounts
	// failed; running ones finish (--max-failures).
	MaxFailures int
	// Backoff is the wait before the one retry of a throttled account.
	Backoff time.Duration
	// LogDir holds one log file per account.
	LogDir string
	// Progress gets a line each time an account finishes; may be nil.
	Progress io.Writer
	Worker   Worker
	Now      func() time.Time
}

// Run does every job and returns one row per job, in the jobs' order. When
// ctx is cancelled (Ctrl-C), running stack operations are interrupted as
// the Automation API does (SIGINT to the engine, which ends its update
// cleanly) and jobs not started are reported as cancelled.
func (p *Pool) Run(ctx context.Context, jobs []Job) []Row {
	n := max(p.Concurrency, 1)
	now := p.Now
	if now == nil {
		now = time.Now
	}
	rows := make([]Row, len(jobs))
	var (
		mu                     sync.Mutex
		failures, done, active int
		wg                     sync.WaitGroup
	)
	slots := make(chan struct{}, n)
	for i := range jobs {
		// Wait for a free worker first, so that the checks below see every
		// failure of the accounts that finished.
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		mu.Lock()
		stopped := ""
		switch {
		case ctx.Err() != nil:
			stopped = "not started: the run was interrupted"
		case p.MaxFailures > 0 && failures >= p.MaxFailures:
			stopped = fmt.Sprintf("not started: --max-failures %d reached", p.MaxFailures)
		}
		if stopped != "" {
			rows[i] = p.baseRow(jobs[i])
			rows[i].Result, rows[i].Note = ResultCancelled, stopped
			mu.Unlock()
			if ctx.Err() == nil {
				<-slots
			}
			continue
		}
		active++
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			row := p.one(ctx, jobs[i], now)
			mu.Lock()
			defer mu.Unlock()
			rows[i] = row
			active--
			done++
			if row.Result.Failed() {
				failures++
			}
			if p.Progress != nil {
				fmt.Fprintf(p.Progress, "fleet: %d/%d done, %d running, %d failed; %s %s\n",
					done, len(jobs), active, failures, Printable(row.Account), Printable(string(row.Result)))
			}
			<-slots
		}()
	}
	wg.Wait()
	return rows
}

func (p *Pool) baseRow(job Job) Row {
	return Row{Account: job.Account.ID, Name: job.Account.Name, OU: job.Account.OU, Stack: job.Stack}
}

// one runs a job, retrying once after a throttled failure.
func (p *Pool) one(ctx context.Context, job Job, now func() time.Time) Row {
	row := p.baseRow(job)
	start := now()
	log := io.Discard
	if p.LogDir != "" {
		path, err := accountPath(p.LogDir, job.Account.ID, ".log")
		if err != nil {
			row.Result, row.Note = Result(ClassOther), err.Error()
			return row
		}
		row.Log = path
		f, err := os.Create(row.Log)
		if err != nil {
			row.Result, row.Note = Result(ClassOther), fmt.Sprintf("creating the log file: %v", err)
			return row
		}
		defer f.Close()
		log = f
	}
	var (
		out Outcome
		err error
	)
	for attempt := 1; attempt <= 2; attempt++ {
		row.Attempts = attempt
		fmt.Fprintf(log, "=== %s attempt %d, %s\n", job.Stack, attempt, now().UTC().Format(time.RFC3339))
		out, err = p.Worker.Do(ctx, job, log)
		if err == nil || classOf(err) != ClassThrottled || attempt == 2 || ctx.Err() != nil {
			break
		}
		fmt.Fprintf(log, "=== throttled; retrying once after %s\n", p.Backoff)
		select {
		case <-time.After(p.Backoff):
		case <-ctx.Done():
		}
	}
	row.Seconds = now().Sub(start).Seconds()
	if err != nil {
		fmt.Fprintf(log, "=== failed: %v\n", err)
		row.Result, row.Note = Result(classOf(err)), Brief(err)
		if ctx.Err() != nil {
			row.Result, row.Note = ResultCancelled, "interrupted: "+Brief(err)
		}
		return row
	}
	row.Result, row.Counts, row.RoleArn, row.Note, row.Config = out.Result, out.Counts, out.RoleArn, out.Note, out.Config
	return row
}
