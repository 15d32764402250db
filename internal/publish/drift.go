package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/circleci"
)

// RestrictionMarkerPrefix starts the name of the context variable that
// records that publish added a restriction: the API keeps no author, so a
// later publish knows its own restrictions by these markers, as it knows its
// variables by MarkerPrefix.
const RestrictionMarkerPrefix = "CIRCLECI_OIDC_RESTRICTION_"

// RestrictionMarker returns the name of the marker variable of a restriction:
// RestrictionMarkerPrefix and a hash of its type and value, since a value,
// such as an expression, is not a variable name.
func RestrictionMarker(typ, value string) string {
	sum := sha256.Sum256([]byte(typ + "\x00" + value))
	return RestrictionMarkerPrefix + strings.ToUpper(hex.EncodeToString(sum[:10]))
}

// A context's restrictions combine as CircleCI documents them (circleci-docs,
// security/pages/contexts.adoc, "Run workflows with a restricted context"):
// "a user must be a member of one of the security groups or projects
// assigned to the context, or the expressions assigned to the context must be
// true. If the user running the workflow does not have access to the context
// or an expression evaluates to false, the workflow will fail". So project
// restrictions are ORed: removing one narrows access while another stays, and
// "if there are no longer any project restrictions for the context, the
// context and its environment variables are now effectively unrestricted"
// ("Remove project restrictions from contexts"). Expressions must all be
// true: removing one can only widen access. How restrictions of different
// kinds combine the page leaves open; neither rule above depends on it.

// drift is a restriction on the context that the plan does not imply.
type drift struct {
	circleci.Restriction
	ours bool   // publish added it: its marker is on the context
	keep string // why --prune keeps it; "" when it may go
}

func (d drift) String() string { return Restriction{Type: d.Type, Value: d.Value}.String() }

// restrictionDrift returns the context's restrictions the plan does not
// imply, and for each whether publish added it and whether --prune may
// remove it without widening access.
func (p Plan) restrictionDrift(existing []circleci.Restriction, vars []string) []drift {
	var out []drift
	projects, staleProjects := 0, 0
	for _, r := range existing {
		if r.Type == circleci.RestrictProject {
			projects++
		}
		if hasRestriction(p.Restrictions, r) {
			continue
		}
		d := drift{Restriction: r, ours: slices.Contains(vars, RestrictionMarker(r.Type, r.Value))}
		switch {
		case !d.ours:
		case r.Type == circleci.RestrictProject:
			staleProjects++
		case r.Type == circleci.RestrictExpression:
			d.keep = "every expression restriction must hold, so removing one would widen access; " +
				"remove it under Organization Settings > Contexts"
		default:
			d.keep = "publish does not remove " + r.Type + " restrictions"
		}
		out = append(out, d)
	}
	if staleProjects > 0 && staleProjects == projects {
		why := "it is the last project restriction, and removing it would open the context to every project"
		if staleProjects > 1 {
			why = fmt.Sprintf("they are the last %d project restrictions, and removing them would open the context to every project", staleProjects)
		}
		for i := range out {
			if out[i].ours && out[i].Type == circleci.RestrictProject {
				out[i].keep = why
			}
		}
	}
	return out
}

// hasRestriction reports whether the planned restrictions include r.
func hasRestriction(rs []Restriction, r circleci.Restriction) bool {
	return slices.ContainsFunc(rs, func(x Restriction) bool { return x.Type == r.Type && x.Value == r.Value })
}

// reportDrift prints the restrictions the plan does not imply. With remove,
// it removes those --prune may remove, each with its marker after it.
func (p Plan) reportDrift(ctx context.Context, api API, contextID string, w io.Writer, remove, dryRun bool) error {
	existing, err := api.Restrictions(ctx, contextID)
	if err != nil {
		return fmt.Errorf("reading the restrictions of context %q: %w", p.Context, err)
	}
	vars, err := api.ContextVariables(ctx, contextID)
	if err != nil {
		return err
	}
	for _, d := range p.restrictionDrift(existing, vars) {
		switch {
		case !d.ours:
			fmt.Fprintf(w, "  drift        %s is not implied by the stack, and publish did not add it: left as it is\n", d)
		case d.keep != "":
			fmt.Fprintf(w, "  drift        %s is no longer implied by the stack; publish added it, but --prune keeps it: %s\n", d, d.keep)
		case !remove:
			fmt.Fprintf(w, "  drift        %s is no longer implied by the stack; publish added it: --prune removes it\n", d)
		case dryRun:
			fmt.Fprintf(w, "  drift        would remove %s (publish added it; the stack no longer implies it)\n", d)
		default:
			if err := api.DeleteRestriction(ctx, contextID, d.ID); err != nil && !circleci.IsStatus(err, http.StatusNotFound) {
				return fmt.Errorf("removing restriction %s from context %q: %w", d, p.Context, err)
			}
			if err := api.DeleteContextVariable(ctx, contextID, RestrictionMarker(d.Type, d.Value)); err != nil &&
				!circleci.IsStatus(err, http.StatusNotFound) {
				return fmt.Errorf("context %q: deleting the marker of restriction %s: %w", p.Context, d, err)
			}
			fmt.Fprintf(w, "  drift        removed %s (publish added it; the stack no longer implies it)\n", d)
		}
	}
	return nil
}
