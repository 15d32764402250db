package publish_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/publish"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/stackout"
)

func stack() stackout.Stack {
	return stackout.Stack{
		Name:    "prod",
		Outputs: map[string]stackout.Output{"roleArn": {Value: "arn:aws:iam::222222222222:role/deploy"}, "n": {Value: 3.0}},
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
		stack func(*stackout.Stack)
		opts  publish.Options
		want  []string
		err   string
	}{
		{"defaults", nil, publish.Options{Context: "aws-prod"},
			[]string{"AWS_ROLE_ARN=arn:aws:iam::222222222222:role/deploy", "AWS_REGION=us-west-2", "AWS_DEFAULT_REGION=us-west-2"}, ""},
		{"region flag wins", nil, publish.Options{Context: "c", Region: "eu-central-1"},
			[]string{"AWS_ROLE_ARN=arn:aws:iam::222222222222:role/deploy", "AWS_REGION=eu-central-1", "AWS_DEFAULT_REGION=eu-central-1"}, ""},
		{"a later --var replaces a default", nil, publish.Options{Context: "c", Vars: []publish.Var{{Name: "AWS_REGION", Output: "n"}}},
			[]string{"AWS_ROLE_ARN=arn:aws:iam::222222222222:role/deploy", "AWS_REGION=3", "AWS_DEFAULT_REGION=us-west-2"}, ""},
		{"no context", nil, publish.Options{}, nil, "nowhere to publish"},
		{"no region", func(s *stackout.Stack) { delete(s.Config, "aws:region") }, publish.Options{Context: "c"},
			nil, "stack prod has no aws:region: pass --region"},
		{"no organization", func(s *stackout.Stack) { delete(s.Config, "circleci-oidc:organizationId") },
			publish.Options{Context: "c"}, nil, "stack prod has no circleci-oidc:organizationId: pass --org-id"},
		{"restrict without projects", nil, publish.Options{Context: "c", Restrict: true},
			nil, "--restrict: stack prod has no circleci-oidc:projectIds list"},
		{"unknown output", nil, publish.Options{Context: "c", Vars: []publish.Var{{Name: "X", Output: "nope"}}},
			nil, "--var X=nope: stack prod has no output nope; its outputs: n, roleArn"},
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
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, names(p))
			assert.Equal(t, "org-1", p.OrgID)
		})
	}
}

func TestParseVar(t *testing.T) {
	tests := []struct {
		in   string
		want publish.Var
		err  bool
	}{
		{"ROLE_NAME=roleName", publish.Var{Name: "ROLE_NAME", Output: "roleName"}, false},
		{"_X=a=b", publish.Var{Name: "_X", Output: "a=b"}, false},
		{"1X=roleArn", publish.Var{}, true},
		{"nope", publish.Var{}, true},
		{"X=", publish.Var{}, true},
		{"=roleArn", publish.Var{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := publish.ParseVar(tt.in)
			if tt.err {
				require.Error(t, err)
				assert.Contains(t, err.Error(), `--var "`+tt.in+`" is not NAME=output`)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestRestrictReadsProjectIDs(t *testing.T) {
	s := stack()
	s.Config["circleci-oidc:projectIds"] = `["p1","p2"]`
	p, err := publish.NewPlan(s, publish.Options{Context: "c", Restrict: true})
	require.NoError(t, err)
	assert.Equal(t, []publish.Restriction{
		{Type: "project", Value: "p1", From: "config circleci-oidc:projectIds"},
		{Type: "project", Value: "p2", From: "config circleci-oidc:projectIds"},
	}, p.Restrictions)
}
