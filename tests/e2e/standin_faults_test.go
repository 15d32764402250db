package e2e

import (
	"fmt"
	"sync"

	"github.com/aws/smithy-go"
)

// faults makes the aws stand-in answer an account's next creates with IAM's
// throttling error, as the AWS SDK prints it once its own retries are spent.
type faults struct {
	mu        sync.Mutex
	throttled map[string]int // account -> creates still to throttle
}

// throttle makes the next n creates in account throttled.
func (f *faults) throttle(account string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.throttled == nil {
		f.throttled = map[string]int{}
	}
	f.throttled[account] = n
}

// next returns the error for a create in account, or nil.
func (f *faults) next(account, op string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.throttled[account] == 0 {
		return nil
	}
	f.throttled[account]--
	return fmt.Errorf("operation error IAM: %s, https response error StatusCode: 400, RequestID: e2e, %w", op,
		&smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded", Fault: smithy.FaultClient})
}
