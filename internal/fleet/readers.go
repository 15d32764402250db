package fleet

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/audit"
)

// ResultFindings is an audited account with a finding at or above --fail-on.
const ResultFindings Result = "findings"

// ResultListed is an account that ls listed.
const ResultListed Result = "listed"

// Auditor is the Worker of fleet audit: it reaches each account as the
// pre-flight does and runs internal/audit there, read-only (any IAM call but
// the three reads is refused before it is sent).
type Auditor struct {
	Base aws.Config
	// Options are audit's, the same for every account.
	Options audit.Options
	// FailOn is the severity at or above which an account's result is findings.
	FailOn audit.Severity
}

// Do implements Worker.
func (a *Auditor) Do(ctx context.Context, job Job, log io.Writer) (Outcome, error) {
	cfg, _, err := reach(ctx, a.Base, job)
	if err != nil {
		return Outcome{}, err
	}
	client := iam.NewFromConfig(cfg, func(o *iam.Options) {
		next := o.HTTPClient
		if next == nil {
			next = http.DefaultClient
		}
		o.HTTPClient = audit.ReadOnly{Next: next}
	})
	report, err := audit.Scan(ctx, client, a.Options)
	if err != nil {
		return Outcome{}, err
	}
	if err := report.WriteTable(log); err != nil {
		return Outcome{}, err
	}
	out := Outcome{Result: ResultOK, Note: fmt.Sprintf("%d provider(s), %d role(s) trusting CircleCI, %d finding(s)",
		len(report.Providers), len(report.Roles), len(report.Findings))}
	if worst, ok := report.Worst(); ok {
		f := report.Findings[0]
		out.Note += fmt.Sprintf("; worst %s: %s on %s", worst, f.Check, dash(f.Role+f.Provider))
		if worst >= a.FailOn {
			out.Result = ResultFindings
		}
	}
	return out, nil
}

// Lister is the Worker of fleet ls: it reads each account's stack, if any,
// from the backend, and calls nothing in the account.
type Lister struct{ Engine *Engine }

// Do implements Worker. It reads the run's one listing and, on a file
// backend, the stack's checkpoint: no pulumi process per account.
func (l *Lister) Do(ctx context.Context, job Job, _ io.Writer) (Outcome, error) {
	exists, err := l.Engine.hasStack(ctx, job.Stack)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Result: ResultListed, Note: "no stack yet"}
	if exists {
		s, err := l.Engine.readState(ctx, job.Stack)
		if err != nil {
			return Outcome{}, err
		}
		out.RoleArn = s.output("roleArn")
		out.Note = "stack " + job.Stack
	}
	return out, nil
}
