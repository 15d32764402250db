package fleet

import (
	"context"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeOrg is an organization that pages its lists as AWS does, by
// MaxResults, and counts the calls.
type fakeOrg struct {
	management string
	accounts   []orgtypes.Account
	parentOf   map[string]string // account or OU ID -> parent ID
	ouNames    map[string]string
	calls      map[string]int
}

func (f *fakeOrg) count(op string) {
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[op]++
}

// page returns the items of one page and the next token.
func page[T any](items []T, token *string, max *int32) ([]T, *string) {
	start := 0
	if token != nil {
		start, _ = strconv.Atoi(*token)
	}
	n := len(items) - start
	if max != nil && int(*max) < n {
		n = int(*max)
	}
	var next *string
	if start+n < len(items) {
		next = aws.String(strconv.Itoa(start + n))
	}
	return items[start : start+n], next
}

func (f *fakeOrg) DescribeOrganization(context.Context, *organizations.DescribeOrganizationInput, ...func(*organizations.Options)) (*organizations.DescribeOrganizationOutput, error) {
	return &organizations.DescribeOrganizationOutput{Organization: &orgtypes.Organization{MasterAccountId: aws.String(f.management)}}, nil
}

func (f *fakeOrg) ListRoots(context.Context, *organizations.ListRootsInput, ...func(*organizations.Options)) (*organizations.ListRootsOutput, error) {
	return &organizations.ListRootsOutput{Roots: []orgtypes.Root{{Id: aws.String("r-root")}}}, nil
}

func (f *fakeOrg) ListAccounts(_ context.Context, in *organizations.ListAccountsInput, _ ...func(*organizations.Options)) (*organizations.ListAccountsOutput, error) {
	f.count("ListAccounts")
	items, next := page(f.accounts, in.NextToken, in.MaxResults)
	return &organizations.ListAccountsOutput{Accounts: items, NextToken: next}, nil
}

func (f *fakeOrg) ListAccountsForParent(_ context.Context, in *organizations.ListAccountsForParentInput, _ ...func(*organizations.Options)) (*organizations.ListAccountsForParentOutput, error) {
	f.count("ListAccountsForParent")
	var direct []orgtypes.Account
	for _, a := range f.accounts {
		if f.parentOf[aws.ToString(a.Id)] == aws.ToString(in.ParentId) {
			direct = append(direct, a)
		}
	}
	items, next := page(direct, in.NextToken, in.MaxResults)
	return &organizations.ListAccountsForParentOutput{Accounts: items, NextToken: next}, nil
}

func (f *fakeOrg) ListOrganizationalUnitsForParent(_ context.Context, in *organizations.ListOrganizationalUnitsForParentInput, _ ...func(*organizations.Options)) (*organizations.ListOrganizationalUnitsForParentOutput, error) {
	f.count("ListOrganizationalUnitsForParent")
	var direct []orgtypes.OrganizationalUnit
	for _, id := range []string{"ou-prod", "ou-eu", "ou-sandbox"} {
		if f.parentOf[id] == aws.ToString(in.ParentId) {
			direct = append(direct, orgtypes.OrganizationalUnit{Id: aws.String(id), Name: aws.String(f.ouNames[id])})
		}
	}
	items, next := page(direct, in.NextToken, in.MaxResults)
	return &organizations.ListOrganizationalUnitsForParentOutput{OrganizationalUnits: items, NextToken: next}, nil
}

func account(id, name string, state orgtypes.AccountState) orgtypes.Account {
	return orgtypes.Account{Id: aws.String(id), Name: aws.String(name), State: state}
}

// newFakeOrg is the organization: /prod, /prod/eu, /sandbox, six
// accounts (one closed) and the management account at the root.
func newFakeOrg() *fakeOrg {
	return &fakeOrg{
		management: "100000000000",
		accounts: []orgtypes.Account{
			account("100000000000", "management", orgtypes.AccountStateActive),
			account("200000000001", "prod-api", orgtypes.AccountStateActive),
			account("200000000002", "prod-web", orgtypes.AccountStateActive),
			account("300000000001", "prod-eu", orgtypes.AccountStateActive),
			account("400000000001", "sandbox-a", orgtypes.AccountStateActive),
			account("400000000002", "sandbox-b", orgtypes.AccountStateActive),
			account("400000000003", "sandbox-closed", orgtypes.AccountStateSuspended),
		},
		parentOf: map[string]string{
			"100000000000": "r-root", "200000000001": "ou-prod", "200000000002": "ou-prod",
			"300000000001": "ou-eu", "400000000001": "ou-sandbox", "400000000002": "ou-sandbox",
			"400000000003": "ou-sandbox", "ou-prod": "r-root", "ou-eu": "ou-prod", "ou-sandbox": "r-root",
		},
		ouNames: map[string]string{"ou-prod": "prod", "ou-eu": "eu", "ou-sandbox": "sandbox"},
	}
}

func TestDiscoverPagesAndWalksTheTree(t *testing.T) {
	pageSize = 1
	t.Cleanup(func() { pageSize = 0 })
	f := newFakeOrg()
	org, err := Discover(t.Context(), f)
	require.NoError(t, err)
	assert.Equal(t, "100000000000", org.ManagementID)
	require.Len(t, org.Accounts, 7, "every page of ListAccounts was read")
	assert.Equal(t, 7, f.calls["ListAccounts"], "MaxResults 1: one page per account")
	assert.Equal(t, 7, f.calls["ListAccountsForParent"], "one page each for / and /prod/eu, two for /prod, three for /sandbox")
	ous := map[string]string{}
	for _, a := range org.Accounts {
		ous[a.Name] = a.OU
	}
	assert.Equal(t, map[string]string{
		"management": "/", "prod-api": "/prod", "prod-web": "/prod", "prod-eu": "/prod/eu",
		"sandbox-a": "/sandbox", "sandbox-b": "/sandbox", "sandbox-closed": "/sandbox",
	}, ous)
	assert.Equal(t, "SUSPENDED", org.Accounts[6].State)
	assert.True(t, org.Accounts[0].Management)
}

func TestUnderIsRecursive(t *testing.T) {
	org, err := Discover(t.Context(), newFakeOrg())
	require.NoError(t, err)
	tests := []struct {
		ou      string
		want    []string
		wantErr string
	}{
		{"ou-prod", []string{"200000000001", "200000000002", "300000000001"}, ""},
		{"/prod", []string{"200000000001", "200000000002", "300000000001"}, ""},
		{"/prod/eu", []string{"300000000001"}, ""},
		{"ou-sandbox", []string{"400000000001", "400000000002", "400000000003"}, ""},
		{"r-root", []string{"100000000000", "200000000001", "200000000002", "300000000001", "400000000001", "400000000002", "400000000003"}, ""},
		{"ou-nope", nil, `--ou "ou-nope": no such OU`},
		{"/staging", nil, `--ou "/staging": no such OU`},
	}
	for _, tt := range tests {
		t.Run(tt.ou, func(t *testing.T) {
			got, err := org.Under(tt.ou)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, accountIDs(got))
		})
	}
}

