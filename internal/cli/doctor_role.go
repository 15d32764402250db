package cli

import (
	"strings"
)

// sameRole checks that the role IAM returned is the one --role-arn asked
// for. GetRole takes only a name and reads it in the credentials' account,
// so the ARN's account and path would otherwise be ignored.
func sameRole(asked, got string) error {
	if got == asked {
		return nil
	}
	askedAccount, gotAccount := arnField(asked, 4), arnField(got, 4)
	if askedAccount != gotAccount {
		return usage("--role-arn %s names account %s, but the AWS credentials reach account %s, where IAM returned %s: "+
			"use credentials of account %s (such as AWS_PROFILE), or pass --role-arn %s", asked, askedAccount, gotAccount,
			got, askedAccount, got)
	}
	return usage("--role-arn %s names path %s, but the role IAM returned in account %s is %s, with path %s: "+
		"pass --role-arn %s", asked, rolePath(asked), gotAccount, got, rolePath(got), got)
}

// roleAccount is the account of a role ARN.
func roleAccount(arn string) string { return arnField(arn, 4) }

// arnField is field i of an ARN, arn:partition:service:region:account:resource.
func arnField(arn string, i int) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[i]
}

// rolePath is the path of a role ARN, such as /ci/ for role/ci/deploy.
func rolePath(arn string) string {
	res := arnField(arn, 5)
	res = strings.TrimPrefix(res, "role")
	return res[:strings.LastIndex(res, "/")+1]
}
