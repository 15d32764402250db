package tests

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/trust"
)

// AWS IAM User Guide pages the cases come from, by title.
const (
	pageOperators   = "IAM JSON policy elements: Condition operators"
	pageCondition   = "IAM JSON policy elements: Condition"
	pageMultiple    = "Conditions with multiple context keys or values"
	pageSingleMulti = "Single-valued vs. multivalued context keys"
	pageMultiEx     = "Multivalued context key examples"
	pageVariables   = "IAM policy elements: Variables and tags"
	pageSTSKeys     = "IAM and AWS STS condition context keys"
	pageEvaluation  = "Policy evaluation logic"
	pageAnalyzer    = "IAM Access Analyzer policy check reference"
	pageResource    = "IAM JSON policy elements: Resource"
	pageOIDCRole    = "Create a role for OpenID Connect federation (console)"
	pageVersion     = "IAM JSON policy elements: Version"
)

// The rules, as numbered in the research notes behind issue 11:
//
//	R1  key names are case-insensitive; value case depends on the operator
//	R2  operators AND, keys AND, values of one key OR
//	R3  a negated operator with several values is a NOR
//	R4  a missing key fails positive operators and passes negated ones
//	R5  ...IfExists passes on a missing key; NullIfExists is invalid
//	R6  ForAllValues: every value matches; a missing key or empty set passes
//	R7  ForAnyValue: some value matches; a missing key or empty set fails
//	R8  set operators with negated operators: NOR per value, then all or any
//	R9  plain operators are for single-valued keys (several values: undocumented)
//	R10 Bool compares true/false; Null true means absent, false present
//	R11 StringLike: * any run (/ and : too), ? one character, whole value;
//	    ArnLike matches each colon-separated part on its own
//	R12 * and ? are literal outside the Like operators
//	R13 variables only in string and ARN operators, only with Version 2012-10-17
//	R14 ${*} ${?} ${$} are literal characters
//	R15 a variable without value equals nothing; defaults in single quotes
//	R17 a key given twice (in any case) in one operator: undocumented, refused
//	R18 an explicit Deny beats any Allow; no match is an implicit deny
//	R20 IpAddress takes CIDR blocks; a bare address is a /32
const issuerURL = "https://oidc.circleci.com/org/" + org

var providerARN = "arn:aws:iam::111122223333:oidc-provider/oidc.circleci.com/org/" + org

type semanticsCase struct {
	rule, page string
	// version defaults to 2012-10-17.
	version string
	// allow is the Allow statement's condition; deny, when set, adds a Deny
	// statement with this condition.
	allow, deny trust.Conditions
	ctx         trust.Context
	want        trust.Decision
}

func cond(op, key string, values ...string) trust.Conditions {
	return trust.Conditions{op: {key: values}}
}

// and merges conditions into one block.
func and(cs ...trust.Conditions) trust.Conditions {
	out := trust.Conditions{}
	for _, c := range cs {
		for op, keys := range c {
			if out[op] == nil {
				out[op] = map[string]trust.StringList{}
			}
			for k, v := range keys {
				out[op][k] = v
			}
		}
	}
	return out
}

var (
	allowed      = trust.Allowed
	refused      = trust.Refused
	undetermined = trust.Undetermined
)

