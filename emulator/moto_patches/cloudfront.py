"""CloudFront: response headers policies and distribution fields.

moto gets wrong:
  * it has no response headers policy API at all (404), so ``aws_cloudfront_response_headers_policy``
    cannot be created;
  * for ``aws_cloudfront_distribution`` it drops Origins[].OriginAccessControlId, invents
    ForwardedValues and ViewerCertificate.SSLSupportMethod the request never sent (each a drift on
    every plan), and builds the ARN with the region field filled (``arn:aws:cloudfront:ACCOUNT:...``).

What the patches make it answer: Create/Get/GetConfig/Update/Delete/List response headers policy
with the config returned exactly as sent; a distribution's config as sent (origin access control
kept, no invented forwarded values or SSL support method); and AWS's ARN form
``arn:aws:cloudfront::ACCOUNT:distribution/ID``.
"""

from __future__ import annotations

from typing import Any

from moto.cloudfront import exceptions as cf_exceptions
from moto.cloudfront import models as cf_models
from moto.cloudfront import responses as cf_responses
from moto.cloudfront import urls as cf_urls
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.moto_api._internal import mock_random

from .patching import PatchError, add, require, wrap


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
    url_paths = require(cf_urls, "url_paths")
    require(cf_models, "random_id")
    require(cf_exceptions, "InvalidIfMatchVersion")

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
        add(backend_cls, func.__name__, func)

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

    add(resp_cls, "create_response_headers_policy", r_create)
    add(resp_cls, "get_response_headers_policy", r_get)
    add(resp_cls, "get_response_headers_policy_config", r_get_config)
    add(resp_cls, "update_response_headers_policy", r_update)
    add(resp_cls, "delete_response_headers_policy", r_delete)
    add(resp_cls, "list_response_headers_policies", r_list)


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

    wrap(cf_models.Origin, "__init__", make)


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

    require(cf_models.DefaultCacheBehaviour(
        {"TargetOriginId": "x", "ViewerProtocolPolicy": "allow-all"}
    ), "forwarded_values")
    wrap(cf_models.DefaultCacheBehaviour, "__init__", make)


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

    require(cf_models.ViewerCertificate({}), "ssl_support_method")
    wrap(cf_models.ViewerCertificate, "__init__", make)


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

    wrap(cf_models.Distribution, "__init__", make)