func TestSelectKeepsActiveAndLeavesTheManagementAccountOut(t *testing.T) {
	accounts := []Account{
		{ID: "100000000000", State: "ACTIVE"},
		{ID: "200000000001", State: "ACTIVE"},
		{ID: "400000000003", State: "SUSPENDED"},
		{ID: "400000000004", State: "PENDING_CLOSURE"},
	}
	tests := []struct {
		name        string
		include     bool
		wantKeep    []string
		wantSkipped map[string]string
	}{
		{"default", false, []string{"200000000001"}, map[string]string{
			"100000000000": "management account: pass --include-management to deploy to it",
			"400000000003": "state SUSPENDED, not ACTIVE",
			"400000000004": "state PENDING_CLOSURE, not ACTIVE",
		}},
		{"include management", true, []string{"100000000000", "200000000001"}, map[string]string{
			"400000000003": "state SUSPENDED, not ACTIVE",
			"400000000004": "state PENDING_CLOSURE, not ACTIVE",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keep, skipped := Select(accounts, "100000000000", tt.include)
			var ids []string
			for _, a := range keep {
				ids = append(ids, a.ID)
			}
			assert.Equal(t, tt.wantKeep, ids)
			got := map[string]string{}
			for _, s := range skipped {
				got[s.Account.ID] = s.Reason
			}
			assert.Equal(t, tt.wantSkipped, got)
		})
	}
}

func TestParseAccountIDs(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"111111111111", []string{"111111111111"}, ""},
		{"111111111111, 222222222222,111111111111", []string{"111111111111", "222222222222"}, ""},
		{"11111111111", nil, `--accounts: entry 1 "11111111111" is not a 12-digit AWS account ID`},
		{"111111111111,", nil, `entry 2 "" is not a 12-digit`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseAccountIDs(tt.in)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, accountIDs(got))
		})
	}
}

// accountIDs are the accounts' IDs, in order.
func accountIDs(accounts []Account) []string {
	var ids []string
	for _, a := range accounts {
		ids = append(ids, a.ID)
	}
	return ids
}
