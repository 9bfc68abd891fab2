"""S3: bucket-policy evaluation.

moto gets wrong: it evaluates a bucket policy on object requests but ignores each statement's
Principal, NotResource and Condition, so a Deny meant for one role or for plain-HTTP requests
(``aws:SecureTransport = false``) denies everyone: Terraform's S3 backend gets 403 on the state
bucket and nothing can be deployed.

What the patch makes it answer: only the statements moto can evaluate faithfully (Principal "*", no
Condition, no NotResource) take effect; the others have none here, as moto does not enforce IAM either.
"""

from __future__ import annotations

import json
from typing import Any

from .patching import require


def patch_s3_bucket_policy_evaluation() -> None:
    """S3 backend and any object call on a bucket whose policy has conditions.

    moto evaluates a bucket policy on object requests but ignores each
    statement's Principal, NotResource and Condition: a Deny meant for one
    role (``Principal: {AWS: <role>}``) or for plain-HTTP requests
    (``aws:SecureTransport = false``) then denies everyone, so Terraform's S3
    backend gets 403 on the state bucket and nothing can be deployed. Keep
    only the statements moto can evaluate faithfully (Principal "*", no
    Condition, no NotResource); the rest have no effect here, as IAM is not
    enforced by moto either.
    """
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    require(FakeBucket, "get_permission")

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        raw = self.policy.decode() if isinstance(self.policy, bytes) else self.policy
        document = json.loads(raw)
        statements = document.get("Statement", [])
        if isinstance(statements, dict):
            statements = [statements]
        evaluable = [
            st
            for st in statements
            if "Condition" not in st
            and "NotResource" not in st
            and st.get("Principal") in ("*", {"AWS": "*"})
        ]
        if not evaluable:
            return PermissionResult.NEUTRAL
        kept = {"Version": document.get("Version", "2012-10-17"), "Statement": evaluable}
        return IAMPolicy(json.dumps(kept)).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission
