package publish

import (
	"context"
	"fmt"
	"io"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/circleci"
)

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
