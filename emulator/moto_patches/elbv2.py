"""Elastic Load Balancing v2: deletion protection.

moto gets wrong: it deletes an ``aws_lb`` whose attribute deletion_protection.enabled is true, so a
destroy that must fail succeeds.

What the patch makes it answer: DeleteLoadBalancer on a protected load balancer is refused with
OperationNotPermitted, as AWS does; once protection is off it is deleted.
"""

from __future__ import annotations

import functools
from typing import Any

from .patching import wrap


def patch_elbv2_deletion_protection() -> None:
    """aws_lb with enable_deletion_protection = true.

    AWS refuses DeleteLoadBalancer while the attribute
    deletion_protection.enabled is true (OperationNotPermitted); moto deletes
    it anyway, so a destroy that must fail would succeed. Enforce it.
    """
    from moto.elbv2.exceptions import ELBClientError
    from moto.elbv2.models import ELBv2Backend

    class OperationNotPermitted(ELBClientError):
        code = "OperationNotPermitted"

        def __init__(self, arn: str) -> None:
            super().__init__(
                "OperationNotPermitted",
                f"Load balancer '{arn}' cannot be deleted because deletion protection is enabled",
            )

    def make_wrapper(original: Any) -> Any:
        @functools.wraps(original)
        def delete_load_balancer(self: Any, arn: str) -> None:
            balancer = self.load_balancers.get(arn)
            if balancer is not None and str(balancer.attrs.get("deletion_protection.enabled")).lower() == "true":
                raise OperationNotPermitted(arn)
            return original(self, arn)

        return delete_load_balancer

    wrap(ELBv2Backend, "delete_load_balancer", make_wrapper)
