package circleci

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Context is a CircleCI context.
type Context struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	CreatedAt string `json:"created_at"`
}

// Restriction types the API documents.
const (
	// RestrictProject limits a context to one project; the value is the
	// project's UUID.
	RestrictProject = "project"
	// RestrictExpression limits a context to pipelines for which an expression,
	// such as `pipeline.git.branch == "main"`, is true.
	RestrictExpression = "expression"
)

// Restriction limits which projects or pipelines may use a context.
type Restriction struct {
	ID    string `json:"id"`
	Type  string `json:"restriction_type"`
	Value string `json:"restriction_value"`
}

// variable is an item of a list of environment variable names; the API never
// returns context variable values, and masks project variable values.
type variable struct {
	Context string `json:"variable"`
	Project string `json:"name"`
}

func (v variable) name() string { return v.Context + v.Project }

// maxPages and maxItems bound pagination against an API that never stops:
// with answers of at most MaxAnswer, a list reads at most a bounded amount.
const (
	maxPages = 1000
	maxItems = 100_000
)

// list follows next_page_token through every page of path. Each page must
// hold an items list, and every item must pass valid.
func list[T any](ctx context.Context, c *Client, path string, query url.Values, what string,
	valid func(T) error) ([]T, error) {
	var all []T
	seen := map[string]bool{}
	for range maxPages {
		var p struct {
			Items         json.RawMessage `json:"items"`
			NextPageToken string          `json:"next_page_token"`
		}
		var items []T
		k := call{method: "GET", path: path + "?" + query.Encode(), out: &p, what: what, idempotent: true}
		k.check = func() error {
			if len(p.Items) == 0 {
				return errors.New("the answer has no items list")
			}
			if err := json.Unmarshal(p.Items, &items); err != nil {
				return fmt.Errorf("the items are not the JSON expected: %w", err)
			}
			for i, it := range items {
				if err := valid(it); err != nil {
					return fmt.Errorf("item %d: %w", i, err)
				}
			}
			return nil
		}
		if err := c.do(ctx, k); err != nil {
			return nil, err
		}
		all = append(all, items...)
		if len(all) > maxItems {
			return nil, fmt.Errorf("circleci: GET %s: more than %d items; check --circleci-url", path, maxItems)
		}
		if p.NextPageToken == "" {
			return all, nil
		}
		if seen[p.NextPageToken] {
			return nil, fmt.Errorf("circleci: GET %s: the API repeated page token %q", path, p.NextPageToken)
		}
		seen[p.NextPageToken] = true
		query.Set("page-token", p.NextPageToken)
	}
	return nil, fmt.Errorf("circleci: GET %s: more than %d pages", path, maxPages)
}

func validContext(cx Context) error {
	if cx.ID == "" || cx.Name == "" {
		return fmt.Errorf("a context without id or name: %+v", cx)
	}
	return nil
}

func orgWhat(orgID string) string {
	return fmt.Sprintf("the organization ID %q (Organization Settings > Overview)", orgID)
}

// FindContext returns the context of that name in the organization, or nil
// when there is none.
func (c *Client) FindContext(ctx context.Context, orgID, name string) (*Context, error) {
	if orgID == "" {
		return nil, errors.New("circleci: no organization ID")
	}
	all, err := list(ctx, c, "/context", url.Values{"owner-id": {orgID}}, orgWhat(orgID), validContext)
	if err != nil {
		return nil, err
	}
	for _, cx := range all {
		if cx.Name == name {
			return &cx, nil
		}
	}
	return nil, nil
}

// isExists reports whether err says a context of that name already exists:
// 409, or 400 with CircleCI's message for it.
func isExists(err error) bool {
	var e *APIError
	if !errors.As(err, &e) {
		return false
	}
	return e.Status == http.StatusConflict ||
		(e.Status == http.StatusBadRequest && strings.Contains(strings.ToLower(e.Message), "already exists"))
}

// ambiguous reports whether a POST may or may not have taken effect: the
// connection failed, or the server failed after it may have acted.
func ambiguous(err error) bool {
	var e *APIError
	if errors.As(err, &e) {
		return e.Status >= 500
	}
	var re *RedirectError
	return !errors.As(err, &re) && transient(err)
}

