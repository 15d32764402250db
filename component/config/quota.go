package config

import (
	"fmt"
	"strings"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

// validateQuotas checks the quota inputs and the IAM quotas that the known
// values would exceed: managed policies per role, the inline policies'
// aggregate size and the trust policy's length.
func (c Config) validateQuotas(p *problems) {
	validQuotas := true
	if q := c.TrustPolicyQuota; q < DefaultTrustPolicyQuota || q > MaxTrustPolicyQuota {
		validQuotas = false
		p.add("trustPolicyQuota", fmt.Sprint(q), "is out of range; give your account's role trust policy length "+
			"quota (Service Quotas code L-C07B4B0D), from %d, IAM's default, to %d", DefaultTrustPolicyQuota,
			MaxTrustPolicyQuota)
	}
	if q := c.ManagedPoliciesQuota; q < DefaultManagedPoliciesQuota || q > MaxManagedPolicies {
		validQuotas = false
		p.add("managedPoliciesQuota", fmt.Sprint(q), "is out of range; give your account's managed policies per "+
			"role quota, from %d, IAM's default, to %d", DefaultManagedPoliciesQuota, MaxManagedPolicies)
	}
	if n := len(c.ManagedPolicyARNs); validQuotas && n > c.ManagedPoliciesQuota {
		p.add("managedPolicyArns", "", "has %d policies, over managedPoliciesQuota %d: IAM would refuse the "+
			"attachment with LimitExceeded; attach fewer, such as one customer-managed policy that merges them, or "+
			"raise the account's quota (Service Quotas, \"Managed policies per role\", at most %d) and set "+
			"managedPoliciesQuota", n, c.ManagedPoliciesQuota, MaxManagedPolicies)
	}
	total := 0
	for _, doc := range c.InlinePolicies {
		total += trust.PolicySize(doc)
	}
	if total > MaxInlinePoliciesSize {
		p.add("inlinePolicies", "", "come to %d characters without white space, over the %d IAM allows for a "+
			"role's inline policies together; move some into managedPolicyArns as customer-managed policies",
			total, MaxInlinePoliciesSize)
	}
	if validQuotas && c.OrganizationID != "" && c.IssuerURL != "" {
		spec := c.TrustSpec(c.PlaceholderProviderARN())
		e := c.tooManySubjects(spec)
		if e == nil {
			e = c.TrustPolicyProblem(trust.Build(spec))
		}
		if e != nil {
			p.list = append(p.list, e)
		}
	}
}

// tooManySubjects returns the quota problem of a spec whose sub patterns
// alone, counted before they are built, are longer than trustPolicyQuota, or
// nil. Each pattern takes at least "org/<ORG>/project/" and the quotes and
// comma around it, so the count bounds the size from below: at 50 projects ×
// users × repositories × branches, building them would take gigabytes.
func (c Config) tooManySubjects(spec trust.Spec) *FieldError {
	n := spec.CountSubjects()
	atLeast := n * (len("org/"+c.OrganizationID+"/project/") + len(`"",`))
	if atLeast <= c.TrustPolicyQuota {
		return nil
	}
	return c.quotaProblem(fmt.Sprintf("more than %d", atLeast), "at least one", fmt.Sprintf("at least %d", n), 0)
}

// TrustPolicyProblem returns the problem with a trust policy that is longer
// than trustPolicyQuota, saying what makes it long and how to shorten it, or
// nil.
func (c Config) TrustPolicyProblem(doc trust.Document) *FieldError {
	size := doc.Size()
	if size <= c.TrustPolicyQuota {
		return nil
	}
	key := trust.IssuerKey(c.IssuerURL)
	subjects, projects := 0, 0
	for _, st := range doc.Statement {
		subjects += len(st.Condition[trust.StringLike][key+":sub"])
		projects += len(st.Condition[trust.StringEquals][key+":"+trust.ProjectIDClaim])
	}
	return c.quotaProblem(fmt.Sprint(size), fmt.Sprint(len(doc.Statement)), fmt.Sprint(subjects), projects)
}

// quotaProblem says that a trust policy of size characters, with these
// statements, sub patterns and project IDs, is over trustPolicyQuota, and how
// to shorten it.
func (c Config) quotaProblem(size, statements, subjects string, projects int) *FieldError {
	var b strings.Builder
	fmt.Fprintf(&b, "is less than the trust policy's %s characters (IAM counts them without white space), so IAM "+
		"would refuse the role with LimitExceeded. The policy has %s statement(s), %s sub pattern(s), one per "+
		"project × user × repository × branch or tag", size, statements, subjects)
	if trust.Pinning(c.ProjectPinning) == trust.PinClaim {
		b.WriteString(" without the project, which the project-id key pins")
	}
	if projects > 0 {
		fmt.Fprintf(&b, ", and %d project ID(s)", projects)
	}
	b.WriteString(". To shorten it: ")
	if trust.Pinning(c.ProjectPinning) != trust.PinClaim && c.cloudIssuer() {
		b.WriteString("set projectPinning: claim, the compact form; ")
	}
	fmt.Fprintf(&b, "use fewer branches, gitTags, vcsOrigins or userIds, or patterns such as release/*; or give "+
		"some jobs a second role; or raise the account's quota (Service Quotas code L-C07B4B0D, \"Role trust "+
		"policy length\"; check its value in your account, %d at most) and set trustPolicyQuota to it",
		MaxTrustPolicyQuota)
	return &FieldError{Field: "trustPolicyQuota", Value: fmt.Sprint(c.TrustPolicyQuota), Problem: b.String()}
}
