"""CloudWatch: alarm actions.

moto gets wrong: SetAlarmState records an ``aws_cloudwatch_metric_alarm``'s new state and does
nothing else, so an alarm never reaches its SNS topic.

What the patch makes it answer: on a change to ALARM (OK), the alarm publishes AWS's JSON state-change
message to every SNS topic of its alarm_actions (ok_actions), through moto's own SNS backend in the
topic's region, so a subscriber receives it. Other action types are left alone.
"""

from __future__ import annotations

import json
from typing import Any

from moto.cloudwatch import models as cw_models

from .patching import wrap


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

    wrap(cw_models.Alarm, "update_state", make)
