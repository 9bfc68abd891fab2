#!/usr/bin/env python3
"""Launcher for the moto AWS emulator, patched so Terraform can apply real stacks.

Usage (same CLI as ``python3 -m moto.server``; argv is passed through)::

    python3 emulator/moto_server.py -H 127.0.0.1 -p 4566

Target versions: moto 5.2.1, Terraform 1.11.4, hashicorp/aws provider 5.100.0.

Plain moto 5.2.1 makes Terraform fail (missing APIs) or report drift on the
next ``terraform plan`` (attributes moto drops, invents or never stores).
Every patch below is a small function with a docstring naming the Terraform
resource it fixes and why.  ``apply_patches()`` applies them all before
``moto.server.main`` runs.

Rules kept by this file:
  * only moto's backend / response / model classes are monkeypatched, and
    URL routes are added to moto's own ``url_paths`` tables;
  * nothing is printed on stdout beyond moto's own output;
  * a patch that cannot find what it patches raises ``PatchError`` at start-up,
    so a moto upgrade that breaks a patch is noticed at once instead of
    silently reintroducing drift.

The account id is moto's default (123456789012) unless the caller sets
MOTO_ACCOUNT_ID, which moto itself reads on every request.
"""

from __future__ import annotations

import os
import sys

# --- Patch 1 (environment; must happen before moto is imported) -------------
# aws_iam_role_policy_attachment of an AWS-managed policy
# (arn:aws:iam::aws:policy/...) fails with NoSuchEntity unless moto loads its
# copy of the AWS managed policies.  moto reads this variable when the IAM
# backend is created.  A value set explicitly by the caller is respected.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

import functools  # noqa: E402
import json  # noqa: E402
from typing import Any, Callable  # noqa: E402

import moto  # noqa: E402
import moto.server  # noqa: E402
from moto import settings as moto_settings  # noqa: E402
from moto.applicationautoscaling import responses as aas_responses  # noqa: E402
from moto.cloudwatch import models as cw_models  # noqa: E402
from moto.cloudfront import exceptions as cf_exceptions  # noqa: E402
from moto.cloudfront import models as cf_models  # noqa: E402
from moto.cloudfront import responses as cf_responses  # noqa: E402
from moto.cloudfront import urls as cf_urls  # noqa: E402
from moto.core.exceptions import JsonRESTError  # noqa: E402
from moto.core.responses import ActionResult, EmptyResult  # noqa: E402
from moto.core.utils import utcnow  # noqa: E402
from moto.ecr import exceptions as ecr_exceptions  # noqa: E402
from moto.ecr import models as ecr_models  # noqa: E402
from moto.ecs import responses as ecs_responses  # noqa: E402
from moto.moto_api._internal import mock_random  # noqa: E402
from moto.rds import exceptions as rds_exceptions  # noqa: E402
from moto.rds import models as rds_models  # noqa: E402
from moto.rds import responses as rds_responses  # noqa: E402

EXPECTED_MOTO_VERSION = "5.2.1"


class PatchError(RuntimeError):
    """A patch could not be applied: moto changed underneath this launcher."""


def _require(owner: Any, name: str) -> Any:
    """Return ``owner.name`` or raise PatchError if moto no longer has it."""
    if not hasattr(owner, name):
        raise PatchError(
            f"moto_server.py: {getattr(owner, '__name__', owner)!r} has no "
            f"attribute {name!r} (moto {moto.__version__}); patch needs updating"
        )
    return getattr(owner, name)


def _wrap(owner: Any, name: str, make_wrapper: Callable[[Any], Any]) -> None:
    """Replace ``owner.name`` with ``make_wrapper(original)``, loudly."""
    original = _require(owner, name)
    wrapper = make_wrapper(original)
    functools.update_wrapper(wrapper, original)
    setattr(owner, name, wrapper)


def _add(owner: Any, name: str, func: Callable[..., Any]) -> None:
    """Add a new method; raise if moto already grew one (re-check the patch)."""
    if name in vars(owner):
        raise PatchError(
            f"moto_server.py: {owner.__name__}.{name} already exists in moto "
            f"{moto.__version__}; check whether this patch is still needed"
        )
    func.__name__ = name
    setattr(owner, name, func)


