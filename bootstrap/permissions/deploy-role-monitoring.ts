/**
 * Issue 14: the deploy role's statements for the alarm topics, their KMS keys and aliases, and the
 * us-east-1 alarm of CloudFront. Own names (`<project>-<env>-*`) in the two alarm regions; a key is
 * created only tagged with the environment and then managed only while it carries that tag. Alarms
 * and the dashboard in the project region are granted by name in deploy-role.ts (OwnAlarms, OwnDashboards).
 */
import type { PolicyStatement } from "../../lib/policy";
import { allow, allowInRegion, keysArn, notOtherEnvironments, type PermissionsContext, requestTagged, resourceTagged } from "./statements";

/** Regions an environment's alarm topics and keys live in: the project's, and us-east-1 for CloudFront's alarm. */
export function alarmRegions(region: string): string[] {
  return [...new Set([region, "us-east-1"])];
}

/** SNS actions Terraform takes on an alarm topic, its policy and its subscriptions (aws_sns_topic*). */
const ALARM_TOPIC_ACTIONS = [
  "sns:GetTopicAttributes",
  "sns:SetTopicAttributes",
  "sns:DeleteTopic",
  "sns:Subscribe",
  "sns:Unsubscribe",
  "sns:GetSubscriptionAttributes",
  "sns:SetSubscriptionAttributes",
  "sns:ListSubscriptionsByTopic",
  "sns:ListTagsForResource",
  "sns:TagResource",
  "sns:UntagResource",
];

/** KMS actions Terraform takes on an alarm topic's key once it exists (aws_kms_key, rotation, policy, tags). */
const ALARM_KEY_ACTIONS = [
  "kms:DescribeKey",
  "kms:GetKeyPolicy",
  "kms:PutKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:EnableKeyRotation",
  "kms:ListResourceTags",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateKeyDescription",
  "kms:ScheduleKeyDeletion",
  "kms:CreateAlias",
  "kms:DeleteAlias",
  "kms:UpdateAlias",
];

/** What Terraform does to the CloudFront alarm in us-east-1. */
const US_EAST_1_ALARM_ACTIONS = [
  "cloudwatch:PutMetricAlarm",
  "cloudwatch:DeleteAlarms",
  "cloudwatch:DescribeAlarms",
  "cloudwatch:ListTagsForResource",
  "cloudwatch:TagResource",
  "cloudwatch:UntagResource",
];

/** The statements of the file's head, for one environment. */
export function monitoringStatements(ctx: PermissionsContext, environment: string): PolicyStatement[] {
  const { naming, accountId, region } = ctx;
  const prefix = naming.prefix(environment);
  const regions = alarmRegions(region);
  const ownTopics = regions.map((r) => `arn:aws:sns:${r}:${accountId}:${prefix}-*`);
  const keyChanges = ALARM_KEY_ACTIONS.filter((a) => !/:(Describe|Get|List)/.test(a));
  return [
    allow("CreateAlarmTopics", ["sns:CreateTopic", "sns:TagResource"], ownTopics, requestTagged(environment)),
    allow("ManageAlarmTopics", ALARM_TOPIC_ACTIONS, ownTopics),
    // CreateKey names no key (AWS assigns the id), so "*": only with the environment's tag, in the alarm regions.
    allow("CreateAlarmKeys", ["kms:CreateKey", "kms:TagResource"], "*", {
      StringEquals: { "aws:RequestTag/Environment": environment, "aws:RequestedRegion": regions },
    }),
    allow(
      "ManageAlarmKeys",
      ALARM_KEY_ACTIONS,
      regions.map((r) => keysArn(accountId, r)),
      resourceTagged(environment),
    ),
    // An alias call is authorised on the alias and on its key (the key by ManageAlarmKeys, through its tag).
    allow(
      "AlarmKeyAliases",
      ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"],
      regions.map((r) => `arn:aws:kms:${r}:${accountId}:alias/${prefix}-*`),
    ),
    allow("CloudFrontAlarmsInUsEast1", US_EAST_1_ALARM_ACTIONS, `arn:aws:cloudwatch:us-east-1:${accountId}:alarm:${prefix}-*`),
    // DescribeAlarms names no alarm when Terraform lists them; read-only, us-east-1 only.
    allowInRegion("DescribeUsEast1Alarms", "cloudwatch:DescribeAlarms", "us-east-1"),
    // Key changes only: reading and using the bootstrap's state key (Environment "shared") must still work.
    notOtherEnvironments(environment, ["sns:*", ...keyChanges, "cloudwatch:*"], "AlarmResourcesNotOtherEnvironments"),
  ];
}
