package audit

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

// ReadAPI is the part of the IAM API audit uses: reads only.
type ReadAPI interface {
	ListOpenIDConnectProviders(context.Context, *iam.ListOpenIDConnectProvidersInput, ...func(*iam.Options)) (*iam.ListOpenIDConnectProvidersOutput, error)
	GetOpenIDConnectProvider(context.Context, *iam.GetOpenIDConnectProviderInput, ...func(*iam.Options)) (*iam.GetOpenIDConnectProviderOutput, error)
	iam.ListRolesAPIClient
}

// Options tune a scan.
type Options struct {
	// Issuers are more issuer URLs to audit, such as a CircleCI server's;
	// oidc.circleci.com/org/... issuers are always audited.
	Issuers []string
	// Quota is the account's trust policy length quota; DefaultQuota when 0.
	Quota int
	// PageSize is how many roles to ask for per ListRoles call; 0 leaves it
	// to IAM (100).
	PageSize int32
}

// Provider is an IAM OIDC provider for a CircleCI issuer.
type Provider struct {
	ARN       string   `json:"arn"`
	URL       string   `json:"url"`
	ClientIDs []string `json:"clientIds"`
	// Roles are the names of the roles whose trust policy names it.
	Roles []string `json:"roles"`
}

// Role is a role whose trust policy names a CircleCI provider.
type Role struct {
	Name string `json:"name"`
	ARN  string `json:"arn"`
	// Size is the trust policy's length without whitespace, as IAM counts it.
	Size int `json:"size"`
	// Statements is how many statements trust a CircleCI provider.
	Statements int       `json:"statements"`
	Findings   []Finding `json:"findings"`
}

// Report is the outcome of a scan.
type Report struct {
	Providers []Provider `json:"providers"`
	Roles     []Role     `json:"roles"`
	// RolesScanned counts every role in the account.
	RolesScanned int `json:"rolesScanned"`
	// Findings are every role's and provider's findings, most severe first.
	Findings []Finding `json:"findings"`
	Quota    int       `json:"quota"`
}

// Worst returns the highest severity among the findings, and false when
// there are none.
func (r Report) Worst() (Severity, bool) {
	if len(r.Findings) == 0 {
		return Info, false
	}
	return r.Findings[0].Severity, true
}

// Scan reads the account's OIDC providers and roles, and grades every trust
// statement that names a CircleCI provider.
func Scan(ctx context.Context, api ReadAPI, opts Options) (Report, error) {
	if opts.Quota == 0 {
		opts.Quota = DefaultQuota
	}
	if opts.Quota < DefaultQuota || opts.Quota > MaxQuota {
		return Report{}, fmt.Errorf("audit: quota %d is outside %d to %d; check Service Quotas (L-C07B4B0D) for the account's value",
			opts.Quota, DefaultQuota, MaxQuota)
	}
	extra := map[string]bool{}
	for _, u := range opts.Issuers {
		k, ok := strings.CutPrefix(u, "https://")
		if !ok || k == "" {
			return Report{}, fmt.Errorf("audit: issuer %q is not an https URL, such as https://circleci.example.com/org/<ORG_ID>", u)
		}
		extra[k] = true
	}
	isCircleCI := func(key string) bool {
		org, ok := strings.CutPrefix(key, "oidc.circleci.com/org/")
		return (ok && org != "" && !strings.Contains(org, "/")) || extra[key]
	}

	rep := Report{Quota: opts.Quota}
	list, err := api.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
	if err != nil {
		return Report{}, fmt.Errorf("audit: listing OIDC providers: %w", err)
	}
	providers := map[string]*Provider{} // by ARN
	for _, p := range list.OpenIDConnectProviderList {
		arn := aws.ToString(p.Arn)
		key := providerKey(arn)
		if !isCircleCI(key) {
			continue
		}
		out, err := api.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: p.Arn})
		if err != nil {
			return Report{}, fmt.Errorf("audit: reading OIDC provider %s: %w", arn, err)
		}
		u := aws.ToString(out.Url)
		if !strings.HasPrefix(u, "https://") {
			u = "https://" + u
		}
		providers[arn] = &Provider{ARN: arn, URL: u, ClientIDs: out.ClientIDList, Roles: []string{}}
	}

	used := map[string][]string{} // provider ARN -> aud patterns; nil entry: aud not pinned somewhere
	unpinned := map[string]bool{}
	in := &iam.ListRolesInput{}
	if opts.PageSize > 0 {
		in.MaxItems = aws.Int32(opts.PageSize)
	}
	pages := iam.NewListRolesPaginator(api, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return Report{}, fmt.Errorf("audit: listing roles: %w", err)
		}
		for _, r := range page.Roles {
			rep.RolesScanned++
			name, arn := aws.ToString(r.RoleName), aws.ToString(r.Arn)
			text := trust.DecodeDocument(aws.ToString(r.AssumeRolePolicyDocument))
			// Parse first, then look: JSON may spell "/" as "\/".
			doc, err := trust.Parse(text)
			if !namesCircleCI(doc, err, text, isCircleCI) && !hasWildcard(doc) {
				continue
			}
			role := Role{Name: name, ARN: arn, Size: Size(text), Findings: []Finding{}}
			if err != nil {
				role.Findings = append(role.Findings, Finding{Severity: Medium, Check: CheckUnreadable, Role: name,
					Pattern: "(whole policy)", Problem: err.Error(),
					Fix: "rewrite the trust policy in the shape IAM documents; audit and doctor cannot judge it as it is"})
				rep.Roles = append(rep.Roles, role)
				continue
			}
			for i, st := range doc.Statement {
				if st.Effect != "Allow" {
					continue
				}
				if fs, ok := gradeWildcard(name, arn, i, st, doc, isCircleCI); ok {
					role.Statements++
					role.Findings = append(role.Findings, fs...)
				}
				for _, fed := range st.Principal.Federated {
					key := providerKey(fed)
					if !isCircleCI(key) {
						continue
					}
					role.Statements++
					s := statement{role: name, index: i, st: st, doc: withDenies(doc, st), issuer: key}
					role.Findings = append(role.Findings, s.grade()...)
					if p := providers[fed]; p != nil {
						if !slices.Contains(p.Roles, name) {
							p.Roles = append(p.Roles, name)
						}
						ops, values := s.conditionValues("aud", true)
						if len(ops) == 0 {
							unpinned[fed] = true
						}
						for _, v := range values {
							used[fed] = append(used[fed], v...)
						}
					} else {
						i := i
						role.Findings = append(role.Findings, Finding{Severity: Info, Check: CheckNoProvider, Role: name, Statement: &i,
							Provider: fed, Pattern: fed,
							Problem: "the account has no such OIDC provider, so no token can use this statement",
							Fix:     "create the provider (circleci-oidc does), or remove the statement"})
					}
				}
			}
			if role.Statements == 0 {
				continue
			}
			role.Findings = append(role.Findings, sizeFindings(name, role.Size, opts.Quota)...)
			sortFindings(role.Findings)
			rep.Roles = append(rep.Roles, role)
		}
	}

	sort.Slice(rep.Roles, func(i, j int) bool { return rep.Roles[i].Name < rep.Roles[j].Name })
	arns := make([]string, 0, len(providers))
	for arn := range providers {
		arns = append(arns, arn)
	}
	sort.Strings(arns)
	for _, arn := range arns {
		p := providers[arn]
		sort.Strings(p.Roles)
		rep.Providers = append(rep.Providers, *p)
		if unpinned[arn] {
			continue
		}
		for _, id := range p.ClientIDs {
			if !matchesAny(used[arn], id) {
				rep.Findings = append(rep.Findings, Finding{Severity: Low, Check: CheckUnusedClientID, Provider: arn,
					Pattern: id,
					Problem: fmt.Sprintf("client ID %q is accepted by the provider, but no role's aud condition names it", id),
					Fix:     fmt.Sprintf("aws iam remove-client-id-from-open-id-connect-provider --open-id-connect-provider-arn %s --client-id %s", arn, id)})
			}
		}
	}
	for _, r := range rep.Roles {
		rep.Findings = append(rep.Findings, r.Findings...)
	}
	sortFindings(rep.Findings)
	if rep.Findings == nil {
		rep.Findings = []Finding{}
	}
	return rep, nil
}

