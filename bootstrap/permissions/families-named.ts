/**
 * The families granted on the environment's own resources by name or tag rather than on the project
 * region (DESIGN.md "Permissions: declared where resources are made"), in the shape of families.ts:
 * log groups, ECR repositories, CloudFront and CloudWatch alarms and dashboards. The deploy role, the
 * plan and drift roles and the workload boundary are assembled from these lists; narrowing one is one
 * change here. Where a deploy-role statement has always listed a family's reads among its changes, the
 * list keeps that order (so the synthesized policy stays the same) and says so.
 */
import type { ResourceFamily } from "./families";

/**
 * The environment's log groups (aws_cloudwatch_log_group: create, tag, retention, KMS, delete), granted
 * on their names only (Naming.logGroupArns). Not `logs:*`: that held the account-wide policies
 * (ACCOUNT_LEVEL_LOGS_ACTIONS) and every other environment's log groups, including those AWS creates untagged.
 */
export const LOG_GROUP_FAMILY: ResourceFamily = {
  name: "log groups",
  resources: ["aws_cloudwatch_log_group"],
  changes: [
    "logs:CreateLogGroup",
    "logs:DeleteLogGroup",
    "logs:PutRetentionPolicy",
    "logs:DeleteRetentionPolicy",
    "logs:AssociateKmsKey",
    "logs:DisassociateKmsKey",
    "logs:TagResource",
    "logs:UntagResource",
    "logs:TagLogGroup",
    "logs:UntagLogGroup",
  ],
  reads: ["logs:ListTagsForResource", "logs:ListTagsLogGroup", "logs:DescribeLogStreams"],
  lists: ["logs:DescribeLogGroups"],
  planReads: ["logs:Describe*", "logs:ListTagsForResource", "logs:ListTagsLogGroup"],
  runtime: {
    actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
    reason: "the tasks write their logs to the environment's log groups",
  },
};

/**
 * The environment's ECR repository and its lifecycle policy (aws_ecr_repository, aws_ecr_lifecycle_policy),
 * and a push and a pull. No repository policy: one could let another account push into it.
 */
export const REPOSITORY_FAMILY: ResourceFamily = {
  name: "container repository",
  resources: ["aws_ecr_repository", "aws_ecr_lifecycle_policy"],
  // With the reads of its own repository among them, in the order of the deploy role's OwnRepositories statement.
  changes: [
    "ecr:CreateRepository",
    "ecr:DeleteRepository",
    "ecr:DescribeRepositories",
    "ecr:ListTagsForResource",
    "ecr:TagResource",
    "ecr:UntagResource",
    "ecr:PutImageScanningConfiguration",
    "ecr:PutImageTagMutability",
    "ecr:PutLifecyclePolicy",
    "ecr:GetLifecyclePolicy",
    "ecr:DeleteLifecyclePolicy",
    "ecr:DescribeImages",
    "ecr:ListImages",
    "ecr:BatchGetImage",
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
  ],
  reads: [],
  // A registry login names no repository (IAM accepts only "*").
  lists: ["ecr:GetAuthorizationToken"],
  planReads: ["ecr:Describe*", "ecr:List*", "ecr:GetLifecyclePolicy", "ecr:GetRepositoryPolicy"],
  runtime: {
    actions: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
    reason: "the tasks pull their image from the environment's repository",
  },
};

/**
 * CloudWatch alarms in the project region, by their names (`<prefix>-*`, and the service's
 * target-tracking alarms `TargetTracking-service/<prefix>/*`).
 */
export const ALARM_FAMILY: ResourceFamily = {
  name: "alarms",
  resources: ["aws_cloudwatch_metric_alarm"],
  // With the reads of its own alarms among them, in the order of the deploy role's OwnAlarms statement.
  changes: [
    "cloudwatch:PutMetricAlarm",
    "cloudwatch:DeleteAlarms",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:EnableAlarmActions",
    "cloudwatch:DisableAlarmActions",
    "cloudwatch:ListTagsForResource",
    "cloudwatch:TagResource",
    "cloudwatch:UntagResource",
  ],
  reads: [],
  // Alarms' and dashboards' lists accept only "*" (no alarm or dashboard named): one statement, in this order.
  lists: ["cloudwatch:DescribeAlarms", "cloudwatch:ListDashboards", "cloudwatch:DescribeAlarmsForMetric"],
  planReads: ["cloudwatch:Describe*", "cloudwatch:ListTagsForResource"],
};

/** The dashboard, by its name (`<prefix>-*`): a dashboard takes no tag, so its name is its only fence. */
export const DASHBOARD_FAMILY: ResourceFamily = {
  name: "dashboard",
  resources: ["aws_cloudwatch_dashboard"],
  // With the read of its own dashboard among them, in the order of the deploy role's OwnDashboards statement.
  changes: ["cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"],
  reads: [],
  planReads: ["cloudwatch:GetDashboard", "cloudwatch:ListDashboards"],
};

/**
 * The static site's CloudFront distributions, by the Environment tag (deploy-role-cloudfront.ts holds the
 * untaggable objects beside them, whose grants differ by account layout).
 */
export const DISTRIBUTION_FAMILY: ResourceFamily = {
  name: "distributions",
  resources: ["aws_cloudfront_distribution"],
  // With the reads of its own distributions among them, in the order of the deploy role's OwnDistributions statement.
  changes: [
    "cloudfront:UpdateDistribution",
    "cloudfront:DeleteDistribution",
    "cloudfront:GetDistribution",
    "cloudfront:GetDistributionConfig",
    "cloudfront:TagResource",
    "cloudfront:UntagResource",
    "cloudfront:ListTagsForResource",
    "cloudfront:CreateInvalidation",
    "cloudfront:GetInvalidation",
    "cloudfront:ListInvalidations",
  ],
  reads: [],
  // CloudFront's list actions accept only "*" and reveal names and ids, not contents.
  lists: [
    "cloudfront:ListDistributions",
    "cloudfront:ListOriginAccessControls",
    "cloudfront:ListResponseHeadersPolicies",
    "cloudfront:ListCachePolicies",
  ],
  planReads: ["cloudfront:Get*", "cloudfront:List*"],
};

/** The alarm topics, their policy and subscriptions (aws_sns_topic*), by name (`<prefix>-*`) in the alarm regions. */
export const ALARM_TOPIC_FAMILY: ResourceFamily = {
  name: "alarm topics",
  resources: ["aws_sns_topic", "aws_sns_topic_policy", "aws_sns_topic_subscription"],
  // With the reads of its own topics among them, in the order of the deploy role's ManageAlarmTopics statement.
  changes: [
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
  ],
  reads: [],
  planReads: ["sns:GetTopicAttributes", "sns:GetSubscriptionAttributes", "sns:ListSubscriptionsByTopic", "sns:ListTagsForResource"],
};

/** An alarm topic's key once it exists (aws_kms_key, rotation, policy, tags, alias), by the Environment tag. */
export const ALARM_KEY_FAMILY: ResourceFamily = {
  name: "alarm keys",
  resources: ["aws_kms_key", "aws_kms_alias"],
  // With the reads of its own keys among them, in the order of the deploy role's ManageAlarmKeys statement.
  changes: [
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
  ],
  reads: [],
  planReads: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListResourceTags"],
};