# =============================================================================
# IAM
# =============================================================================


def check_iam_managed_policies() -> None:
    """aws_iam_role_policy_attachment with an AWS-managed policy ARN.

    The fix itself is the MOTO_IAM_LOAD_MANAGED_POLICIES=true set at the top
    of this file (before moto is imported); this only checks moto still has
    the setting it reads, so an upgrade that renames it is noticed.
    """
    _require(moto_settings, "load_iam_aws_managed_policies")


# =============================================================================
# Application Auto Scaling
# =============================================================================


class _AASResourceNotFound(JsonRESTError):
    def __init__(self, arn: str) -> None:
        super().__init__(
            "ResourceNotFoundException", f"No scalable target found for {arn}"
        )


def _aas_tags(backend: Any) -> dict[str, dict[str, str]]:
    """Per-backend store: scalable target ARN -> {tag key: value}."""
    return backend.__dict__.setdefault("_launcher_tags", {})


def _aas_target_arns(backend: Any) -> set[str]:
    return {t.arn for by_id in backend.targets.values() for t in by_id.values()}


def patch_appautoscaling_tags() -> None:
    """aws_appautoscaling_target: implement ListTagsForResource/TagResource/UntagResource.

    moto 5.2.1 has no tagging for Application Auto Scaling, so the provider's
    read of a scalable target (it lists tags of the ``ScalableTargetARN``
    returned by DescribeScalableTargets/RegisterScalableTarget, which moto does
    return) gets HTTP 500 and the apply fails.  Tags sent with
    RegisterScalableTarget are stored too, and dropped on deregistration.
    """
    resp_cls = aas_responses.ApplicationAutoScalingResponse
    _require(resp_cls, "applicationautoscaling_backend")

    def register_wrapper(original: Any) -> Any:
        def register_scalable_target(self: Any) -> str:
            result = original(self)
            tags = self._get_param("Tags")
            if tags:
                backend = self.applicationautoscaling_backend
                target = backend.targets[self._get_param("ScalableDimension")][
                    self._get_param("ResourceId")
                ]
                _aas_tags(backend).setdefault(target.arn, {}).update(tags)
            return result

        return register_scalable_target

    def deregister_wrapper(original: Any) -> Any:
        def deregister_scalable_target(self: Any) -> str:
            backend = self.applicationautoscaling_backend
            target = backend.targets.get(
                self._get_param("ScalableDimension"), {}
            ).get(self._get_param("ResourceId"))
            result = original(self)
            if target is not None:
                _aas_tags(backend).pop(target.arn, None)
            return result

        return deregister_scalable_target

    def list_tags_for_resource(self: Any) -> str:
        backend = self.applicationautoscaling_backend
        arn = self._get_param("ResourceARN")
        if arn not in _aas_target_arns(backend):
            raise _AASResourceNotFound(arn)
        return json.dumps({"Tags": dict(_aas_tags(backend).get(arn, {}))})

    def tag_resource(self: Any) -> str:
        backend = self.applicationautoscaling_backend
        arn = self._get_param("ResourceARN")
        if arn not in _aas_target_arns(backend):
            raise _AASResourceNotFound(arn)
        _aas_tags(backend).setdefault(arn, {}).update(self._get_param("Tags") or {})
        return json.dumps({})

    def untag_resource(self: Any) -> str:
        backend = self.applicationautoscaling_backend
        arn = self._get_param("ResourceARN")
        if arn not in _aas_target_arns(backend):
            raise _AASResourceNotFound(arn)
        tags = _aas_tags(backend).setdefault(arn, {})
        for key in self._get_param("TagKeys") or []:
            tags.pop(key, None)
        return json.dumps({})

    _wrap(resp_cls, "register_scalable_target", register_wrapper)
    _wrap(resp_cls, "deregister_scalable_target", deregister_wrapper)
    _add(resp_cls, "list_tags_for_resource", list_tags_for_resource)
    _add(resp_cls, "tag_resource", tag_resource)
    _add(resp_cls, "untag_resource", untag_resource)


# =============================================================================
# CloudFront
# =============================================================================