func TestIAMSemantics(t *testing.T) {
	threeKeys := func(op string) trust.Conditions {
		return and(cond("StringEquals", "aws:PrincipalTag/department", "finance", "hr", "legal"),
			cond("StringEquals", "aws:PrincipalTag/role", "audit", "security"),
			cond(op, "aws:PrincipalArn", "arn:aws:iam::222222222222:user/Ana", "arn:aws:iam::222222222222:user/Mary"))
	}
	who := func(dept, role, user string) trust.Context {
		c := trust.Context{"aws:PrincipalArn": {"arn:aws:iam::222222222222:user/" + user}}
		if dept != "" {
			c["aws:PrincipalTag/department"] = []string{dept}
		}
		if role != "" {
			c["aws:PrincipalTag/role"] = []string{role}
		}
		return c
	}
	instance := cond("StringLikeIfExists", "ec2:InstanceType", "t1.*", "t2.*", "m3.*")
	tagKeysAll := and(cond("ForAllValues:StringEquals", "aws:TagKeys", "environment", "cost-center"), cond("Null", "aws:TagKeys", "false"))
	tagKeysAny := cond("ForAnyValue:StringEquals", "aws:TagKeys", "environment", "cost-center")
	notLike1 := cond("ForAllValues:StringNotLike", "aws:TagKeys", "key1*")
	notLike2 := cond("ForAllValues:StringNotLike", "aws:TagKeys", "key1*", "key2*")
	anyNotEq := cond("ForAnyValue:StringNotEquals", "aws:TagKeys", "a", "b")
	someArn := "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
	someArnPattern := "arn:aws:someservice:*:111122223333:finance/*"
	bucket := cond("StringLike", "k", "B/*/test/*")
	ghSub := "token.actions.githubusercontent.com:sub"
	k := func(v ...string) trust.Context { return trust.Context{"k": v} }
	empty := trust.Conditions{}

	tests := []semanticsCase{
		// Case sensitivity (R1).
		{"R1", pageCondition, "", cond("StringEquals", "aws:username", "johndoe"), nil, trust.Context{"aws:username": {"johndoe"}}, allowed},
		{"R1", pageCondition, "", cond("StringEquals", "aws:username", "johndoe"), nil, trust.Context{"aws:username": {"JohnDoe"}}, refused},
		{"R1", pageCondition, "", cond("StringEqualsIgnoreCase", "aws:username", "johndoe"), nil, trust.Context{"aws:username": {"JohnDoe"}}, allowed},
		{"R1", pageCondition, "", cond("StringEquals", "AWS:UserName", "johndoe"), nil, trust.Context{"aws:username": {"johndoe"}}, allowed},
		{"R1", pageOperators, "", cond("StringNotEqualsIgnoreCase", "k", "Prod"), nil, k("prod"), refused},
		{"R1", pageOperators, "", and(cond("StringEqualsIgnoreCase", "aws:RequestTag/environment", "preprod", "storage"),
			cond("ForAnyValue:StringEquals", "aws:TagKeys", "environment")), nil,
			trust.Context{"aws:TagKeys": {"Environment"}, "aws:RequestTag/Environment": {"preprod"}}, refused},
		// Missing keys (R4) and negated operators (R3).
		{"R4", pageOperators, "", cond("StringEquals", "aws:PrincipalTag/job-category", "iamuser-admin"), nil,
			trust.Context{"aws:PrincipalTag/job-category": {"dev-ops"}}, refused},
		{"R4", pageOperators, "", cond("StringEquals", "aws:PrincipalTag/job-category", "iamuser-admin"), nil, trust.Context{}, refused},
		{"R3", pageMultiple, "", cond("StringNotEquals", "aws:PrincipalTag/role", "audit", "security"), nil, trust.Context{"aws:PrincipalTag/role": {"audit"}}, refused},
		{"R3", pageMultiple, "", cond("StringNotEquals", "aws:PrincipalTag/role", "audit", "security"), nil, trust.Context{"aws:PrincipalTag/role": {"payroll"}}, allowed},
		{"R4", pageOperators, "", cond("StringNotEquals", "aws:PrincipalTag/role", "audit", "security"), nil, trust.Context{}, allowed},
		// Several operators, keys and values (R2, R3).
		{"R2", pageMultiple, "", threeKeys("ArnLike"), nil, who("legal", "audit", "Mary"), allowed},
		{"R2", pageMultiple, "", threeKeys("ArnLike"), nil, who("hr", "audit", "Nikki"), refused},
		{"R2", pageMultiple, "", threeKeys("ArnLike"), nil, who("hr", "payroll", "Mary"), refused},
		{"R2", pageMultiple, "", threeKeys("ArnLike"), nil, who("hr", "", "Mary"), refused},
		{"R3", pageMultiple, "", threeKeys("ArnNotLike"), nil, who("legal", "audit", "Nikki"), allowed},
		{"R3", pageMultiple, "", threeKeys("ArnNotLike"), nil, who("hr", "audit", "Mary"), refused},
		{"R3", pageMultiple, "", threeKeys("ArnNotLike"), nil, who("", "", "Nikki"), refused},
		{"R2", pageMultiple, "", cond("StringEquals", "aud", "a", "b"), nil, trust.Context{"aud": {"b"}}, allowed},
		// IfExists (R5).
		{"R5", pageOperators, "", instance, nil, trust.Context{"ec2:InstanceType": {"t1.micro"}}, allowed},
		{"R5", pageOperators, "", instance, nil, trust.Context{"ec2:InstanceType": {"m2.micro"}}, refused},
		{"R5", pageOperators, "", instance, nil, trust.Context{}, allowed},
		{"R5", pageOperators, "", empty, cond("StringNotEqualsIfExists", "k", "x"), trust.Context{}, refused},
		{"R5", pageAnalyzer, "", cond("NullIfExists", "k", "true"), nil, trust.Context{}, undetermined},
		// Null and Bool (R10).
		{"R10", pageOperators, "", cond("Null", "aws:TokenIssueTime", "true"), nil, trust.Context{}, allowed},
		{"R10", pageOperators, "", cond("Null", "aws:TokenIssueTime", "false"), nil, trust.Context{"aws:TokenIssueTime": {"2026-01-01T00:00:00Z"}}, allowed},
		{"R10", pageOperators, "", cond("Null", "aws:TokenIssueTime", "false"), nil, trust.Context{}, refused},
		{"R10", pageOperators, "", cond("Bool", "aws:SecureTransport", "false"), nil, trust.Context{"aws:SecureTransport": {"false"}}, allowed},
		{"R10", pageOperators, "", cond("Bool", "aws:SecureTransport", "false"), nil, trust.Context{"aws:SecureTransport": {"true"}}, refused},
		{"R10", pageOperators, "", cond("Bool", "aws:SecureTransport", "false"), nil, trust.Context{}, refused},
		// IP addresses (R20).
		{"R20", pageOperators, "", cond("IpAddress", "aws:SourceIp", "203.0.113.0/24"), nil, trust.Context{"aws:SourceIp": {"203.0.113.1"}}, allowed},
		{"R20", pageOperators, "", cond("IpAddress", "aws:SourceIp", "203.0.113.0/24"), nil, trust.Context{"aws:SourceIp": {"198.51.100.1"}}, refused},
		{"R20", pageOperators, "", cond("IpAddress", "aws:SourceIp", "203.0.113.5"), nil, trust.Context{"aws:SourceIp": {"203.0.113.6"}}, refused},
		{"R20", pageOperators, "", cond("NotIpAddress", "aws:SourceIp", "203.0.113.0/24"), nil, trust.Context{"aws:SourceIp": {"198.51.100.1"}}, allowed},
		// Wildcards (R11, R12).
		{"R11", pageOperators, "", cond("StringLike", "k", someArnPattern), nil, k(someArn), allowed},
		{"R11", pageOperators, "", cond("ArnLike", "k", someArnPattern), nil, k(someArn), refused},
		{"R11", pageOIDCRole, "", cond("StringLike", ghSub, "repo:GitHubOrg/*"), nil, trust.Context{ghSub: {"repo:GitHubOrg/GitHubRepo:ref:refs/heads/main"}}, allowed},
		{"R11", pageOIDCRole, "", cond("StringLike", ghSub, "repo:GitHubOrg/GitHubRepo:*"), nil, trust.Context{ghSub: {"repo:OtherOrg/GitHubRepo:ref:refs/heads/main"}}, refused},
		{"R11", pageResource, "", bucket, nil, k("B//test/object.jpg"), allowed},
		{"R11", pageResource, "", bucket, nil, k("B/1/test/"), allowed},
		{"R11", pageResource, "", bucket, nil, k("B/test/object.jpg"), refused},
		{"R11", pageResource, "", bucket, nil, k("B/1/2/test.jpg"), refused},
		{"R11", pageOperators, "", cond("StringLike", "k", "David/*"), nil, k("David"), refused},
		{"R11", pageOperators, "", cond("StringLike", "k", "t?.micro"), nil, k("t2.micro"), allowed},
		{"R11", pageOperators, "", cond("StringLike", "k", "t?.micro"), nil, k("t22.micro"), refused},
		{"R11", pageOperators, "", cond("StringLike", "k", "*"), nil, k("*x"), allowed},
		{"R12", pageAnalyzer, "", cond("StringEquals", "k", "admin-*"), nil, k("admin-1"), refused},
		{"R12", pageAnalyzer, "", cond("StringEquals", "k", "admin-*"), nil, k("admin-*"), allowed},
		// Set operators (R6-R9).
		{"R6", pageSingleMulti, "", tagKeysAll, nil, trust.Context{"aws:TagKeys": {"environment", "cost-center"}}, allowed},
		{"R6", pageSingleMulti, "", tagKeysAll, nil, trust.Context{"aws:TagKeys": {"environment", "dept"}}, refused},
		{"R6", pageSingleMulti, "", tagKeysAll, nil, trust.Context{}, refused},
		{"R6", pageSingleMulti, "", cond("ForAllValues:StringEquals", "aws:TagKeys", "environment"), nil, trust.Context{}, allowed},
		{"R6", pageSingleMulti, "", cond("ForAllValues:StringEquals", "aws:TagKeys", "environment"), nil, trust.Context{"aws:TagKeys": {}}, allowed},
		{"R7", pageSingleMulti, "", tagKeysAny, nil, trust.Context{"aws:TagKeys": {"environment", "dept"}}, allowed},
		{"R7", pageSingleMulti, "", tagKeysAny, nil, trust.Context{"aws:TagKeys": {"dept"}}, refused},
		{"R7", pageSingleMulti, "", tagKeysAny, nil, trust.Context{}, refused},
		{"R8", pageMultiEx, "", notLike1, nil, trust.Context{"aws:TagKeys": {"key1:legal"}}, refused},
		{"R8", pageMultiEx, "", notLike1, nil, trust.Context{"aws:TagKeys": {"key2:audit"}}, allowed},
		{"R8", pageMultiEx, "", notLike1, nil, trust.Context{}, allowed},
		{"R8", pageMultiEx, "", notLike2, nil, trust.Context{"aws:TagKeys": {"key1:hr", "key2:audit"}}, refused},
		{"R8", pageMultiEx, "", notLike2, nil, trust.Context{"aws:TagKeys": {"key3:legal"}}, allowed},
		{"R8", pageOperators, "", anyNotEq, nil, trust.Context{"aws:TagKeys": {"a", "c"}}, allowed},
		{"R8", pageOperators, "", anyNotEq, nil, trust.Context{"aws:TagKeys": {"a", "b"}}, refused},
		{"R8", pageSingleMulti, "", anyNotEq, nil, trust.Context{}, refused},
		{"R8", pageAnalyzer, "", cond("ForAllValues:Null", "k", "false"), nil, trust.Context{}, allowed},
		{"R8", pageAnalyzer, "", cond("ForAnyValue:Null", "k", "true"), nil, trust.Context{}, refused},
		{"R9", pageSTSKeys, "", cond("ForAnyValue:StringLike", "cognito-identity.amazonaws.com:amr", "unauthenticated"), nil,
			trust.Context{"cognito-identity.amazonaws.com:amr": {"unauthenticated"}}, allowed},
		{"R9", pageSingleMulti, "", cond("StringEquals", "aud", "a"), nil, trust.Context{"aud": {"a", "b"}}, undetermined},
		// Policy variables (R13-R15).
		{"R15", pageVariables, "", cond("StringEquals", "s3:ExistingObjectTag/Team", "${aws:PrincipalTag/Team}"), nil,
			trust.Context{"s3:ExistingObjectTag/Team": {"x"}}, refused},
		{"R15", pageVariables, "", cond("StringNotEquals", "s3:ExistingObjectTag/Team", "${aws:PrincipalTag/Team}"), nil,
			trust.Context{"s3:ExistingObjectTag/Team": {"x"}}, allowed},
		{"R15", pageVariables, "", cond("StringEquals", "k", "b-${aws:PrincipalTag/team, 'company-wide'}"), nil, k("b-company-wide"), allowed},
		{"R13", pageVariables, "", cond("StringEquals", "k", "home/${aws:username}/"), nil,
			trust.Context{"k": {"home/ana/"}, "aws:username": {"ana"}}, allowed},
		{"R13", pageVariables, "", cond("StringLike", "k", "${aws:username}*"), nil,
			trust.Context{"k": {"anabel"}, "aws:username": {"ana"}}, allowed},
		{"R14", pageVariables, "", cond("StringLike", "k", "a${*}b"), nil, k("a*b"), allowed},
		{"R14", pageVariables, "", cond("StringLike", "k", "a${*}b"), nil, k("axb"), refused},
		{"R14", pageVariables, "", cond("StringLike", "k", "${aws:username}"), nil,
			trust.Context{"k": {"anything"}, "aws:username": {"*"}}, refused},
		{"R13", pageVersion, "2008-10-17", cond("StringEquals", "k", "${aws:username}"), nil,
			trust.Context{"k": {"${aws:username}"}, "aws:username": {"ana"}}, allowed},
		{"R13", pageVariables, "", cond("Bool", "k", "${aws:username}"), nil, trust.Context{"k": {"true"}, "aws:username": {"true"}}, undetermined},
		// Deny and Allow (R18).
		{"R18", pageEvaluation, "", cond("StringEquals", "k", "x"), cond("StringLike", "k", "*"), k("x"), refused},
		{"R18", pageEvaluation, "", cond("StringEquals", "k", "x"), nil, k("y"), refused},
		{"R18", pageEvaluation, "", cond("StringEquals", "k", "x"), cond("StringEquals", "k", "y"), k("x"), allowed},
		// Duplicate keys (R17).
		{"R17", pageAnalyzer, "", trust.Conditions{"StringEquals": {"aws:Username": {"a"}, "aws:username": {"b"}}}, nil,
			trust.Context{"aws:username": {"a"}}, undetermined},
	}
	if len(tests) < 40 {
		t.Fatalf("the table has %d cases; issue 11 asks for at least 40", len(tests))
	}
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%02d %s %s", i, tt.rule, tt.page), func(t *testing.T) {
			assert.NotEmpty(t, tt.rule)
			assert.NotEmpty(t, tt.page)
			version := tt.version
			if version == "" {
				version = trust.PolicyVersion
			}
			st := trust.Statement{
				Effect:    "Allow",
				Principal: trust.Principal{Federated: trust.StringList{providerARN}},
				Action:    trust.StringList{trust.Action},
				Condition: tt.allow,
			}
			doc := trust.Document{Version: version, Statement: []trust.Statement{st}}
			if tt.deny != nil {
				st.Effect, st.Condition = "Deny", tt.deny
				doc.Statement = append(doc.Statement, st)
			}
			v := trust.EvaluateRequest(doc, trust.Request{Issuer: issuerURL, Lookup: tt.ctx.Lookup})
			assert.Equal(t, tt.want, v.Decision, "%s\ncontext %v\n%s", v.Reason, tt.ctx, doc.JSON())
		})
	}
}

// TestIAMSemanticsDuplicateKeysRefused: the evaluator cannot see exact
// duplicates (Go's decoder keeps the last), so Parse refuses them (R17,
// IAM Access Analyzer policy check reference).
func TestIAMSemanticsDuplicateKeysRefused(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + providerARN +
		`"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"k":"a","k":"b"}}}]}`
	_, err := trust.Parse(doc)
	assert.ErrorContains(t, err, `has the key "k" twice`)
}
