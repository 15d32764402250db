// Package circlecitest is an in-memory CircleCI API v2 for tests: contexts,
// their variables and restrictions, and project variables, with pagination,
// token checks and scripted faults. It listens on 127.0.0.1 only.
package circlecitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Token is the only token the server accepts.
const Token = "test-token-0123456789"

// Fault answers a request instead of the API when it returns true.
type Fault func(w http.ResponseWriter, r *http.Request) bool

// Server is a fake CircleCI API.
type Server struct {
	*httptest.Server
	// PageSize is how many items a list answers with per page (default 2).
	PageSize int

	mu           sync.Mutex
	fault        Fault
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

// NewServer starts a fake API; close it with Close.
func NewServer() *Server {
	s := &Server{
		PageSize:     2,
		vars:         map[string]map[string]string{},
		restrictions: map[string][]restriction{},
		projectVars:  map[string]map[string]string{},
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// BaseURL is the API's base URL, as the client wants it.
func (s *Server) BaseURL() string { return s.URL + "/api/v2" }

// SetFault makes f see every request first; nil removes it.
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = f
}

// AddContext creates a context directly, as if made in the web app.
func (s *Server) AddContext(org, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addContext(org, name)
}

func (s *Server) addContext(org, name string) string {
	s.nextID++
	id := fmt.Sprintf("00000000-0000-4000-8000-%012d", s.nextID)
	s.contexts = append(s.contexts, context{ID: id, Name: name, Org: org})
	return id
}

// Contexts returns "org/name" for every context, sorted.
func (s *Server) Contexts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, c := range s.contexts {
		out = append(out, c.Org+"/"+c.Name)
	}
	sort.Strings(out)
	return out
}

// ContextID returns the ID of the context of that name, or "".
func (s *Server) ContextID(org, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.contexts {
		if c.Org == org && c.Name == name {
			return c.ID
		}
	}
	return ""
}

// Vars returns a copy of a context's variables.
func (s *Server) Vars(contextID string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for k, v := range s.vars[contextID] {
		out[k] = v
	}
	return out
}

// Restrictions returns the project IDs a context is restricted to, in order.
func (s *Server) Restrictions(contextID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.restrictions[contextID] {
		out = append(out, r.Value)
	}
	return out
}

// ProjectVars returns a copy of a project's variables.
func (s *Server) ProjectVars(slug string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for k, v := range s.projectVars[slug] {
		out[k] = v
	}
	return out
}

// Requests returns "METHOD /path" for every request served, faults included.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// Writes counts the requests that changed something or tried to.
func (s *Server) Writes() int {
	n := 0
	for _, r := range s.Requests() {
		if !strings.HasPrefix(r, "GET ") {
			n++
		}
	}
	return n
}

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
	if r.Header.Get("Circle-Token") != Token {
		message(w, http.StatusUnauthorized, "Invalid token provided.")
		return
	}
	path, ok := strings.CutPrefix(r.URL.Path, "/api/v2")
	if !ok {
		message(w, http.StatusNotFound, "Not found.")
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
	case len(parts) == 4 && parts[0] == "context" && parts[2] == "environment-variable":
		s.contextVar(w, r, parts[1], parts[3])
	case len(parts) == 3 && parts[0] == "context" && parts[2] == "restrictions":
		s.restrict(w, r, parts[1])
	case len(parts) >= 3 && parts[0] == "project" && parts[len(parts)-1] == "envvar" && r.Method == http.MethodPost:
		s.projectVar(w, r, strings.Join(parts[1:len(parts)-1], "/"))
	default:
		message(w, http.StatusNotFound, "Not found.")
	}
}

func paginate[T any](w http.ResponseWriter, r *http.Request, items []T, size int) {
	start, _ := strconv.Atoi(r.URL.Query().Get("page-token"))
	end := min(start+size, len(items))
	if start > len(items) {
		start = len(items)
	}
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items[start:end], "next_page_token": next})
}

