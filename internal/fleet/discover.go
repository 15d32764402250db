// Package fleet deploys the circleci-oidc stack program to many AWS accounts
// of an organization, one stack per account, and reports each account's
// result. This file finds the accounts: by ID, the whole organization, or the
// accounts under organizational units.
package fleet

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// Account is one AWS account the fleet may deploy to.
type Account struct {
	// ID is the 12-digit account ID.
	ID string `json:"id"`
	// Name is the account's name in the organization, if known.
	Name string `json:"name,omitempty"`
	// OU is the path of the account's organizational unit, such as
	// /prod/eu; "/" is the root; empty when unknown (--accounts).
	OU string `json:"ou,omitempty"`
	// State is the account's Organizations State (ACTIVE, SUSPENDED, ...).
	State string `json:"state,omitempty"`
	// Management marks the organization's management account.
	Management bool `json:"management,omitempty"`
}

// StateActive is the only account State the fleet deploys to. Organizations
// retired the Status field in favour of State (AWS Organizations API
// reference, "Account").
const StateActive = "ACTIVE"

// OrgAPI is the part of the Organizations API that discovery reads.
type OrgAPI interface {
	DescribeOrganization(context.Context, *organizations.DescribeOrganizationInput, ...func(*organizations.Options)) (*organizations.DescribeOrganizationOutput, error)
	ListRoots(context.Context, *organizations.ListRootsInput, ...func(*organizations.Options)) (*organizations.ListRootsOutput, error)
	ListAccounts(context.Context, *organizations.ListAccountsInput, ...func(*organizations.Options)) (*organizations.ListAccountsOutput, error)
	ListAccountsForParent(context.Context, *organizations.ListAccountsForParentInput, ...func(*organizations.Options)) (*organizations.ListAccountsForParentOutput, error)
	ListOrganizationalUnitsForParent(context.Context, *organizations.ListOrganizationalUnitsForParentInput, ...func(*organizations.Options)) (*organizations.ListOrganizationalUnitsForParentOutput, error)
}

// Org is what discovery learnt of an organization: its management account,
// every account with its OU path, and each OU's ID with its path.
type Org struct {
	ManagementID string
	Accounts     []Account
	// OUPaths maps an OU ID (ou-...) and the root ID (r-...) to its path.
	OUPaths map[string]string
	// ouOfPath maps an OU path back to its ID.
	ouOfPath map[string]string
	// accountOUs maps an account ID to the IDs of its OU and every OU above it.
	accountOUs map[string][]string
}

// pageSize is the MaxResults of every list call; zero leaves AWS's default.
// Tests set it to 1 to exercise paging.
var pageSize int32

func maxResults() *int32 {
	if pageSize == 0 {
		return nil
	}
	return aws.Int32(pageSize)
}

// Discover reads the organization: ListAccounts for the whole set (paged),
// then a walk of the OU tree from the root, because ListAccountsForParent
// returns only an OU's direct children, to learn each account's OU path.
func Discover(ctx context.Context, api OrgAPI) (*Org, error) {
	desc, err := api.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		return nil, fmt.Errorf("reading the organization (organizations:DescribeOrganization): %w; "+
			"run from the management account or a delegated administrator, or name accounts with --accounts", err)
	}
	org := &Org{ManagementID: aws.ToString(desc.Organization.MasterAccountId),
		OUPaths: map[string]string{}, ouOfPath: map[string]string{}, accountOUs: map[string][]string{}}
	if !accountIDPattern.MatchString(org.ManagementID) {
		return nil, fmt.Errorf("organizations:DescribeOrganization returned the management account ID %q, which is not 12 digits; "+
			"refusing the organization's answers; check where AWS_ENDPOINT_URL or the profile points, or name the accounts with --accounts", org.ManagementID)
	}

	var all []orgtypes.Account
	var token *string
	for {
		page, err := api.ListAccounts(ctx, &organizations.ListAccountsInput{NextToken: token, MaxResults: maxResults()})
		if err != nil {
			return nil, fmt.Errorf("listing accounts (organizations:ListAccounts): %w", err)
		}
		for _, a := range page.Accounts {
			if err := checkListedID("ListAccounts", a); err != nil {
				return nil, err
			}
		}
		all = append(all, page.Accounts...)
		if token = page.NextToken; token == nil {
			break
		}
	}

	roots, err := api.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		return nil, fmt.Errorf("listing roots (organizations:ListRoots): %w", err)
	}
	ouOf := map[string]string{} // account ID -> path
	for _, r := range roots.Roots {
		if err := org.walk(ctx, api, aws.ToString(r.Id), "/", nil, ouOf); err != nil {
			return nil, err
		}
	}
	for _, a := range all {
		id := aws.ToString(a.Id)
		org.Accounts = append(org.Accounts, Account{
			ID: id, Name: aws.ToString(a.Name), OU: ouOf[id], State: string(a.State),
			Management: id == org.ManagementID,
		})
	}
	sort.Slice(org.Accounts, func(i, j int) bool { return org.Accounts[i].ID < org.Accounts[j].ID })
	return org, nil
}

