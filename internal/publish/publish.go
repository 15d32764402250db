// Package publish writes a stack's outputs where CircleCI jobs read them: a
// context, project environment variables, or both. It publishes AWS_ROLE_ARN
// from roleArn and the stack's region, plus any output asked for.
//
// Secrets wait for restrictions: a context is found or created, restricted,
// and its restrictions read back and verified before any variable is written.
// Every variable publish writes is paired with a marker variable,
// MarkerPrefix+NAME, written before it and deleted after it; since the API
// lists variable names but never returns values, the markers are how a later
// publish knows which variables are its own, and what --prune may delete.
package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/circleci"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/stackout"
)

// Config keys publishing reads.
const (
	RegionKey       = "aws:region"
	OrganizationKey = "circleci-oidc:organizationId"
	ProjectIDsKey   = "circleci-oidc:projectIds"
	BranchesKey     = "circleci-oidc:branches"
	GitTagsKey      = "circleci-oidc:gitTags"
)

// MarkerPrefix starts the name of the marker variable that records that
// publish wrote the variable named by the rest of the name.
const MarkerPrefix = "CIRCLECI_OIDC_MANAGED_"

// Options are the command's choices.
type Options struct {
	// Context is the CircleCI context to write, such as aws-prod; it may be
	// empty when ProjectSlugs is not.
	Context string
	// ProjectSlugs are projects, such as gh/acme/api, whose environment
	// variables to write, instead of or beside the context.
	ProjectSlugs []string
	// OrgID owns the context; default the stack's circleci-oidc:organizationId.
	OrgID string
	// NoCreate refuses to create a missing context.
	NoCreate bool
	// Restrict limits the context to the stack's projectIds.
	Restrict bool
	// RestrictExpressions are expression restrictions to add to the context.
	RestrictExpressions []string
	// RestrictBranches adds one expression restriction that allows the
	// stack's branches and no others.
	RestrictBranches bool
	// Prune deletes variables an earlier publish wrote that this one does not.
	Prune bool
	// Vars are more outputs to publish, in order; a later one with the same
	// name wins.
	Vars []Var
	// Region overrides the stack's aws:region.
	Region string
}

// Var publishes a stack output as the environment variable Name.
type Var struct{ Name, Output string }

// ParseVar parses a --var value, NAME=output.
func ParseVar(s string) (Var, error) {
	name, output, ok := strings.Cut(s, "=")
	if !ok || !varNameRE.MatchString(name) || output == "" {
		return Var{}, fmt.Errorf("--var %q is not NAME=output, such as --var ROLE_NAME=roleName", s)
	}
	if strings.HasPrefix(name, MarkerPrefix) || strings.HasPrefix(name, RestrictionMarkerPrefix) {
		return Var{}, fmt.Errorf("--var %q: names starting with %s or %s are publish's own markers; choose another name",
			s, MarkerPrefix, RestrictionMarkerPrefix)
	}
	return Var{Name: name, Output: output}, nil
}

// Variable is one environment variable to write.
type Variable struct {
	Name, Value string
	// From says where the value comes from: "output roleArn", "config aws:region".
	From   string
	Secret bool
}

// Restriction is a context restriction to put in place.
type Restriction struct {
	// Type is circleci.RestrictProject or circleci.RestrictExpression.
	Type, Value string
	// From says where it comes from: "config circleci-oidc:projectIds".
	From string
}

// String returns the restriction as output shows it: "project <id>", "expression <expr>".
func (r Restriction) String() string {
	return r.Type + " " + r.Value
}

// Plan is what publishing will do.
type Plan struct {
	Stack string
	OrgID string
	// Context is the context to write, or "" for projects only.
	Context      string
	Create       bool
	Variables    []Variable
	Restrictions []Restriction
	// Projects are the slugs of projects whose variables to write.
	Projects []string
	Prune    bool
	// Notes are warnings to show with the plan.
	Notes []string
}

var varNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// NewPlan decides what to write from the stack and the options.
func NewPlan(s stackout.Stack, o Options) (Plan, error) {
	p := Plan{Stack: s.Name, Context: o.Context, OrgID: o.OrgID, Create: !o.NoCreate, Prune: o.Prune}
	if p.Context == "" && len(o.ProjectSlugs) == 0 {
		return Plan{}, errors.New("nowhere to publish: name a CircleCI context, such as aws-prod, " +
			"or a project slug, such as gh/acme/api")
	}
	for _, slug := range o.ProjectSlugs {
		if err := circleci.CheckSlug(slug); err != nil {
			return Plan{}, fmt.Errorf("--project-slug: %w", err)
		}
		if !slices.Contains(p.Projects, slug) {
			p.Projects = append(p.Projects, slug)
		}
	}
	if p.Context == "" {
		switch {
		case o.Restrict, o.RestrictBranches, len(o.RestrictExpressions) > 0:
			return Plan{}, errors.New("restrictions apply to a context: add --context, or drop " +
				"--restrict, --restrict-branches and --restrict-expression")
		case o.NoCreate:
			return Plan{}, errors.New("--no-create applies to a context: add --context or drop --no-create")
		}
	} else {
		if p.OrgID == "" {
			p.OrgID = s.Config[OrganizationKey]
		}
		if p.OrgID == "" {
			return Plan{}, fmt.Errorf("stack %s has no %s: pass --org-id", s.Name, OrganizationKey)
		}
	}

	roleArn, ok := s.Outputs["roleArn"]
	if !ok {
		return Plan{}, fmt.Errorf("stack %s has no output roleArn; is it a circleci-oidc stack, and has it been "+
			"deployed? its outputs: %s", s.Name, strings.Join(slices.Sorted(maps.Keys(s.Outputs)), ", "))
	}
	p.add("AWS_ROLE_ARN", roleArn, "output roleArn")

	region, from := o.Region, "--region"
	if region == "" {
		region, from = s.Config[RegionKey], "config "+RegionKey
	}
	if region == "" {
		return Plan{}, fmt.Errorf("stack %s has no %s: pass --region", s.Name, RegionKey)
	}
	p.add("AWS_REGION", stackout.Output{Value: region}, from)
	p.add("AWS_DEFAULT_REGION", stackout.Output{Value: region}, from)

	for _, v := range o.Vars {
		out, ok := s.Outputs[v.Output]
		if !ok {
			return Plan{}, fmt.Errorf("--var %s=%s: stack %s has no output %s; its outputs: %s",
				v.Name, v.Output, s.Name, v.Output, strings.Join(slices.Sorted(maps.Keys(s.Outputs)), ", "))
		}
		p.add(v.Name, out, "output "+v.Output)
	}

	if o.Restrict {
		var ids []string
		raw := s.Config[ProjectIDsKey]
		if raw == "" || json.Unmarshal([]byte(raw), &ids) != nil || len(ids) == 0 {
			return Plan{}, fmt.Errorf("--restrict: stack %s has no %s list to restrict the context to",
				s.Name, ProjectIDsKey)
		}
		for _, id := range ids {
			p.restrict(circleci.RestrictProject, id, "config "+ProjectIDsKey)
		}
	}
	if o.RestrictBranches {
		var branches []string
		raw := s.Config[BranchesKey]
		if raw == "" || json.Unmarshal([]byte(raw), &branches) != nil || len(branches) == 0 {
			return Plan{}, fmt.Errorf("--restrict-branches: stack %s has no %s list to restrict the context to",
				s.Name, BranchesKey)
		}
		expr, err := BranchExpression(branches)
		if err != nil {
			return Plan{}, fmt.Errorf("--restrict-branches: stack %s: %w", s.Name, err)
		}
		p.restrict(circleci.RestrictExpression, expr, "config "+BranchesKey)
		if raw := s.Config[GitTagsKey]; raw != "" && raw != "[]" {
			p.Notes = append(p.Notes, "the stack also trusts "+GitTagsKey+", but --restrict-branches allows "+
				"branch pipelines only: tag pipelines will not get this context")
		}
	}
	for _, e := range o.RestrictExpressions {
		if strings.TrimSpace(e) == "" {
			return Plan{}, errors.New("--restrict-expression is empty; give one such as 'pipeline.git.branch == \"main\"'")
		}
		p.restrict(circleci.RestrictExpression, e, "--restrict-expression")
	}
	return p, nil
}

