package doctor

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

// Report is the diagnosis of one token against one trust policy.
type Report struct {
	Token   *Token
	Policy  string // where the policy came from
	Verdict trust.Verdict
	// Expiry describes the token's lifetime; Live is false once it expired.
	Expiry string
	Live   bool
	// Signature is nil when checked and good, ErrNotChecked when not checked.
	Signature error
	// Allowed is the one-line answer: the policy allows the token, it is live
	// and its signature, when checked, is good.
	Allowed bool
	Reason  string
}

// ErrNotChecked marks a signature that was not verified.
var ErrNotChecked = errors.New("not checked (pass --verify)")

// Diagnose judges the token against the policy at time now. signature is the
// outcome of Verify, or ErrNotChecked.
func Diagnose(t *Token, policy trust.Document, source string, now time.Time, signature error) Report {
	r := Report{Token: t, Policy: source, Signature: signature}
	r.Expiry, r.Live = t.expiry(now)
	r.Verdict = trust.Evaluate(policy, t.TrustClaims())
	switch {
	case signature != nil && !errors.Is(signature, ErrNotChecked):
		r.Reason = "refused: the signature does not verify: " + signature.Error()
	case !r.Live:
		r.Reason = "refused: the token " + r.Expiry
	default:
		r.Allowed = r.Verdict.Allowed
		r.Reason = r.Verdict.Reason
	}
	return r
}

// Write prints the report for a person.
func (r Report) Write(w io.Writer) error {
	c := r.Token.Claims
	var b strings.Builder
	fmt.Fprintf(&b, "Token (v%d)\n", r.Token.Version())
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "  %-12s %s\n", k, v)
		}
	}
	row("iss", c.Issuer)
	row("sub", c.Subject)
	row("aud", strings.Join(c.Audience, ", "))
	row("project-id", c.ProjectID)
	row("vcs-origin", c.VCSOrigin)
	row("vcs-ref", c.VCSRef)
	row("context-ids", strings.Join(c.ContextIDs, ", "))
	if c.SSHRerun {
		row("ssh-rerun", "true")
	}
	row("lifetime", r.Expiry)
	if r.Signature == nil {
		row("signature", "verified against the issuer's keys")
	} else {
		row("signature", r.Signature.Error())
	}

	fmt.Fprintf(&b, "\nPolicy (%s)\n", r.Policy)
	for _, st := range r.Verdict.Statements {
		sid := ""
		if st.Sid != "" {
			sid = " " + st.Sid
		}
		fmt.Fprintf(&b, "  statement %d%s, %s\n", st.Index, sid, st.Effect)
		if !st.Applies {
			fmt.Fprintf(&b, "    FAIL  %s\n", st.Why)
		} else {
			fmt.Fprintf(&b, "    ok    principal and action fit a token from %s\n", c.Issuer)
		}
		for _, ch := range st.Checks {
			mark := "ok  "
			if !ch.Pass {
				mark = "FAIL"
			}
			fmt.Fprintf(&b, "    %s  %s %s\n          %s\n", mark, ch.Operator, ch.Key, ch.Reason)
		}
	}
	verdict := "ALLOWED"
	if !r.Allowed {
		verdict = "REFUSED"
	}
	fmt.Fprintf(&b, "\nVerdict: %s: %s\n", verdict, strings.TrimPrefix(strings.TrimPrefix(r.Reason, "allowed: "), "refused: "))
	_, err := io.WriteString(w, b.String())
	return err
}
