package audit

import (
	"slices"
	"strings"
)

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