func (p *Plan) add(name string, out stackout.Output, from string) {
	value, ok := out.Value.(string)
	if !ok {
		b, _ := json.Marshal(out.Value)
		value = string(b)
	}
	for i, v := range p.Variables {
		if v.Name == name { // a later mapping wins
			p.Variables[i] = Variable{Name: name, Value: value, From: from, Secret: out.Secret}
			return
		}
	}
	p.Variables = append(p.Variables, Variable{Name: name, Value: value, From: from, Secret: out.Secret})
}

func (p *Plan) restrict(typ, value, from string) {
	for _, r := range p.Restrictions {
		if r.Type == typ && r.Value == value {
			return
		}
	}
	p.Restrictions = append(p.Restrictions, Restriction{Type: typ, Value: value, From: from})
}

// BranchExpression turns the stack's branch names and IAM patterns into one
// CircleCI expression that is true for exactly those branches, such as
// `pipeline.git.branch == "main" or pipeline.git.branch starts-with "release/"`.
//
// In IAM's StringLike, * matches any run of characters, / included, and ?
// one character. CircleCI expressions compare with == and starts-with only
// (CircleCI-Public/expr), so a name maps to ==, a pattern whose only * is at
// its end maps to starts-with, and any other pattern is refused rather than
// widened.
func BranchExpression(patterns []string) (string, error) {
	var terms []string
	for i, b := range patterns {
		where := fmt.Sprintf("branch %q (%s[%d])", b, BranchesKey, i)
		stars := strings.Count(b, "*")
		var term string
		switch {
		case strings.TrimSpace(b) == "":
			return "", fmt.Errorf("%s is empty", where)
		case b == "*":
			return "", fmt.Errorf("%s matches every branch, so it would restrict nothing; drop --restrict-branches", where)
		case strings.Contains(b, "?") || strings.Contains(b, "${"):
			return "", fmt.Errorf("%s uses ? or ${...}, which CircleCI expressions cannot express exactly; "+
				"write the restriction yourself with --restrict-expression", where)
		case stars > 1 || (stars == 1 && !strings.HasSuffix(b, "*")):
			return "", fmt.Errorf("%s has a * that is not its last character; CircleCI expressions can only test "+
				"equality and prefixes (starts-with), so it cannot be expressed exactly; write the restriction "+
				"yourself with --restrict-expression", where)
		case stars == 1:
			term = "pipeline.git.branch starts-with " + quote(strings.TrimSuffix(b, "*"))
		default:
			term = "pipeline.git.branch == " + quote(b)
		}
		if !slices.Contains(terms, term) {
			terms = append(terms, term)
		}
	}
	return strings.Join(terms, " or "), nil
}

// quote writes s as an expression string literal: in double quotes, with \
// and " escaped by \ (CircleCI-Public/expr README, "Note on strings").
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// API is the part of the CircleCI client publishing uses.
type API interface {
	FindContext(ctx context.Context, orgID, name string) (*circleci.Context, error)
	CreateContext(ctx context.Context, orgID, name string) (*circleci.Context, error)
	PutContextVariable(ctx context.Context, contextID, name, value string) error
	DeleteContextVariable(ctx context.Context, contextID, name string) error
	ContextVariables(ctx context.Context, contextID string) ([]string, error)
	Restrictions(ctx context.Context, contextID string) ([]circleci.Restriction, error)
	AddRestriction(ctx context.Context, contextID, typ, value string) (bool, error)
	DeleteRestriction(ctx context.Context, contextID, restrictionID string) error
	PutProjectVariable(ctx context.Context, slug, name, value string) error
	ProjectVariables(ctx context.Context, slug string) ([]string, error)
	DeleteProjectVariable(ctx context.Context, slug, name string) error
}

// shown is how a value is printed: secrets never.
func (v Variable) shown() string {
	if v.Secret {
		return "[secret]"
	}
	return v.Value
}

func (p Plan) width() int {
	width := 0
	for _, v := range p.Variables {
		width = max(width, len(v.Name))
	}
	return width
}

func (p Plan) where() string {
	var parts []string
	if p.Context != "" {
		parts = append(parts, fmt.Sprintf("CircleCI context %q in organization %s", p.Context, p.OrgID))
	}
	for _, slug := range p.Projects {
		parts = append(parts, "project "+slug)
	}
	return strings.Join(parts, ", ")
}