// CreateContext creates a context in the organization and returns it. POST is
// not idempotent, so when the answer is lost (a reset or 5xx) or says the name
// is taken (409, as when another publish created it a moment ago), it looks
// the context up by name and returns it if it exists; only if not does it try
// again.
func (c *Client) CreateContext(ctx context.Context, orgID, name string) (*Context, error) {
	if orgID == "" || name == "" {
		return nil, errors.New("circleci: creating a context needs an organization ID and a name")
	}
	body := map[string]any{"name": name, "owner": map[string]string{"id": orgID, "type": "organization"}}
	for attempt := 0; ; attempt++ {
		var out Context
		err := c.do(ctx, call{method: "POST", path: "/context", body: body, out: &out, what: orgWhat(orgID),
			check: func() error {
				if out.ID == "" {
					return errors.New("the answer names no context id")
				}
				if out.Name != "" && out.Name != name {
					return fmt.Errorf("the answer is for context %q, not %q", out.Name, name)
				}
				return nil
			}})
		if err == nil {
			if out.Name == "" {
				out.Name = name
			}
			return &out, nil
		}
		if !isExists(err) && !ambiguous(err) {
			return nil, err
		}
		found, ferr := c.FindContext(ctx, orgID, name)
		if ferr != nil {
			return nil, fmt.Errorf("%w; then looking the context up by name: %w", err, ferr)
		}
		if found != nil {
			return found, nil
		}
		if attempt >= c.maxRetries {
			return nil, fmt.Errorf("%w; context %q still does not exist after %d attempts", err, name, attempt+1)
		}
		if err := c.sleep(ctx, c.backoffWait(attempt)); err != nil {
			return nil, fmt.Errorf("circleci: POST /context: %w", err)
		}
	}
}

func contextPath(contextID string) (string, error) {
	if contextID == "" {
		return "", errors.New("circleci: empty context ID")
	}
	return "/context/" + url.PathEscape(contextID), nil
}

func contextWhat(contextID string) string { return fmt.Sprintf("the context ID %q", contextID) }

// PutContextVariable sets a context environment variable, creating or
// replacing it. CircleCI never returns the value.
func (c *Client) PutContextVariable(ctx context.Context, contextID, name, value string) error {
	p, err := contextPath(contextID)
	if err != nil {
		return err
	}
	return c.do(ctx, call{method: "PUT", path: p + "/environment-variable/" + url.PathEscape(name),
		body: map[string]string{"value": value}, what: contextWhat(contextID), idempotent: true})
}

// DeleteContextVariable removes a context environment variable.
func (c *Client) DeleteContextVariable(ctx context.Context, contextID, name string) error {
	p, err := contextPath(contextID)
	if err != nil {
		return err
	}
	return c.do(ctx, call{method: "DELETE", path: p + "/environment-variable/" + url.PathEscape(name),
		what: fmt.Sprintf("the variable %s in context %q", name, contextID), idempotent: true})
}

func validVariable(v variable) error {
	if v.name() == "" {
		return errors.New("a variable without a name")
	}
	return nil
}

func names(vs []variable) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.name()
	}
	return out
}

// ContextVariables lists the names of a context's environment variables.
func (c *Client) ContextVariables(ctx context.Context, contextID string) ([]string, error) {
	p, err := contextPath(contextID)
	if err != nil {
		return nil, err
	}
	vs, err := list(ctx, c, p+"/environment-variable", url.Values{}, contextWhat(contextID), validVariable)
	return names(vs), err
}

func validRestriction(r Restriction) error {
	if r.Type == "" {
		return fmt.Errorf("a restriction without restriction_type: %+v", r)
	}
	return nil
}

// Restrictions lists a context's restrictions.
func (c *Client) Restrictions(ctx context.Context, contextID string) ([]Restriction, error) {
	p, err := contextPath(contextID)
	if err != nil {
		return nil, err
	}
	return list(ctx, c, p+"/restrictions", url.Values{}, contextWhat(contextID), validRestriction)
}

func hasRestriction(rs []Restriction, typ, value string) bool {
	for _, r := range rs {
		if r.Type == typ && r.Value == value {
			return true
		}
	}
	return false
}

