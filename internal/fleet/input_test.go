package fleet

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Issue 22 item 3: Organizations' answers are checked where they enter.
func TestDiscoverRefusesIDsThatAreNotAccountIDs(t *testing.T) {
	tests := []struct {
		name   string
		change func(*fakeOrg)
		want   string
	}{
		{"ListAccounts", func(f *fakeOrg) {
			f.accounts = append(f.accounts, account("../../x/pwned/x", "evil", orgtypes.AccountStateActive))
		}, `organizations:ListAccounts returned the account ID "../../x/pwned/x", which is not 12 digits`},
		{"ListAccountsForParent", func(f *fakeOrg) {
			f.accounts = append(f.accounts, account("12345678901\n", "evil", orgtypes.AccountStateActive))
			f.parentOf["12345678901\n"] = "ou-prod"
		}, `returned the account ID "12345678901\n", which is not 12 digits`},
		{"DescribeOrganization", func(f *fakeOrg) { f.management = "master" },
			`organizations:DescribeOrganization returned the management account ID "master", which is not 12 digits`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeOrg()
			tt.change(f)
			_, err := Discover(t.Context(), f)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

// Issue 22 item 3: no path is made of an account ID that is not one, even
// when a Job reaches the pool some other way.
func TestPoolMakesNoPathOfABadAccountID(t *testing.T) {
	root := t.TempDir()
	logs := filepath.Join(root, "a", "logs")
	require.NoError(t, os.MkdirAll(logs, 0o755))
	victim := filepath.Join(root, "pwned.log")
	require.NoError(t, os.WriteFile(victim, []byte("precious"), 0o600))
	w := &fakeWorker{script: map[string][]error{}, calls: map[string]int{}}
	p := &Pool{Concurrency: 1, LogDir: logs, Worker: w}
	rows := p.Run(t.Context(), jobs("../../../pwned"))
	require.Len(t, rows, 1)
	assert.Equal(t, Result(ClassOther), rows[0].Result)
	assert.Contains(t, rows[0].Note, `account ID "../../../pwned" is not 12 digits`)
	assert.Empty(t, w.calls, "the worker never ran")
	b, err := os.ReadFile(victim)
	require.NoError(t, err)
	assert.Equal(t, "precious", string(b))

	_, err = (&Engine{WorkDir: filepath.Join(root, "a")}).accountDir(Job{Account: Account{ID: "../../x"}, Stack: StackName("../../x")})
	require.ErrorContains(t, err, `account ID "../../x" is not 12 digits`)
}

// Issue 22 item 4: every cell of the table, and the progress lines, show
// control characters escaped.
func TestTableAndProgressEscapeControlCharacters(t *testing.T) {
	r := &Report{Version: ReportVersion, Rows: []Row{{Account: "200000000001", Name: "evil\x1b[2J\nname",
		OU: "/ou\x1b]0;t\x07", Result: ResultSkipped, RoleArn: "arn:\u202e", Note: "context aws-\x1b[31m"}}}
	var b bytes.Buffer
	require.NoError(t, r.WriteTable(&b))
	assert.NotContains(t, b.String(), "\x1b")
	assert.NotContains(t, b.String(), "\x07")
	assert.NotContains(t, b.String(), "\u202e")
	assert.Contains(t, b.String(), `evil\x1b[2J\nname`)
	assert.Contains(t, b.String(), `/ou\x1b]0;t\a`)
	assert.Contains(t, b.String(), `arn:\u202e`)
	assert.Contains(t, b.String(), `context aws-\x1b[31m`)
	assert.Equal(t, "plain name/ok", Printable("plain name/ok"))
	assert.Equal(t, `bad\xff`, Printable("bad\xff"))
}

// fileWithAccounts is a fleet.yaml of about size bytes, mostly accounts.
func fileWithAccounts(size int) []byte {
	var b strings.Builder
	b.WriteString("version: 1\ndefaults: {organizationId: 11111111-1111-4111-8111-111111111111}\naccounts:\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "  \"%012d\": {name: account-%d, config: {roleName: deploy}}\n", 100000000000+i, i)
	}
	return []byte(b.String())
}

// Issue 22 item 5: ParseFile is linear in the size of the accounts map.
// Figures: go test ./internal/fleet -run '^$' -bench ParseFileAccounts -benchtime 1x
func BenchmarkParseFileAccounts(b *testing.B) {
	for _, kib := range []int{256, 512, 1024, 2048} {
		raw := fileWithAccounts(kib << 10)
		b.Run(fmt.Sprintf("%dKiB", kib), func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if _, err := ParseFile("fleet.yaml", raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The linear decoding of fleet.yaml keeps yaml's checks: duplicate keys,
// unknown fields, in every entry.
func TestParseFileKeepsYAMLsChecks(t *testing.T) {
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"duplicate account", "version: 1\naccounts:\n  \"111111111111\": {}\n  \"222222222222\": {}\n  \"111111111111\": {}\n",
			`line 5: mapping key "111111111111" already defined at line 3`},
		{"duplicate OU", "version: 1\nous:\n  /prod: {}\n  /prod: {}\n", `line 4: mapping key "/prod" already defined at line 3`},
		{"duplicate default", "version: 1\ndefaults:\n  roleName: a\n  roleName: b\n", `line 4: mapping key "roleName" already defined at line 3`},
		{"unknown field of an account", "version: 1\naccounts:\n  \"111111111111\": {asumeRoleArn: x}\n",
			"line 3: field asumeRoleArn not found in type fleet.AccountEntry"},
		{"account not a mapping", "version: 1\naccounts:\n  \"111111111111\": [x]\n", "line 3: cannot unmarshal !!seq into fleet.AccountEntry"},
		{"accounts not a mapping", "version: 1\naccounts: [x]\n", "line 2: cannot unmarshal !!seq into"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFile("fleet.yaml", []byte(tt.yaml))
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
	merged, err := ParseFile("fleet.yaml", []byte("version: 1\ndefaults: &d\n  roleName: base\nous:\n  /prod:\n    <<: *d\n    branches: [main]\n"))
	require.NoError(t, err, "a merge key still merges")
	assert.Equal(t, Config{"roleName": "base", "branches": []any{"main"}}, merged.OUs["/prod"])
	f, err := ParseFile("fleet.yaml", fileWithAccounts(4<<10))
	require.NoError(t, err)
	assert.Equal(t, AccountEntry{Name: "account-0", Config: map[string]any{"roleName": "deploy"}}, f.Accounts["100000000000"])
}

// Issue 22 item 7: shards of different runs are not merged.
func TestMergeRefusesReportsOfDifferentTargets(t *testing.T) {
	a := &Report{Version: 1, Targets: &Targets{Org: true}, Rows: []Row{{Account: "111111111111", Result: ResultOK}}}
	b := &Report{Version: 1, Targets: &Targets{OUs: []string{"/prod"}}, Rows: []Row{{Account: "222222222222", Result: ResultOK}}}
	_, err := Merge(a, b)
	require.ErrorContains(t, err, "reports 1 and 2 come from runs with different targets (--org, --ou /prod)")
	m, err := Merge(a, &Report{Version: 1, Targets: &Targets{Org: true}})
	require.NoError(t, err)
	assert.Equal(t, &Targets{Org: true}, m.Targets)
}

// hostileOUs answers the root's OU listing with an OU whose ID holds
// terminal controls, then ou-prod of the same name.
type hostileOUs struct {
	*fakeOrg
	id, name string
}

func (h hostileOUs) ListOrganizationalUnitsForParent(_ context.Context, in *organizations.ListOrganizationalUnitsForParentInput, _ ...func(*organizations.Options)) (*organizations.ListOrganizationalUnitsForParentOutput, error) {
	if aws.ToString(in.ParentId) != "r-root" {
		return &organizations.ListOrganizationalUnitsForParentOutput{}, nil
	}
	ous := []orgtypes.OrganizationalUnit{{Id: aws.String(h.id), Name: aws.String(h.name)},
		{Id: aws.String("ou-prod"), Name: aws.String(h.name)}}
	return &organizations.ListOrganizationalUnitsForParentOutput{OrganizationalUnits: ous}, nil
}

// Issue 22 item 4: an OU ID from Organizations reaches an error escaped, as
// its name does.
func TestDiscoverErrorsEscapeOUIDs(t *testing.T) {
	for _, name := range []string{"a/b", "prod"} {
		h := hostileOUs{fakeOrg: newFakeOrg(), id: "ou-\x1b[2J\u202e", name: name}
		_, err := Discover(t.Context(), h)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "\x1b", name)
		assert.NotContains(t, err.Error(), "\u202e", name)
		assert.Contains(t, err.Error(), `\x1b[2J`, name)
	}
}