class _NoSuchResponseHeadersPolicy(cf_exceptions.CloudFrontException):
    def __init__(self) -> None:
        super().__init__(
            "NoSuchResponseHeadersPolicy",
            "The response headers policy does not exist.",
        )


class _ResponseHeadersPolicyAlreadyExists(cf_exceptions.CloudFrontException):
    def __init__(self) -> None:
        super().__init__(
            "ResponseHeadersPolicyAlreadyExists",
            "A response headers policy with this name already exists.",
        )


class _ResponseHeadersPolicy:
    """One custom response headers policy; the config is kept as sent."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.id = str(mock_random.uuid4())
        self.etag = cf_models.random_id()
        self.last_modified_time = utcnow()
        self.response_headers_policy_config = config

    @property
    def location(self) -> str:
        return (
            "https://cloudfront.amazonaws.com/2020-05-31/"
            f"response-headers-policy/{self.id}"
        )

    def update(self, config: dict[str, Any]) -> None:
        self.response_headers_policy_config = config
        self.etag = cf_models.random_id()
        self.last_modified_time = utcnow()

    def as_dict(self) -> dict[str, Any]:
        return {
            "Id": self.id,
            "LastModifiedTime": self.last_modified_time,
            "ResponseHeadersPolicyConfig": self.response_headers_policy_config,
        }


def _rhp_store(backend: Any) -> dict[str, _ResponseHeadersPolicy]:
    """Per-backend store: policy id -> _ResponseHeadersPolicy."""
    return backend.__dict__.setdefault("_launcher_response_headers_policies", {})


def patch_cloudfront_response_headers_policy() -> None:
    """aws_cloudfront_response_headers_policy: implement the API (was 404).

    Adds the REST-XML routes /2020-05-31/response-headers-policy[/{Id}[/config]]
    and Create/Get/GetConfig/Update/Delete/List handlers.  moto parses and
    serialises CloudFront from the botocore model, so the config is stored
    exactly as sent (SecurityHeadersConfig, CustomHeadersConfig, CorsConfig,
    ...) and returned unchanged: no drift on the next plan.  Names are unique
    (409 ResponseHeadersPolicyAlreadyExists), IfMatch is required on
    update/delete (any value accepted, like moto's other CloudFront APIs).
    Only custom policies are listed; AWS-managed ones are not modelled.
    """
    backend_cls = cf_models.CloudFrontBackend
    resp_cls = cf_responses.CloudFrontResponse
    url_paths = _require(cf_urls, "url_paths")
    _require(cf_models, "random_id")
    _require(cf_exceptions, "InvalidIfMatchVersion")

    base = "{0}/2020-05-31/response-headers-policy"
    for pattern in (
        base + "$",
        base + "/(?P<policy_id>[^/]+)$",
        base + "/(?P<policy_id>[^/]+)/config$",
    ):
        if pattern in url_paths:
            raise PatchError(f"moto already routes {pattern}; re-check this patch")
        url_paths[pattern] = resp_cls.dispatch

    # ---- backend ----
    def _check_name(self: Any, config: dict[str, Any], own_id: str | None) -> None:
        for policy in _rhp_store(self).values():
            if (
                policy.id != own_id
                and policy.response_headers_policy_config.get("Name")
                == config.get("Name")
            ):
                raise _ResponseHeadersPolicyAlreadyExists()

    def create_response_headers_policy(
        self: Any, config: dict[str, Any]
    ) -> _ResponseHeadersPolicy:
        _check_name(self, config, None)
        policy = _ResponseHeadersPolicy(config)
        _rhp_store(self)[policy.id] = policy
        return policy

    def get_response_headers_policy(self: Any, policy_id: str) -> _ResponseHeadersPolicy:
        try:
            return _rhp_store(self)[policy_id]
        except KeyError:
            raise _NoSuchResponseHeadersPolicy() from None

    def update_response_headers_policy(
        self: Any, policy_id: str, config: dict[str, Any], if_match: str | None
    ) -> _ResponseHeadersPolicy:
        policy = get_response_headers_policy(self, policy_id)
        if not if_match:
            raise cf_exceptions.InvalidIfMatchVersion()
        _check_name(self, config, policy_id)
        policy.update(config)
        return policy

    def delete_response_headers_policy(
        self: Any, policy_id: str, if_match: str | None
    ) -> None:
        get_response_headers_policy(self, policy_id)
        if not if_match:
            raise cf_exceptions.InvalidIfMatchVersion()
        del _rhp_store(self)[policy_id]

    def list_response_headers_policies(
        self: Any, policy_type: str | None
    ) -> list[_ResponseHeadersPolicy]:
        if policy_type == "managed":
            return []
        return list(_rhp_store(self).values())

    for func in (
        create_response_headers_policy,
        get_response_headers_policy,
        update_response_headers_policy,
        delete_response_headers_policy,
        list_response_headers_policies,
    ):
        _add(backend_cls, func.__name__, func)

    # ---- responses ----
    def r_create(self: Any) -> ActionResult:
        config = self._get_param("ResponseHeadersPolicyConfig", {})
        policy = self.backend.create_response_headers_policy(config)
        return ActionResult(
            {
                "ResponseHeadersPolicy": policy.as_dict(),
                "Location": policy.location,
                "ETag": policy.etag,
            }
        )

    def r_get(self: Any) -> ActionResult:
        policy = self.backend.get_response_headers_policy(self._get_param("Id"))
        return ActionResult(
            {"ResponseHeadersPolicy": policy.as_dict(), "ETag": policy.etag}
        )

    def r_get_config(self: Any) -> ActionResult:
        policy = self.backend.get_response_headers_policy(self._get_param("Id"))
        return ActionResult(
            {
                "ResponseHeadersPolicyConfig": policy.response_headers_policy_config,
                "ETag": policy.etag,
            }
        )

    def r_update(self: Any) -> ActionResult:
        policy = self.backend.update_response_headers_policy(
            self._get_param("Id"),
            self._get_param("ResponseHeadersPolicyConfig", {}),
            self._get_param("IfMatch"),
        )
        return ActionResult(
            {"ResponseHeadersPolicy": policy.as_dict(), "ETag": policy.etag}
        )

    def r_delete(self: Any) -> EmptyResult:
        self.backend.delete_response_headers_policy(
            self._get_param("Id"), self._get_param("IfMatch")
        )
        return EmptyResult()

    def r_list(self: Any) -> ActionResult:
        policies = self.backend.list_response_headers_policies(
            self._get_param("Type")
        )
        items = [
            {"Type": "custom", "ResponseHeadersPolicy": p.as_dict()} for p in policies
        ]
        return ActionResult(
            {
                "ResponseHeadersPolicyList": {
                    "MaxItems": 100,
                    "Quantity": len(items),
                    "Items": items or None,
                }
            }
        )

    _add(resp_cls, "create_response_headers_policy", r_create)
    _add(resp_cls, "get_response_headers_policy", r_get)
    _add(resp_cls, "get_response_headers_policy_config", r_get_config)
    _add(resp_cls, "update_response_headers_policy", r_update)
    _add(resp_cls, "delete_response_headers_policy", r_delete)
    _add(resp_cls, "list_response_headers_policies", r_list)


def patch_cloudfront_origin_access_control_id() -> None:
    """aws_cloudfront_distribution: keep Origins[].OriginAccessControlId.

    moto's Origin model never stores OriginAccessControlId, so every plan
    wants to set origin.origin_access_control_id again.  Store it (empty
    string when not sent, which the provider reads as "not set").
    """

    def make(original: Any) -> Any:
        def __init__(self: Any, origin: dict[str, Any]) -> None:
            original(self, origin)
            self.origin_access_control_id = origin.get("OriginAccessControlId") or ""

        return __init__

    _wrap(cf_models.Origin, "__init__", make)


def patch_cloudfront_forwarded_values() -> None:
    """aws_cloudfront_distribution: don't invent ForwardedValues.

    moto always fills DefaultCacheBehavior/CacheBehaviors ForwardedValues
    (QueryString=false, Cookies=none) even when the request sent none, which
    is the case whenever cache_policy_id is used; the provider then sees a
    forwarded_values block that is not in the config and plans to remove it
    on every run.  Only keep ForwardedValues when the request had it.
    """

    def make(original: Any) -> Any:
        def __init__(self: Any, config: dict[str, Any]) -> None:
            original(self, config)
            if "ForwardedValues" not in config:
                self.forwarded_values = None

        return __init__

    _require(cf_models.DefaultCacheBehaviour(
        {"TargetOriginId": "x", "ViewerProtocolPolicy": "allow-all"}
    ), "forwarded_values")
    _wrap(cf_models.DefaultCacheBehaviour, "__init__", make)


def patch_cloudfront_ssl_support_method() -> None:
    """aws_cloudfront_distribution: don't invent ViewerCertificate.SSLSupportMethod.

    moto defaults SSLSupportMethod to "sni-only" even for
    cloudfront_default_certificate = true, where AWS returns none and the
    provider config has none, so every plan shows
    ssl_support_method "sni-only" -> null.  Only return it when sent.
    """

    def make(original: Any) -> Any:
        def __init__(self: Any, config: dict[str, Any]) -> None:
            original(self, config)
            if not config.get("SSLSupportMethod"):
                self.ssl_support_method = None

        return __init__

    _require(cf_models.ViewerCertificate({}), "ssl_support_method")
    _wrap(cf_models.ViewerCertificate, "__init__", make)


def patch_cloudfront_distribution_arn() -> None:
    """aws_cloudfront_distribution: use AWS's ARN format (empty region field).

    moto builds ``arn:aws:cloudfront:ACCOUNT:distribution/ID``; AWS's is
    ``arn:aws:cloudfront::ACCOUNT:distribution/ID``.  Terraform does not
    drift on it, but the wrong ARN ends up in the stack's outputs and in
    bucket policies (AWS:SourceArn conditions for OAC), so configs that build
    the ARN themselves would not match.  Tags are keyed by this ARN after
    __init__, so fixing it here keeps tagging consistent.
    """

    def make(original: Any) -> Any:
        def __init__(self: Any, account_id: str, region_name: str, config: Any) -> None:
            original(self, account_id, region_name, config)
            prefix, sep, rest = self.arn.partition(f":cloudfront:{account_id}:")
            if not sep:
                raise PatchError(f"unexpected CloudFront ARN format {self.arn!r}")
            self.arn = f"{prefix}:cloudfront::{account_id}:{rest}"

        return __init__

    _wrap(cf_models.Distribution, "__init__", make)


# =============================================================================
# CloudWatch
# =============================================================================


def patch_cloudwatch_alarm_actions() -> None:
    """aws_cloudwatch_metric_alarm: an alarm's state change runs its SNS actions.

    moto's SetAlarmState records the new state and does nothing else, so an
    alarm could never be shown to reach its topic.  AWS publishes a JSON
    message (AlarmName, AlarmDescription, NewStateValue, ...) to every SNS ARN
    of alarm_actions on a change to ALARM, of ok_actions on a change to OK,
    when actions are enabled.  Do the same through moto's own SNS backend, in
    the topic's region: subscribers (an SQS queue, say) then receive it.
    Other action types (Auto Scaling, EC2, Lambda) are left alone.
    """
    from moto.sns.models import sns_backends

    def make(original: Any) -> Any:
        def update_state(self: Any, reason: str, reason_data: str, state_value: str) -> None:
            old_state = self.state_value
            original(self, reason, reason_data, state_value)
            if state_value == old_state or not self.actions_enabled:
                return
            actions = {"ALARM": self.alarm_actions, "OK": self.ok_actions}.get(state_value) or []
            account_id = self.alarm_arn.split(":")[4]
            message = json.dumps(
                {
                    "AlarmName": self.name,
                    "AlarmDescription": self.description,
                    "AWSAccountId": account_id,
                    "AlarmArn": self.alarm_arn,
                    "NewStateValue": state_value,
                    "NewStateReason": reason,
                    "OldStateValue": old_state,
                    "Region": self.region_name,
                    "StateChangeTime": self.state_updated_timestamp.isoformat(),
                }
            )
            for arn in actions:
                parts = arn.split(":")
                if len(parts) < 6 or parts[2] != "sns":
                    continue
                backend = sns_backends[parts[4]][parts[3]]
                backend.publish(
                    message,
                    arn=arn,
                    subject=f'{state_value}: "{self.name}" in {self.region_name}'[:100],
                )

        return update_state

    _wrap(cw_models.Alarm, "update_state", make)


# =============================================================================
# RDS
# =============================================================================


def patch_rds_parameter_source() -> None:
    """aws_db_parameter_group: DescribeDBParameters must return Source="user".

    The provider keeps only parameters whose Source is "user" (and asks with
    Source=user when it has none in state).  moto stores parameters exactly
    as sent to ModifyDBParameterGroup, without Source, so every plan re-adds
    all parameter blocks.  Mark parameters set through the API as "user"
    and honour the Source filter of DescribeDBParameters.
    """
    pg_cls = rds_models.DBParameterGroup
    resp_cls = rds_responses.RDSResponse
    _require(resp_cls, "describe_db_parameters")

    def make_update(original: Any) -> Any:
        def update_parameters(self: Any, new_parameters: Any) -> None:
            new_parameters = list(new_parameters)
            original(self, new_parameters)
            for new_parameter in new_parameters:
                param = self.parameters[new_parameter["ParameterName"]]
                param.setdefault("Source", "user")

        return update_parameters

    def make_describe(original: Any) -> Any:
        def describe_db_parameters(self: Any) -> Any:
            result = original(self)
            source = self.params.get("Source")
            if source and isinstance(result, ActionResult):
                params = result.result["Parameters"]  # type: ignore[index]
                result.result["Parameters"] = [  # type: ignore[index]
                    p for p in params if p.get("Source", "user") == source
                ]
            return result

        return describe_db_parameters

    _wrap(pg_cls, "update_parameters", make_update)
    _wrap(resp_cls, "describe_db_parameters", make_describe)


def patch_rds_reset_db_parameter_group() -> None:
    """aws_db_parameter_group: implement ResetDBParameterGroup (was HTTP 500).

    When a parameter block is removed from the config (or apply_method and
    value change in some ways) the provider resets those parameters with
    ResetDBParameterGroup, which moto 5.2.1 does not implement, so such an
    apply fails.  moto only stores user-set parameters, so a reset simply
    forgets them (all of them with ResetAllParameters).
    """
    resp_cls = rds_responses.RDSResponse

    def reset_db_parameter_group(self: Any) -> ActionResult:
        name = self.params.get("DBParameterGroupName")
        groups = self.backend.describe_db_parameter_groups(
            {"db_parameter_group_name": name}
        )
        if not groups:
            raise rds_exceptions.DBParameterGroupNotFoundError(name)
        group = groups[0]
        if self.params.get("ResetAllParameters"):
            group.parameters.clear()
        else:
            for param in self.params.get("Parameters") or []:
                group.parameters.pop(param["ParameterName"], None)
        return ActionResult({"DBParameterGroupName": group.name})

    _require(rds_exceptions, "DBParameterGroupNotFoundError")
    _add(resp_cls, "reset_db_parameter_group", reset_db_parameter_group)


# =============================================================================
# ECS
# =============================================================================


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

    _wrap(ecs_responses.EC2ContainerServiceResponse, "create_service", make)


# =============================================================================
# ECR
# =============================================================================


def _manifest_digest(manifest: str) -> str:
    """ECR's digest of an image: sha256 of the manifest bytes as pushed."""
    import hashlib

    return "sha256:" + hashlib.sha256(manifest.encode("utf-8")).hexdigest()


class _ImageDigestDoesNotMatch(ecr_exceptions.ServiceException):
    code = "ImageDigestDoesNotMatchException"

    def __init__(self, sent: str, computed: str) -> None:
        super().__init__(
            f"The specified image digest {sent} does not match the digest "
            f"{computed} that Amazon ECR calculated for the image."
        )


def patch_ecr_image_digest() -> None:
    """aws_ecs_task_definition naming its image by digest (``<repository url>@sha256:...``).

    ECR's image digest is the sha256 of the manifest bytes as pushed: what
    ``docker push`` and ``docker buildx`` print, and what CI deploys by
    (IMAGE_DIGEST).  moto 5.2.1 hashes the concatenated layer digests instead
    (a random one for a manifest without layers), so the digest ECR reports
    for a pushed image matches none that a client computed.  Compute it from
    the manifest, and, like ECR, refuse a PutImage whose imageDigest differs
    (ImageDigestDoesNotMatchException) instead of storing the client's value.
    """
    _require(ecr_exceptions, "ServiceException")

    def make_put_image(original: Any) -> Any:
        def put_image(
            self: Any,
            repository_name: str,
            image_manifest: str,
            image_tag: str,
            image_manifest_mediatype: str | None = None,
            digest: str | None = None,
        ) -> Any:
            computed = _manifest_digest(image_manifest)
            if digest and digest != computed:
                raise _ImageDigestDoesNotMatch(digest, computed)
            # moto keeps a digest it is given (PutImage is the only place it creates an image).
            return original(
                self, repository_name, image_manifest, image_tag, image_manifest_mediatype, computed
            )

        return put_image

    _wrap(ecr_models.ECRBackend, "put_image", make_put_image)


# =============================================================================


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

    _require(FakeBucket, "get_permission")

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


def patch_rds_unique_resource_ids() -> None:
    """aws_db_instance: give every instance its own DbiResourceId.

    moto 5.2.1 hard-codes one DbiResourceId for every DB instance. The
    provider reads an instance back by its resource id (filter
    dbi-resource-id), so as soon as a second instance exists (stage and prod
    in one emulator) it finds two and fails with "couldn't find resource".
    Derive a stable, distinct id from the instance's account, region and
    identifier, in AWS's shape (db- and 26 upper-case base32 characters).
    """
    import base64
    import hashlib

    _require(rds_models.DBInstance, "__init__")

    def make_wrapper(original: Any) -> Any:
        @functools.wraps(original)
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            seed = f"{self.account_id}/{self.region}/{self.db_instance_identifier}".encode()
            digest = base64.b32encode(hashlib.sha256(seed).digest()).decode()
            self.dbi_resource_id = f"db-{digest[:26]}"

        return __init__

    _wrap(rds_models.DBInstance, "__init__", make_wrapper)


def patch_ec2_group_rule_description() -> None:
    """aws_vpc_security_group_ingress_rule / _egress_rule referencing a group.

    DescribeSecurityGroupRules reports a rule's description from its CIDR
    range only; a rule whose source is another security group keeps its
    description with that group reference, so moto answers none and every
    plan wants to add the description again. Fall back to it.
    """
    from moto.ec2.models.security_groups import SecurityGroupRule

    original = _require(SecurityGroupRule, "description")

    def description(self: Any) -> str | None:
        return original.fget(self) or (self.source_group or {}).get("Description")

    SecurityGroupRule.description = property(description)


def patch_rds_performance_insights() -> None:
    """aws_db_instance with performance_insights_enabled = true.

    moto accepts EnablePerformanceInsights and its retention period on
    CreateDBInstance but never stores or returns them, so every plan wants
    to turn Performance Insights on again. Keep what was sent.
    """
    _require(rds_models.DBInstance, "__init__")

    def make_wrapper(original: Any) -> Any:
        @functools.wraps(original)
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            enabled = str(kwargs.get("enable_performance_insights", False)).lower() == "true"
            self.performance_insights_enabled = enabled
            if enabled:
                self.performance_insights_retention_period = int(
                    kwargs.get("performance_insights_retention_period") or 7
                )

        return __init__

    _wrap(rds_models.DBInstance, "__init__", make_wrapper)


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

    _wrap(ELBv2Backend, "delete_load_balancer", make_wrapper)


PATCHES: list[Callable[[], None]] = [
    check_iam_managed_policies,
    patch_appautoscaling_tags,
    patch_cloudfront_response_headers_policy,
    patch_cloudfront_origin_access_control_id,
    patch_cloudfront_forwarded_values,
    patch_cloudfront_ssl_support_method,
    patch_cloudfront_distribution_arn,
    patch_rds_parameter_source,
    patch_rds_reset_db_parameter_group,
    patch_ecs_service_create_fields,
    patch_ecr_image_digest,
    patch_s3_bucket_policy_evaluation,
    patch_rds_unique_resource_ids,
    patch_ec2_group_rule_description,
    patch_rds_performance_insights,
    patch_elbv2_deletion_protection,
    patch_cloudwatch_alarm_actions,
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
