package fleet

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
)

// Shard is one of n deterministic slices of the accounts (--shard i/n).
type Shard struct{ Index, Total int }

// ParseShard reads --shard i/n, 0 <= i < n, as CircleCI's
// $CIRCLE_NODE_INDEX/$CIRCLE_NODE_TOTAL give it.
func ParseShard(s string) (Shard, error) {
	if s == "" {
		return Shard{0, 1}, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("--shard %q: give i/n with 0 <= i < n, such as "+
			"--shard $CIRCLE_NODE_INDEX/$CIRCLE_NODE_TOTAL", s)
	}
	return Shard{i, n}, nil
}

// String is the i/n form.
func (s Shard) String() string {
	if s.Total <= 1 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Total)
}

// Has reports whether an account belongs to this shard. It hashes the
// account ID, so an account keeps its shard when others join or leave.
func (s Shard) Has(accountID string) bool {
	if s.Total <= 1 {
		return true
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(accountID))
	return int(h.Sum32()%uint32(s.Total)) == s.Index
}

// Options are a run's choices, from flags and fleet.yaml.
type Options struct {
	File *File
	// Accounts is --accounts, comma-separated IDs.
	Accounts string
	// Org is --org: every account of the organization.
	Org bool
	// OUs is --ou, repeatable: the accounts under these OUs.
	OUs []string
	// IncludeManagement deploys to the management account too.
	IncludeManagement bool
	// RoleName overrides fleet.yaml's roleName (--role-name).
	RoleName string
	// Region overrides fleet.yaml's region (--region).
	Region string
	// Adopt reuses providers found outside the stacks (--adopt-existing).
	Adopt bool
	Shard Shard
	// Only, when not nil, keeps only these accounts (--resume ... --only).
	Only map[string]bool
}

// Plan is a run's accounts: the jobs to do, the accounts skipped, and every
// targeted account ID before sharding and --only, to tell orphans.
type Plan struct {
	Jobs    []Job
	Skipped []Row
	Targets map[string]bool
	// Deployable are the targeted accounts that are not skipped, before
	// sharding and --only: every account a whole run deploys to.
	Deployable []Account
}

// PlanError is a mistake in what was targeted: a usage error.
type PlanError struct{ Err error }

// Error returns the mistake.
func (e *PlanError) Error() string { return e.Err.Error() }

// Unwrap returns the mistake.
func (e *PlanError) Unwrap() error { return e.Err }

// Identity is the ambient credentials' account and partition.
type Identity struct{ Account, Partition string }

// Check refuses, before any AWS call, what a run's options get wrong: the
// targets, or that there are none, --region and --role-name (fleet.yaml's
// own values are checked when it is read). It returns the targets the run
// deploys to: the flags', else fleet.yaml's, with account IDs trimmed and
// sorted.
func (o Options) Check() (Targets, error) {
	t, err := o.flagTargets().check(true)
	if err != nil {
		return t, &PlanError{err}
	}
	if t.empty() && o.File != nil {
		if t, err = o.File.Targets.check(false); err != nil {
			return t, &PlanError{err}
		}
	}
	if t.empty() {
		return t, &PlanError{fmt.Errorf("no accounts targeted: pass --accounts, --org or --ou, or give targets in fleet.yaml")}
	}
	if o.Region != "" {
		if err := CheckRegion(o.Region); err != nil {
			return t, &PlanError{fmt.Errorf("--region %w", err)}
		}
	}
	if o.RoleName != "" {
		if err := CheckRoleName(o.RoleName); err != nil {
			return t, &PlanError{fmt.Errorf("--role-name %w", err)}
		}
	}
	slices.Sort(t.Accounts)
	return t, nil
}

// flagTargets are the targets --accounts, --org and --ou give.
func (o Options) flagTargets() Targets {
	t := Targets{OUs: o.OUs, Org: o.Org}
	if o.Accounts != "" {
		t.Accounts = strings.Split(o.Accounts, ",")
	}
	return t
}

