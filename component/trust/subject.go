// Package trust builds and evaluates the IAM trust policy that lets CircleCI
// OIDC tokens assume a role. It is pure: no Pulumi, no AWS, no network.
package trust

import (
	"sort"
	"strings"
)

// Scope says which CircleCI jobs may assume a role. Empty lists mean "any".
type Scope struct {
	// OrganizationID is the CircleCI organization UUID.
	OrganizationID string
	// ProjectIDs are CircleCI project UUIDs.
	ProjectIDs []string
	// UserIDs are CircleCI user UUIDs of the people whose jobs may assume the role.
	UserIDs []string
	// Branches are branch names or IAM wildcard patterns, such as "main" or "release/*".
	Branches []string
	// Tags are git tag names or IAM wildcard patterns, such as "v*".
	Tags []string
	// VCSOrigins are repositories as host/owner/name, such as "github.com/acme/api".
	VCSOrigins []string
}

// PinsRef reports whether the scope limits the vcs-origin or vcs-ref part of
// the subject, which only v2 tokens carry.
func (s Scope) PinsRef() bool {
	return len(s.Branches) > 0 || len(s.Tags) > 0 || len(s.VCSOrigins) > 0
}

// Refs returns the git refs the scope allows, branches first, as they appear in
// a v2 token's vcs-ref: "refs/heads/main", "refs/tags/v*".
func (s Scope) Refs() []string {
	refs := make([]string, 0, len(s.Branches)+len(s.Tags))
	for _, b := range s.Branches {
		refs = append(refs, "refs/heads/"+b)
	}
	for _, t := range s.Tags {
		refs = append(refs, "refs/tags/"+t)
	}
	return refs
}

// Subjects returns the IAM StringLike patterns for the token's sub claim,
// sorted and without duplicates.
//
// Without a branch, tag or origin limit the patterns accept both v1 subjects
// (org/O/project/P/user/U) and v2 subjects (the same followed by
// /vcs-origin/.../vcs-ref/...). With one, they accept only v2 subjects, the
// only ones that carry the origin and the ref.
//
// IAM's "*" also matches "/", and the end of a v2 subject is a ref name that
// whoever can push a branch chooses. So a "*" may only stand where nothing
// pinned follows it: an unrestricted project or user in the middle of a
// pattern is AnyUUID, which matches exactly one UUID-shaped segment. A "*"
// that stands before the pinned ref, in place of the unpinned segments before
// it, is covered by RefSpoofGuard (see v2Pattern).
func (s Scope) Subjects() []string {
	projects := orAnyUUID(s.ProjectIDs)
	users := orAnyUUID(s.UserIDs)
	var out []string
	for _, p := range projects {
		for _, u := range users {
			base := "org/" + s.OrganizationID + "/project/" + p + "/user/"
			if !s.PinsRef() {
				if u == AnyUUID {
					// Nothing pinned follows: "*" covers v1 and v2 alike.
					out = append(out, base+"*")
				} else {
					out = append(out, base+u, base+u+"/vcs-origin/*")
				}
				continue
			}
			refs := s.Refs()
			if len(refs) == 0 {
				// Not "*": a ref always starts with refs/, and "*" would also
				// take an origin ending in /vcs-ref, whose "/vcs-ref/vcs-ref/"
				// the guard cannot see (its two "/vcs-ref/" share a slash).
				refs = []string{"refs/*"}
			}
			for _, o := range orAny(s.VCSOrigins) {
				for _, r := range refs {
					out = append(out, v2Pattern(s.OrganizationID, p, u, o, r))
				}
			}
		}
	}
	return sortedUnique(out)
}

// CountSubjects returns len(s.Subjects()) without building them, so that a
// scope too large for any policy can be refused at once: 50 projects, users,
// origins and branches make 6,250,000 patterns.
func (s Scope) CountSubjects() int {
	projects, users := max(distinct(s.ProjectIDs), 1), distinct(s.UserIDs)
	if !s.PinsRef() {
		if users == 0 {
			return projects // base + "*"
		}
		return projects * users * 2 // base + u, and base + u + "/vcs-origin/*"
	}
	return projects * max(users, 1) * max(distinct(s.VCSOrigins), 1) * max(distinct(s.Branches)+distinct(s.Tags), 1)
}

func distinct(v []string) int {
	seen := make(map[string]bool, len(v))
	for _, x := range v {
		seen[x] = true
	}
	return len(seen)
}

// v2Pattern returns the pattern for v2 subjects of project p, user u,
// origin o and ref r, where AnyUUID and "*" mean unpinned.
//
// RefSpoofGuard leaves a subject one "/vcs-ref/" that a ref, which starts
// with refs/, follows: two overlapping ones ("/vcs-ref/vcs-ref/", from an
// origin ending in /vcs-ref) escape the guard but not the refs/ after it. So
// a "*" that stands before the pinned ref can only stretch over the segments
// CircleCI writes before it. The unpinned segments that come after the last pinned one therefore
// fold into one "*", which keeps the policy short: org/O/project/* instead of
// org/O/project/AnyUUID/user/AnyUUID/vcs-origin/*. A segment that something
// pinned follows keeps its AnyUUID.
func v2Pattern(org, p, u, o, r string) string {
	tail := "/vcs-ref/" + r
	switch {
	case o != "*":
		return "org/" + org + "/project/" + p + "/user/" + u + "/vcs-origin/" + o + tail
	case u != AnyUUID:
		return "org/" + org + "/project/" + p + "/user/" + u + "/vcs-origin/*" + tail
	case p != AnyUUID:
		return "org/" + org + "/project/" + p + "/user/*" + tail
	default:
		return "org/" + org + "/project/*" + tail
	}
}

// RefSpoofGuard is the StringNotLike pattern for sub that refuses any subject
// carrying "/vcs-ref/" twice. IAM's "*" matches "/", so without it a pattern
// such as ".../vcs-origin/*/vcs-ref/refs/heads/main" would also match a push to
// a branch named "x/vcs-ref/refs/heads/main".
const RefSpoofGuard = "*/vcs-ref/*/vcs-ref/*"

// AnyUUID is the IAM StringLike pattern for one UUID: 36 single-character
// wildcards, so it cannot stretch over a "/" into the rest of the subject.
const AnyUUID = "????????-????-????-????-????????????"

func orAnyUUID(v []string) []string {
	if len(v) == 0 {
		return []string{AnyUUID}
	}
	return v
}

func orAny(v []string) []string {
	if len(v) == 0 {
		return []string{"*"}
	}
	return v
}

func sortedUnique(v []string) []string {
	if len(v) == 0 {
		return nil
	}
	out := append([]string(nil), v...)
	sort.Strings(out)
	j := 0
	for i := range out {
		if i == 0 || out[i] != out[j-1] {
			out[j] = out[i]
			j++
		}
	}
	return out[:j]
}

// IssuerKey returns the prefix IAM uses for an issuer's condition keys: the
// issuer URL without its scheme, such as "oidc.circleci.com/org/<ORG>".
func IssuerKey(issuerURL string) string {
	k := strings.TrimPrefix(issuerURL, "https://")
	return strings.TrimSuffix(k, "/")
}

// DefaultIssuerURL returns CircleCI cloud's issuer URL for an organization.
func DefaultIssuerURL(organizationID string) string {
	return "https://oidc.circleci.com/org/" + organizationID
}
