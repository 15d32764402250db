package fleet

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const mergeYAML = `version: 1
defaults:
  organizationId: 11111111-1111-4111-8111-111111111111
  roleName: circleci-deploy
  branches: [main, develop]
ous:
  /prod:
    branches: [main]
    maxSessionDuration: 7200
  /prod/eu:
    tags: {region: eu}
    maxSessionDuration: 3600
accounts:
  "300000000001":
    config:
      roleName: circleci-deploy-eu
`

func TestEffectiveMergesDefaultsThenOUsDeepestLastThenAccount(t *testing.T) {
	f, err := ParseFile("fleet.yaml", []byte(mergeYAML))
	require.NoError(t, err)
	org := "11111111-1111-4111-8111-111111111111"
	tests := []struct {
		name    string
		account Account
		want    map[string]any
	}{
		{"root account: defaults only", Account{ID: "100000000000", OU: "/"},
			map[string]any{"organizationId": org, "roleName": "circleci-deploy", "branches": []any{"main", "develop"}}},
		{"unknown OU (--accounts): defaults only", Account{ID: "100000000001"},
			map[string]any{"organizationId": org, "roleName": "circleci-deploy", "branches": []any{"main", "develop"}}},
		{"/prod replaces the whole list", Account{ID: "200000000001", OU: "/prod"},
			map[string]any{"organizationId": org, "roleName": "circleci-deploy", "branches": []any{"main"}, "maxSessionDuration": 7200}},
		{"/prod/eu wins over /prod, the account over both", Account{ID: "300000000001", OU: "/prod/eu"},
			map[string]any{"organizationId": org, "roleName": "circleci-deploy-eu", "branches": []any{"main"},
				"maxSessionDuration": 3600, "tags": map[string]any{"region": "eu"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, f.Effective(tt.account))
		})
	}
}

func TestParseFileRefusesMistakes(t *testing.T) {
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"version", "version: 2\n", "fleet.yaml: version 2 is not supported; set `version: 1`"},
		{"no version", "defaults: {}\n", "version 0 is not supported"},
		{"unknown key", "version: 1\ndefaults:\n  projectId: [x]\n",
			`defaults: "projectId" is not a config key of the stack program`},
		{"unknown field", "version: 1\nregions: [us-east-1]\n", "field regions not found"},
		{"OU not a path", "version: 1\nous:\n  prod: {}\n", `ous: "prod" is not an OU path; write it from the root, such as /prod/eu`},
		{"account ID", "version: 1\naccounts:\n  \"12345\": {}\n", `accounts: "12345" is not a 12-digit AWS account ID`},
		{"account key", "version: 1\naccounts:\n  \"123456789012\":\n    config: {rolename: x}\n",
			`accounts.123456789012.config: "rolename" is not a config key`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFile("fleet.yaml", []byte(tt.yaml))
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestStackNames(t *testing.T) {
	tests := []struct {
		stack string
		id    string
		ok    bool
	}{
		{StackName("123456789012"), "123456789012", true},
		{"organization/circleci-oidc/acct-123456789012", "123456789012", true},
		{"acct-12345", "12345", false},
		{"dev", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.stack, func(t *testing.T) {
			id, ok := AccountOfStack(tt.stack)
			assert.Equal(t, tt.ok, ok)
			if tt.ok {
				assert.Equal(t, tt.id, id)
			}
		})
	}
	assert.Equal(t, "acct-123456789012", StackName("123456789012"))
}

func TestProviderConfigAssumesTheRoleAndAllowsOnlyTheAccount(t *testing.T) {
	role := RoleArn("aws", "222222222222", DefaultRoleName)
	assert.Equal(t, "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole", role)
	assert.Equal(t, map[string]any{
		"aws:region":            "eu-west-1",
		"aws:allowedAccountIds": []string{"222222222222"},
		"aws:assumeRole":        map[string]string{"roleArn": role, "sessionName": SessionName},
	}, providerConfig("222222222222", role, "eu-west-1"))
	assert.Equal(t, map[string]any{
		"aws:region":            "us-east-1",
		"aws:allowedAccountIds": []string{"100000000000"},
	}, providerConfig("100000000000", "", "us-east-1"), "the management account uses the ambient credentials")
}

func TestConfigMapStoresStructuredValuesAsObjects(t *testing.T) {
	m, err := ConfigMap(map[string]any{
		"organizationId":     "o",
		"projectIds":         []any{"p"},
		"maxSessionDuration": 7200,
		"reuseProvider":      true,
		"tags":               map[string]any{"team": "platform"},
	}, providerConfig("222222222222", "arn:aws:iam::222222222222:role/R", "us-east-1"))
	require.NoError(t, err)
	want := map[string]struct {
		value  string
		object bool
	}{
		"circleci-oidc:organizationId":     {"o", false},
		"circleci-oidc:projectIds":         {`["p"]`, true},
		"circleci-oidc:maxSessionDuration": {"7200", false},
		"circleci-oidc:reuseProvider":      {"true", false},
		"circleci-oidc:tags":               {`{"team":"platform"}`, true},
		"aws:region":                       {"us-east-1", false},
		"aws:allowedAccountIds":            {`["222222222222"]`, true},
		"aws:assumeRole":                   {`{"roleArn":"arn:aws:iam::222222222222:role/R","sessionName":"circleci-oidc-fleet"}`, true},
	}
	require.Len(t, m, len(want))
	for k, w := range want {
		v, ok := m[config.MustMakeKey(k[:indexColon(k)], k[indexColon(k)+1:])]
		require.True(t, ok, k)
		got, err := v.Value(nil)
		require.NoError(t, err)
		assert.Equal(t, w.value, got, k)
		assert.Equal(t, w.object, v.Object(), k)
	}
}

func indexColon(s string) int {
	for i := range s {
		if s[i] == ':' {
			return i
		}
	}
	return -1
}

func TestProviderArnOfTheIssuer(t *testing.T) {
	tests := []struct {
		cfg  map[string]any
		want string
	}{
		{map[string]any{"organizationId": "o-1"}, "arn:aws:iam::222222222222:oidc-provider/oidc.circleci.com/org/o-1"},
		{map[string]any{"organizationId": "o-1", "issuerUrl": "https://circleci.example.com/org/o-1"},
			"arn:aws:iam::222222222222:oidc-provider/circleci.example.com/org/o-1"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, ProviderArn("aws", "222222222222", IssuerURL(tt.cfg)))
	}
}
