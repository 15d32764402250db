package circlecitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
)

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
