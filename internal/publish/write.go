package publish

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/circleci"
)

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

func (p Plan) header(w io.Writer, verb string) {
	fmt.Fprintf(w, "%s stack %s -> %s\n", verb, p.Stack, p.where())
	for _, n := range p.Notes {
		fmt.Fprintf(w, "  note         %s\n", n)
	}
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
