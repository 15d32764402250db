package doctor

import (
	"fmt"
	"strings"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

// InAccount returns a copy of d as STS reads it for a role in account: STS
// looks the token's issuer up among the IAM OIDC providers of the role's own
// account, so a Federated principal naming the provider of another account
// never names the caller. Such principals are marked so that they no longer
// fit the token, and returned.
func InAccount(d trust.Document, account string) (trust.Document, []string) {
	var foreign []string
	out := d
	out.Statement = make([]trust.Statement, len(d.Statement))
	for i, st := range d.Statement {
		fed := make(trust.StringList, len(st.Principal.Federated))
		for j, f := range st.Principal.Federated {
			fed[j] = f
			if a := arnAccount(f); strings.Contains(f, ":oidc-provider/") && a != "" && a != account {
				fed[j] = fmt.Sprintf("%s (in account %s, not in the role's account %s)", f, a, account)
				foreign = append(foreign, f)
			}
		}
		st.Principal.Federated = fed
		out.Statement[i] = st
	}
	return out, foreign
}

// NoteForeignProviders explains a refusal that comes from Federated
// principals InAccount found in another account, and names the provider STS
// uses instead.
func (r *Report) NoteForeignProviders(foreign []string, account string) {
	if len(foreign) == 0 || r.Outcome != Refused {
		return
	}
	f := foreign[0]
	own := f[:strings.Index(f, ":oidc-provider/")]
	own = own[:strings.LastIndex(own, ":")+1] + account + f[len(own):]
	r.Reason = fmt.Sprintf("refused: the Federated principal %s is the IAM OIDC provider of account %s, not in the role's "+
		"account %s; STS looks the issuer up among the role account's providers, so a statement naming it never "+
		"matches: name %s instead", f, arnAccount(f), account, own)
}

// arnAccount is the account field of an ARN such as
// arn:aws:iam::123456789012:role/name, or "".
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[4]
}
