package doctor

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

// Outcome is doctor's answer for one token and one trust policy.
type Outcome int

// doctor's answers.
const (
	// Refused: STS would refuse the token.
	Refused Outcome = iota
	// Allowed: the policy allows the token, it is valid now, and its
	// signature verified against the issuer's keys.
	Allowed
	// AllowedUnverified: as Allowed, but the signature was not checked.
	AllowedUnverified
	// Undetermined: the answer depends on the request, not only on the token.
	Undetermined
)

// Report is the diagnosis of one token against one trust policy.
type Report struct {
	Token   *Token
	Policy  string // where the policy came from
	Verdict trust.Verdict
	// Lifetime describes the token's validity; Live is false when STS would
	// refuse it for its nbf or exp, or for having no exp.
	Lifetime string
	Live     bool
	// Signature is nil when checked and good, ErrNotChecked when not checked.
	Signature error
	// Provider says what doctor knows of the IAM OIDC provider whose client
	// IDs STS checks aud against (see CheckProvider).
	Provider string
	// Outcome is the answer; Reason says why, in one line.
	Outcome Outcome
	Reason  string
}

// providerNotChecked is Report.Provider until CheckProvider is called.
const providerNotChecked = "not checked: STS also refuses an aud that is not one of the provider's client IDs; pass --role-arn to check"

// CheckProvider applies the check STS makes before it reads the trust
// policy: the account must have an IAM OIDC provider for the token's issuer
// (found), and one of the token's aud values must be one of its client IDs.
// arn names that provider in the role's account.
func (r *Report) CheckProvider(arn string, found bool, clientIDs []string) {
	refuse := func(why string) {
		r.Outcome, r.Reason = Refused, "refused: "+why
	}
	if !found {
		account := strings.Split(arn, ":")
		r.Provider = "none: " + arn + " does not exist"
		if len(account) > 4 {
			refuse(fmt.Sprintf("account %s has no IAM OIDC provider for %s (%s), so STS refuses its tokens",
				account[4], r.Token.Claims.Issuer, arn))
		} else {
			refuse(fmt.Sprintf("there is no IAM OIDC provider %s", arn))
		}
		return
	}
	for _, aud := range r.Token.Claims.Audience {
		if slices.Contains(clientIDs, aud) {
			r.Provider = fmt.Sprintf("%s: aud %q is one of the provider's client IDs", arn, aud)
			return
		}
	}
	aud := strings.Join(r.Token.Claims.Audience, ", ")
	r.Provider = fmt.Sprintf("%s: client IDs %s", arn, strings.Join(clientIDs, ", "))
	refuse(fmt.Sprintf("aud %q is not one of the provider's client IDs (%s), which STS checks before the trust policy",
		aud, strings.Join(clientIDs, ", ")))
}

// ErrNotChecked marks a signature that was not verified.
var ErrNotChecked = errors.New("not checked (pass --verify)")

// Diagnose judges the token against the policy at time now. signature is the
// outcome of Verify, or ErrNotChecked.
func Diagnose(t *Token, policy trust.Document, source string, now time.Time, signature error) Report {
	r := Report{Token: t, Policy: source, Signature: signature, Provider: providerNotChecked}
	var problem string
	r.Lifetime, problem = t.lifetime(now)
	r.Live = problem == ""
	r.Verdict = trust.Evaluate(policy, t.TrustClaims())
	unverified := errors.Is(signature, ErrNotChecked)
	switch {
	case signature != nil && !unverified:
		r.Outcome, r.Reason = Refused, "refused: the signature does not verify: "+signature.Error()
	case !r.Live:
		r.Outcome, r.Reason = Refused, "refused: "+problem
	case r.Verdict.Decision == trust.Undetermined:
		r.Outcome, r.Reason = Undetermined, r.Verdict.Reason
	case r.Verdict.Decision == trust.Allowed && unverified:
		r.Outcome, r.Reason = AllowedUnverified, r.Verdict.Reason
	case r.Verdict.Decision == trust.Allowed:
		r.Outcome, r.Reason = Allowed, r.Verdict.Reason
	default:
		r.Outcome, r.Reason = Refused, r.Verdict.Reason
	}
	r.noteCase(policy)
	return r
}

// VerdictLine is the report's last line: the answer, whether the signature
// was checked, and the reason.
func (r Report) VerdictLine() string {
	reason := r.Reason
	for _, p := range []string{"allowed: ", "refused: ", "undetermined: "} {
		reason = strings.TrimPrefix(reason, p)
	}
	unchecked := ""
	if errors.Is(r.Signature, ErrNotChecked) {
		unchecked = " (signature not checked; pass --verify)"
	}
	switch r.Outcome {
	case Allowed:
		return "Verdict: ALLOWED: " + reason
	case AllowedUnverified:
		return "Verdict: ALLOWED, SIGNATURE NOT CHECKED: " + reason + "; pass --verify to check the signature"
	case Undetermined:
		return "Verdict: UNDETERMINED" + unchecked + ": " + reason
	}
	return "Verdict: REFUSED: " + reason
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
	row("lifetime", r.Lifetime)
	if r.Signature == nil {
		row("signature", "verified against the issuer's keys")
	} else {
		row("signature", r.Signature.Error())
	}
	row("provider", r.Provider)

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
			switch {
			case ch.Undetermined:
				mark = "??  "
			case !ch.Pass:
				mark = "FAIL"
			}
			fmt.Fprintf(&b, "    %s  %s %s\n          %s\n", mark, ch.Operator, ch.Key, ch.Reason)
		}
	}
	fmt.Fprintf(&b, "\n%s\n", r.VerdictLine())
	if r.Outcome == Undetermined {
		b.WriteString("The answer depends on:\n")
		seen := map[string]bool{}
		for _, ch := range r.Verdict.Open {
			if line := ch.Key + ": " + ch.DependsOn; !seen[line] {
				seen[line] = true
				fmt.Fprintf(&b, "  %s\n", line)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