// walk records the accounts directly under parent, then walks each child OU.
func (o *Org) walk(ctx context.Context, api OrgAPI, parent, path string, chain []string, ouOf map[string]string) error {
	if other, taken := o.ouOfPath[path]; taken {
		first, second := min(other, parent), max(other, parent)
		return fmt.Errorf("OUs %s and %s have the same path %q; rename one of them, or name the accounts with --accounts",
			Printable(first), Printable(second), path)
	}
	o.OUPaths[parent] = path
	o.ouOfPath[path] = parent
	chain = append(slices.Clone(chain), parent)
	var token *string
	for {
		page, err := api.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{
			ParentId: aws.String(parent), NextToken: token, MaxResults: maxResults()})
		if err != nil {
			return fmt.Errorf("listing the accounts of %s (organizations:ListAccountsForParent): %w", Printable(parent), err)
		}
		for _, a := range page.Accounts {
			if err := checkListedID("ListAccountsForParent", a); err != nil {
				return err
			}
			ouOf[aws.ToString(a.Id)] = path
			o.accountOUs[aws.ToString(a.Id)] = chain
		}
		if token = page.NextToken; token == nil {
			break
		}
	}
	token = nil
	for {
		page, err := api.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{
			ParentId: aws.String(parent), NextToken: token, MaxResults: maxResults()})
		if err != nil {
			return fmt.Errorf("listing the OUs of %s (organizations:ListOrganizationalUnitsForParent): %w", Printable(parent), err)
		}
		for _, ou := range page.OrganizationalUnits {
			if name := aws.ToString(ou.Name); strings.Contains(name, "/") || name == "" {
				return fmt.Errorf("OU %s is named %q: an OU name that is empty or holds \"/\" makes OU paths such as %s ambiguous; "+
					"rename the OU, or name its accounts with --accounts", Printable(aws.ToString(ou.Id)), name,
					Printable(strings.TrimSuffix(path, "/")+"/"+name))
			}
			child := strings.TrimSuffix(path, "/") + "/" + aws.ToString(ou.Name)
			if err := o.walk(ctx, api, aws.ToString(ou.Id), child, chain, ouOf); err != nil {
				return err
			}
		}
		if token = page.NextToken; token == nil {
			break
		}
	}
	return nil
}

// checkListedID refuses an account whose ID, as Organizations' op returned
// it, is not 12 digits: the fleet makes paths and ARNs of it.
func checkListedID(op string, a orgtypes.Account) error {
	if id := aws.ToString(a.Id); !accountIDPattern.MatchString(id) {
		return fmt.Errorf("organizations:%s returned the account ID %q, which is not 12 digits; refusing the organization's answers; "+
			"check where AWS_ENDPOINT_URL or the profile points, or name the accounts with --accounts", op, id)
	}
	return nil
}

// Under returns the accounts in the OU with this ID or path, or in any OU
// below it.
func (o *Org) Under(ou string) ([]Account, error) {
	id := ou
	if strings.HasPrefix(ou, "/") {
		id = o.ouOfPath[ou]
	}
	if _, ok := o.OUPaths[id]; !ok {
		return nil, fmt.Errorf("--ou %q: no such OU in the organization; give an OU ID (ou-...) or a path such as /prod/eu", ou)
	}
	var out []Account
	for _, a := range o.Accounts {
		if slices.Contains(o.accountOUs[a.ID], id) {
			out = append(out, a)
		}
	}
	return out, nil
}

// ParseAccountIDs reads --accounts: comma-separated 12-digit account IDs.
func ParseAccountIDs(list string) ([]Account, error) {
	return parseAccountIDs("--accounts", strings.Split(list, ","))
}

// parseAccountIDs reads a list of 12-digit account IDs given as name.
func parseAccountIDs(name string, ids []string) ([]Account, error) {
	var out []Account
	seen := map[string]bool{}
	for i, id := range ids {
		id = strings.TrimSpace(id)
		if !accountIDPattern.MatchString(id) {
			return nil, fmt.Errorf("%s: entry %d %q is not a 12-digit AWS account ID", name, i+1, id)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, Account{ID: id, State: StateActive})
		}
	}
	return out, nil
}

// Skip is an account left out of a run, with the reason.
type Skip struct {
	Account Account
	Reason  string
}

// Select keeps the accounts to deploy to: ACTIVE ones, and the management
// account only when includeManagement is set. The others are returned as
// skipped, never as failed.
func Select(accounts []Account, managementID string, includeManagement bool) (keep []Account, skipped []Skip) {
	for _, a := range accounts {
		if a.ID == managementID && managementID != "" {
			a.Management = true
		}
		switch {
		case a.State != "" && a.State != StateActive:
			skipped = append(skipped, Skip{a, "state " + a.State + ", not ACTIVE"})
		case a.Management && !includeManagement:
			skipped = append(skipped, Skip{a, "management account: pass --include-management to deploy to it"})
		default:
			keep = append(keep, a)
		}
	}
	return keep, skipped
}
