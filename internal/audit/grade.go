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
	"slices"
	"strings"
	"unicode"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

// Severity ranks a finding.
type Severity int

// Severities, from least to most severe.
const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = []string{"info", "low", "medium", "high", "critical"}

// String returns the severity's name, such as "high".
func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// ParseSeverity reads a severity name: info, low, medium, high or critical.
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(n, name) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("severity %q is not one of %s", name, strings.Join(severityNames, ", "))
}

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

func (s statement) gradeAud() []Finding {
	ops, values := s.conditionValues("aud", true)
	for i, op := range ops {
		if strings.Contains(op, "ForAllValues") {
			continue // holds for an empty set; does not pin
		}
		for _, v := range values[i] {
			if !strings.ContainsAny(v, "*?") {
				return nil
			}
		}
	}
	pattern := "(no condition on " + s.issuer + ":aud)"
	if len(ops) > 0 {
		pattern = describeCondition(ops[0], s.issuer+":aud", values[0])
	}
	return []Finding{s.finding(Medium, CheckAudNotPinned, pattern,
		"aud is not pinned: a token minted for any of the provider's client IDs, for another service, is accepted",
		fmt.Sprintf(`add "StringEquals": {"%s:aud": "%s"}`, s.issuer, s.orgID()))}
}

// gradeWholeOrg probes with jobs of a project, user and repository the
// policy does not name, on common branches and a tag, and on every ref the
// statement's sub conditions name.
func (s statement) gradeWholeOrg() []Finding {
	base := "org/" + s.probeOrgID() + "/project/" + otherProject + "/user/" + otherUser
	probes := []string{base}
	for _, ref := range s.probeRefs() {
		probes = append(probes, base+"/vcs-origin/"+otherOrigin+"/vcs-ref/"+ref)
	}
	var passed []string
	note := ""
	for _, p := range probes {
		if ok, n := s.accepts(p); ok {
			passed = append(passed, p)
			if note == "" {
				note = n
			}
		}
	}
	if len(passed) == 0 {
		return nil
	}
	what := "any job of any project in organization " + s.orgID()
	if len(passed) < len(probes) {
		var refs []string
		for _, p := range passed {
			if _, ref, ok := strings.Cut(p, "/vcs-ref/"); ok {
				refs = append(refs, ref)
			}
		}
		what = "a job of any project in organization " + s.orgID() + " on " + strings.Join(refs, ", ")
	}
	f := s.finding(High, CheckWholeOrg, s.subPattern(),
		what+" may assume the role"+note+"; so may a fork's build when forked PRs get secrets", s.recipe())
	f.Example = passed[0]
	return []Finding{f}
}

// probeRefs returns common refs, then a ref each sub condition's ref part
// matches, without repeats.
func (s statement) probeRefs() []string {
	refs := []string{"refs/heads/feature-x", "refs/heads/main", "refs/heads/master", "refs/tags/v1.0.0"}
	_, values := s.conditionValues("sub", true)
	for _, vs := range values {
		for _, v := range vs {
			_, ref, ok := strings.Cut(v, "/vcs-ref/")
			if !ok || strings.Contains(ref, "${") {
				continue
			}
			if r := fill(ref); !slices.Contains(refs, r) {
				refs = append(refs, r)
			}
		}
	}
	return refs
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

// attackerTail is a v2 subject of someone else in the organization, split in
// segments: where a "*" stands after segment i of a pattern, the attacker
// supplies segments i+1 onwards, and chooses the branch name.
func (s statement) attackerTail() []string {
	return append([]string{"org", s.probeOrgID(), "project", otherProject, "user", otherUser, "vcs-origin"},
		append(strings.Split(otherOrigin, "/"), "vcs-ref", "refs", "heads", "x")...)
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

// gradeStars finds a "*" that stands before a pinned segment: IAM's "*"
// matches "/", and the end of a v2 subject is a branch name anyone with push
// access chooses, so the pinned text after the "*" can be spelt in the branch
// name. Each suspicion is confirmed by the evaluator with a forged subject.
func (s statement) gradeStars() []Finding {
	var out []Finding
	for op, p := range s.likeSubjects() {
		out = append(out, s.starFindings(op, p)...)
	}
	return out
}

// starFindings returns at most one finding of each kind for a pattern,
// trying the last "*" first: the one nearest the pinned text makes the
// shortest forged subject.
func (s statement) starFindings(op, p string) []Finding {
	if strings.Contains(p, "${") {
		return nil
	}
	tail := s.attackerTail()
	var out []Finding
	seen := map[string]bool{}
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] != '*' {
			continue
		}
		prefix, rest := p[:i], p[i+1:]
		if !strings.HasSuffix(prefix, "/") {
			continue
		}
		segment := strings.Count(prefix, "/")
		if segment >= len(tail)-3 { // within the ref: a branch pattern, not a spoof
			continue
		}
		check, what := "", ""
		switch {
		case pinsSegment(rest, "/project/", "/user/", "/vcs-origin/"):
			check, what = CheckStarBeforePin, "the project, user or repository pinned after it is no limit"
		case strings.Contains(rest, "/vcs-ref/"):
			check, what = CheckRefGuardMissing, "the ref pinned after it is no limit"
		default:
			continue
		}
		if seen[check] {
			continue
		}
		forged := fill(prefix) + strings.Join(tail[segment:], "/") + fill(rest)
		ok, note := s.accepts(forged)
		if !ok && check == CheckStarBeforePin {
			// The ref guard stops the pinned text spelt in the branch; spell
			// it in the origin instead, whose path a GitLab subgroup named
			// "user" or "vcs-origin" can take: everything up to the pinned
			// ref, then the ref itself.
			if pinned, ref, cut := strings.Cut(rest, "/vcs-ref/"); cut && segment < len(tail)-4 && nestedOrigin(segment, pinned) {
				forged = fill(prefix) + strings.Join(tail[segment:len(tail)-4], "/") + fill(pinned) + "/vcs-ref/" + fill(ref)
				ok, note = s.accepts(forged)
			}
		}
		if !ok {
			continue // a guard, or another condition, stops it
		}
		seen[check] = true
		f := s.finding(High, check, describeCondition(op, s.issuer+":sub", []string{p}),
			fmt.Sprintf("the * at offset %d matches \"/\", so a branch named to end in %q passes: %s%s",
				i, fill(rest), what, note), "")
		f.Example = forged
		if check == CheckRefGuardMissing {
			f.Fix = fmt.Sprintf(`add "StringNotLike": {"%s:sub": "%s"}, or pin the origin in place of the *`, s.issuer, trust.RefSpoofGuard)
		} else {
			f.Fix = "replace the * by the value it stands for, or by " + trust.AnyUUID + " for any one UUID (? never matches \"/\")"
		}
		out = append(out, f)
	}
	return out
}

