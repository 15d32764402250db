package audit

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

// wildcards returns the statement's principals that name every AWS
// principal, or a pattern of them: "Principal": "*" reads as {"AWS": "*"}.
func wildcards(p trust.Principal) []string {
	var out []string
	for _, a := range p.AWS {
		if strings.ContainsAny(a, "*?") {
			out = append(out, a)
		}
	}
	return out
}

// webIdentity reports whether the actions include sts:AssumeRoleWithWebIdentity.
func webIdentity(actions []string) bool {
	return slices.ContainsFunc(actions, func(a string) bool {
		return trust.Like(strings.ToLower(a), strings.ToLower(trust.Action))
	})
}

// hasWildcard reports whether an Allow statement of doc lets a wildcard
// principal call sts:AssumeRoleWithWebIdentity.
func hasWildcard(doc trust.Document) bool {
	return slices.ContainsFunc(doc.Statement, func(st trust.Statement) bool {
		return st.Effect == "Allow" && len(wildcards(st.Principal)) > 0 && webIdentity(st.Action)
	})
}

// restrictingIssuers returns the OIDC issuers (host and path) whose claims
// the statement's conditions require: a positive operator, not IfExists or
// Null, on a key such as oidc.circleci.com/org/<ORG>:sub. A caller without
// the key fails such a condition; every other condition lets it pass.
func restrictingIssuers(st trust.Statement) []string {
	var out []string
	for op := range st.Condition {
		base := op
		if _, rest, ok := strings.Cut(op, ":"); ok {
			base = rest
		}
		if strings.Contains(base, "Not") || strings.HasSuffix(base, "IfExists") || base == "Null" {
			continue
		}
		for _, key := range st.Condition.Keys(op) {
			issuer, _, ok := strings.Cut(key, ":")
			if ok && strings.Contains(issuer, ".") && strings.Contains(issuer, "/") && !slices.Contains(out, issuer) {
				out = append(out, issuer)
			}
		}
	}
	slices.Sort(out)
	return out
}

// gradeWildcard grades an Allow statement whose principal is a wildcard and
// whose actions include sts:AssumeRoleWithWebIdentity; ok is false for any
// other statement. Such a statement names no provider, so IAM does not say
// whether it covers a web-identity caller (doctor answers UNDETERMINED), and
// only its conditions keep out the tokens of every other provider and
// account: critical when no condition requires an issuer's claim, medium
// otherwise. When the conditions name a CircleCI issuer, the statement is
// also graded as that provider's statement would be.
func gradeWildcard(role, roleARN string, index int, st trust.Statement, doc trust.Document,
	isCircleCI func(string) bool) (out []Finding, ok bool) {
	stars := wildcards(st.Principal)
	if len(stars) == 0 || !webIdentity(st.Action) {
		return nil, false
	}
	principal, _ := json.Marshal(map[string][]string{"AWS": stars})
	pattern := `"Principal": ` + string(principal)
	issuers := restrictingIssuers(st)
	provider := func(issuer string) string {
		parts := strings.SplitN(roleARN, ":", 6) // arn:partition:iam::account:role/name
		if len(parts) < 6 {
			return "arn:aws:iam::<ACCOUNT_ID>:oidc-provider/" + issuer
		}
		return "arn:" + parts[1] + ":iam::" + parts[4] + ":oidc-provider/" + issuer
	}
	i := index
	if len(issuers) == 0 {
		return []Finding{{Severity: Critical, Check: CheckWildcard, Role: role, Statement: &i, Pattern: pattern,
			Problem: "any principal may call sts:AssumeRoleWithWebIdentity on the role, and no condition requires a claim " +
				"of an OIDC issuer: if IAM counts a web-identity caller under \"*\" (it does not document it), a token " +
				"of any provider in the account passes",
			Fix: fmt.Sprintf(`name the provider instead: "Principal": {"Federated": "%s"}, and pin aud and sub`,
				provider("oidc.circleci.com/org/<ORG_ID>"))}}, true
	}
	var fed []string
	for _, is := range issuers {
		fed = append(fed, provider(is))
	}
	out = append(out, Finding{Severity: Medium, Check: CheckWildcard, Role: role, Statement: &i, Pattern: pattern,
		Problem: fmt.Sprintf("any principal may call sts:AssumeRoleWithWebIdentity on the role under its conditions on %s; "+
			"IAM does not document whether \"*\" covers a web-identity caller, so STS may refuse the tokens the role is "+
			"meant for, and only the conditions keep other callers out", strings.Join(issuers, ", ")),
		Fix: fmt.Sprintf(`name the provider instead of "*": "Principal": {"Federated": %q}`, strings.Join(fed, `", "`))})
	for _, is := range issuers {
		if !isCircleCI(is) || slices.Contains(st.Principal.Federated, provider(is)) {
			continue
		}
		s := statement{role: role, index: index, st: st, doc: withDenies(doc, st), issuer: is}
		out = append(out, s.grade()...)
	}
	return out, true
}
