package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/circleci"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/fleet"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/testing/circlecitest"
)

// Fleet scenario 1: the happy path at concurrency 2. Every active account
// gets exactly one provider and one role, read back with that account's own
// credentials; the closed account is skipped; the management account keeps
// nothing. A second full run is a no-op with 0 IAM writes (scenario 4).
func TestFleetHappyPathThenNoOp(t *testing.T) {
	w := newWorld(t)
	w.fleetEnv(t)
	o := seedOrg(t)
	ctx := t.Context()
	dir := t.TempDir()
	writeFile(t, dir, "fleet.yaml", fleetYAML(""))

	code, r, stderr := fleetReport(t, ctx, dir, "up", "--org", "--concurrency", "2")
	require.Equal(t, fleet.ExitOK, code, describe(r, stderr))
	rows := rowsByAccount(r)
	for _, id := range o.active() {
		row := rows[id]
		assert.Equal(t, fleet.ResultOK, row.Result, "%s: %s", id, row.Note)
		assert.Equal(t, 4, row.Counts.Create, "%s: stack, component, provider and role: %+v", id, row.Counts)
		assert.Equal(t, "arn:aws:iam::"+id+":role/circleci-deploy", row.RoleArn)
		c := accountIAM(t, id)
		assert.Equal(t, []string{fleet.ProviderArn("aws", id, "https://oidc.circleci.com/org/"+devOrg)},
			providersIn(ctx, t, c), "account %s", id)
		assert.Equal(t, []string{"circleci-deploy"}, rolesIn(ctx, t, c), "account %s", id)
	}
	assert.Equal(t, fleet.ResultSkipped, rows[o.closed].Result)
	assert.Contains(t, rows[o.closed].Note, "SUSPENDED")
	assert.Equal(t, fleet.ResultSkipped, rows[motoDefaultAccount].Result, "the management account is out")
	assert.Empty(t, providersIn(ctx, t, w.iam), "nothing in the management account")
	assert.Empty(t, rolesIn(ctx, t, w.iam))

	// The OU config reached the stacks: prod accounts trust main of one repository.
	prod, err := accountIAM(t, o.ids["prod-eu"]).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("circleci-deploy")})
	require.NoError(t, err)
	assert.Contains(t, policyDocument(prod.Role.AssumeRolePolicyDocument), "vcs-origin/github.com/acme/api/vcs-ref/refs/heads/main")
	assert.True(t, slices.ContainsFunc(prod.Role.Tags, func(tg iamtypes.Tag) bool {
		return aws.ToString(tg.Key) == "region" && aws.ToString(tg.Value) == "eu"
	}), "the /prod/eu tags: %v", prod.Role.Tags)

	// Scenario 4: a second full run changes nothing and writes nothing.
	before := w.aws.snapshot()
	code, r, stderr = fleetReport(t, ctx, dir, "up", "--org", "--concurrency", "2")
	require.Equal(t, fleet.ExitOK, code, describe(r, stderr))
	for _, id := range o.active() {
		row := rowsByAccount(r)[id]
		assert.Equal(t, fleet.ResultOK, row.Result)
		assert.Equal(t, fleet.Counts{Same: 4}, row.Counts, "account %s", id)
	}
	assert.Zero(t, writes(w.aws.since(before)), "IAM writes on the second run: %v", w.aws.since(before))

	// ls lists each account's stack and role without calling the accounts;
	// audit reads each account with the read-only IAM client.
	code, r, stderr = fleetReport(t, ctx, dir, "ls", "--org")
	require.Equal(t, fleet.ExitOK, code, describe(r, stderr))
	code, audited, stderr := fleetReport(t, ctx, dir, "audit", "--org", "--fail-on", "critical")
	require.Equal(t, fleet.ExitOK, code, describe(audited, stderr))
	for _, id := range o.active() {
		row := rowsByAccount(r)[id]
		assert.Equal(t, fleet.ResultListed, row.Result)
		assert.Equal(t, "stack "+fleet.StackName(id), row.Note)
		assert.Equal(t, "arn:aws:iam::"+id+":role/circleci-deploy", row.RoleArn)
		a := rowsByAccount(audited)[id]
		assert.Equal(t, fleet.ResultOK, a.Result, a.Note)
		assert.Contains(t, a.Note, "1 provider(s), 1 role(s) trusting CircleCI", id)
	}

	// publish writes each account's role into its own context.
	fake := circlecitest.NewServer()
	defer fake.Close()
	t.Setenv(circleci.TokenEnv, circlecitest.Token)
	code, r, stderr = fleetReport(t, ctx, dir, "publish", "--org", "--context", "aws-{{.Name}}", "--restrict",
		"--circleci-url", fake.BaseURL())
	require.Equal(t, fleet.ExitOK, code, describe(r, stderr))
	for _, a := range fleetAccounts {
		id := o.ids[a.name]
		cid := fake.ContextID(devOrg, "aws-"+a.name)
		if id == o.closed {
			assert.Empty(t, cid, "no context for the closed account")
			continue
		}
		require.NotEmpty(t, cid, a.name)
		vars := fake.Vars(cid)
		assert.Equal(t, "arn:aws:iam::"+id+":role/circleci-deploy", vars["AWS_ROLE_ARN"], a.name)
		assert.Equal(t, "us-east-1", vars["AWS_REGION"], a.name)
		assert.Equal(t, []string{devProject}, fake.Restrictions(cid), a.name)
	}
}

