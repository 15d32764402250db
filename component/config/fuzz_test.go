package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/config"
)

// FuzzValidate checks that validation never panics and that every problem it
// reports names an input and says something.
func FuzzValidate(f *testing.F) {
	f.Add(org, project, "main", "github.com/acme/api", "/ci/", "ci-role", "arn:aws:iam::aws:policy/ReadOnlyAccess", `{"Statement":[{}]}`, tp, 3600, false)
	f.Add("", "", "", "", "", "", "", "", "", 0, true)
	f.Add("acme", "abc", "refs/heads/main", "https://x", "ci", strings.Repeat("r", 70), "x", "{", "AB:CD", 60, true)
	f.Fuzz(func(t *testing.T, org, project, branch, origin, path, role, policyARN, policy, thumb string, duration int, all bool) {
		c := config.Config{
			OrganizationID:     org,
			ProjectIDs:         []string{project},
			Branches:           []string{branch},
			VCSOrigins:         []string{origin},
			AllowAllProjects:   all,
			Path:               path,
			RoleName:           role,
			ManagedPolicyARNs:  []string{policyARN},
			InlinePolicies:     map[string]string{"p": policy},
			Thumbprints:        []string{thumb},
			MaxSessionDuration: duration,
			ExtraConditions:    map[string]map[string][]string{branch: {origin: {project}}},
			Rules:              []config.Rule{{ProjectIDs: []string{project}, GitTags: []string{branch}}},
			ProjectPinning:     path,
		}.WithDefaults()
		err := c.Validate()
		if err == nil {
			return
		}
		var errs config.Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Fatalf("Validate returned %T, want a non-empty config.Errors", err)
		}
		for _, e := range errs {
			if e.Field == "" || e.Problem == "" {
				t.Fatalf("problem without a field or text: %#v", e)
			}
		}
		_ = config.AttachmentName("ci", policyARN)
		_ = c.Scope(c.TopLevelRule()).Subjects()
		_ = c.Warnings()
	})
}
