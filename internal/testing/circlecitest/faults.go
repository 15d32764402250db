package circlecitest

import (
	"net"
	"net/http"
	"regexp"
)

// Fault answers a request instead of the API when it returns true.
type Fault func(w http.ResponseWriter, r *http.Request) bool

// Kind is how an injected fault fails a request.
type Kind int

// The kinds of injected faults.
const (
	// ResetBefore resets the connection before the API acts.
	ResetBefore Kind = iota + 1
	// ResetAfter lets the API act, then resets the connection unanswered.
	ResetAfter
	// StatusBefore answers Status without acting.
	StatusBefore
	// StatusAfter lets the API act, then answers Status instead, as a gateway
	// that times out after the write went through.
	StatusAfter
	// Redirect answers Status (a 3xx) with Location, without acting.
	Redirect
	// Body answers Status (default 200) with Body, without acting.
	Body
)

// Injection fails the requests that match it.
type Injection struct {
	// Method matches the request's method; empty matches any.
	Method string
	// Path is a regular expression matched against the path after /api/v2,
	// such as `^/context$`; empty matches any.
	Path string
	// Times is how many matching requests fail; 0 means all of them.
	Times int
	Kind  Kind
	// Status is the answer's status for StatusBefore, StatusAfter, Redirect
	// and Body.
	Status int
	// Location is where Redirect points.
	Location string
	// Body is what Body answers.
	Body string
}

type injection struct {
	Injection
	re   *regexp.Regexp
	used int
}

// SetFault makes f see every request first; nil removes it.
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = f
}

// Inject adds a fault; the first injection that matches a request applies.
func (s *Server) Inject(in Injection) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.injections = append(s.injections, &injection{Injection: in, re: regexp.MustCompile(in.Path)})
}

// ClearFaults removes the fault function and every injection.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault, s.injections = nil, nil
}

// Reset closes the request's connection with a TCP reset, unanswered.
func Reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// injected returns the injection that applies to r, if any, and uses it up.
func (s *Server) injected(r *http.Request, path string) *Injection {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, in := range s.injections {
		if (in.Method == "" || in.Method == r.Method) && in.re.MatchString(path) && (in.Times == 0 || in.used < in.Times) {
			in.used++
			out := in.Injection
			return &out
		}
	}
	return nil
}
