"""EC2: security group rule descriptions.

moto gets wrong: DescribeSecurityGroupRules reports a rule's description from its CIDR range only,
so an ``aws_vpc_security_group_ingress_rule`` / ``_egress_rule`` whose source is another security
group has none, and every plan wants to add it again.

What the patch makes it answer: such a rule's description is the one kept with its group reference.
"""

from __future__ import annotations

from typing import Any

from .patching import require


def patch_ec2_group_rule_description() -> None:
    """aws_vpc_security_group_ingress_rule / _egress_rule referencing a group.

    DescribeSecurityGroupRules reports a rule's description from its CIDR
    range only; a rule whose source is another security group keeps its
    description with that group reference, so moto answers none and every
    plan wants to add the description again. Fall back to it.
    """
    from moto.ec2.models.security_groups import SecurityGroupRule

    original = require(SecurityGroupRule, "description")

    def description(self: Any) -> str | None:
        return original.fget(self) or (self.source_group or {}).get("Description")

    SecurityGroupRule.description = property(description)
