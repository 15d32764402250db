package orbpack

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/origin"
)

// DefaultEndpoint is CircleCI cloud's GraphQL API, which `circleci orb
// publish` calls (circleci-cli api.GraphQLServerAddress).
const DefaultEndpoint = "https://circleci.com/graphql-unstable"

// DefaultName is this project's orb in the registry.
const DefaultName = "circleci-oidc/circleci-oidc"

// TokenEnv holds the CircleCI personal API token that may publish in the
// namespace; the circleci CLI reads the same variable.
const TokenEnv = "CIRCLECI_CLI_TOKEN"

// The two requests `circleci orb publish` makes (circleci-cli api.OrbID and
// api.OrbPublishByID).
const (
	orbIDQuery = `query ($name: String!, $namespace: String) {
	orb(name: $name) { id }
	registryNamespace(name: $namespace) { id }
}`
	publishMutation = `mutation($config: String!, $orbId: UUID!, $version: String!) {
	publishOrb(orbId: $orbId, orbYaml: $config, version: $version) {
		orb { version }
		errors { message }
	}
}`
)

var (
	nameRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*/[a-z0-9][a-z0-9_-]*$`)
	releaseRE = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`)
)

// Publisher publishes a packed orb.
type Publisher struct {
	Endpoint string
	// Token is sent only to Endpoint, as the Authorization header, and never
	// printed; redirects are refused, and so is an Endpoint that is not
	// https (http only to loopback) or that carries credentials.
	Token  string
	DryRun bool
	HTTP   *http.Client
	Log    io.Writer
}

// Publish publishes packed as name@version. An orb's versions are X.Y.Z, so
// a pre-release publishes nothing, and says so.
func (p Publisher) Publish(ctx context.Context, name, version string, packed []byte) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("orbpack: orb name %q is not namespace/orb, such as %s", name, DefaultName)
	}
	if !releaseRE.MatchString(version) {
		fmt.Fprintf(p.Log, "orb %s: version %s is a pre-release, and an orb's versions are X.Y.Z: nothing to publish\n", name, version)
		return nil
	}
	namespace := name[:strings.Index(name, "/")]
	if err := p.checkEndpoint(); err != nil {
		return err
	}
	if p.DryRun {
		sum := sha256.Sum256(packed)
		fmt.Fprintf(p.Log, "dry run: POST %s orb(name: %q) { id }, registryNamespace(name: %q) { id }\n", p.Endpoint, name, namespace)
		fmt.Fprintf(p.Log, "dry run: POST %s publishOrb(orbId: <the id found>, version: %q, orbYaml: %d bytes, sha256 %x)\n",
			p.Endpoint, version, len(packed), sum)
		fmt.Fprintf(p.Log, "(dry run: nothing was sent)\n")
		return nil
	}
	if p.Token == "" {
		return fmt.Errorf("orbpack: %s is not set: publishing %s needs a CircleCI personal API token that may publish in namespace %s",
			TokenEnv, name, namespace)
	}
	var ids struct {
		Orb               *struct{ ID string } `json:"orb"`
		RegistryNamespace *struct{ ID string } `json:"registryNamespace"`
	}
	if err := p.call(ctx, orbIDQuery, map[string]any{"name": name, "namespace": namespace}, &ids); err != nil {
		return fmt.Errorf("orbpack: looking up orb %s: %w", name, err)
	}
	switch {
	case ids.RegistryNamespace == nil:
		return fmt.Errorf("orbpack: namespace %s does not exist: create it once with `circleci namespace create`", namespace)
	case ids.Orb == nil:
		return fmt.Errorf("orbpack: orb %s does not exist: create it once with `circleci orb create %s`", name, name)
	}
	var published struct {
		PublishOrb struct {
			Orb    *struct{ Version string }  `json:"orb"`
			Errors []struct{ Message string } `json:"errors"`
		} `json:"publishOrb"`
	}
	vars := map[string]any{"config": string(packed), "orbId": ids.Orb.ID, "version": version}
	if err := p.call(ctx, publishMutation, vars, &published); err != nil {
		return fmt.Errorf("orbpack: publishing %s@%s: %w", name, version, err)
	}
	if errs := published.PublishOrb.Errors; len(errs) > 0 {
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, e.Message)
		}
		return fmt.Errorf("orbpack: publishing %s@%s: %s", name, version, origin.Redact(strings.Join(msgs, "; "), p.Token))
	}
	fmt.Fprintf(p.Log, "published orb %s@%s\n", name, version)
	return nil
}

// checkEndpoint refuses an Endpoint the token may not travel to: not an
// absolute https URL (http only to a loopback host, as a test server), or one
// that carries credentials of its own.
func (p Publisher) checkEndpoint() error {
	u, err := url.Parse(p.Endpoint)
	switch {
	case err != nil || u.Host == "":
		return fmt.Errorf("orbpack: the endpoint is not an absolute https:// URL, such as %s, so it is unclear where it "+
			"would send the token", DefaultEndpoint)
	case u.User != nil:
		return fmt.Errorf("orbpack: the endpoint %s carries credentials of its own, and would send the token beside them: "+
			"give only scheme, host and path, such as %s", origin.Of(u)+u.Path, DefaultEndpoint)
	case !origin.Secure(u):
		return fmt.Errorf("orbpack: the endpoint %s is not https://, and would send the token in clear text: use https:// "+
			"(http:// only for loopback hosts such as 127.0.0.1)", origin.Of(u)+u.Path)
	}
	return nil
}

// call sends one GraphQL request and decodes its data into out.
func (p Publisher) call(ctx context.Context, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.Endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", p.Token)
	client := *p.HTTP
	client.CheckRedirect = func(*http.Request, []*http.Request) error {
		return errors.New("refusing to follow a redirect with the API token")
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", p.Endpoint, resp.Status)
	}
	var r struct {
		Data   json.RawMessage            `json:"data"`
		Errors []struct{ Message string } `json:"errors"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("%s answered something that is not GraphQL JSON: %w", p.Endpoint, err)
	}
	if len(r.Errors) > 0 {
		return errors.New(origin.Redact(r.Errors[0].Message, p.Token))
	}
	return json.Unmarshal(r.Data, out)
}
