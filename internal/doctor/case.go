package doctor

import (
	"fmt"
	"strings"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

// noteCase adds to a refusal by the policy that it is only a matter of
// letter case, when it is: IAM's string operators other than
// StringEqualsIgnoreCase compare case-sensitively, so a policy pinning
// GitHub.com/Acme/API never matches a token from github.com/acme/api, and
// nothing else says so.
func (r *Report) noteCase(policy trust.Document) {
	if r.Outcome != Refused || r.Verdict.Decision != trust.Refused {
		return
	}
	claims := r.Token.TrustClaims()
	claims.Subject = strings.ToLower(claims.Subject)
	claims.ProjectID = strings.ToLower(claims.ProjectID)
	aud := make([]string, len(claims.Audience))
	for i, a := range claims.Audience {
		aud[i] = strings.ToLower(a)
	}
	claims.Audience = aud
	if trust.Evaluate(foldValues(policy), claims).Decision == trust.Refused {
		return
	}
	c := r.Token.Claims
	var spelt []string
	for _, kv := range [][2]string{{"vcs-origin", c.VCSOrigin}, {"vcs-ref", c.VCSRef}, {"sub", c.Subject}} {
		if kv[1] != "" {
			spelt = append(spelt, fmt.Sprintf("%s %q", kv[0], kv[1]))
		}
	}
	r.Reason += "; it is refused only because of letter case: IAM's StringLike and StringEquals are " +
		"case-sensitive, so spell the policy's values as the token does (" + strings.Join(spelt, ", ") + ")"
}

// foldValues returns a copy of d with every condition value in lower case.
func foldValues(d trust.Document) trust.Document {
	out := d
	out.Statement = make([]trust.Statement, len(d.Statement))
	for i, st := range d.Statement {
		cond := make(trust.Conditions, len(st.Condition))
		for op, keys := range st.Condition {
			cond[op] = make(map[string]trust.StringList, len(keys))
			for k, vs := range keys {
				folded := make(trust.StringList, len(vs))
				for j, v := range vs {
					folded[j] = strings.ToLower(v)
				}
				cond[op][k] = folded
			}
		}
		st.Condition = cond
		out.Statement[i] = st
	}
	return out
}