// Fleet scenarios 2 and 3: isolation, then convergence. Account B already
// has the issuer's provider and account C's config exceeds the trust policy
// quota: B is conflict, C is quota, the others are created, and the exit code
// is 1. Fixed (--adopt-existing for B, fewer branches for C), --resume with
// --only failed re-runs only B and C.
func TestFleetIsolationThenResume(t *testing.T) {
	w := newWorld(t)
	w.fleetEnv(t)
	o := seedOrg(t)
	ctx := t.Context()
	dir := t.TempDir()
	b, c := o.ids["sandbox-a"], o.ids["sandbox-b"]
	existing, err := accountIAM(t, b).CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String("https://oidc.circleci.com/org/" + devOrg), ClientIDList: []string{devOrg}})
	require.NoError(t, err)
	// Five branches of five repositories: 25 sub patterns, over 2,048 characters.
	tooLong := "accounts:\n  \"" + c + "\":\n    config:\n      branches: [b1, b2, b3, b4, b5]\n" +
		"      vcsOrigins: [github.com/acme/r1, github.com/acme/r2, github.com/acme/r3, github.com/acme/r4, github.com/acme/r5]\n"
	writeFile(t, dir, "fleet.yaml", fleetYAML(tooLong))

	// plan says beforehand which account conflicts, and writes nothing.
	before := w.aws.snapshot()
	code, planned, stderr := fleetReport(t, ctx, dir, "plan", "--org")
	require.Equal(t, fleet.ExitFailure, code, describe(planned, stderr))
	assert.Equal(t, fleet.Result(fleet.ClassConflict), rowsByAccount(planned)[b].Result)
	assert.Equal(t, fleet.ResultPlanned, rowsByAccount(planned)[c].Result, "the quota is the program's to find")
	assert.Empty(t, w.aws.since(before), "plan calls no provider")
	assert.Empty(t, rolesIn(ctx, t, accountIAM(t, c)))
	fleetDocBlock(t, "<!-- fleet plan transcript", "<!-- end of fleet plan transcript -->",
		o.transcript(t, "circleci-oidc fleet plan --org", planned))

	code, r, stderr := fleetReport(t, ctx, dir, "up", "--org", "--concurrency", "2")
	require.Equal(t, fleet.ExitFailure, code, describe(r, stderr))
	fleetDocBlock(t, "<!-- fleet up transcript", "<!-- end of fleet up transcript -->",
		o.transcript(t, "circleci-oidc fleet up --org --concurrency 2", r))
	rows := rowsByAccount(r)
	assert.Equal(t, fleet.Result(fleet.ClassConflict), rows[b].Result, rows[b].Note)
	assert.Contains(t, rows[b].Note, "--adopt-existing")
	assert.Equal(t, fleet.Result(fleet.ClassQuota), rows[c].Result, rows[c].Note)
	for _, id := range o.active() {
		if id != b && id != c {
			assert.Equal(t, fleet.ResultOK, rows[id].Result, "%s: %s", id, rows[id].Note)
		}
	}
	assert.Equal(t, []string{aws.ToString(existing.OpenIDConnectProviderArn)}, providersIn(ctx, t, accountIAM(t, b)),
		"the conflict wrote nothing in B")
	assert.Empty(t, rolesIn(ctx, t, accountIAM(t, b)))
	assert.Empty(t, rolesIn(ctx, t, accountIAM(t, c)), "the quota refusal created no role in C")

	report := writeFile(t, dir, "report.json", mustJSON(t, r))
	writeFile(t, dir, "fleet.yaml", fleetYAML(""))
	before = w.aws.snapshot()
	code, r2, stderr := fleetReport(t, ctx, dir, "up", "--org", "--adopt-existing", "--resume", report, "--only", "failed")
	require.Equal(t, fleet.ExitOK, code, describe(r2, stderr))
	fleetDocBlock(t, "<!-- fleet resume transcript", "<!-- end of fleet resume transcript -->",
		o.transcript(t, "circleci-oidc fleet up --org --adopt-existing --resume report.json --only failed", r2))
	rows2 := rowsByAccount(r2)
	assert.Equal(t, fleet.ResultOK, rows2[b].Result, rows2[b].Note)
	assert.Contains(t, rows2[b].Note, "adopted the existing provider")
	assert.Equal(t, fleet.ResultOK, rows2[c].Result, rows2[c].Note)
	assert.Equal(t, 1, rows2[b].Attempts)
	for _, id := range o.active() {
		if id != b && id != c {
			assert.Equal(t, rows[id], rows2[id], "account %s was not re-run: its row is the old report's", id)
		}
	}
	assert.Equal(t, []string{aws.ToString(existing.OpenIDConnectProviderArn)}, providersIn(ctx, t, accountIAM(t, b)),
		"B reuses its provider")
	assert.Equal(t, []string{"circleci-deploy"}, rolesIn(ctx, t, accountIAM(t, b)))
	assert.Equal(t, []string{"circleci-deploy"}, rolesIn(ctx, t, accountIAM(t, c)))
	// Only B and C ran: B creates its role, C its provider and its role.
	assert.Equal(t, 1+2, w.aws.since(before)["Create"], "aws creates of the resumed run: %v", w.aws.since(before))

	// A full run without --adopt-existing keeps B's adoption and changes nothing.
	before = w.aws.snapshot()
	code, r3, stderr := fleetReport(t, ctx, dir, "up", "--org", "--concurrency", "2")
	require.Equal(t, fleet.ExitOK, code, describe(r3, stderr))
	for _, id := range o.active() {
		row := rowsByAccount(r3)[id]
		assert.Equal(t, fleet.ResultOK, row.Result, row.Note)
		assert.Zero(t, row.Counts.Create+row.Counts.Update+row.Counts.Delete, "account %s: %+v", id, row.Counts)
	}
	assert.Equal(t, "reuses the provider adopted by an earlier run", rowsByAccount(r3)[b].Note)
	assert.Zero(t, writes(w.aws.since(before)), "aws writes: %v", w.aws.since(before))
}

