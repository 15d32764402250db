package circleci_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/circleci"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/circlecitest"
)

// fakeClock is a clock that only a wait moves: the client's waits are
// recorded and advance it, so that nothing depends on the wall clock.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
	// during, if set, runs inside the n-th wait (from 1), before the clock
	// moves: what other workers do while this one waits.
	during func(n int)
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	n, during := len(c.waits), c.during
	c.mu.Unlock()
	if during != nil {
		during(n)
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *fakeClock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

func clocked(t *testing.T, s *circlecitest.Server, c *fakeClock, opts ...circleci.Option) *circleci.Client {
	return client(t, s, circlecitest.Token, append([]circleci.Option{
		circleci.WithClock(c.Now), circleci.WithSleep(c.Sleep)}, opts...)...)
}

// Issue 22 item 8: Retry-After as an HTTP-date, in each of the three forms
// RFC 9110 (section 5.6.7) says a recipient must accept, is read against the
// client's clock.
func TestRetryAfterDateIsReadOnTheClientsClock(t *testing.T) {
	for _, form := range []struct{ name, layout string }{
		{"IMF-fixdate", http.TimeFormat},
		{"RFC 850", "Monday, 02-Jan-06 15:04:05 GMT"},
		{"asctime", time.ANSIC},
	} {
		t.Run(form.name, func(t *testing.T) {
			s := circlecitest.NewServer()
			defer s.Close()
			clock := newFakeClock()
			var n atomic.Int32
			s.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
				if n.Add(1) > 1 {
					return false
				}
				w.Header().Set("Retry-After", clock.Now().Add(5*time.Second).Format(form.layout))
				w.WriteHeader(http.StatusTooManyRequests)
				return true
			})
			_, err := clocked(t, s, clock).FindContext(t.Context(), org, "aws-dev")
			require.NoError(t, err)
			assert.Equal(t, []time.Duration{5 * time.Second}, clock.Waits())
		})
	}
}

// Issue 22 item 8: under fleet publish's concurrency, one 429 pauses every
// call of the client until Retry-After has passed, instead of each worker
// running into the limit on its own.
func TestA429PausesEveryCallOfTheClient(t *testing.T) {
	for _, date := range []bool{false, true} {
		t.Run(map[bool]string{false: "delay-seconds", true: "HTTP-date"}[date], func(t *testing.T) {
			s := circlecitest.NewServer()
			defer s.Close()
			clock := newFakeClock()
			limit := &circlecitest.Limiter{Burst: 1, Window: 5 * time.Second, Now: clock.Now, Date: date}
			s.SetFault(limit.Fault())
			c := clocked(t, s, clock)
			id := s.AddContext(org, "aws-dev")
			require.NoError(t, c.PutContextVariable(t.Context(), id, "A", "1"), "the window's one request")

			var other error
			clock.during = func(n int) {
				if n == 1 { // worker A waits out its 429; worker B calls meanwhile
					other = c.PutContextVariable(t.Context(), id, "B", "2")
				}
			}
			require.NoError(t, c.PutContextVariable(t.Context(), id, "C", "3"))
			require.NoError(t, other)
			assert.Equal(t, 1, limit.Limited(), "only the first call after the window's one request got a 429")
			assert.Equal(t, map[string]string{"A": "1", "B": "2", "C": "3"}, s.Vars(id))
			assert.Len(t, s.Requests(), 1+3, "one write each and one 429")
		})
	}
}

// A Retry-After beyond the longest wait is not cut short: retrying before it
// ends would only meet another 429. The call gives up at once, saying how
// long CircleCI asked for, and so do the client's next calls until then,
// without a request. Values too large for a time.Duration do not overflow.
func TestRetryAfterBeyondTheLongestWaitGivesUp(t *testing.T) {
	for _, after := range []string{"3600", "9300000000", "18446744073709551615", "99999999999999999999999", "date"} {
		t.Run(after, func(t *testing.T) {
			s := circlecitest.NewServer()
			defer s.Close()
			clock := newFakeClock()
			var n atomic.Int32
			s.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
				if n.Add(1) > 1 {
					return false
				}
				v := after
				if after == "date" {
					v = clock.Now().Add(2 * time.Hour).Format(http.TimeFormat)
				}
				w.Header().Set("Retry-After", v)
				w.WriteHeader(http.StatusTooManyRequests)
				return true
			})
			c := clocked(t, s, clock, circleci.WithMaxRetryWait(7*time.Second))
			_, err := c.FindContext(t.Context(), org, "aws-dev")
			require.Error(t, err)
			assert.True(t, circleci.IsStatus(err, http.StatusTooManyRequests), "%v", err)
			assert.Contains(t, err.Error(), "Retry-After")
			assert.Contains(t, err.Error(), "longer than the 7s this command waits")
			assert.Empty(t, clock.Waits(), "no wait cut short")

			_, err = c.FindContext(t.Context(), org, "aws-dev")
			require.Error(t, err, "the next call knows the limit holds")
			assert.Contains(t, err.Error(), "Retry-After")
			assert.Len(t, s.Requests(), 1, "the next call sent nothing")
		})
	}
}

// A limit that never lifts costs a bounded number of tries, each after the
// wait Retry-After asks for.
func TestRateLimitThatNeverLiftsGivesUp(t *testing.T) {
	s := circlecitest.NewServer()
	defer s.Close()
	clock := newFakeClock()
	limit := &circlecitest.Limiter{Burst: 0, Window: 5 * time.Second, Now: clock.Now}
	s.SetFault(limit.Fault())
	_, err := clocked(t, s, clock).FindContext(t.Context(), org, "aws-dev")
	require.Error(t, err)
	assert.True(t, circleci.IsStatus(err, http.StatusTooManyRequests), "%v", err)
	assert.Contains(t, err.Error(), "gave up after 4 attempts")
	assert.Contains(t, err.Error(), circlecitest.RateLimitMessage)
	assert.Equal(t, []time.Duration{5 * time.Second, 5 * time.Second, 5 * time.Second}, clock.Waits())
	assert.Equal(t, 4, limit.Limited())
}
