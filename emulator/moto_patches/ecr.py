"""ECR: image digests.

moto gets wrong: it digests a pushed image as the hash of its concatenated layer digests (a random
one for a manifest without layers), not as ECR does, so the digest an ``aws_ecs_task_definition``
names its image by (``<repository url>@sha256:...``, what ``docker push`` printed) matches nothing.

What the patch makes it answer: an image's digest is the sha256 of its manifest bytes as pushed, and
a PutImage whose imageDigest differs is refused with ImageDigestDoesNotMatchException, as ECR does.
"""

from __future__ import annotations

from typing import Any

from moto.ecr import exceptions as ecr_exceptions
from moto.ecr import models as ecr_models

from .patching import require, wrap


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
    require(ecr_exceptions, "ServiceException")

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

    wrap(ecr_models.ECRBackend, "put_image", make_put_image)
