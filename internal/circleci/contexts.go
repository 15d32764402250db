package circleci

import (
	"context"
	"fmt"
	"net/url"
)

// Context is a CircleCI context.
type Context struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	CreatedAt string `json:"created_at"`
}

// Restriction limits which projects may use a context.
type Restriction struct {
	ID    string `json:"id"`
	Type  string `json:"restriction_type"`
	Value string `json:"restriction_value"`
}

type page[T any] struct {
	Items         []T    `json:"items"`
	NextPageToken string `json:"next_page_token"`
}

// maxPages bounds pagination against an API that never stops.
const maxPages = 1000

// list follows next_page_token through every page of path.
func list[T any](ctx context.Context, c *Client, path string, query url.Values, what string) ([]T, error) {
	var all []T
	for range maxPages {
		var p page[T]
		if err := c.do(ctx, "GET", path+"?"+query.Encode(), nil, &p, what); err != nil {
			return nil, err
		}
		all = append(all, p.Items...)
		if p.NextPageToken == "" {
			return all, nil
		}
		query.Set("page-token", p.NextPageToken)
	}
	return nil, fmt.Errorf("circleci: GET %s: more than %d pages", path, maxPages)
}

// FindContext returns the context of that name in the organization, or nil
// when there is none.
func (c *Client) FindContext(ctx context.Context, orgID, name string) (*Context, error) {
	all, err := list[Context](ctx, c, "/context", url.Values{"owner-id": {orgID}},
		fmt.Sprintf("the organization ID %q (Organization Settings > Overview)", orgID))
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

// CreateContext creates a context in the organization.
func (c *Client) CreateContext(ctx context.Context, orgID, name string) (*Context, error) {
	body := map[string]any{"name": name, "owner": map[string]string{"id": orgID, "type": "organization"}}
	var out Context
	if err := c.do(ctx, "POST", "/context", body, &out,
		fmt.Sprintf("the organization ID %q", orgID)); err != nil {
		return nil, err
	}
	return &out, nil
}

// PutContextVariable sets a context environment variable, creating or
// replacing it. CircleCI never returns the value.
func (c *Client) PutContextVariable(ctx context.Context, contextID, name, value string) error {
	return c.do(ctx, "PUT", "/context/"+url.PathEscape(contextID)+"/environment-variable/"+url.PathEscape(name),
		map[string]string{"value": value}, nil, fmt.Sprintf("the context ID %q", contextID))
}

// DeleteContextVariable removes a context environment variable.
func (c *Client) DeleteContextVariable(ctx context.Context, contextID, name string) error {
	return c.do(ctx, "DELETE", "/context/"+url.PathEscape(contextID)+"/environment-variable/"+url.PathEscape(name),
		nil, nil, fmt.Sprintf("the variable %s in context %q", name, contextID))
}

// Restrictions lists a context's restrictions.
func (c *Client) Restrictions(ctx context.Context, contextID string) ([]Restriction, error) {
	return list[Restriction](ctx, c, "/context/"+url.PathEscape(contextID)+"/restrictions", url.Values{},
		fmt.Sprintf("the context ID %q", contextID))
}

// RestrictToProject limits the context to a project, unless it already is.
// It reports whether it added the restriction.
func (c *Client) RestrictToProject(ctx context.Context, contextID, projectID string) (bool, error) {
	existing, err := c.Restrictions(ctx, contextID)
	if err != nil {
		return false, err
	}
	for _, r := range existing {
		if r.Type == "project" && r.Value == projectID {
			return false, nil
		}
	}
	body := map[string]string{"restriction_type": "project", "restriction_value": projectID}
	err = c.do(ctx, "POST", "/context/"+url.PathEscape(contextID)+"/restrictions", body, nil,
		fmt.Sprintf("the project ID %q (Project Settings > Overview)", projectID))
	return err == nil, err
}

// PutProjectVariable sets a project environment variable; slug is like
// gh/acme/api or circleci/<org-id>/<project-id>.
func (c *Client) PutProjectVariable(ctx context.Context, slug, name, value string) error {
	return c.do(ctx, "POST", "/project/"+slug+"/envvar", map[string]string{"name": name, "value": value}, nil,
		fmt.Sprintf("the project slug %q", slug))
}