// nestedOrigin reports whether an origin that the * at segment stands for
// may hold more than host/owner/repository, so that it can spell the pinned
// text after the *. When the * stands for the project, it may be another
// project's, on any host. When the project is pinned, only a fork of it can
// bring another origin, on the same host: GitHub and Bitbucket paths are
// owner/repository, GitLab's may nest subgroups.
func nestedOrigin(segment int, pinned string) bool {
	if segment <= 3 {
		return true
	}
	_, origin, ok := strings.Cut(pinned, "/vcs-origin/")
	host, _, _ := strings.Cut(origin, "/")
	return ok && host != "github.com" && host != "bitbucket.org"
}

// pinsSegment reports whether one of the segments follows in s with a value
// that is not a wildcard.
func pinsSegment(s string, segments ...string) bool {
	for _, seg := range segments {
		for rest := s; ; {
			_, after, ok := strings.Cut(rest, seg)
			if !ok {
				break
			}
			if after != "" && after[0] != '*' && !strings.HasPrefix(after, trust.AnyUUID) {
				return true
			}
			rest = after
		}
	}
	return false
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

// gradeForks finds a branch or tag limit with any origin: a fork's build on
// a branch of the same name passes when forked PRs get secrets. It reports
// the first such pattern of the statement: one finding, one fix.
func (s statement) gradeForks() []Finding {
	for op, p := range s.likeSubjects() {
		before, after, ok := strings.Cut(p, "/vcs-ref/")
		if !ok || after == "*" || after == "" {
			continue
		}
		// The origin is unpinned where a * stands for it: vcs-origin/*,
		// or the user or project segment folded with what follows.
		var prefix string
		switch {
		case strings.HasSuffix(before, "/vcs-origin/*"):
			prefix = fill(strings.TrimSuffix(before, "/vcs-origin/*"))
		case strings.HasSuffix(before, "/user/*"):
			prefix = fill(before)
		case strings.HasSuffix(before, "/project/*"):
			prefix = strings.TrimSuffix(before, "*") + otherProject + "/user/" + otherUser
		default:
			continue // the origin is pinned
		}
		forged := prefix + "/vcs-origin/" + otherOrigin + "/vcs-ref/" + fill(after)
		if ok, note := s.accepts(forged); ok {
			f := s.finding(Medium, CheckBranchNoOrigin, describeCondition(op, s.issuer+":sub", []string{p}),
				fmt.Sprintf("the branch or tag is limited but the repository is not: a build of a fork on %s passes when "+
					"\"Pass secrets to builds from forked pull requests\" is on%s", fill(after), note),
				"pin the repository: replace vcs-origin/* by vcs-origin/<HOST/OWNER/REPO> (circleci-oidc: vcsOrigins)")
			f.Example = forged
			return []Finding{f}
		}
	}
	return nil
}

// gradeV1 finds sub conditions that only v1 subjects can pass: the aws-cli
// orb v5 sends $CIRCLE_OIDC_TOKEN_V2, whose subject goes on with
// /vcs-origin/.../vcs-ref/....
func (s statement) gradeV1() []Finding {
	ops, values := s.conditionValues("sub", true)
	if len(ops) == 0 {
		return nil
	}
	var patterns []string
	for i, op := range ops {
		for _, v := range values[i] {
			if strings.Contains(v, "/vcs-origin/") || strings.Contains(v, "/vcs-ref/") ||
				(strings.Contains(op, "Like") && strings.HasSuffix(v, "*")) {
				return nil
			}
		}
		patterns = append(patterns, describeCondition(op, s.issuer+":sub", values[i]))
	}
	return []Finding{s.finding(Low, CheckV1Only, strings.Join(patterns, " "),
		"only v1 subjects ($CIRCLE_OIDC_TOKEN) pass; the aws-cli orb v5 sends $CIRCLE_OIDC_TOKEN_V2, whose sub goes on with /vcs-origin/.../vcs-ref/...",
		`accept both: "StringLike" with "org/<ORG>/project/<PROJECT>/user/<USER>" and ".../user/<USER>/vcs-origin/*", as circleci-oidc writes for userIds`)}
}
