"""SQS: the redrive policy's JSON text.

moto gets wrong: GetQueueAttributes returns RedrivePolicy as ``json.dumps`` writes it, with a space
after every separator; SQS returns it compact (``{"deadLetterTargetArn":"...","maxReceiveCount":5}``).
The AWS provider compares that text with the configured policy, so every plan after an apply of an
``aws_sqs_queue`` with a ``redrive_policy`` shows an in-place update ("whitespace changes").

What the patch makes it answer: the redrive policy as compact JSON, as SQS does.
"""

from __future__ import annotations

import json
from typing import Any

from moto.sqs import models as sqs_models

from .patching import PatchError, require


def patch_sqs_redrive_policy_json() -> None:
    """aws_sqs_queue with redrive_policy: no drift after apply."""
    queue = require(sqs_models, "Queue")
    moto_attributes = queue.__dict__.get("attributes")
    if not isinstance(moto_attributes, property):
        raise PatchError("moto_server.py: moto.sqs Queue.attributes is not a property; patch needs updating")

    def attributes(self: Any) -> dict[str, Any]:
        result = moto_attributes.fget(self)
        if self.redrive_policy:
            result["RedrivePolicy"] = json.dumps(self.redrive_policy, separators=(",", ":"))
        return result

    queue.attributes = property(attributes)
