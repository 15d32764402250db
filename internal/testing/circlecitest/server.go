// Package circlecitest is an in-memory CircleCI API v2 for tests: contexts,
// their variables and restrictions, and project variables, with pagination,
// token checks and scripted faults. It listens on 127.0.0.1 only.
//
// It answers like CircleCI where the API v2 reference or CircleCI's own
// clients (circleci-cli, terraform-provider-circleci) say how: a second
// context of the same name is a 409 with CircleCI's message; restrictions are
// of type project (a UUID) or expression; lists are paginated with
// next_page_token; variable values are never returned (context) or masked
// (project). Injected faults act like a flaky network or gateway.
package circlecitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
)

// Token is the only token the server accepts.
const Token = "test-token-0123456789"

// ExistsMessage is CircleCI's message for a context name that is taken
// (circleci-cli issue 1192).
const ExistsMessage = "A context already exists with this name"

// Server is a fake CircleCI API.
type Server struct {
	*httptest.Server
	// PageSize is how many items a list answers with per page (default 2).
	PageSize int
	// DuplicateStatus is the status of a POST /context whose name is taken
	// (default 409; the message is ExistsMessage either way).
	DuplicateStatus int

	mu           sync.Mutex
	fault        Fault
	injections   []*injection
	contexts     []context
	vars         map[string]map[string]string // context ID -> name -> value
	restrictions map[string][]restriction
	projectVars  map[string]map[string]string // slug -> name -> value
	requests     []string
	nextID       int
}

type context struct {
	ID, Name, Org string
}

type restriction struct {
	ID, Type, Value string
}

// NewServer starts a fake API on 127.0.0.1; close it with Close.
func NewServer() *Server {
	s := &Server{
		PageSize:        2,
		DuplicateStatus: http.StatusConflict,
		vars:            map[string]map[string]string{},
		restrictions:    map[string][]restriction{},
		projectVars:     map[string]map[string]string{},
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// BaseURL is the API's base URL, as the client wants it.
func (s *Server) BaseURL() string { return s.URL + "/api/v2" }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func message(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.Method+" "+r.URL.Path)
	fault := s.fault
	s.mu.Unlock()
	if fault != nil && fault(w, r) {
		return
	}
	path, ok := strings.CutPrefix(r.URL.Path, "/api/v2")
	if !ok {
		message(w, http.StatusNotFound, "Not found.")
		return
	}
	in := s.injected(r, path)
	if in == nil {
		s.api(w, r, path)
		return
	}
	switch in.Kind {
	case ResetBefore:
		Reset(w)
	case ResetAfter:
		s.api(httptest.NewRecorder(), r, path)
		Reset(w)
	case StatusBefore:
		message(w, in.Status, http.StatusText(in.Status))
	case StatusAfter:
		s.api(httptest.NewRecorder(), r, path)
		message(w, in.Status, http.StatusText(in.Status))
	case Redirect:
		w.Header().Set("Location", in.Location)
		w.WriteHeader(in.Status)
	case Body:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(orDefault(in.Status, http.StatusOK))
		_, _ = w.Write([]byte(in.Body))
	default:
		panic(fmt.Sprintf("circlecitest: unknown fault kind %d", in.Kind))
	}
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// api answers as CircleCI would.
func (s *Server) api(w http.ResponseWriter, r *http.Request, path string) {
	if r.Header.Get("Circle-Token") != Token {
		message(w, http.StatusUnauthorized, "Invalid token provided.")
		return
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")

	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case len(parts) == 1 && parts[0] == "context" && r.Method == http.MethodGet:
		s.listContexts(w, r)
	case len(parts) == 1 && parts[0] == "context" && r.Method == http.MethodPost:
		s.createContext(w, r)
	case len(parts) == 3 && parts[0] == "context" && parts[2] == "environment-variable" && r.Method == http.MethodGet:
		s.listVars(w, r, parts[1])
	case len(parts) == 4 && parts[0] == "context" && parts[2] == "environment-variable":
		s.contextVar(w, r, parts[1], parts[3])
	case len(parts) == 3 && parts[0] == "context" && parts[2] == "restrictions":
		s.restrict(w, r, parts[1])
	case len(parts) == 4 && parts[0] == "context" && parts[2] == "restrictions" && r.Method == http.MethodDelete:
		s.unrestrict(w, parts[1], parts[3])
	case len(parts) == 5 && parts[0] == "project" && parts[4] == "envvar":
		s.projectVars1(w, r, strings.Join(parts[1:4], "/"))
	case len(parts) == 6 && parts[0] == "project" && parts[4] == "envvar":
		s.projectVar(w, r, strings.Join(parts[1:4], "/"), parts[5])
	default:
		message(w, http.StatusNotFound, "Not found.")
	}
}

func paginate[T any](w http.ResponseWriter, r *http.Request, items []T, size int) {
	if items == nil {
		items = []T{}
	}
	start, _ := strconv.Atoi(r.URL.Query().Get("page-token"))
	start = min(max(start, 0), len(items))
	end := min(start+size, len(items))
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items[start:end], "next_page_token": next})
}
