package audit

import (
	"strings"
)

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
