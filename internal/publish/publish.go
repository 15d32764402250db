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
	"maps"
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
	// TrustPolicy also publishes the role's trust policy, compact, as
	// TrustPolicyVar, for `circleci-oidc doctor --from-job`.
	TrustPolicy bool
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

	if o.TrustPolicy {
		if err := p.addTrustPolicy(s); err != nil {
			return Plan{}, err
		}
	}

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
