import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as circleci from "@circleci-oidc/pulumi-circleci-oidc";

const config = new pulumi.Config();
const organizationId = config.get("organizationId") ?? "11111111-1111-4111-8111-111111111111";
const projectId = config.get("projectId") ?? "22222222-2222-4222-8222-222222222222";
const infraProjectId = config.get("infraProjectId") ?? "33333333-3333-4333-8333-333333333333";
// Optional: build the provider and the role in another account, through a role there that this program's
// credentials may assume, e.g. arn:aws:iam::<account>:role/OrganizationAccountAccessRole.
const assumeRoleArn = config.get("assumeRoleArn");
// Optional: a policy document of your own, created as a managed policy and attached to the role by its ARN.
const deployPolicy = config.get("deployPolicy");

const target = assumeRoleArn
    ? new aws.Provider("target", { assumeRole: { roleArn: assumeRoleArn, sessionName: "circleci-oidc" } })
    : undefined;
const policy = deployPolicy
    ? new aws.iam.Policy("deploy", { path: "/ci/", policy: deployPolicy }, { provider: target })
    : undefined;

const oidc = new circleci.CircleCIOIDC("circleci", {
    organizationId,
    // The API deploys from main, infrastructure from release branches.
    rules: [
        { projectIds: [projectId], vcsOrigins: ["github.com/acme/api"], branches: ["main"] },
        { projectIds: [infraProjectId], vcsOrigins: ["github.com/acme/infra"], branches: ["release/*"] },
    ],
    roleName: "circleci-deploy",
    path: "/ci/",
    tags: { team: "platform" },
    managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess", ...(policy ? [policy.arn] : [])],
    inlinePolicies: {
        // A secret stays encrypted in the stack's state.
        "deploy-artifacts": pulumi.secret(JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: ["s3:PutObject"], Resource: "arn:aws:s3:::acme-artifacts/*" }],
        })),
    },
}, { providers: target ? { aws: target } : undefined });

export const roleArn = oidc.roleArn;
export const trustPolicy = oidc.trustPolicy;
