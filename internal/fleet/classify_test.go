package fleet

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The samples under testdata/stderr are the Automation API's errors of real
// runs through the engine and the e2e aws stand-in (which answers with
// pulumi-aws's and IAM's wording); the inline ones are the wording of the
// tools named beside them.
func TestClassifyRealErrors(t *testing.T) {
	tests := []struct {
		sample    string
		text      string
		want      Class
		wantBrief string
	}{
		{sample: "locked.txt", want: ClassLocked,
			wantBrief: "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`."},
		{sample: "wrong-account.txt", want: ClassWrongAccount, wantBrief: "error: AWS account ID not allowed: 123456789012"},
		{sample: "conflict.txt", want: ClassConflict,
			wantBrief: "error: operation error IAM: CreateOpenIDConnectProvider, https response error StatusCode: 409"},
		{sample: "quota.txt", want: ClassQuota, wantBrief: `circleci-oidc: trustPolicyQuota "2048" is less than the trust policy's`},
		{sample: "program.txt", want: ClassProgram,
			wantBrief: `circleci-oidc: projectIds[1] "abc" is not a UUID; find it under Project Settings > Overview`},
		// aws-sdk-go-base v2 errors.go, CannotAssumeRoleError.
		{text: "error: IAM Role (arn:aws:iam::222222222222:role/OrganizationAccountAccessRole) cannot be assumed.\n\n" +
			"There are a number of possible causes of this - the most common are:\n" +
			"AWS Error: operation error STS: AssumeRole, https response error StatusCode: 403, api error AccessDenied",
			want: ClassUnreachable, wantBrief: "error: IAM Role (arn:aws:iam::222222222222:role/OrganizationAccountAccessRole) cannot be assumed."},
		// The AWS SDK's form of IAM's throttling answer.
		{text: "error: operation error IAM: CreateRole, https response error StatusCode: 400, RequestID: 1, api error Throttling: Rate exceeded",
			want: ClassThrottled, wantBrief: "error: operation error IAM: CreateRole"},
		// IAM's answer over its quota (FACTS.md, IAM User Guide).
		{text: "error: operation error IAM: AttachRolePolicy, https response error StatusCode: 409, api error LimitExceeded: Cannot exceed quota for PoliciesPerRole: 10",
			want: ClassQuota, wantBrief: "Cannot exceed quota for PoliciesPerRole: 10"},
		// Pulumi Cloud's lock answer (auto.IsConcurrentUpdateError).
		{text: "error: [409] Conflict: Another update is currently in progress.", want: ClassLocked},
		{text: "error: something nobody foresaw", want: ClassOther, wantBrief: "error: something nobody foresaw"},
	}
	for _, tt := range tests {
		name := tt.sample
		if name == "" {
			name = string(tt.want)
		}
		t.Run(name, func(t *testing.T) {
			text := tt.text
			if tt.sample != "" {
				b, err := os.ReadFile(filepath.Join("testdata", "stderr", tt.sample))
				require.NoError(t, err)
				text = string(b)
			}
			err := errors.New(text)
			assert.Equal(t, tt.want, Classify(err, ""))
			assert.Equal(t, tt.want, Classify(nil, text), "from the text alone")
			if tt.wantBrief != "" {
				assert.Contains(t, Brief(err), tt.wantBrief)
			}
		})
	}
}

func TestClassErrorKeepsItsClass(t *testing.T) {
	err := fmt.Errorf("pre-flight: %w", &ClassError{ClassConflict, errors.New("a provider exists\nsecond line")})
	assert.Equal(t, ClassConflict, classOf(err))
	assert.Equal(t, "a provider exists", Brief(err))
}