// AddRestriction limits the context with a restriction of type
// RestrictProject or RestrictExpression, unless it already has that one. It
// reports whether it added it. When the answer is lost or is a conflict, it
// reads the restrictions back before it tries again.
func (c *Client) AddRestriction(ctx context.Context, contextID, typ, value string) (bool, error) {
	p, err := contextPath(contextID)
	if err != nil {
		return false, err
	}
	if value == "" {
		return false, fmt.Errorf("circleci: empty %s restriction", typ)
	}
	what := contextWhat(contextID)
	if typ == RestrictProject {
		what = fmt.Sprintf("the project ID %q (Project Settings > Overview) and %s", value, what)
	}
	body := map[string]string{"restriction_type": typ, "restriction_value": value}
	for attempt := 0; ; attempt++ {
		existing, err := c.Restrictions(ctx, contextID)
		if err != nil {
			return false, err
		}
		if hasRestriction(existing, typ, value) {
			return attempt > 0, nil
		}
		var out Restriction
		err = c.do(ctx, call{method: "POST", path: p + "/restrictions", body: body, out: &out, what: what,
			check: func() error {
				if out.Type != typ || out.Value != value {
					return fmt.Errorf("the answer is restriction %s %q, not %s %q", out.Type, out.Value, typ, value)
				}
				return nil
			}})
		if err == nil {
			return true, nil
		}
		conflict := IsStatus(err, http.StatusConflict)
		if !(conflict || ambiguous(err)) || attempt >= c.maxRetries {
			return false, err
		}
		if conflict { // it exists: read it back at once
			continue
		}
		if err := c.sleep(ctx, c.backoffWait(attempt)); err != nil {
			return false, fmt.Errorf("circleci: POST %s/restrictions: %w", p, err)
		}
	}
}

// DeleteRestriction removes a restriction from a context, by the ID the
// restrictions list gives it.
func (c *Client) DeleteRestriction(ctx context.Context, contextID, restrictionID string) error {
	p, err := contextPath(contextID)
	if err != nil {
		return err
	}
	if restrictionID == "" {
		return errors.New("circleci: a restriction without an ID cannot be removed")
	}
	return c.do(ctx, call{method: "DELETE", path: p + "/restrictions/" + url.PathEscape(restrictionID),
		what: fmt.Sprintf("the restriction %s of %s", restrictionID, contextWhat(contextID)), idempotent: true})
}

// RestrictToProject limits the context to a project, unless it already is.
// It reports whether it added the restriction.
func (c *Client) RestrictToProject(ctx context.Context, contextID, projectID string) (bool, error) {
	return c.AddRestriction(ctx, contextID, RestrictProject, projectID)
}

// slugRE is a project slug: vcs/org/repo, such as gh/acme/api or
// circleci/<org-id>/<project-id>.
var slugRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// CheckSlug returns an error unless slug is a project slug such as gh/acme/api.
func CheckSlug(slug string) error {
	if !slugRE.MatchString(slug) || strings.Contains("/"+slug+"/", "/./") || strings.Contains("/"+slug+"/", "/../") {
		return fmt.Errorf("project slug %q is not vcs/org/repo, such as gh/acme/api or "+
			"circleci/<org-id>/<project-id> (Project Settings > Overview)", slug)
	}
	return nil
}

func projectPath(slug string) (string, error) {
	if err := CheckSlug(slug); err != nil {
		return "", fmt.Errorf("circleci: %w", err)
	}
	return "/project/" + slug, nil
}

func slugWhat(slug string) string { return fmt.Sprintf("the project slug %q", slug) }

// PutProjectVariable sets a project environment variable; slug is like
// gh/acme/api or circleci/<org-id>/<project-id>. CircleCI replaces a variable
// of the same name, so the call is safe to resend.
func (c *Client) PutProjectVariable(ctx context.Context, slug, name, value string) error {
	p, err := projectPath(slug)
	if err != nil {
		return err
	}
	return c.do(ctx, call{method: "POST", path: p + "/envvar", body: map[string]string{"name": name, "value": value},
		what: slugWhat(slug), idempotent: true})
}

// ProjectVariables lists the names of a project's environment variables.
func (c *Client) ProjectVariables(ctx context.Context, slug string) ([]string, error) {
	p, err := projectPath(slug)
	if err != nil {
		return nil, err
	}
	vs, err := list(ctx, c, p+"/envvar", url.Values{}, slugWhat(slug), validVariable)
	return names(vs), err
}

// DeleteProjectVariable removes a project environment variable.
func (c *Client) DeleteProjectVariable(ctx context.Context, slug, name string) error {
	p, err := projectPath(slug)
	if err != nil {
		return err
	}
	return c.do(ctx, call{method: "DELETE", path: p + "/envvar/" + url.PathEscape(name),
		what: fmt.Sprintf("the variable %s in project %q", name, slug), idempotent: true})
}
