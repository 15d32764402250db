import * as pulumi from "@pulumi/pulumi";
import * as circleci from "@circleci-oidc/pulumi-circleci-oidc";

const config = new pulumi.Config();
const organizationId = config.get("organizationId") ?? "11111111-1111-4111-8111-111111111111";
const projectId = config.get("projectId") ?? "22222222-2222-4222-8222-222222222222";
const infraProjectId = config.get("infraProjectId") ?? "33333333-3333-4333-8333-333333333333";

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
    managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
    inlinePolicies: {
        "deploy-artifacts": JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: ["s3:PutObject"], Resource: "arn:aws:s3:::acme-artifacts/*" }],
        }),
    },
});

export const roleArn = oidc.roleArn;
export const trustPolicy = oidc.trustPolicy;
