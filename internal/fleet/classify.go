package fleet

import (
	"errors"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// Class is why an account failed.
type Class string

// The error classes, in the order Classify tests them.
const (
	// ClassLocked: another update holds the stack's lock.
	ClassLocked Class = "locked"
	// ClassWrongAccount: the credentials reached another account than the stack's.
	ClassWrongAccount Class = "wrong-account"
	// ClassUnreachable: the account's role could not be assumed, or AWS could not be reached.
	ClassUnreachable Class = "unreachable"
	// ClassThrottled: AWS asked to slow down; retried once.
	ClassThrottled Class = "throttled"
	// ClassQuota: an IAM quota was exceeded.
	ClassQuota Class = "quota"
	// ClassConflict: an OIDC provider for the issuer exists outside the stack.
	ClassConflict Class = "conflict"
	// ClassProgram: the stack's configuration or program is wrong.
	ClassProgram Class = "program"
	// ClassOther: anything else; read the account's log.
	ClassOther Class = "other"
)

// Classes lists every class, for help texts and tests.
var Classes = []Class{ClassLocked, ClassWrongAccount, ClassUnreachable, ClassThrottled, ClassQuota,
	ClassConflict, ClassProgram, ClassOther}

// signatures are the texts that mark each class in the engine's output,
// taken from the messages of the tools that write them (cited per line).
var signatures = []struct {
	class Class
	texts []string
}{
	// aws-sdk-go-base v2 internal/config/config.go, VerifyAccountIDAllowed.
	{ClassWrongAccount, []string{"AWS account ID not allowed"}},
	// aws-sdk-go-base v2 errors.go, CannotAssumeRoleError and
	// NoValidCredentialSourcesError; Go's net package for the rest.
	{ClassUnreachable, []string{"cannot be assumed", "no valid credential sources", "InvalidClientTokenId",
		"ExpiredToken", "dial tcp", "no such host", "connection refused", "i/o timeout"}},
	// AWS API error codes for throttling (AWS SDK retry.ThrottleErrorCodes).
	{ClassThrottled, []string{"Throttling", "ThrottlingException", "TooManyRequestsException",
		"RequestLimitExceeded", "Rate exceeded", "SlowDown"}},
	// IAM's LimitExceeded answers; the component's own quota checks name
	// LimitExceeded too (component/config/validate.go).
	{ClassQuota, []string{"LimitExceeded", "Cannot exceed quota"}},
	// IAM CreateOpenIDConnectProvider over an existing URL.
	{ClassConflict, []string{"EntityAlreadyExists"}},
	// The stack program's config errors and the Go SDK's program failures.
	{ClassProgram, []string{"configuration problems", "config circleci-oidc:", "an unhandled error occurred",
		"running program", "program failed"}},
}

// Classify tells an error's class from the error and the engine's stderr.
// A held lock is recognised as the Automation API does
// (auto.IsConcurrentUpdateError), also when only the text is at hand.
func Classify(err error, stderr string) Class {
	if err != nil && auto.IsConcurrentUpdateError(err) {
		return ClassLocked
	}
	text := stderr
	if err != nil {
		text = err.Error() + "\n" + stderr
	}
	if strings.Contains(text, "[409] Conflict: Another update is currently in progress.") ||
		strings.Contains(text, "the stack is currently locked by") {
		return ClassLocked
	}
	for _, s := range signatures {
		for _, t := range s.texts {
			if strings.Contains(text, t) {
				return s.class
			}
		}
	}
	return ClassOther
}

// Brief returns the line of an error that says most: in the engine's
// Diagnostics when there are some, the line that carries the class's
// signature, else the first "error:" line, else the first line; a line that
// only announces "N error(s) occurred:" gives way to the next one. At most
// 300 characters.
func Brief(err error) string {
	var ce *ClassError
	if errors.As(err, &ce) {
		return strings.TrimSpace(firstLine(ce.Err.Error()))
	}
	text := err.Error()
	if _, diag, ok := strings.Cut(text, "\nDiagnostics:\n"); ok {
		diag, _, _ = strings.Cut(diag, "\nResources:\n")
		_, stderr, _ := strings.Cut(text, "\nstderr: ")
		text = diag + "\n" + stderr
	}
	class := classOf(err)
	lines := strings.Split(text, "\n")
	pick := -1
	for _, s := range signatures {
		for i, l := range lines {
			for _, t := range s.texts {
				if s.class == class && pick < 0 && strings.Contains(l, t) {
					pick = i
				}
			}
		}
	}
	for i, l := range lines {
		if pick < 0 && strings.Contains(l, "error: ") {
			pick = i
		}
	}
	if pick < 0 {
		pick = 0
	}
	for pick+1 < len(lines) && strings.HasSuffix(strings.TrimSpace(lines[pick]), "occurred:") {
		pick++
	}
	line := strings.TrimPrefix(strings.TrimSpace(lines[pick]), "* ")
	if len(line) > 300 {
		line = line[:297] + "..."
	}
	return line
}