// BuildPlan finds the targeted accounts and makes each one's job. org may be
// nil when only --accounts is used; the management account is then the
// ambient credentials' account.
func BuildPlan(ctx context.Context, opts Options, org OrgAPI, me Identity) (*Plan, error) {
	t, err := opts.Check()
	if err != nil {
		return nil, err
	}
	var accounts []Account
	management := me.Account
	for _, id := range t.Accounts {
		accounts = append(accounts, Account{ID: id, State: StateActive})
	}
	if t.Org || len(t.OUs) > 0 {
		if org == nil {
			return nil, fmt.Errorf("--org and --ou need the Organizations API")
		}
		o, err := Discover(ctx, org)
		if err != nil {
			return nil, err
		}
		management = o.ManagementID
		known := map[string]Account{}
		for _, a := range o.Accounts {
			known[a.ID] = a
		}
		for i, a := range accounts { // --accounts named in the organization get its names and OUs
			if k, ok := known[a.ID]; ok {
				accounts[i] = k
			}
		}
		if t.Org {
			accounts = append(accounts, o.Accounts...)
		}
		for _, ou := range t.OUs {
			under, err := o.Under(ou)
			if err != nil {
				return nil, &PlanError{err}
			}
			accounts = append(accounts, under...)
		}
	}
	accounts = dedupe(accounts)
	if opts.File != nil {
		for i, a := range accounts {
			if e, ok := opts.File.Accounts[a.ID]; ok && a.Name == "" {
				accounts[i].Name = e.Name
			}
		}
	}

	plan := &Plan{Targets: map[string]bool{}}
	for _, a := range accounts {
		plan.Targets[a.ID] = true
	}
	keep, skipped := Select(accounts, management, opts.IncludeManagement)
	plan.Deployable = keep
	for _, s := range skipped {
		if opts.Shard.Has(s.Account.ID) && (opts.Only == nil || opts.Only[s.Account.ID]) {
			plan.Skipped = append(plan.Skipped, Row{Account: s.Account.ID, Name: s.Account.Name, OU: s.Account.OU,
				Result: ResultSkipped, Note: s.Reason})
		}
	}
	roleName := opts.File.roleName()
	if opts.RoleName != "" {
		roleName = opts.RoleName
	}
	region := opts.File.region()
	if opts.Region != "" {
		region = opts.Region
	}
	partition := me.Partition
	if partition == "" {
		partition = "aws"
	}
	for _, a := range keep {
		if !opts.Shard.Has(a.ID) || (opts.Only != nil && !opts.Only[a.ID]) {
			continue
		}
		roleArn := RoleArn(partition, a.ID, roleName)
		if opts.File != nil && opts.File.Accounts[a.ID].AssumeRoleArn != "" {
			roleArn = opts.File.Accounts[a.ID].AssumeRoleArn
		}
		if a.ID == management || a.ID == me.Account {
			roleArn = "" // the ambient credentials are this account's
		}
		plan.Jobs = append(plan.Jobs, Job{
			Account: a, Stack: StackName(a.ID), RoleArn: roleArn, Adopt: opts.Adopt,
			Config: opts.File.Effective(a), Provider: providerConfig(a.ID, roleArn, region),
		})
	}
	return plan, nil
}

func dedupe(accounts []Account) []Account {
	seen := map[string]bool{}
	var out []Account
	for _, a := range accounts {
		if !seen[a.ID] {
			seen[a.ID] = true
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b Account) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Orphans are the rows of fleet stacks whose account is no longer targeted.
// Their stacks and resources stay: the fleet never destroys.
func Orphans(stackAccounts []string, targets map[string]bool) []Row {
	var out []Row
	for _, id := range stackAccounts {
		if !targets[id] {
			out = append(out, Row{Account: id, Stack: StackName(id), Result: ResultOrphaned,
				Note: "no longer targeted; its stack and resources remain. Destroy it yourself if you mean to: " +
					"pulumi destroy --stack " + StackName(id)})
		}
	}
	return out
}