func (s *Server) listContexts(w http.ResponseWriter, r *http.Request) {
	org := r.URL.Query().Get("owner-id")
	if org == "" {
		message(w, http.StatusBadRequest, "owner-id is required")
		return
	}
	type item struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		CreatedAt string `json:"created_at"`
	}
	var items []item
	for _, c := range s.contexts {
		if c.Org == org {
			items = append(items, item{ID: c.ID, Name: c.Name, CreatedAt: "2026-11-28T00:00:00Z"})
		}
	}
	paginate(w, r, items, s.PageSize)
}

func (s *Server) createContext(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name  string `json:"name"`
		Owner struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		} `json:"owner"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Name == "" || body.Owner.ID == "" {
		message(w, http.StatusBadRequest, "name and owner.id are required")
		return
	}
	for _, c := range s.contexts {
		if c.Org == body.Owner.ID && c.Name == body.Name {
			message(w, http.StatusConflict, "A context with this name already exists.")
			return
		}
	}
	id := s.addContext(body.Owner.ID, body.Name)
	writeJSON(w, http.StatusOK, map[string]string{"id": id, "name": body.Name, "created_at": "2026-11-28T00:00:00Z"})
}

func (s *Server) knownContext(id string) bool {
	for _, c := range s.contexts {
		if c.ID == id {
			return true
		}
	}
	return false
}

func (s *Server) contextVar(w http.ResponseWriter, r *http.Request, id, name string) {
	if !s.knownContext(id) {
		message(w, http.StatusNotFound, "Context not found.")
		return
	}
	switch r.Method {
	case http.MethodPut:
		var body struct {
			Value *string `json:"value"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Value == nil {
			message(w, http.StatusBadRequest, "value is required")
			return
		}
		if s.vars[id] == nil {
			s.vars[id] = map[string]string{}
		}
		s.vars[id][name] = *body.Value
		writeJSON(w, http.StatusOK, map[string]string{"variable": name, "context_id": id})
	case http.MethodDelete:
		if _, ok := s.vars[id][name]; !ok {
			message(w, http.StatusNotFound, "Environment variable not found.")
			return
		}
		delete(s.vars[id], name)
		message(w, http.StatusOK, "Environment variable deleted.")
	default:
		message(w, http.StatusMethodNotAllowed, "Method not allowed.")
	}
}

func (s *Server) restrict(w http.ResponseWriter, r *http.Request, id string) {
	if !s.knownContext(id) {
		message(w, http.StatusNotFound, "Context not found.")
		return
	}
	type item struct {
		ID    string `json:"id"`
		Type  string `json:"restriction_type"`
		Value string `json:"restriction_value"`
	}
	switch r.Method {
	case http.MethodGet:
		var items []item
		for _, x := range s.restrictions[id] {
			items = append(items, item(x))
		}
		paginate(w, r, items, s.PageSize)
	case http.MethodPost:
		var body item
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Type != "project" || body.Value == "" {
			message(w, http.StatusBadRequest, "restriction_type project and restriction_value are required")
			return
		}
		s.nextID++
		x := restriction{ID: fmt.Sprintf("r-%d", s.nextID), Type: body.Type, Value: body.Value}
		s.restrictions[id] = append(s.restrictions[id], x)
		writeJSON(w, http.StatusCreated, item(x))
	default:
		message(w, http.StatusMethodNotAllowed, "Method not allowed.")
	}
}

func (s *Server) projectVar(w http.ResponseWriter, r *http.Request, slug string) {
	var body struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Name == "" {
		message(w, http.StatusBadRequest, "name and value are required")
		return
	}
	if s.projectVars[slug] == nil {
		s.projectVars[slug] = map[string]string{}
	}
	s.projectVars[slug][body.Name] = body.Value
	writeJSON(w, http.StatusCreated, map[string]string{"name": body.Name, "value": "xxxx" + body.Value[max(0, len(body.Value)-4):]})
}
