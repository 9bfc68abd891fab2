#!/usr/bin/env python3
"""Launcher for the moto AWS emulator, patched so Terraform can apply real stacks.

Usage (same CLI as ``python3 -m moto.server``; argv is passed through)::

    python3 emulator/moto_server.py -H 127.0.0.1 -p 4566

Target versions: moto 5.2.1, Terraform 1.11.4, hashicorp/aws provider 5.100.0.

Plain moto 5.2.1 makes Terraform fail (missing APIs) or report drift on the
next ``terraform plan`` (attributes moto drops, invents or never stores).
The patches live in the ``moto_patches`` package beside this file, one module
per AWS service; this file checks moto's version, keeps the registry of
patches (``PATCHES``, applied in that order by ``apply_patches()``) and starts
``moto.server.main``.

The account id is moto's default (123456789012) unless the caller sets
MOTO_ACCOUNT_ID, which moto itself reads on every request.
"""

from __future__ import annotations

import os
import sys

# --- Environment; must happen before moto is imported -----------------------
# aws_iam_role_policy_attachment of an AWS-managed policy
# (arn:aws:iam::aws:policy/...) fails with NoSuchEntity unless moto loads its
# copy of the AWS managed policies.  moto reads this variable when the IAM
# backend is created.  A value set explicitly by the caller is respected.
# (moto_patches.iam checks moto still reads it.)
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

# The patches are imported from beside this file; keep their bytecode out of the source tree.
sys.dont_write_bytecode = True

from typing import Callable  # noqa: E402

import moto  # noqa: E402
import moto.server  # noqa: E402
from moto_patches import (  # noqa: E402
    appautoscaling,
    call_log,
    cloudfront,
    cloudwatch,
    ec2,
    ecr,
    ecs,
    elbv2,
    iam,
    rds,
    s3,
    sqs,
)
from moto_patches.patching import PatchError  # noqa: E402

EXPECTED_MOTO_VERSION = "5.2.1"

PATCHES: list[Callable[[], None]] = [
    iam.check_iam_managed_policies,
    appautoscaling.patch_appautoscaling_tags,
    cloudfront.patch_cloudfront_response_headers_policy,
    cloudfront.patch_cloudfront_origin_access_control_id,
    cloudfront.patch_cloudfront_forwarded_values,
    cloudfront.patch_cloudfront_ssl_support_method,
    cloudfront.patch_cloudfront_distribution_arn,
    rds.patch_rds_parameter_source,
    rds.patch_rds_reset_db_parameter_group,
    ecs.patch_ecs_service_create_fields,
    ecr.patch_ecr_image_digest,
    s3.patch_s3_bucket_policy_evaluation,
    rds.patch_rds_unique_resource_ids,
    ec2.patch_ec2_group_rule_description,
    rds.patch_rds_performance_insights,
    elbv2.patch_elbv2_deletion_protection,
    cloudwatch.patch_cloudwatch_alarm_actions,
    sqs.patch_sqs_redrive_policy_json,
    call_log.patch_call_log,
]

_applied = False


def apply_patches() -> None:
    """Apply every patch once; raise PatchError if moto is not what we expect.

    MOTO_LAUNCHER_SKIP_PATCHES=name[,name...] leaves the named patches out
    (debugging aid: reproduce the plain-moto behaviour of one resource).
    """
    global _applied
    if _applied:
        return
    if moto.__version__ != EXPECTED_MOTO_VERSION and not os.environ.get(
        "MOTO_LAUNCHER_ALLOW_OTHER_VERSION"
    ):
        raise PatchError(
            f"moto_server.py was written for moto {EXPECTED_MOTO_VERSION}, "
            f"found {moto.__version__}; re-test the patches, then set "
            "MOTO_LAUNCHER_ALLOW_OTHER_VERSION=1 or update EXPECTED_MOTO_VERSION"
        )
    skip = {
        name.strip()
        for name in os.environ.get("MOTO_LAUNCHER_SKIP_PATCHES", "").split(",")
        if name.strip()
    }
    unknown = skip - {patch.__name__ for patch in PATCHES}
    if unknown:
        raise PatchError(f"MOTO_LAUNCHER_SKIP_PATCHES names unknown patches: {unknown}")
    for patch in PATCHES:
        if patch.__name__ not in skip:
            patch()
    _applied = True


def main(argv: list[str] | None = None) -> None:
    apply_patches()
    moto.server.main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
