package publish_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/publish"
)

func stack() publish.Stack {
	return publish.Stack{
		Name:    "prod",
		Outputs: map[string]publish.Output{"roleArn": {Value: "arn:aws:iam::222222222222:role/deploy"}, "n": {Value: 3.0}},
		Config:  map[string]string{"aws:region": "us-west-2", "circleci-oidc:organizationId": "org-1"},
	}
}

func names(p publish.Plan) []string {
	var out []string
	for _, v := range p.Variables {
		out = append(out, v.Name+"="+v.Value)
	}
	return out
}

func TestNewPlan(t *testing.T) {
	tests := []struct {
		name  string
		stack func(*publish.Stack)
		opts  publish.Options
		want  []string
		err   string
		usage bool
	}{
		{"defaults", nil, publish.Options{Context: "aws-prod"},
			[]string{"AWS_ROLE_ARN=arn:aws:iam::222222222222:role/deploy", "AWS_REGION=us-west-2", "AWS_DEFAULT_REGION=us-west-2"}, "", false},
		{"region flag wins", nil, publish.Options{Context: "c", Region: "eu-central-1"},
			[]string{"AWS_ROLE_ARN=arn:aws:iam::222222222222:role/deploy", "AWS_REGION=eu-central-1", "AWS_DEFAULT_REGION=eu-central-1"}, "", false},
		{"a later --var replaces a default", nil, publish.Options{Context: "c", Vars: []string{"AWS_REGION=n"}},
			[]string{"AWS_ROLE_ARN=arn:aws:iam::222222222222:role/deploy", "AWS_REGION=3", "AWS_DEFAULT_REGION=us-west-2"}, "", false},
		{"no region", func(s *publish.Stack) { delete(s.Config, "aws:region") }, publish.Options{Context: "c"},
			nil, "the stack has no aws:region; pass --region", true},
		{"no organization", func(s *publish.Stack) { delete(s.Config, "circleci-oidc:organizationId") },
			publish.Options{Context: "c"}, nil, "--org-id is required", true},
		{"restrict without projects", nil, publish.Options{Context: "c", Restrict: true},
			nil, "--restrict: stack prod has no circleci-oidc:projectIds list", false},
		{"bad variable name", nil, publish.Options{Context: "c", Vars: []string{"1X=roleArn"}},
			nil, `--var "1X=roleArn" is not NAME=output`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := stack()
			if tt.stack != nil {
				tt.stack(&s)
			}
			p, err := publish.NewPlan(s, tt.opts)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				var u publish.UsageError
				assert.Equal(t, tt.usage, errors.As(err, &u), "usage error")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, names(p))
			assert.Equal(t, "org-1", p.OrgID)
		})
	}
}

func TestRestrictReadsProjectIDs(t *testing.T) {
	s := stack()
	s.Config["circleci-oidc:projectIds"] = `["p1","p2"]`
	p, err := publish.NewPlan(s, publish.Options{Context: "c", Restrict: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"p1", "p2"}, p.Restrict)
}
