// Package audit finds weak CircleCI OIDC trust in an AWS account: it lists
// the account's IAM OIDC providers for CircleCI issuers and the roles that
// trust them, and grades each trust statement by asking the component's IAM
// evaluator (component/trust) how it answers tokens an attacker could get.
// It only reads.
package audit

import (
	"encoding/json"
	"fmt"
	"iter"
	"strings"
	"unicode"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

// Checks, as they appear in findings.
const (
	CheckNoCondition     = "no-condition"
	CheckAudNotPinned    = "aud-not-pinned"
	CheckWholeOrg        = "whole-organization"
	CheckStarBeforePin   = "star-before-pinned-segment"
	CheckRefGuardMissing = "ref-guard-missing"
	CheckBranchNoOrigin  = "branch-without-origin"
	CheckV1Only          = "v1-only"
	CheckSize            = "size-near-quota"
	CheckUnusedClientID  = "unused-client-id"
	CheckUnreadable      = "unreadable-policy"
	CheckNoProvider      = "provider-missing"
	CheckWildcard        = "wildcard-principal"
)

// Finding is one weakness.
type Finding struct {
	Severity Severity `json:"severity"`
	Check    string   `json:"check"`
	// Role is the role's name; empty for a provider's finding.
	Role string `json:"role,omitempty"`
	// Statement is the statement's index; nil for a finding about the whole
	// role or provider.
	Statement *int   `json:"statement,omitempty"`
	Provider  string `json:"provider,omitempty"`
	// Pattern is the exact condition or value at fault.
	Pattern string `json:"pattern"`
	Problem string `json:"problem"`
	// Example is a token subject that shows the problem, when there is one.
	Example string `json:"example,omitempty"`
	Fix     string `json:"fix"`
}

// DefaultQuota is IAM's default role trust policy length quota, in characters
// without whitespace (IAM User Guide, "IAM and AWS STS quotas").
const DefaultQuota = 2048

// MaxQuota is the largest trust policy quota audit accepts: 4,096 is the
// documented maximum, and a 2026 report says 8,192 is now possible; check
// Service Quotas (L-C07B4B0D) for the account's value.
const MaxQuota = 8192

// Size counts a policy's characters the way IAM does for its quotas: without
// whitespace.
func Size(policy string) int {
	n := 0
	for _, r := range policy {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// Probe identities: a project, user and repository of someone else in the
// organization, who may push any branch name they like.
const (
	otherProject = "99999999-9999-4999-8999-999999999999"
	otherUser    = "88888888-8888-4888-8888-888888888888"
	otherOrigin  = "github.com/attacker/fork"
)

// statement is one CircleCI trust statement of a role, with what it needs
// to be graded.
type statement struct {
	role   string
	index  int
	st     trust.Statement
	doc    trust.Document // this statement and the policy's Deny statements
	issuer string         // the provider's URL key, such as oidc.circleci.com/org/<ORG>
}

func (s statement) finding(sev Severity, check, pattern, problem, fix string) Finding {
	i := s.index
	return Finding{Severity: sev, Check: check, Role: s.role, Statement: &i, Pattern: pattern, Problem: problem, Fix: fix}
}

// probeOrg is the organization the probes name when neither the issuer nor
// the policy tells which it is.
const probeOrg = "77777777-7777-4777-8777-777777777777"

// orgID returns the statement's organization UUID, or a placeholder.
func (s statement) orgID() string {
	if o := s.knownOrg(); o != "" {
		return o
	}
	return "<ORG_ID>"
}

// probeOrgID returns the organization the probes' subjects name: the
// statement's, or probeOrg.
func (s statement) probeOrgID() string {
	if o := s.knownOrg(); o != "" {
		return o
	}
	return probeOrg
}

// knownOrg returns the organization of a cloud issuer, or else the one the
// statement's sub conditions pin, as a server issuer's do; "" if none.
func (s statement) knownOrg() string {
	if o, ok := strings.CutPrefix(s.issuer, "oidc.circleci.com/org/"); ok {
		return o
	}
	_, values := s.conditionValues("sub", true)
	for _, vs := range values {
		for _, v := range vs {
			if rest, ok := strings.CutPrefix(v, "org/"); ok {
				if o, _, _ := strings.Cut(rest, "/"); o != "" && !strings.ContainsAny(o, "*?$") {
					return o
				}
			}
		}
	}
	return ""
}

// conditionValues returns the values of every positive condition on the
// issuer's claim (aud, sub), with the operator, in a stable order.
func (s statement) conditionValues(claim string, positive bool) (ops []string, values [][]string) {
	for _, op := range sortedKeys(s.st.Condition) {
		base := op
		if _, rest, ok := strings.Cut(op, ":"); ok {
			base = rest
		}
		negated := strings.Contains(base, "Not")
		if negated == positive {
			continue
		}
		for _, key := range s.st.Condition.Keys(op) {
			if strings.EqualFold(key, s.issuer+":"+claim) {
				ops = append(ops, op)
				values = append(values, s.st.Condition[op][key])
			}
		}
	}
	return ops, values
}

func sortedKeys(c trust.Conditions) []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// describeCondition writes a condition the way it stands in the policy.
func describeCondition(op, key string, values []string) string {
	b, _ := json.Marshal(map[string]map[string][]string{op: {key: values}})
	return string(b)
}

// audience returns an aud value the statement accepts, for probes: a pinned
// value, else one its first pattern matches, else the organization ID.
func (s statement) audience() string {
	ops, values := s.conditionValues("aud", true)
	for i := range ops {
		for _, v := range values[i] {
			if !strings.ContainsAny(v, "*?$") {
				return v
			}
		}
	}
	if len(ops) > 0 && len(values[0]) > 0 && !strings.Contains(values[0][0], "${") {
		if v := values[0][0]; trust.Like(v, s.probeOrgID()) {
			return s.probeOrgID()
		}
		return fill(values[0][0])
	}
	return s.probeOrgID()
}

// judge asks the evaluator about a token with this subject.
func (s statement) judge(sub string) trust.Verdict {
	project := ""
	if parts := strings.Split(sub, "/"); len(parts) > 3 {
		project = parts[3]
	}
	return trust.Evaluate(s.doc, trust.Claims{
		Issuer: "https://" + s.issuer, Subject: sub, Audience: []string{s.audience()}, ProjectID: project,
	})
}

// accepts reports whether the evaluator lets the subject in, or might.
func (s statement) accepts(sub string) (bool, string) {
	v := s.judge(sub)
	switch v.Decision {
	case trust.Allowed:
		return true, ""
	case trust.Undetermined:
		return true, " (if " + strings.TrimPrefix(v.Reason, "undetermined: ") + ")"
	}
	return false, ""
}

func (s statement) grade() []Finding {
	var out []Finding
	if len(s.st.Condition) == 0 {
		return []Finding{s.finding(Critical, CheckNoCondition, "(no Condition)",
			"any token from "+s.issuer+" whose aud is one of the provider's client IDs may assume the role: every job of the organization",
			s.recipe())}
	}
	out = append(out, s.gradeAud()...)
	out = append(out, s.gradeWholeOrg()...)
	out = append(out, s.gradeStars()...)
	out = append(out, s.gradeForks()...)
	out = append(out, s.gradeV1()...)
	return out
}

// recipe is the fix for a statement that trusts too much: this project's own
// shape.
func (s statement) recipe() string {
	o := s.orgID()
	return fmt.Sprintf(`pin aud and sub: "StringEquals": {"%[1]s:aud": "%[2]s"}, "StringLike": {"%[1]s:sub": "org/%[2]s/project/<PROJECT_ID>/user/*"}`+
		`; for a branch, "org/%[2]s/project/<PROJECT_ID>/user/*/vcs-origin/<HOST/OWNER/REPO>/vcs-ref/refs/heads/main"`, s.issuer, o)
}

// subPattern describes the statement's conditions on sub.
func (s statement) subPattern() string {
	var parts []string
	for _, positive := range []bool{true, false} {
		ops, values := s.conditionValues("sub", positive)
		for i, op := range ops {
			parts = append(parts, describeCondition(op, s.issuer+":sub", values[i]))
		}
	}
	if len(parts) == 0 {
		return "(no condition on " + s.issuer + ":sub)"
	}
	return strings.Join(parts, " ")
}

// likeSubjects yields the allowing Like conditions' sub patterns, with their
// operators.
func (s statement) likeSubjects() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		ops, values := s.conditionValues("sub", true)
		for i, op := range ops {
			if !strings.Contains(op, "Like") {
				continue
			}
			for _, p := range values[i] {
				if !yield(op, p) {
					return
				}
			}
		}
	}
}

// fill turns a pattern into a value it matches, as someone else in the
// organization would have it: an unpinned project or user is theirs, another
// "?" becomes "a" and another "*" becomes "x".
func fill(p string) string {
	for _, wild := range []string{"*", trust.AnyUUID} {
		p = strings.ReplaceAll(p, "/project/"+wild+"/", "/project/"+otherProject+"/")
		p = strings.ReplaceAll(p, "/user/"+wild+"/", "/user/"+otherUser+"/")
		if strings.HasSuffix(p, "/user/"+wild) {
			p = strings.TrimSuffix(p, wild) + otherUser
		}
	}
	return strings.NewReplacer("?", "a", "*", "x").Replace(p)
}
