"""CircleCI jobs of two projects, each with its own branch, assume an AWS role with OIDC."""

import json

import pulumi
import pulumi_circleci_oidc as circleci

config = pulumi.Config()
organization_id = config.get("organizationId") or "11111111-1111-4111-8111-111111111111"
project_id = config.get("projectId") or "22222222-2222-4222-8222-222222222222"
infra_project_id = config.get("infraProjectId") or "33333333-3333-4333-8333-333333333333"

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
    managed_policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"],
    inline_policies={
        "deploy-artifacts": json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::acme-artifacts/*"}
                ],
            }
        ),
    },
)

pulumi.export("roleArn", oidc.role_arn)
pulumi.export("trustPolicy", oidc.trust_policy)
