package publish

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/circleci"
)

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

// inPlace reports whether the context's restrictions include r.
func inPlace(rs []circleci.Restriction, r Restriction) bool {
	return slices.ContainsFunc(rs, func(x circleci.Restriction) bool { return x.Type == r.Type && x.Value == r.Value })
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