// target is a place variables are written to: a context or a project.
type target struct {
	label string
	list  func(context.Context) ([]string, error)
	put   func(ctx context.Context, name, value string) error
	del   func(ctx context.Context, name string) error
}

func contextTarget(api API, name, id string) target {
	return target{
		label: fmt.Sprintf("context %q", name),
		list:  func(ctx context.Context) ([]string, error) { return api.ContextVariables(ctx, id) },
		put: func(ctx context.Context, n, v string) error {
			return api.PutContextVariable(ctx, id, n, v)
		},
		del: func(ctx context.Context, n string) error { return api.DeleteContextVariable(ctx, id, n) },
	}
}

func projectTarget(api API, slug string) target {
	return target{
		label: "project " + slug,
		list:  func(ctx context.Context) ([]string, error) { return api.ProjectVariables(ctx, slug) },
		put: func(ctx context.Context, n, v string) error {
			return api.PutProjectVariable(ctx, slug, n, v)
		},
		del: func(ctx context.Context, n string) error { return api.DeleteProjectVariable(ctx, slug, n) },
	}
}

// stale returns the variables an earlier publish wrote (they have a marker)
// that this plan does not write, sorted.
func (p Plan) stale(existing []string) []string {
	var out []string
	for _, n := range existing {
		name, ok := strings.CutPrefix(n, MarkerPrefix)
		if !ok || name == "" || slices.ContainsFunc(p.Variables, func(v Variable) bool { return v.Name == name }) {
			continue
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// leftWhy explains a stale variable left in place: one an earlier publish
// wrote, or only its marker, when a killed prune deleted the variable.
func leftWhy(names []string, name string) string {
	if slices.Contains(names, name) {
		return "an earlier publish wrote it; --prune deletes it"
	}
	return "only its marker is left, from an interrupted prune; --prune deletes it"
}

func (p Plan) header(w io.Writer, verb string) {
	fmt.Fprintf(w, "%s stack %s -> %s\n", verb, p.Stack, p.where())
	for _, n := range p.Notes {
		fmt.Fprintf(w, "  note         %s\n", n)
	}
}

// DryRun prints what Apply would do. With api it also reads CircleCI to say
// whether the context exists, which restrictions it has and which variables
// --prune would delete; it writes nothing.
func DryRun(ctx context.Context, api API, p Plan, w io.Writer) error {
	p.header(w, "Dry run:")
	var targets []target
	if p.Context != "" {
		var existing []circleci.Restriction
		switch {
		case api == nil:
			fmt.Fprintf(w, "  context      not looked up (no %s)\n", circleci.TokenEnv)
		default:
			c, err := api.FindContext(ctx, p.OrgID, p.Context)
			if err != nil {
				return err
			}
			switch {
			case c != nil:
				fmt.Fprintf(w, "  context      exists (%s)\n", c.ID)
				if existing, err = api.Restrictions(ctx, c.ID); err != nil {
					return err
				}
				targets = append(targets, contextTarget(api, p.Context, c.ID))
				if err := p.reportDrift(ctx, api, c.ID, w, p.Prune, true); err != nil {
					return err
				}
				if len(existing) == 0 && len(p.Restrictions) == 0 {
					fmt.Fprintf(w, "  restriction  none: every project of the organization can use this context\n")
				}
			case p.Create:
				fmt.Fprintf(w, "  context      would be created\n")
			default:
				return fmt.Errorf("context %q does not exist in organization %s, and --no-create forbids creating it",
					p.Context, p.OrgID)
			}
		}
		for _, r := range p.Restrictions {
			if inPlace(existing, r) {
				fmt.Fprintf(w, "  restriction  %s already in place\n", r)
			} else {
				fmt.Fprintf(w, "  restriction  would restrict to %s  (%s)\n", r, r.From)
			}
		}
		if len(p.Restrictions) > 0 {
			fmt.Fprintf(w, "  restriction  would be read back and verified before any variable is written\n")
		}
	}
	if api != nil {
		for _, slug := range p.Projects {
			targets = append(targets, projectTarget(api, slug))
		}
	}
	width := p.width()
	for _, v := range p.Variables {
		fmt.Fprintf(w, "  would set %-*s = %s  (%s)\n", width, v.Name, v.shown(), v.From)
	}
	fmt.Fprintf(w, "  would mark each with a marker variable %s<NAME>, for --prune\n", MarkerPrefix)
	for _, t := range targets {
		names, err := t.list(ctx)
		if err != nil {
			return err
		}
		for _, n := range p.stale(names) {
			if p.Prune {
				fmt.Fprintf(w, "  would delete %s from %s (an earlier publish wrote it; this one does not)\n", n, t.label)
			} else {
				fmt.Fprintf(w, "  would leave %s in %s (%s)\n", n, t.label, leftWhy(names, n))
			}
		}
	}
	fmt.Fprintln(w, "Nothing was changed.")
	return nil
}

// inPlace reports whether the context's restrictions include r.
func inPlace(rs []circleci.Restriction, r Restriction) bool {
	return slices.ContainsFunc(rs, func(x circleci.Restriction) bool { return x.Type == r.Type && x.Value == r.Value })
}

// progress remembers how far Apply got, to say what a failure left behind.
type progress struct {
	context        string
	created        bool
	restricted     int
	verified       bool
	written        map[string]int // target label -> variables written
	pruning        bool
	variablesTotal int
	restrictTotal  int
}

func (g *progress) describe(w io.Writer) {
	fmt.Fprintln(w, "Stopped. What exists now:")
	if g.context == "" && len(g.written) == 0 {
		fmt.Fprintln(w, "  no context was found or made, and no variable was written by this run. A re-run starts over.")
		return
	}
	if g.context != "" {
		how := "existed before this run"
		if g.created {
			how = "created by this run"
		}
		fmt.Fprintf(w, "  %s %s; %d of %d restrictions confirmed", g.context, how, g.restricted, g.restrictTotal)
		if g.restrictTotal > 0 && !g.verified {
			fmt.Fprint(w, ", not yet verified")
		}
		fmt.Fprintln(w)
	}
	if len(g.written) == 0 {
		fmt.Fprintln(w, "  no variable was written by this run, so no secret is exposed by it.")
		fmt.Fprintln(w, "  A re-run finds the context, adds the missing restrictions, verifies them, then writes the variables.")
		return
	}
	for _, label := range slices.Sorted(maps.Keys(g.written)) {
		fmt.Fprintf(w, "  %s holds %d of %d variables from this run (each with its %s marker)\n",
			label, g.written[label], g.variablesTotal, MarkerPrefix)
	}
	if g.pruning {
		fmt.Fprintln(w, "  all variables were written; pruning stopped part way.")
	}
	fmt.Fprintln(w, "  A re-run rewrites every variable (the writes replace values) and, with --prune, finishes deleting.")
}

// Apply writes the plan to CircleCI: context first (found or created,
// restricted, restrictions verified), then variables, then, with Prune, the
// deletions. It is idempotent and converges: a re-run after any failure finds
// what the first run made and finishes the work.
func Apply(ctx context.Context, api API, p Plan, w io.Writer) (err error) {
	if api == nil {
		return errors.New("no CircleCI client")
	}
	p.header(w, "Publishing")
	g := &progress{written: map[string]int{}, variablesTotal: len(p.Variables), restrictTotal: len(p.Restrictions)}
	defer func() {
		if err != nil {
			g.describe(w)
		}
	}()
	var targets []target
	contextID := ""
	if p.Context != "" {
		id, err := ensureContext(ctx, api, p, w, g)
		if err != nil {
			return err
		}
		contextID = id
		targets = append(targets, contextTarget(api, p.Context, id))
	}
	for _, slug := range p.Projects {
		targets = append(targets, projectTarget(api, slug))
	}
	width := p.width()
	for _, t := range targets {
		names, err := t.list(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  in %s, each with its marker variable %s<NAME>:\n", t.label, MarkerPrefix)
		for _, v := range p.Variables {
			// The marker first: a variable publish wrote never exists without it.
			if err := t.put(ctx, MarkerPrefix+v.Name, "written by circleci-oidc publish, stack "+p.Stack); err != nil {
				return fmt.Errorf("%s: marking %s: %w", t.label, v.Name, err)
			}
			if err := t.put(ctx, v.Name, v.Value); err != nil {
				return fmt.Errorf("%s: setting %s: %w", t.label, v.Name, err)
			}
			g.written[t.label]++
			fmt.Fprintf(w, "  set %-*s = %s  (%s)\n", width, v.Name, v.shown(), v.From)
		}
		for _, n := range p.stale(names) {
			if !p.Prune {
				fmt.Fprintf(w, "  left %s (%s)\n", n, leftWhy(names, n))
				continue
			}
			g.pruning = true
			// The variable before its marker: a killed prune leaves a marker, which the next prune finishes.
			for _, name := range []string{n, MarkerPrefix + n} {
				if err := t.del(ctx, name); err != nil && !circleci.IsStatus(err, http.StatusNotFound) {
					return fmt.Errorf("%s: deleting %s: %w", t.label, name, err)
				}
			}
			fmt.Fprintf(w, "  deleted %s (an earlier publish wrote it; this one does not)\n", n)
		}
	}
	if contextID != "" {
		if err := p.reportDrift(ctx, api, contextID, w, p.Prune, false); err != nil {
			return err
		}
	}
	fmt.Fprintln(w, "Done.")
	return nil
}

// ensureContext finds or creates the context and puts every restriction in
// place, then reads them back; it returns the context's ID only when all are
// there. A restriction it adds gets its marker variable first, as variables
// do: a killed run leaves a marker without its restriction, which the next
// run adds, never a restriction publish added without its marker. The
// markers hold no secret, so they need not wait for the restrictions.
func ensureContext(ctx context.Context, api API, p Plan, w io.Writer, g *progress) (string, error) {
	c, err := api.FindContext(ctx, p.OrgID, p.Context)
	if err != nil {
		return "", err
	}
	switch {
	case c != nil:
		fmt.Fprintf(w, "  context      found (%s)\n", c.ID)
	case !p.Create:
		return "", fmt.Errorf("context %q does not exist in organization %s, and --no-create forbids creating it; "+
			"create it under Organization Settings > Contexts or drop --no-create", p.Context, p.OrgID)
	default:
		if c, err = api.CreateContext(ctx, p.OrgID, p.Context); err != nil {
			return "", err
		}
		g.created = true
		fmt.Fprintf(w, "  context      created (%s)\n", c.ID)
	}
	if c.ID == "" {
		return "", fmt.Errorf("context %q: CircleCI gave no context ID", p.Context)
	}
	g.context = fmt.Sprintf("context %q (%s)", p.Context, c.ID)
	before, err := api.Restrictions(ctx, c.ID)
	if err != nil {
		return "", fmt.Errorf("reading the restrictions of context %q: %w", p.Context, err)
	}
	for _, r := range p.Restrictions {
		if !inPlace(before, r) {
			if err := api.PutContextVariable(ctx, c.ID, RestrictionMarker(r.Type, r.Value),
				"restriction added by circleci-oidc publish, stack "+p.Stack); err != nil {
				return "", fmt.Errorf("context %q: marking restriction %s: %w", p.Context, r, err)
			}
		}
		added, err := api.AddRestriction(ctx, c.ID, r.Type, r.Value)
		if err != nil {
			return "", fmt.Errorf("restricting context %q to %s: %w", p.Context, r, err)
		}
		g.restricted++
		if added {
			fmt.Fprintf(w, "  restriction  restricted to %s  (%s)\n", r, r.From)
		} else {
			fmt.Fprintf(w, "  restriction  %s already in place\n", r)
		}
	}
	got, err := api.Restrictions(ctx, c.ID)
	if err != nil {
		return "", fmt.Errorf("verifying the restrictions of context %q: %w", p.Context, err)
	}
	for _, r := range p.Restrictions {
		if !inPlace(got, r) {
			return "", fmt.Errorf("verifying the restrictions of context %q: %s is not in place after adding it; "+
				"check the context under Organization Settings > Contexts", p.Context, r)
		}
	}
	g.verified = true
	switch {
	case len(p.Restrictions) > 0:
		fmt.Fprintf(w, "  restriction  verified: %d of %d in place\n", len(p.Restrictions), len(p.Restrictions))
	case len(got) == 0:
		fmt.Fprintf(w, "  restriction  none: every project of the organization can use this context "+
			"(--restrict, --restrict-branches and --restrict-expression limit it)\n")
	}
	return c.ID, nil
}
