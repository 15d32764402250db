package fleet

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// The checks of what a run is given, by flags, fleet.yaml or a report, made
// before any AWS call: a mistake found later would leave half a run.

var (
	accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)
	// ouIDPattern and rootIDPattern are the Organizations API's patterns of
	// an OU's and a root's ID (API reference, OrganizationalUnit.Id, Root.Id).
	ouIDPattern   = regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`)
	rootIDPattern = regexp.MustCompile(`^r-[0-9a-z]{4,32}$`)
	// regionPattern takes every partition's region names, as the SDK's
	// partitions.json writes them (us-east-1, us-gov-west-1, cn-north-1,
	// us-isob-east-1, eusc-de-east-1).
	regionPattern = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$`)
	// roleNamePattern is IAM's role name: 1 to 64 of these characters (IAM
	// API reference, CreateRole RoleName).
	roleNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	// rolePathPattern is IAM's path without its slashes (CreateRole Path).
	rolePathPattern = regexp.MustCompile(`^[\x21-\x2e\x30-\x7e]+$`)
	roleArnPattern  = regexp.MustCompile(`^arn:(aws|aws-[a-z-]+):iam::([0-9]{12}):role/(.+)$`)
)

// CheckAccountID refuses an account ID that is not 12 digits.
func CheckAccountID(id string) error {
	if !accountIDPattern.MatchString(id) {
		return fmt.Errorf("%q is not a 12-digit AWS account ID", id)
	}
	return nil
}

// CheckRegion refuses what is not an AWS region's name.
func CheckRegion(region string) error {
	if !regionPattern.MatchString(region) {
		return fmt.Errorf("%q is not an AWS region, such as us-east-1 or eu-west-1", region)
	}
	return nil
}

// CheckRoleName refuses what is not an IAM role name, with an optional path
// before it (ci/deploy).
func CheckRoleName(name string) error {
	i := strings.LastIndex(name, "/")
	ok := roleNamePattern.MatchString(name[i+1:]) && len(name) <= 512+64
	if i >= 0 {
		for _, part := range strings.Split(name[:i], "/") {
			ok = ok && rolePathPattern.MatchString(part)
		}
	}
	if !ok {
		return fmt.Errorf("%q is not an IAM role name: up to 64 letters, digits and +=,.@_-, "+
			"after an optional path such as ci/", name)
	}
	return nil
}

// CheckRoleArn refuses what is not the ARN of an IAM role in the account,
// whose role a run could never use to reach it.
func CheckRoleArn(arn, accountID string) error {
	m := roleArnPattern.FindStringSubmatch(arn)
	if m == nil || CheckRoleName(m[3]) != nil {
		return fmt.Errorf("%q is not an IAM role ARN, such as arn:aws:iam::%s:role/Deployer", arn, accountID)
	}
	if m[2] != accountID {
		return fmt.Errorf("%q is a role of account %s: assuming it gives account %s's credentials, never %s's",
			arn, m[2], m[2], accountID)
	}
	return nil
}

// CheckOU refuses an --ou that is neither an OU path nor an OU or root ID.
func CheckOU(ou string) error {
	if strings.HasPrefix(ou, "/") || ouIDPattern.MatchString(ou) || rootIDPattern.MatchString(ou) {
		return nil
	}
	return fmt.Errorf("%q is neither an OU path, such as /prod/eu, nor an OU ID, such as ou-ab12-34cd56ef", ou)
}

// check refuses targets whose account IDs or OUs are malformed, naming them
// as flags (--accounts, --ou) or as fleet.yaml's keys (targets.accounts,
// targets.ous). It returns the targets with the IDs trimmed and without
// repeats.
func (t Targets) check(flags bool) (Targets, error) {
	accounts, ous := "targets.accounts", "targets.ous: "
	if flags {
		accounts, ous = "--accounts", "--ou "
	}
	out := Targets{Org: t.Org}
	if len(t.Accounts) > 0 {
		list, err := parseAccountIDs(accounts, t.Accounts)
		if err != nil {
			return out, err
		}
		for _, a := range list {
			out.Accounts = append(out.Accounts, a.ID)
		}
	}
	for _, ou := range t.OUs {
		if err := CheckOU(ou); err != nil {
			return out, fmt.Errorf("%s%w", ous, err)
		}
		out.OUs = append(out.OUs, ou)
	}
	return out, nil
}

// empty reports whether the targets name no account.
func (t Targets) empty() bool { return len(t.Accounts) == 0 && !t.Org && len(t.OUs) == 0 }

// accountPath is the one place a path is made of an account ID: dir, then
// the account's stack name and ext. An ID that is not 12 digits, which
// could climb out of dir, is refused.
func accountPath(dir, accountID, ext string) (string, error) {
	if !accountIDPattern.MatchString(accountID) {
		return "", fmt.Errorf("account ID %q is not 12 digits: no path is made of it", accountID)
	}
	return filepath.Join(dir, StackName(accountID)+ext), nil
}
