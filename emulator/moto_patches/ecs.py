"""ECS: service fields.

moto gets wrong: CreateService accepts availabilityZoneRebalancing, healthCheckGracePeriodSeconds and
a few other fields of an ``aws_ecs_service`` but neither stores nor returns them, so every plan wants
to set them again.

What the patch makes it answer: DescribeServices returns those fields as sent, and
availabilityZoneRebalancing "DISABLED" when none was sent (what the provider's default expects).
"""

from __future__ import annotations

from typing import Any

from moto.ecs import responses as ecs_responses

from .patching import wrap


# CreateService fields that moto 5.2.1 accepts but neither stores nor returns.
# Each is returned to the provider exactly as sent (moto's UpdateService
# already copies every sent field onto the service object).
_ECS_CREATE_SERVICE_PASSTHROUGH = (
    "healthCheckGracePeriodSeconds",
    "enableExecuteCommand",
    "enableECSManagedTags",
    "deploymentConfiguration",
    "placementConstraints",
    "placementStrategy",
    "capacityProviderStrategy",
)


def patch_ecs_service_create_fields() -> None:
    """aws_ecs_service: return availabilityZoneRebalancing and other sent fields.

    moto's CreateService drops availabilityZoneRebalancing; the provider sends
    "DISABLED" by default and reads back "", so every plan shows
    availability_zone_rebalancing -> "DISABLED".  Store what was sent,
    "DISABLED" when absent (what the provider's default expects).

    The same applies to healthCheckGracePeriodSeconds (plan showed
    health_check_grace_period_seconds 0 -> 60) and the other fields in
    _ECS_CREATE_SERVICE_PASSTHROUGH: they are stored as sent unless moto
    already keeps an attribute of that name.
    """
    from botocore import xform_name

    def make(original: Any) -> Any:
        def create_service(self: Any) -> Any:
            result = original(self)
            service = result.result["service"]
            service.availability_zone_rebalancing = (
                self._get_param("availabilityZoneRebalancing") or "DISABLED"
            )
            for field in _ECS_CREATE_SERVICE_PASSTHROUGH:
                attr = xform_name(field)
                value = self._get_param(field)
                if value is not None and getattr(service, attr, None) is None:
                    setattr(service, attr, value)
            return result

        return create_service

    wrap(ecs_responses.EC2ContainerServiceResponse, "create_service", make)
