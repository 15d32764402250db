package fleet

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseShard(t *testing.T) {
	tests := []struct {
		in      string
		want    Shard
		wantErr bool
	}{
		{"", Shard{0, 1}, false},
		{"0/1", Shard{0, 1}, false},
		{"2/3", Shard{2, 3}, false},
		{"3/3", Shard{}, true},
		{"-1/3", Shard{}, true},
		{"1/0", Shard{}, true},
		{"1", Shard{}, true},
		{"a/b", Shard{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseShard(tt.in)
			if tt.wantErr {
				require.ErrorContains(t, err, "give i/n with 0 <= i < n")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestShardsCoverEveryAccountExactlyOnce(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7} {
		for a := range 200 {
			id := fmt.Sprintf("%012d", 100000000000+a*7919)
			owners := 0
			for i := range n {
				if (Shard{i, n}).Has(id) {
					owners++
				}
			}
			assert.Equal(t, 1, owners, "account %s with %d shards", id, n)
		}
	}
	// Deterministic: the same account is in the same shard on every run.
	assert.Equal(t, (Shard{1, 3}).Has("123456789012"), (Shard{1, 3}).Has("123456789012"))
}

func TestBuildPlanFromAccounts(t *testing.T) {
	f, err := ParseFile("fleet.yaml", []byte(`version: 1
assumeRoleName: Deployer
region: eu-west-1
defaults: {organizationId: o}
accounts:
  "222222222222":
    name: invited
    assumeRoleArn: arn:aws:iam::222222222222:role/ControlTowerExecution
    config: {roleName: special}
`))
	require.NoError(t, err)
	me := Identity{Account: "100000000000", Partition: "aws"}
	tests := []struct {
		name     string
		opts     Options
		wantJobs map[string]string // account -> role fleet assumes
		skipped  []string
	}{
		{"management left out", Options{Accounts: "100000000000,111111111111,222222222222"},
			map[string]string{"111111111111": "arn:aws:iam::111111111111:role/Deployer",
				"222222222222": "arn:aws:iam::222222222222:role/ControlTowerExecution"}, []string{"100000000000"}},
		{"management included, with the ambient credentials", Options{Accounts: "100000000000", IncludeManagement: true},
			map[string]string{"100000000000": ""}, nil},
		{"--role-name", Options{Accounts: "111111111111", RoleName: "Other"},
			map[string]string{"111111111111": "arn:aws:iam::111111111111:role/Other"}, nil},
		{"--only", Options{Accounts: "111111111111,222222222222", Only: map[string]bool{"222222222222": true}},
			map[string]string{"222222222222": "arn:aws:iam::222222222222:role/ControlTowerExecution"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.File = f
			plan, err := BuildPlan(t.Context(), tt.opts, nil, me)
			require.NoError(t, err)
			got := map[string]string{}
			for _, j := range plan.Jobs {
				got[j.Account.ID] = j.RoleArn
				assert.Equal(t, StackName(j.Account.ID), j.Stack)
				assert.Equal(t, "eu-west-1", j.Provider["aws:region"])
				assert.Equal(t, []string{j.Account.ID}, j.Provider["aws:allowedAccountIds"])
			}
			assert.Equal(t, tt.wantJobs, got)
			var skipped []string
			for _, r := range plan.Skipped {
				skipped = append(skipped, r.Account)
			}
			assert.Equal(t, tt.skipped, skipped)
		})
	}
	plan, err := BuildPlan(t.Context(), Options{File: f, Accounts: "222222222222"}, nil, me)
	require.NoError(t, err)
	assert.Equal(t, "invited", plan.Jobs[0].Account.Name)
	assert.Equal(t, map[string]any{"organizationId": "o", "roleName": "special"}, plan.Jobs[0].Config)
}

func TestBuildPlanUsageErrors(t *testing.T) {
	me := Identity{Account: "100000000000"}
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{"nothing targeted", Options{}, "no accounts targeted: pass --accounts, --org or --ou"},
		{"bad ID", Options{Accounts: "12"}, `entry 1 "12" is not a 12-digit AWS account ID`},
		{"--org without Organizations", Options{Org: true}, "--org and --ou need the Organizations API"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := BuildPlan(t.Context(), tt.opts, nil, me)
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestBuildPlanFromOUAndOrphans(t *testing.T) {
	plan, err := BuildPlan(t.Context(), Options{OUs: []string{"/prod"}}, newFakeOrg(), Identity{Account: "100000000000"})
	require.NoError(t, err)
	var ids []string
	for _, j := range plan.Jobs {
		ids = append(ids, j.Account.ID+" "+j.Account.OU)
	}
	assert.Equal(t, []string{"200000000001 /prod", "200000000002 /prod", "300000000001 /prod/eu"}, ids)
	orphans := Orphans([]string{"200000000001", "400000000001"}, plan.Targets)
	require.Len(t, orphans, 1)
	assert.Equal(t, "400000000001", orphans[0].Account)
	assert.Equal(t, ResultOrphaned, orphans[0].Result)
	assert.Contains(t, orphans[0].Note, "pulumi destroy --stack acct-400000000001")
}
