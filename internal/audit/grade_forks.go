package audit

import (
	"fmt"
	"strings"
)

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
