package fleet

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// fleet.yaml refuses an unknown field wherever it is, as yaml.v3's
// KnownFields did before the linear decoder: in targets, and in a mapping
// that takes keys through a merge key (<<).
func TestParseFileRefusesUnknownFieldsEverywhere(t *testing.T) {
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"unknown field of targets", "version: 1\ntargets:\n  org: true\n  ou: [/sandbox]\n",
			"field ou not found in type fleet.Targets"},
		{"unknown top-level field beside a merge key", "version: 1\n<<: {region: us-east-1}\nregon: eu-west-1\n",
			"field regon not found in type fleet.File"},
		{"unknown field merged into the top level", "version: 1\n<<: {regon: eu-west-1}\n",
			"field regon not found in type fleet.File"},
		{"unknown field of an account beside a merge key", "version: 1\naccounts:\n  \"111111111111\":\n    <<: {name: x}\n    asumeRoleArn: y\n",
			"field asumeRoleArn not found in type fleet.AccountEntry"},
		{"unknown field of an account through a merge key", "version: 1\naccounts:\n  \"111111111111\":\n    <<: {asumeRoleArn: y}\n",
			"field asumeRoleArn not found in type fleet.AccountEntry"},
		{"unknown field holding control characters", "version: 1\n\"\\e[2J\\u202e\": 1\n",
			`field \x1b[2J\u202e not found in type fleet.File`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFile("fleet.yaml", []byte(tt.yaml))
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}

// An OU path fleet never writes, such as /prod/ or /prod//eu, would match
// no account: its config would be dropped without a word.
func TestParseFileRefusesOUPathsThatNeverMatch(t *testing.T) {
	for path, want := range map[string]string{
		"/prod/":    `ous: "/prod/" is never an account's OU path; write "/prod"`,
		"/prod//eu": `ous: "/prod//eu" is never an account's OU path; write "/prod/eu"`,
		"//":        `ous: "//" is never an account's OU path; write "/"`,
	} {
		_, err := ParseFile("fleet.yaml", []byte("version: 1\nous:\n  "+path+": {roleName: x}\n"))
		require.ErrorContains(t, err, want, path)
	}
	for _, path := range []string{"/", "/prod", "/prod/eu"} {
		_, err := ParseFile("fleet.yaml", []byte("version: 1\nous:\n  "+path+": {roleName: x}\n"))
		require.NoError(t, err, path)
	}
}
