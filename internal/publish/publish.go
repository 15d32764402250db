// Package publish writes a stack's outputs into a CircleCI context, where
// jobs read them: AWS_ROLE_ARN from roleArn, and the stack's region.
package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
)

// Options are the command's choices.
type Options struct {
	// Context is the CircleCI context to write, such as aws-prod.
	Context string
	// OrgID owns the context; default the stack's circleci-oidc:organizationId.
	OrgID string
	// NoCreate refuses to create a missing context.
	NoCreate bool
	// Restrict limits the context to the stack's projectIds.
	Restrict bool
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
	return Var{Name: name, Output: output}, nil
}

// Variable is one environment variable to write.
type Variable struct {
	Name, Value string
	// From says where the value comes from: "output roleArn", "config aws:region".
	From   string
	Secret bool
}

// Plan is what publishing will do.
type Plan struct {
	Stack     string
	OrgID     string
	Context   string
	Create    bool
	Variables []Variable
	// Restrict lists the project IDs the context is to be restricted to.
	Restrict []string
}

var varNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// NewPlan decides what to write from the stack and the options.
func NewPlan(s stackout.Stack, o Options) (Plan, error) {
	p := Plan{Stack: s.Name, Context: o.Context, OrgID: o.OrgID, Create: !o.NoCreate}
	if p.Context == "" {
		return Plan{}, errors.New("no context: name the CircleCI context to write, such as aws-prod")
	}
	if p.OrgID == "" {
		p.OrgID = s.Config[OrganizationKey]
	}
	if p.OrgID == "" {
		return Plan{}, fmt.Errorf("stack %s has no %s: pass --org-id", s.Name, OrganizationKey)
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
		raw := s.Config[ProjectIDsKey]
		if raw == "" || json.Unmarshal([]byte(raw), &p.Restrict) != nil || len(p.Restrict) == 0 {
			return Plan{}, fmt.Errorf("--restrict: stack %s has no %s list to restrict the context to",
				s.Name, ProjectIDsKey)
		}
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

// API is the part of the CircleCI client publishing uses.
type API interface {
	FindContext(ctx context.Context, orgID, name string) (*circleci.Context, error)
	CreateContext(ctx context.Context, orgID, name string) (*circleci.Context, error)
	PutContextVariable(ctx context.Context, contextID, name, value string) error
	Restrictions(ctx context.Context, contextID string) ([]circleci.Restriction, error)
	RestrictToProject(ctx context.Context, contextID, projectID string) (bool, error)
}

// shown is how a value is printed: secrets never.
func (v Variable) shown() string {
	if v.Secret {
		return "[secret]"
	}
	return v.Value
}

func (p Plan) writeVariables(w io.Writer, verb string) {
	width := 0
	for _, v := range p.Variables {
		width = max(width, len(v.Name))
	}
	for _, v := range p.Variables {
		fmt.Fprintf(w, "  %s %-*s = %s  (%s)\n", verb, width, v.Name, v.shown(), v.From)
	}
}

// DryRun prints what Apply would do. With api it also reads CircleCI to say
// whether the context exists and which restrictions it has; it writes nothing.
func DryRun(ctx context.Context, api API, p Plan, w io.Writer) error {
	fmt.Fprintf(w, "Dry run: stack %s -> CircleCI context %q in organization %s\n", p.Stack, p.Context, p.OrgID)
	var existing map[string]bool
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
			rs, err := api.Restrictions(ctx, c.ID)
			if err != nil {
				return err
			}
			existing = map[string]bool{}
			for _, r := range rs {
				existing[r.Value] = r.Type == "project"
			}
		case p.Create:
			fmt.Fprintf(w, "  context      would be created\n")
		default:
			return fmt.Errorf("context %q does not exist in organization %s, and --no-create forbids creating it",
				p.Context, p.OrgID)
		}
	}
	p.writeVariables(w, "would set")
	for _, id := range p.Restrict {
		if existing[id] {
			fmt.Fprintf(w, "  restriction  project %s already in place\n", id)
		} else {
			fmt.Fprintf(w, "  restriction  would restrict to project %s\n", id)
		}
	}
	fmt.Fprintln(w, "Nothing was changed.")
	return nil
}

// Apply writes the plan to CircleCI. It is idempotent: a second run finds the
// context, sets the same values and adds no restriction twice.
func Apply(ctx context.Context, api API, p Plan, w io.Writer) error {
	if api == nil {
		return errors.New("no CircleCI client")
	}
	fmt.Fprintf(w, "Publishing stack %s to CircleCI context %q in organization %s\n", p.Stack, p.Context, p.OrgID)
	c, err := api.FindContext(ctx, p.OrgID, p.Context)
	if err != nil {
		return err
	}
	switch {
	case c != nil:
		fmt.Fprintf(w, "  context      found (%s)\n", c.ID)
	case !p.Create:
		return fmt.Errorf("context %q does not exist in organization %s, and --no-create forbids creating it; "+
			"create it under Organization Settings > Contexts or drop --no-create", p.Context, p.OrgID)
	default:
		if c, err = api.CreateContext(ctx, p.OrgID, p.Context); err != nil {
			return err
		}
		fmt.Fprintf(w, "  context      created (%s)\n", c.ID)
	}
	for _, v := range p.Variables {
		if err := api.PutContextVariable(ctx, c.ID, v.Name, v.Value); err != nil {
			return fmt.Errorf("setting %s: %w", v.Name, err)
		}
	}
	p.writeVariables(w, "set")
	for _, id := range p.Restrict {
		added, err := api.RestrictToProject(ctx, c.ID, id)
		if err != nil {
			return err
		}
		if added {
			fmt.Fprintf(w, "  restriction  restricted to project %s\n", id)
		} else {
			fmt.Fprintf(w, "  restriction  project %s already in place\n", id)
		}
	}
	fmt.Fprintln(w, "Done.")
	return nil
}