// Fleet scenarios 9, 5 and 7: drift, a held lock, an orphan. A trust policy
// widened directly in moto makes fleet drift exit 2 and flag only that
// account. A lock held on another account's stack makes that account locked,
// while the drifted one is put back. An account moved out of the OU is then
// orphaned, and its resources remain.
func TestFleetDriftLockAndOrphan(t *testing.T) {
	w := newWorld(t)
	w.fleetEnv(t)
	o := seedOrg(t)
	ctx := t.Context()
	dir := t.TempDir()
	writeFile(t, dir, "fleet.yaml", fleetYAML(""))
	api, web, eu := o.ids["prod-api"], o.ids["prod-web"], o.ids["prod-eu"]

	// Before any up, every account drifts: it has no stack, and drift makes none.
	code, r, stderr := fleetReport(t, ctx, dir, "drift", "--ou", "/prod")
	require.Equal(t, fleet.ExitDrift, code, describe(r, stderr))
	assert.Equal(t, "no stack yet: run fleet up", rowsByAccount(r)[api].Note)
	code, r, stderr = fleetReport(t, ctx, dir, "ls", "--ou", "/prod")
	require.Equal(t, fleet.ExitOK, code, describe(r, stderr))
	assert.Equal(t, "no stack yet", rowsByAccount(r)[api].Note)

	code, r, stderr = fleetReport(t, ctx, dir, "up", "--ou", "/prod", "--concurrency", "2")
	require.Equal(t, fleet.ExitOK, code, describe(r, stderr))
	require.Len(t, r.Rows, 3, "the three accounts under /prod, /prod/eu included")

	code, r, stderr = fleetReport(t, ctx, dir, "drift", "--ou", "/prod")
	require.Equal(t, fleet.ExitOK, code, describe(r, stderr))

	apiIAM := accountIAM(t, api)
	role, err := apiIAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("circleci-deploy")})
	require.NoError(t, err)
	deployed := policyDocument(role.Role.AssumeRolePolicyDocument)
	wide := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` +
		fleet.ProviderArn("aws", api, "https://oidc.circleci.com/org/"+devOrg) + `"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`
	_, err = apiIAM.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{
		RoleName: aws.String("circleci-deploy"), PolicyDocument: aws.String(wide)})
	require.NoError(t, err)

	code, r, stderr = fleetReport(t, ctx, dir, "drift", "--ou", "/prod")
	require.Equal(t, fleet.ExitDrift, code, describe(r, stderr))
	rows := rowsByAccount(r)
	assert.Equal(t, fleet.ResultDrift, rows[api].Result)
	assert.Equal(t, 1, rows[api].Counts.Update, "the role")
	assert.Equal(t, fleet.ResultOK, rows[web].Result)
	assert.Equal(t, fleet.ResultOK, rows[eu].Result)
	role, err = apiIAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("circleci-deploy")})
	require.NoError(t, err)
	assert.True(t, sameJSON(wide, policyDocument(role.Role.AssumeRolePolicyDocument)), "drift changes nothing")

	// A lock held on prod-web's stack: that account is locked, prod-api is put back.
	lockDir := filepath.Join(w.dir, "backend", ".pulumi", "locks", "organization", "circleci-oidc", fleet.StackName(web))
	require.NoError(t, os.MkdirAll(lockDir, 0o755))
	lock := writeFile(t, lockDir, "5a2d1d3e-6a39-4f5e-9c43-8c9d0e1f2a3b.json",
		`{"pid":4242,"username":"ci","hostname":"runner-7","timestamp":"2026-12-02T13:00:00Z"}`)
	code, r, stderr = fleetReport(t, ctx, dir, "up", "--ou", "/prod", "--concurrency", "2")
	require.Equal(t, fleet.ExitFailure, code, describe(r, stderr))
	rows = rowsByAccount(r)
	assert.Equal(t, fleet.Result(fleet.ClassLocked), rows[web].Result, rows[web].Note)
	assert.Contains(t, rows[web].Note, "the stack is currently locked by 1 lock(s)")
	assert.Equal(t, fleet.ResultOK, rows[api].Result, rows[api].Note)
	assert.Equal(t, 1, rows[api].Counts.Update, "the trust policy is put back")
	assert.Equal(t, fleet.ResultOK, rows[eu].Result)
	role, err = apiIAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("circleci-deploy")})
	require.NoError(t, err)
	assert.True(t, sameJSON(deployed, policyDocument(role.Role.AssumeRolePolicyDocument)), "the deployed policy is back")
	require.NoError(t, os.Remove(lock))

	// prod-web leaves /prod: orphaned, never destroyed.
	o.move(t, web, o.ous["/prod"], o.ous["/sandbox"])
	code, r, stderr = fleetReport(t, ctx, dir, "up", "--ou", "/prod", "--concurrency", "2")
	require.Equal(t, fleet.ExitOK, code, describe(r, stderr))
	rows = rowsByAccount(r)
	assert.Equal(t, fleet.ResultOrphaned, rows[web].Result)
	assert.Contains(t, rows[web].Note, "pulumi destroy --stack "+fleet.StackName(web))
	webIAM := accountIAM(t, web)
	assert.Len(t, providersIn(ctx, t, webIAM), 1, "the orphan's provider remains")
	assert.Equal(t, []string{"circleci-deploy"}, rolesIn(ctx, t, webIAM), "the orphan's role remains")
}
