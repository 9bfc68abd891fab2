"""Application Auto Scaling: tags of scalable targets.

moto gets wrong: moto 5.2.1 has no tagging API for Application Auto Scaling, so the provider's read
of an ``aws_appautoscaling_target`` (it lists the tags of the target's ARN) gets HTTP 500 and the
apply fails.

What the patch makes it answer: ListTagsForResource, TagResource and UntagResource on a registered
target's ARN (ResourceNotFoundException for any other ARN), with tags sent on
RegisterScalableTarget stored too and dropped on deregistration.
"""

from __future__ import annotations

import json
from typing import Any

from moto.applicationautoscaling import responses as aas_responses
from moto.core.exceptions import JsonRESTError

from .patching import add, require, wrap


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
    require(resp_cls, "applicationautoscaling_backend")

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

    wrap(resp_cls, "register_scalable_target", register_wrapper)
    wrap(resp_cls, "deregister_scalable_target", deregister_wrapper)
    add(resp_cls, "list_tags_for_resource", list_tags_for_resource)
    add(resp_cls, "tag_resource", tag_resource)
    add(resp_cls, "untag_resource", untag_resource)
