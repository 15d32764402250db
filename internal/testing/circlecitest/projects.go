package circlecitest

import (
	"encoding/json"
	"net/http"
)

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
