"""RDS: parameter groups and DB instances.

moto gets wrong:
  * DescribeDBParameters returns parameters without Source="user" and ignores the Source filter, so
    every plan of an ``aws_db_parameter_group`` re-adds all its parameter blocks;
  * ResetDBParameterGroup is not implemented (HTTP 500), so removing a parameter block fails;
  * every ``aws_db_instance`` gets the same hard-coded DbiResourceId, so with two instances (stage
    and prod in one emulator) the provider's read by resource id finds two and fails;
  * Performance Insights settings sent on CreateDBInstance are neither stored nor returned.

What the patches make it answer: parameters set through the API as Source="user", with the Source
filter honoured; ResetDBParameterGroup forgetting the named (or all) parameters; a stable DbiResourceId
of AWS's shape distinct per account, region and identifier; and PerformanceInsightsEnabled and its
retention period as sent.
"""

from __future__ import annotations

import functools
from typing import Any

from moto.core.responses import ActionResult
from moto.rds import exceptions as rds_exceptions
from moto.rds import models as rds_models
from moto.rds import responses as rds_responses

from .patching import add, require, wrap


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
    require(resp_cls, "describe_db_parameters")

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

    wrap(pg_cls, "update_parameters", make_update)
    wrap(resp_cls, "describe_db_parameters", make_describe)


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

    require(rds_exceptions, "DBParameterGroupNotFoundError")
    add(resp_cls, "reset_db_parameter_group", reset_db_parameter_group)


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

    require(rds_models.DBInstance, "__init__")

    def make_wrapper(original: Any) -> Any:
        @functools.wraps(original)
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            seed = f"{self.account_id}/{self.region}/{self.db_instance_identifier}".encode()
            digest = base64.b32encode(hashlib.sha256(seed).digest()).decode()
            self.dbi_resource_id = f"db-{digest[:26]}"

        return __init__

    wrap(rds_models.DBInstance, "__init__", make_wrapper)


def patch_rds_performance_insights() -> None:
    """aws_db_instance with performance_insights_enabled = true.

    moto accepts EnablePerformanceInsights and its retention period on
    CreateDBInstance but never stores or returns them, so every plan wants
    to turn Performance Insights on again. Keep what was sent.
    """
    require(rds_models.DBInstance, "__init__")

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

    wrap(rds_models.DBInstance, "__init__", make_wrapper)