// withDenies returns a policy of one Allow statement and every Deny
// statement of doc: the probes ask what this statement lets in that no Deny
// keeps out.
func withDenies(doc trust.Document, allow trust.Statement) trust.Document {
	out := trust.Document{Version: doc.Version, Statement: []trust.Statement{allow}}
	for _, st := range doc.Statement {
		if st.Effect == "Deny" {
			out.Statement = append(out.Statement, st)
		}
	}
	return out
}

func sizeFindings(role string, size, quota int) []Finding {
	switch {
	case size > quota:
		return []Finding{{Severity: Medium, Check: CheckSize, Role: role, Pattern: fmt.Sprintf("%d characters", size),
			Problem: fmt.Sprintf("the trust policy has %d characters without whitespace, over the declared quota of %d: any change to it may fail with LimitExceeded", size, quota),
			Fix:     "check the account's quota in Service Quotas (L-C07B4B0D) and pass it as --quota, or split the role"}}
	case size*10 >= quota*9:
		return []Finding{{Severity: Low, Check: CheckSize, Role: role, Pattern: fmt.Sprintf("%d characters", size),
			Problem: fmt.Sprintf("the trust policy has %d of %d characters (without whitespace): one more project or branch may not fit", size, quota),
			Fix:     "merge patterns, split the role, or raise the quota (Service Quotas L-C07B4B0D)"}}
	}
	return nil
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].Severity != fs[j].Severity {
			return fs[i].Severity > fs[j].Severity
		}
		if fs[i].Role != fs[j].Role {
			return fs[i].Role < fs[j].Role
		}
		return fs[i].Check < fs[j].Check
	})
}

func matchesAny(patterns []string, v string) bool {
	for _, p := range patterns {
		if trust.Like(p, v) {
			return true
		}
	}
	return false
}

// providerKey returns the URL part of an OIDC provider ARN
// ("arn:aws:iam::1:oidc-provider/oidc.circleci.com/org/O" gives
// "oidc.circleci.com/org/O"), or "" for another ARN.
func providerKey(arn string) string {
	_, key, ok := strings.Cut(arn, ":oidc-provider/")
	if !ok || !strings.HasPrefix(arn, "arn:") {
		return ""
	}
	return key
}

// namesCircleCI reports whether a policy names a CircleCI provider: a
// Federated principal of doc, or, when the text did not parse (err), a
// provider ARN in the text.
func namesCircleCI(doc trust.Document, err error, text string, isCircleCI func(string) bool) bool {
	if err == nil {
		for _, st := range doc.Statement {
			for _, fed := range st.Principal.Federated {
				if isCircleCI(providerKey(fed)) {
					return true
				}
			}
		}
		return false
	}
	for _, part := range strings.Split(strings.ReplaceAll(text, `\/`, "/"), ":oidc-provider/")[1:] {
		end := strings.IndexAny(part, `"`)
		if end >= 0 && isCircleCI(part[:end]) {
			return true
		}
	}
	return false
}
