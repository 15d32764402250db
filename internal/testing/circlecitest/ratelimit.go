package circlecitest

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// RateLimitMessage is the message of the stand-in's 429 answers.
const RateLimitMessage = "Rate limit exceeded"

// Limiter makes the server answer as a rate-limited API does (RFC 6585,
// section 4): Burst requests per Window, then 429 Too Many Requests with
// Retry-After until the window ends. It runs on its own clock, which a test
// shares with the client, so that nothing depends on the wall clock. Install
// it with SetFault(l.Fault()).
type Limiter struct {
	// Burst is how many requests a window allows.
	Burst int
	// Window is how long a window lasts from its first request.
	Window time.Duration
	// Now is the limiter's clock.
	Now func() time.Time
	// Date sends Retry-After as an HTTP-date (IMF-fixdate) instead of
	// delay-seconds; RFC 9110, section 10.2.3, allows both.
	Date bool

	mu      sync.Mutex
	start   time.Time
	used    int
	limited int
}

// Fault returns the fault that applies the limit; it lets allowed requests
// through to the API.
func (l *Limiter) Fault() Fault {
	return func(w http.ResponseWriter, _ *http.Request) bool {
		l.mu.Lock()
		now := l.Now()
		end := l.start.Add(l.Window)
		if l.start.IsZero() || !now.Before(end) {
			l.start, l.used, end = now, 0, now.Add(l.Window)
		}
		if l.used < l.Burst {
			l.used++
			l.mu.Unlock()
			return false
		}
		l.limited++
		l.mu.Unlock()
		if l.Date {
			w.Header().Set("Retry-After", end.UTC().Format(http.TimeFormat))
		} else {
			secs := (end.Sub(now) + time.Second - 1) / time.Second // rounded up
			w.Header().Set("Retry-After", strconv.FormatInt(int64(secs), 10))
		}
		message(w, http.StatusTooManyRequests, RateLimitMessage)
		return true
	}
}

// Limited returns how many requests were answered 429.
func (l *Limiter) Limited() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limited
}
