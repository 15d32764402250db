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
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Token is the only token the server accepts.
const Token = "test-token-0123456789"

// ExistsMessage is CircleCI's message for a context name that is taken
// (circleci-cli issue 1192).
const ExistsMessage = "A context already exists with this name"

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

// AddRestriction restricts a context directly, as if done in the web app.
func (s *Server) AddRestriction(contextID, typ, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	s.restrictions[contextID] = append(s.restrictions[contextID],
		restriction{ID: fmt.Sprintf("00000000-0000-4000-9000-%012d", s.nextID), Type: typ, Value: value})
}

// SetVar sets a context variable directly, as if set in the web app.
func (s *Server) SetVar(contextID, name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.vars[contextID] == nil {
		s.vars[contextID] = map[string]string{}
	}
	s.vars[contextID][name] = value
}

// SetProjectVar sets a project variable directly, as if set in the web app.
func (s *Server) SetProjectVar(slug, name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.projectVars[slug] == nil {
		s.projectVars[slug] = map[string]string{}
	}
	s.projectVars[slug][name] = value
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

// Restrictions returns the values of a context's restrictions, in order.
func (s *Server) Restrictions(contextID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.restrictions[contextID] {
		out = append(out, r.Value)
	}
	return out
}

// TypedRestrictions returns "type value" for each of a context's
// restrictions, in order.
func (s *Server) TypedRestrictions(contextID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.restrictions[contextID] {
		out = append(out, r.Type+" "+r.Value)
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
			message(w, s.DuplicateStatus, ExistsMessage)
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

func (s *Server) listVars(w http.ResponseWriter, r *http.Request, id string) {
	if !s.knownContext(id) {
		message(w, http.StatusNotFound, "Context not found.")
		return
	}
	type item struct {
		Variable  string `json:"variable"`
		ContextID string `json:"context_id"`
		CreatedAt string `json:"created_at"`
		UpdatedAt string `json:"updated_at"`
	}
	var items []item
	for _, name := range sortedKeys(s.vars[id]) {
		items = append(items, item{name, id, "2026-11-28T00:00:00Z", "2026-11-28T00:00:00Z"})
	}
	paginate(w, r, items, s.PageSize)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
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

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

type restrictionItem struct {
	ID        string `json:"id"`
	ContextID string `json:"context_id"`
	ProjectID string `json:"project_id,omitempty"`
	Name      string `json:"name"`
	Type      string `json:"restriction_type"`
	Value     string `json:"restriction_value"`
}

func (s *Server) restrictionItem(contextID string, x restriction) restrictionItem {
	it := restrictionItem{ID: x.ID, ContextID: contextID, Name: x.Value, Type: x.Type, Value: x.Value}
	if x.Type == "project" {
		it.ProjectID = x.Value
	}
	return it
}

func (s *Server) restrict(w http.ResponseWriter, r *http.Request, id string) {
	if !s.knownContext(id) {
		message(w, http.StatusNotFound, "Context not found.")
		return
	}
	switch r.Method {
	case http.MethodGet:
		var items []restrictionItem
		for _, x := range s.restrictions[id] {
			items = append(items, s.restrictionItem(id, x))
		}
		paginate(w, r, items, s.PageSize)
	case http.MethodPost:
		var body struct {
			Type  string `json:"restriction_type"`
			Value string `json:"restriction_value"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Value == "" {
			message(w, http.StatusBadRequest, "restriction_type and restriction_value are required")
			return
		}
		switch body.Type {
		case "project":
			if !uuidRE.MatchString(body.Value) {
				message(w, http.StatusBadRequest, "restriction_value must be a project ID")
				return
			}
		case "expression":
		default:
			message(w, http.StatusBadRequest, "restriction_type must be project or expression")
			return
		}
		for _, x := range s.restrictions[id] {
			if x.Type == body.Type && x.Value == body.Value {
				message(w, http.StatusConflict, "Request conflict.")
				return
			}
		}
		s.nextID++
		x := restriction{ID: fmt.Sprintf("00000000-0000-4000-9000-%012d", s.nextID), Type: body.Type, Value: body.Value}
		s.restrictions[id] = append(s.restrictions[id], x)
		writeJSON(w, http.StatusCreated, s.restrictionItem(id, x))
	default:
		message(w, http.StatusMethodNotAllowed, "Method not allowed.")
	}
}

func (s *Server) unrestrict(w http.ResponseWriter, id, rid string) {
	for i, x := range s.restrictions[id] {
		if x.ID == rid {
			s.restrictions[id] = append(s.restrictions[id][:i:i], s.restrictions[id][i+1:]...)
			message(w, http.StatusOK, "Context restriction deleted.")
			return
		}
	}
	message(w, http.StatusNotFound, "Restriction not found.")
}

func masked(v string) string { return "xxxx" + v[max(0, len(v)-4):] }

// projectVars1 serves /project/{slug}/envvar: list and create.
func (s *Server) projectVars1(w http.ResponseWriter, r *http.Request, slug string) {
	switch r.Method {
	case http.MethodGet:
		type item struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		}
		var items []item
		for _, name := range sortedKeys(s.projectVars[slug]) {
			items = append(items, item{name, masked(s.projectVars[slug][name])})
		}
		paginate(w, r, items, s.PageSize)
	case http.MethodPost:
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
		writeJSON(w, http.StatusCreated, map[string]string{"name": body.Name, "value": masked(body.Value)})
	default:
		message(w, http.StatusMethodNotAllowed, "Method not allowed.")
	}
}

// projectVar serves /project/{slug}/envvar/{name}: read (masked) and delete.
func (s *Server) projectVar(w http.ResponseWriter, r *http.Request, slug, name string) {
	v, ok := s.projectVars[slug][name]
	if !ok {
		message(w, http.StatusNotFound, "Environment variable not found.")
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]string{"name": name, "value": masked(v)})
	case http.MethodDelete:
		delete(s.projectVars[slug], name)
		message(w, http.StatusOK, "Environment variable deleted.")
	default:
		message(w, http.StatusMethodNotAllowed, "Method not allowed.")
	}
}
