package circlecitest

import (
	"fmt"
	"sort"
	"strings"
)

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
