package audit

import (
	"fmt"
	"strings"
)

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
