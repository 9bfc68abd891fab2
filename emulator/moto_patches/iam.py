"""IAM: AWS-managed policies.

moto gets wrong: it does not know the AWS-managed policies (``arn:aws:iam::aws:policy/...``) unless
asked to load them, so ``aws_iam_role_policy_attachment`` of one (the ECS task execution role's
AmazonECSTaskExecutionRolePolicy, say) fails with NoSuchEntity.

What the fix makes it answer: GetPolicy and AttachRolePolicy find the managed policy as AWS does.
The fix is an environment variable, MOTO_IAM_LOAD_MANAGED_POLICIES=true, that the launcher
(emulator/moto_server.py) sets before moto is imported; the check here only makes sure moto still
reads that setting, so an upgrade that renames it is noticed at start-up.
"""

from __future__ import annotations

from moto import settings as moto_settings

from .patching import require


def check_iam_managed_policies() -> None:
    """aws_iam_role_policy_attachment with an AWS-managed policy ARN.

    The fix itself is the MOTO_IAM_LOAD_MANAGED_POLICIES=true the launcher
    sets before moto is imported; this only checks moto still has the
    setting it reads, so an upgrade that renames it is noticed.
    """
    require(moto_settings, "load_iam_aws_managed_policies")
