package config

import (
	"fmt"
	"regexp"
	"strings"
)

// refPrefixes maps the ref inputs to the ref namespace of their values, and
// to the other input.
var refPrefixes = map[string]struct{ own, other, otherField, kind, otherKind string }{
	"branches": {"refs/heads/", "refs/tags/", "gitTags", "branch", "tag"},
	"gitTags":  {"refs/tags/", "refs/heads/", "branches", "tag", "branch"},
}

// refProblem says what is wrong with the branch or tag name n of field
// ("branches" or "gitTags"), and how to fix it, or "". A value it tells the
// user to give passes refProblem itself.
func refProblem(field, example, n string) string {
	ns := refPrefixes[field]
	valid := func(v string) bool { return refProblem(field, example, v) == "" }
	switch {
	case strings.TrimSpace(n) == "":
		return fmt.Sprintf("is empty; give a name or pattern such as %s", example)
	case strings.HasPrefix(n, ns.own):
		if rest := strings.TrimPrefix(n, ns.own); valid(rest) {
			return fmt.Sprintf("must not start with refs/; give %q", rest)
		}
		return fmt.Sprintf("must not start with refs/; give the %s name after %s, such as %s", ns.kind, ns.own, example)
	case strings.HasPrefix(n, ns.other):
		rest := strings.TrimPrefix(n, ns.other)
		if refProblem(ns.otherField, example, rest) == "" {
			return fmt.Sprintf("is a %s, not a %s; put %q in %s, or give a %s name such as %s",
				ns.otherKind, ns.kind, rest, ns.otherField, ns.kind, example)
		}
		return fmt.Sprintf("must not start with refs/, and names a %s, not a %s; give a %s name such as %s",
			ns.otherKind, ns.kind, ns.kind, example)
	case strings.HasPrefix(n, "refs/"):
		return fmt.Sprintf("must not start with refs/: CircleCI runs jobs on branches and tags only; give a %s name such as %s",
			ns.kind, example)
	case strings.Contains("/"+n, "/vcs-ref/"):
		return fmt.Sprintf("must not contain vcs-ref/: the trust policy refuses every subject that holds "+
			"/vcs-ref/ twice, to stop spoofed refs, so it could never match; rename the %s", field)
	case strings.Contains(n, "${"):
		return fmt.Sprintf("must not contain ${: IAM would read it as a policy variable; give a name or "+
			"pattern such as %s", example)
	}
	if why := gitRefProblem(n); why != "" {
		return fmt.Sprintf("is not a git ref name (git check-ref-format refuses it: %s), so no job could run on it; "+
			"give a name or pattern such as %s", why, example)
	}
	return ""
}

// gitRefProblem returns why git refuses n as the name of a branch or tag
// (git-check-ref-format(1), and git branch for "@" and a leading "-"), or "".
// The IAM wildcards "*" and "?", which git also refuses, are allowed: a name
// here may be a pattern.
func gitRefProblem(n string) string {
	for _, r := range n {
		if r < 0x20 || r == 0x7f {
			return fmt.Sprintf("it holds a control character, %q", r)
		}
	}
	if i := strings.IndexAny(n, " ~^:[\\"); i >= 0 {
		return fmt.Sprintf("it holds %q", n[i:i+1])
	}
	for _, bad := range []string{"..", "@{", "//"} {
		if strings.Contains(n, bad) {
			return fmt.Sprintf("it holds %q", bad)
		}
	}
	switch {
	case n == "@":
		return `it is "@"`
	case strings.HasPrefix(n, "/"):
		return `it starts with "/"`
	case strings.HasPrefix(n, "-"):
		return `it starts with "-"`
	case strings.HasSuffix(n, "/"):
		return `it ends with "/"`
	case strings.HasSuffix(n, "."):
		return `it ends with "."`
	}
	for _, c := range strings.Split(n, "/") {
		if strings.HasPrefix(c, ".") {
			return `a component starts with "."`
		}
		if strings.HasSuffix(c, ".lock") {
			return `a component ends with ".lock"`
		}
	}
	return ""
}

var (
	vcsOriginRE = regexp.MustCompile(`^[a-zA-Z0-9.-]+(:\d+)?(/[\w.-]+){2,}$`)
	schemeRE    = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*://`)
	scpPathRE   = regexp.MustCompile(`^([a-zA-Z0-9.-]+):([^\d/][^/]*/)`)
)

// originProblem says what is wrong with a vcsOrigins value, and how to fix
// it, or "". A value it tells the user to give passes originProblem itself.
func originProblem(o string) string {
	hint := originHint(o)
	valid := hint != o && originProblem(hint) == ""
	switch {
	case schemeRE.MatchString(o) || strings.Contains(o, "://"):
		if valid {
			return fmt.Sprintf("must not have a scheme; give host/owner/repository, such as %q", hint)
		}
		return "must not have a scheme; give host/owner/repository, such as github.com/acme/api"
	case strings.HasSuffix(o, ".git") && valid:
		return fmt.Sprintf("must not end in .git; give %q", hint)
	case !vcsOriginRE.MatchString(o):
		if valid {
			return fmt.Sprintf("is not host/owner/repository; give %q", hint)
		}
		return "is not host/owner/repository, such as github.com/acme/api"
	case strings.Contains(o+"/", "/vcs-ref/"):
		return "has a vcs-ref segment: the trust policy refuses every subject that holds /vcs-ref/ twice, " +
			"to stop spoofed refs, so it could never match; this repository cannot be pinned"
	}
	return ""
}

// originHint turns a clone URL into host/owner/repository as CircleCI writes
// vcs-origin: without scheme, user, ".git" or trailing slash, and with the
// scp-like "host:owner/repo" written "host/owner/repo".
func originHint(o string) string {
	h := o
	hadScheme := schemeRE.MatchString(h)
	if i := strings.Index(h, "://"); i >= 0 {
		h = h[i+3:]
	}
	if at := strings.Index(h, "@"); at >= 0 && !strings.Contains(h[:at], "/") {
		h = h[at+1:]
	}
	if !hadScheme {
		h = scpPathRE.ReplaceAllString(h, "$1/$2")
	}
	for {
		t := strings.TrimSuffix(strings.TrimSuffix(h, "/"), ".git")
		if t == h {
			return h
		}
		h = t
	}
}
