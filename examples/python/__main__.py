"""CircleCI jobs of two projects, each with its own branch, assume an AWS role with OIDC."""

import json

import pulumi
import pulumi_aws as aws
import pulumi_circleci_oidc as circleci

config = pulumi.Config()
organization_id = config.get("organizationId") or "11111111-1111-4111-8111-111111111111"
project_id = config.get("projectId") or "22222222-2222-4222-8222-222222222222"
infra_project_id = config.get("infraProjectId") or "33333333-3333-4333-8333-333333333333"
# To deploy into another account, the role to assume there, such as a member account's
# OrganizationAccountAccessRole. Unset, everything goes into the account of the stack's credentials.
assume_role_arn = config.get("assumeRoleArn")

opts = None
if assume_role_arn:
    account = aws.Provider(
        "deploy-account",
        region=aws.config.region,
        assume_role=aws.ProviderAssumeRoleArgs(role_arn=assume_role_arn, session_name="circleci-oidc"),
    )
    opts = pulumi.ResourceOptions(providers={"aws": account})

# A policy of your own, attached to the role by its ARN: the role's attachment waits for it.
deploy_config = aws.iam.Policy(
    "read-deploy-config",
    description="CircleCI deploys read their configuration.",
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["ssm:GetParameter"], "Resource": "arn:aws:ssm:*:*:parameter/deploy/*"}
            ],
        }
    ),
    opts=opts,
)

oidc = circleci.CircleCIOIDC(
    "circleci",
    organization_id=organization_id,
    # The API deploys from main, infrastructure from release branches.
    rules=[
        circleci.RuleArgs(project_ids=[project_id], vcs_origins=["github.com/acme/api"], branches=["main"]),
        circleci.RuleArgs(project_ids=[infra_project_id], vcs_origins=["github.com/acme/infra"], branches=["release/*"]),
    ],
    role_name="circleci-deploy",
    path="/ci/",
    tags={"team": "platform"},
    managed_policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess", deploy_config.arn],
    inline_policies={
        # A secret: the stack's state keeps it encrypted.
        "deploy-artifacts": pulumi.Output.secret(
            json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::acme-artifacts/*"}
                    ],
                }
            )
        ),
    },
    opts=opts,
)

pulumi.export("roleArn", oidc.role_arn)
pulumi.export("trustPolicy", oidc.trust_policy)
