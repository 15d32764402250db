package cli_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/cli"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/oidctest"
)

// jobEnv is a CircleCI job's environment as doctor --from-job reads it.
func jobEnv(vars map[string]string) cli.Env {
	return cli.Env{Getenv: func(k string) string { return vars[k] }}
}

// doctor --from-job judges the job's own token against the policy publish
// --trust-policy wrote, with the exit codes of doctor, and prints neither the
// token nor any piece of its signature, whatever the outcome.
func TestDoctorFromJob(t *testing.T) {
	iss := issuer(t)
	onFeature := onMain
	onFeature.Ref = "refs/heads/feature"
	v1 := onMain
	v1.Origin, v1.Ref = "", ""
	main, feature, v1Token := sign(t, iss, onMain), sign(t, iss, onFeature), sign(t, iss, v1)
	policy := mainOnlyPolicy()

	tests := []struct {
		name  string
		vars  map[string]string
		flags []string
		code  int
		want  []string // in stdout
		err   string   // in stderr
	}{
		{"allowed, verified", map[string]string{"CIRCLE_OIDC_TOKEN_V2": main, "AWS_ROLE_TRUST_POLICY": policy, "AWS_ROLE_ARN": roleARN},
			[]string{"--verify", "--issuer-url", iss.URL}, cli.ExitOK,
			[]string{"Token (v2)", "vcs-ref      refs/heads/main", "signature    verified against the issuer's keys",
				"Policy ($AWS_ROLE_TRUST_POLICY, published for $AWS_ROLE_ARN " + roleARN + ")", "Verdict: ALLOWED"}, ""},
		{"allowed, signature not checked", map[string]string{"CIRCLE_OIDC_TOKEN_V2": main, "AWS_ROLE_TRUST_POLICY": policy, "AWS_ROLE_ARN": roleARN},
			nil, cli.ExitUnverified, []string{"Verdict: ALLOWED, SIGNATURE NOT CHECKED"}, ""},
		{"refused branch", map[string]string{"CIRCLE_OIDC_TOKEN_V2": feature, "AWS_ROLE_TRUST_POLICY": policy, "AWS_ROLE_ARN": roleARN},
			[]string{"--verify", "--issuer-url", iss.URL}, cli.ExitRefused,
			[]string{"vcs-ref      refs/heads/feature", "FAIL  StringLike oidc.circleci.com/org/" + org + ":sub",
				"Verdict: REFUSED: statement 0: sub"}, ""},
		{"v2 wins over v1", map[string]string{"CIRCLE_OIDC_TOKEN": v1Token, "CIRCLE_OIDC_TOKEN_V2": main, "AWS_ROLE_TRUST_POLICY": policy},
			nil, cli.ExitUnverified,
			[]string{"Token (v2)", "Policy ($AWS_ROLE_TRUST_POLICY; $AWS_ROLE_ARN is not set in this job)"}, ""},
		{"v1 only, against a branch-limited role", map[string]string{"CIRCLE_OIDC_TOKEN": v1Token, "AWS_ROLE_TRUST_POLICY": policy, "AWS_ROLE_ARN": roleARN},
			nil, cli.ExitRefused, []string{"Token (v1)", "Verdict: REFUSED"}, ""},
		{"no policy variable", map[string]string{"CIRCLE_OIDC_TOKEN_V2": main, "AWS_ROLE_ARN": roleARN}, nil, cli.ExitFailed, nil,
			"--from-job: AWS_ROLE_TRUST_POLICY is not set, so this job has no trust policy to judge the token against: " +
				"run circleci-oidc publish with --trust-policy to write it beside AWS_ROLE_ARN into the job's context"},
		{"no context at all", map[string]string{"CIRCLE_OIDC_TOKEN_V2": main}, nil, cli.ExitFailed, nil,
			"--from-job: neither AWS_ROLE_TRUST_POLICY nor AWS_ROLE_ARN is set: is the context that publish wrote attached to this job?"},
		{"no token", map[string]string{"AWS_ROLE_TRUST_POLICY": policy, "AWS_ROLE_ARN": roleARN}, nil, cli.ExitFailed, nil,
			"--from-job: neither CIRCLE_OIDC_TOKEN_V2 nor CIRCLE_OIDC_TOKEN is set"},
		{"with another source", map[string]string{"CIRCLE_OIDC_TOKEN_V2": main, "AWS_ROLE_TRUST_POLICY": policy},
			[]string{"--role-arn", roleARN}, cli.ExitUsage, nil, "--from-job reads the token, the policy and the role from the job's environment"},
		{"with --token", map[string]string{"CIRCLE_OIDC_TOKEN_V2": main, "AWS_ROLE_TRUST_POLICY": policy},
			[]string{"--token", main}, cli.ExitUsage, nil, "drop --token"},
		{"policy not JSON", map[string]string{"CIRCLE_OIDC_TOKEN_V2": main, "AWS_ROLE_TRUST_POLICY": "{", "AWS_ROLE_ARN": roleARN},
			nil, cli.ExitFailed, nil, "--from-job: $AWS_ROLE_TRUST_POLICY: "},
		{"a token that is not a JWT", map[string]string{"CIRCLE_OIDC_TOKEN_V2": main[:len(main)-1] + "." + "x", "AWS_ROLE_TRUST_POLICY": policy},
			nil, cli.ExitFailed, nil, "the token is not a signed JWT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, jobEnv(tt.vars), append([]string{"doctor", "--from-job"}, tt.flags...)...)
			assert.Equal(t, tt.code, r.code, r.stdout+r.stderr)
			for _, w := range tt.want {
				assert.Contains(t, r.stdout, w)
			}
			assert.Contains(t, r.stderr, tt.err)
			for _, tok := range []string{main, feature, v1Token, tt.vars["CIRCLE_OIDC_TOKEN_V2"]} {
				assert.Empty(t, oidctest.Leaks(r.stdout+r.stderr, tok), "doctor printed token material")
			}
		})
	}
}
