package audit

import (
	"fmt"
	"strings"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

// attackerTail is a v2 subject of someone else in the organization, split in
// segments: where a "*" stands after segment i of a pattern, the attacker
// supplies segments i+1 onwards, and chooses the branch name.
func (s statement) attackerTail() []string {
	return append([]string{"org", s.probeOrgID(), "project", otherProject, "user", otherUser, "vcs-origin"},
		append(strings.Split(otherOrigin, "/"), "vcs-ref", "refs", "heads", "x")...)
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
