import type { Naming } from "../config/naming";
import type { AuditExemption } from "../lib/audit-exemptions";
import { type PolicyStatement, policyJson } from "../lib/policy";

export interface PermissionsContext {
  readonly naming: Naming;
  readonly accountId: string;
  readonly region: string;
  /** ARN of the state bucket's KMS key. */
  readonly stateKeyArn: string;
}

/** The lock-table items the S3 backend writes for one state key: the lock and the digest. */
export function lockItemKeys(naming: Naming, stack: string): string[] {
  const path = `${naming.stateBucket}/${naming.stateKey(stack)}`;
  return [path, `${path}-md5`];
}

/** What any role needs to read and write state objects encrypted with the state key. */
function stateKeyUse(ctx: PermissionsContext): PolicyStatement {
  return {
    Sid: "UseStateKey",
    Effect: "Allow",
    Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
    Resource: ctx.stateKeyArn,
  };
}

/** Denies the actions on anything tagged for another environment (untagged resources are not matched). */
function notOtherEnvironments(environment: string, actions: string[]): PolicyStatement {
  return {
    Sid: "NotOtherEnvironments",
    Effect: "Deny",
    Action: actions,
    Resource: "*",
    Condition: {
      StringNotEquals: { "aws:ResourceTag/Environment": environment },
      Null: { "aws:ResourceTag/Environment": "false" },
    },
  };
}

/**
 * Regional services an environment stack manages (network, containers, load balancer, database,
 * logs, autoscaling). Granted service by service, never `*`, and only in the project's region.
 */
const REGIONAL_SERVICES = ["ec2:*", "elasticloadbalancing:*", "ecs:*", "rds:*", "application-autoscaling:*", "cloudwatch:*"];

/**
 * What Terraform needs on an environment's own log groups (aws_cloudwatch_log_group: create, tag,
 * retention, KMS, delete), granted on their names only (Naming.logGroupArns: `/ecs/<prefix>/*`,
 * `/vpc/<prefix>/*`, `/aws/rds/instance/<prefix>-db/*`, `/aws/ecs/containerinsights/<prefix>/*`).
 * Not `logs:*`: that held the account-wide policies below and every other environment's log groups,
 * including those AWS creates untagged.
 */
const LOG_GROUP_ACTIONS = [
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
  "logs:ListTagsForResource",
  "logs:ListTagsLogGroup",
  "logs:DescribeLogStreams",
];

/**
 * CloudWatch Logs actions that act on the whole account or send logs out of it: account policies
 * (subscription filters and data protection for every log group), destinations and resource
 * policies (who else may write or receive logs), subscription filters and log deliveries (stream a
 * log group, or a VPC's flow logs to S3 or Firehose, anywhere). Denied to every deploy role.
 */
export const ACCOUNT_LEVEL_LOGS_ACTIONS = [
  "logs:PutAccountPolicy",
  "logs:DeleteAccountPolicy",
  "logs:PutDataProtectionPolicy",
  "logs:DeleteDataProtectionPolicy",
  "logs:PutDestination",
  "logs:PutDestinationPolicy",
  "logs:DeleteDestination",
  "logs:PutResourcePolicy",
  "logs:DeleteResourcePolicy",
  "logs:PutSubscriptionFilter",
  "logs:DeleteSubscriptionFilter",
  "logs:CreateLogDelivery",
  "logs:UpdateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:PutDeliveryDestination",
  "logs:PutDeliveryDestinationPolicy",
  "logs:PutDeliverySource",
  "logs:CreateDelivery",
  "logs:PutIndexPolicy",
  "logs:PutTransformer",
];

/**
 * Settings that hold for the whole account and region, not for one environment: ECS account
 * settings, EC2 defaults (EBS encryption and its key, serial console, public AMI and snapshot
 * sharing, instance metadata defaults, id formats). Denied to every deploy role: an administrator
 * sets them once. (ECR's registry-level settings are in ECR_DENIED_ACTIONS; flow logs to S3 or
 * Firehose need logs:CreateLogDelivery, denied with ACCOUNT_LEVEL_LOGS_ACTIONS.)
 */
export const ACCOUNT_LEVEL_SETTINGS_ACTIONS = [
  "ecs:PutAccountSetting",
  "ecs:PutAccountSettingDefault",
  "ecs:DeleteAccountSetting",
  "ec2:EnableEbsEncryptionByDefault",
  "ec2:DisableEbsEncryptionByDefault",
  "ec2:ModifyEbsDefaultKmsKeyId",
  "ec2:ResetEbsDefaultKmsKeyId",
  "ec2:EnableSerialConsoleAccess",
  "ec2:DisableSerialConsoleAccess",
  "ec2:EnableImageBlockPublicAccess",
  "ec2:DisableImageBlockPublicAccess",
  "ec2:EnableSnapshotBlockPublicAccess",
  "ec2:DisableSnapshotBlockPublicAccess",
  "ec2:ModifyInstanceMetadataDefaults",
  "ec2:EnableAllowedImagesSettings",
  "ec2:DisableAllowedImagesSettings",
  "ec2:ReplaceImageCriteriaInAllowedImagesSettings",
  "ec2:ModifyIdFormat",
  "ec2:ModifyIdentityIdFormat",
  "ec2:EnableAwsNetworkPerformanceMetricSubscription",
  "ec2:DisableAwsNetworkPerformanceMetricSubscription",
  "rds:ModifyCertificates",
];

/**
 * What Terraform needs to create, read, update, tag and delete an environment's ECR repositories and
 * their lifecycle policies (aws_ecr_repository, aws_ecr_lifecycle_policy), and what a push and a pull
 * need. No repository policy: a repository policy could let another account push into it.
 */
const ECR_REPOSITORY_ACTIONS = [
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
];

/**
 * ECR actions no deploy role may take, on any repository or on the registry: they decide who else
 * may push or pull (repository and registry policies), copy images in from elsewhere (replication,
 * pull-through cache, creation templates) or weaken scanning for the whole account.
 */
const ECR_DENIED_ACTIONS = [
  "ecr:SetRepositoryPolicy",
  "ecr:DeleteRepositoryPolicy",
  "ecr:PutRegistryPolicy",
  "ecr:DeleteRegistryPolicy",
  "ecr:PutReplicationConfiguration",
  "ecr:PutRegistryScanningConfiguration",
  "ecr:CreatePullThroughCacheRule",
  "ecr:UpdatePullThroughCacheRule",
  "ecr:DeletePullThroughCacheRule",
  "ecr:CreateRepositoryCreationTemplate",
  "ecr:UpdateRepositoryCreationTemplate",
  "ecr:DeleteRepositoryCreationTemplate",
  "ecr:PutAccountSetting",
];

/**
 * CloudFront: distributions are taggable, and IAM evaluates aws:ResourceTag and aws:RequestTag on
 * the distribution resource, so the deploy role may create only distributions tagged for its
 * environment and change only those. Origin access controls, response headers policies and cache
 * policies cannot be tagged, and their ARNs hold an id AWS assigns at creation (not the name), with
 * no condition key for the name: IAM cannot tell one environment's from another's. The role may
 * create them (named `<project>-<env>-...` by the constructs), read and list them, and delete them
 * (CloudFront refuses to delete one a distribution still uses); changing one in place is granted only
 * where the account hosts this environment alone (ExclusiveAccount) and is denied otherwise, so in
 * a shared account stage can never rewrite prod's origin signing or security headers.
 */
const CLOUDFRONT_DISTRIBUTION_ACTIONS = [
  "cloudfront:CreateDistribution",
  "cloudfront:CreateDistributionWithTags",
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
];
const CLOUDFRONT_UNTAGGABLE_CREATE_READ_DELETE = [
  "cloudfront:CreateOriginAccessControl",
  "cloudfront:GetOriginAccessControl",
  "cloudfront:GetOriginAccessControlConfig",
  "cloudfront:DeleteOriginAccessControl",
  "cloudfront:CreateResponseHeadersPolicy",
  "cloudfront:GetResponseHeadersPolicy",
  "cloudfront:GetResponseHeadersPolicyConfig",
  "cloudfront:DeleteResponseHeadersPolicy",
  "cloudfront:GetCachePolicy",
  "cloudfront:GetCachePolicyConfig",
];
export const CLOUDFRONT_UNTAGGABLE_UPDATES = [
  "cloudfront:UpdateOriginAccessControl",
  "cloudfront:UpdateResponseHeadersPolicy",
  "cloudfront:UpdateCachePolicy",
  "cloudfront:DeleteCachePolicy",
];
/** CloudFront's list actions accept only "*" and reveal names and ids, not contents. */
const CLOUDFRONT_LIST_ACTIONS = [
  "cloudfront:ListDistributions",
  "cloudfront:ListOriginAccessControls",
  "cloudfront:ListResponseHeadersPolicies",
  "cloudfront:ListCachePolicies",
];

export interface DeployRoleOptions {
  /**
   * The account hosts this environment alone (an account per environment): no other environment's
   * untaggable CloudFront objects can be in it, so updating them in place is granted.
   * @default false - a shared account: such updates are denied
   */
  readonly exclusiveAccount?: boolean;
}

/** The environment's log groups (see LOG_GROUP_ACTIONS): create, configure, tag and delete. */
function ownLogGroups(ctx: PermissionsContext, environment: string): PolicyStatement {
  return { Sid: "OwnLogGroups", Effect: "Allow", Action: LOG_GROUP_ACTIONS, Resource: ctx.naming.logGroupArns(environment, ctx.region) };
}

/**
 * The deploy role of one environment: its own state and lock entries only, and the resources of
 * its own environment (IAM roles and buckets by name prefix; other resources by region, with a deny
 * on anything tagged for another environment). It cannot read database secrets.
 */
export function deployRolePolicy(ctx: PermissionsContext, environment: string, options: DeployRoleOptions = {}): string {
  const { naming, accountId, region } = ctx;
  const statePrefix = `${naming.stateBucketArn}/${environment}/*`;
  // By path, not name prefix: `role/acme-stage-*` would also match the roles of a project named acme-stage.
  const ownRoles = naming.workloadRolesArn(environment);
  const ownBuckets = [naming.siteBucket(environment), naming.albLogBucket(environment)];
  const boundary = naming.workloadBoundaryArn(environment);
  const cloudfront = (type: string) => `arn:aws:cloudfront::${accountId}:${type}/*`;
  return policyJson(
    {
      Sid: "OwnStateObjects",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: statePrefix,
    },
    { Sid: "ListStateBucket", Effect: "Allow", Action: "s3:ListBucket", Resource: naming.stateBucketArn },
    {
      Sid: "OwnLockEntries",
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
      Resource: naming.lockTableArn,
      Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": lockItemKeys(naming, environment) } },
    },
    stateKeyUse(ctx),
    {
      Sid: "RegionalInfrastructure",
      Effect: "Allow",
      Action: REGIONAL_SERVICES,
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": region } },
    },
    {
      Sid: "OwnRepositories",
      Effect: "Allow",
      Action: ECR_REPOSITORY_ACTIONS,
      Resource: `arn:aws:ecr:${region}:${accountId}:repository/${naming.repositoryName(environment)}`,
    },
    {
      Sid: "RegistryLogin",
      Effect: "Allow",
      Action: "ecr:GetAuthorizationToken",
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": region } },
    },
    { Sid: "NoRepositoryOrRegistryPolicies", Effect: "Deny", Action: ECR_DENIED_ACTIONS, Resource: "*" },
    notOtherEnvironments(environment, [...REGIONAL_SERVICES, "logs:*", "ecr:*", "cloudfront:*", "secretsmanager:*"]),
    ownLogGroups(ctx, environment),
    {
      Sid: "ListLogGroups",
      Effect: "Allow",
      Action: "logs:DescribeLogGroups",
      Resource: `arn:aws:logs:${region}:${accountId}:log-group:*`,
    },
    { Sid: "NoAccountLevelLogs", Effect: "Deny", Action: ACCOUNT_LEVEL_LOGS_ACTIONS, Resource: "*" },
    { Sid: "NoAccountLevelSettings", Effect: "Deny", Action: ACCOUNT_LEVEL_SETTINGS_ACTIONS, Resource: "*" },
    {
      Sid: "OwnRoles",
      Effect: "Allow",
      Action: [
        "iam:GetRole",
        "iam:DeleteRole",
        "iam:UpdateRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:ListRoleTags",
        "iam:GetRolePolicy",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
      ],
      Resource: ownRoles,
    },
    {
      // Only to the services the environment's roles are for: a role passed elsewhere would act for another service.
      Sid: "PassOwnRolesToServices",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: ownRoles,
      Condition: { StringEquals: { "iam:PassedToService": WORKLOAD_SERVICE_PRINCIPALS } },
    },
    {
      // Without this fence the role could create a role with any policy, trust itself in it and
      // assume it. Every role it creates or writes a policy into carries the environment's boundary,
      // so no role it makes can do more than the boundary allows.
      Sid: "OwnRolesWithinBoundary",
      Effect: "Allow",
      Action: ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary"],
      Resource: ownRoles,
      Condition: { StringEquals: { "iam:PermissionsBoundary": boundary } },
    },
    { Sid: "KeepBoundaries", Effect: "Deny", Action: "iam:DeleteRolePermissionsBoundary", Resource: "*" },
    {
      // Its own name matches its environment's prefix: it may not rewrite its own trust or policy.
      Sid: "NotItself",
      Effect: "Deny",
      Action: "iam:*",
      Resource: naming.roleArn(naming.deployRoleName(environment)),
    },
    {
      Sid: "ServiceLinkedRoles",
      Effect: "Allow",
      Action: "iam:CreateServiceLinkedRole",
      Resource: `arn:aws:iam::${accountId}:role/aws-service-role/*`,
      Condition: {
        StringEquals: {
          "iam:AWSServiceName": [
            "ecs.amazonaws.com",
            "elasticloadbalancing.amazonaws.com",
            "rds.amazonaws.com",
            "ecs.application-autoscaling.amazonaws.com",
          ],
        },
      },
    },
    {
      // By exact name: `<prefix>-*` would also match another project's buckets (project acme-stage).
      Sid: "OwnBuckets",
      Effect: "Allow",
      Action: "s3:*",
      Resource: ownBuckets.flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]),
    },
    {
      Sid: "CreateOwnDistributions",
      Effect: "Allow",
      Action: ["cloudfront:CreateDistribution", "cloudfront:CreateDistributionWithTags", "cloudfront:TagResource"],
      Resource: cloudfront("distribution"),
      Condition: { StringEquals: { "aws:RequestTag/Environment": environment } },
    },
    {
      Sid: "OwnDistributions",
      Effect: "Allow",
      Action: CLOUDFRONT_DISTRIBUTION_ACTIONS,
      Resource: cloudfront("distribution"),
      Condition: { StringEquals: { "aws:ResourceTag/Environment": environment } },
    },
    {
      Sid: "UntaggableSiteObjects",
      Effect: "Allow",
      Action: CLOUDFRONT_UNTAGGABLE_CREATE_READ_DELETE,
      Resource: [cloudfront("origin-access-control"), cloudfront("response-headers-policy"), cloudfront("cache-policy")],
    },
    options.exclusiveAccount
      ? {
          Sid: "ExclusiveAccountUntaggableUpdates",
          Effect: "Allow",
          Action: CLOUDFRONT_UNTAGGABLE_UPDATES,
          Resource: [cloudfront("origin-access-control"), cloudfront("response-headers-policy"), cloudfront("cache-policy")],
        }
      : { Sid: "SharedAccountNoUntaggableUpdates", Effect: "Deny", Action: CLOUDFRONT_UNTAGGABLE_UPDATES, Resource: "*" },
    { Sid: "ListSiteObjects", Effect: "Allow", Action: CLOUDFRONT_LIST_ACTIONS, Resource: "*" },
    {
      Sid: "ReadCertificates",
      Effect: "Allow",
      Action: ["acm:DescribeCertificate", "acm:ListCertificates", "acm:ListTagsForCertificate"],
      Resource: "*",
    },
    {
      // RDS creates the master-password secret in the caller's name; the role never reads its value.
      Sid: "DatabaseManagedSecret",
      Effect: "Allow",
      Action: ["secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:DescribeSecret"],
      Resource: `arn:aws:secretsmanager:${region}:${accountId}:secret:rds!*`,
    },
    {
      // RDS and Secrets Manager use AWS-managed keys whose ids are not known ahead; grants may only
      // be made for AWS services acting on the caller's behalf, never to a principal of its choosing.
      Sid: "AwsManagedKeys",
      Effect: "Allow",
      Action: "kms:CreateGrant",
      Resource: "*",
      Condition: {
        StringEquals: { "aws:RequestedRegion": region },
        Bool: { "kms:GrantIsForAWSResource": "true" },
      },
    },
    {
      Sid: "DescribeKeys",
      Effect: "Allow",
      Action: ["kms:DescribeKey", "kms:ListAliases"],
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": region } },
    },
    { Sid: "WhoAmI", Effect: "Allow", Action: "sts:GetCallerIdentity", Resource: "*" },
    ...monitoringStatements(ctx, environment),
  );
}

/** The AWS services an environment's roles are for: the only principals they trust and the only services they are passed to. */
export const WORKLOAD_SERVICE_PRINCIPALS = ["ecs-tasks.amazonaws.com", "vpc-flow-logs.amazonaws.com"];

/** Regions an environment's alarm topics and keys live in: the project's, and us-east-1 for CloudFront's alarm. */
function alarmRegions(region: string): string[] {
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

/**
 * Issue 14: the alarm topics, their KMS keys and aliases, and the us-east-1 alarm of CloudFront. Own
 * names (`<project>-<env>-*`) in the two alarm regions; a key is created only tagged with the
 * environment and then managed only while it carries that tag. Alarms and dashboards in the project
 * region are already covered by `cloudwatch:*` (RegionalInfrastructure).
 */
function monitoringStatements(ctx: PermissionsContext, environment: string): PolicyStatement[] {
  const { naming, accountId, region } = ctx;
  const prefix = naming.prefix(environment);
  const regions = alarmRegions(region);
  const ownTopics = regions.map((r) => `arn:aws:sns:${r}:${accountId}:${prefix}-*`);
  return [
    {
      Sid: "CreateAlarmTopics",
      Effect: "Allow",
      Action: ["sns:CreateTopic", "sns:TagResource"],
      Resource: ownTopics,
      Condition: { StringEquals: { "aws:RequestTag/Environment": environment } },
    },
    { Sid: "ManageAlarmTopics", Effect: "Allow", Action: ALARM_TOPIC_ACTIONS, Resource: ownTopics },
    {
      // CreateKey names no key (AWS assigns the id), so "*": only with the environment's tag, in the alarm regions.
      Sid: "CreateAlarmKeys",
      Effect: "Allow",
      Action: ["kms:CreateKey", "kms:TagResource"],
      Resource: "*",
      Condition: {
        StringEquals: { "aws:RequestTag/Environment": environment, "aws:RequestedRegion": regions },
      },
    },
    {
      Sid: "ManageAlarmKeys",
      Effect: "Allow",
      Action: ALARM_KEY_ACTIONS,
      Resource: regions.map((r) => `arn:aws:kms:${r}:${accountId}:key/*`),
      Condition: { StringEquals: { "aws:ResourceTag/Environment": environment } },
    },
    {
      // An alias call is authorised on the alias and on its key (the key by ManageAlarmKeys, through its tag).
      Sid: "AlarmKeyAliases",
      Effect: "Allow",
      Action: ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"],
      Resource: regions.map((r) => `arn:aws:kms:${r}:${accountId}:alias/${prefix}-*`),
    },
    {
      Sid: "CloudFrontAlarmsInUsEast1",
      Effect: "Allow",
      Action: [
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:DeleteAlarms",
        "cloudwatch:DescribeAlarms",
        "cloudwatch:ListTagsForResource",
        "cloudwatch:TagResource",
        "cloudwatch:UntagResource",
      ],
      Resource: `arn:aws:cloudwatch:us-east-1:${accountId}:alarm:${prefix}-*`,
    },
    {
      // DescribeAlarms names no alarm when Terraform lists them; read-only, us-east-1 only.
      Sid: "DescribeUsEast1Alarms",
      Effect: "Allow",
      Action: "cloudwatch:DescribeAlarms",
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } },
    },
    {
      // Key changes only: reading and using the bootstrap's state key (Environment "shared") must still work.
      Sid: "AlarmResourcesNotOtherEnvironments",
      Effect: "Deny",
      Action: ["sns:*", ...ALARM_KEY_ACTIONS.filter((a) => !/:(Describe|Get|List)/.test(a)), "cloudwatch:*"],
      Resource: "*",
      Condition: {
        StringNotEquals: { "aws:ResourceTag/Environment": environment },
        Null: { "aws:ResourceTag/Environment": "false" },
      },
    },
  ];
}

/**
 * Workload actions on resources that carry no tag or have no resource at all, and why each is safe
 * without one: the documented exceptions to the boundary's positive fence. Each is still limited to
 * the project's region.
 */
export const WORKLOAD_UNTAGGABLE_EXCEPTIONS: readonly { readonly actions: readonly string[]; readonly reason: string }[] = [
  {
    actions: ["ecr:GetAuthorizationToken"],
    reason: 'names no repository (IAM accepts only "*"); pulls are fenced to the environment\'s repository',
  },
  { actions: ["logs:DescribeLogGroups"], reason: "lists log group names; writing is fenced to the environment's log groups" },
  { actions: ["cloudwatch:PutMetricData"], reason: "custom metrics have no resource ARN" },
  { actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], reason: "X-Ray trace ingestion has no resource ARN" },
  {
    actions: [
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ],
    reason: "ECS Exec channels have no resource ARN; the task they open into is the role's own",
  },
];

/** Data-plane actions on resources tagged for the environment (secrets, parameters). */
const WORKLOAD_TAGGED_ACTIONS = [
  "secretsmanager:GetSecretValue",
  "secretsmanager:DescribeSecret",
  "ssm:GetParameter",
  "ssm:GetParameters",
  "ssm:GetParametersByPath",
];

/**
 * The permissions boundary of every role an environment stack creates (see OwnRolesWithinBoundary):
 * a positive fence. It allows only the environment's own resources, in the environment's account
 * and the project's region: by exact name where the construct names them (its ECR repository, its
 * log groups, its buckets), by the Environment tag otherwise, and the RDS-managed secret of its own
 * database by the tag RDS puts on it; plus the untaggable exceptions above. Anything untagged or
 * tagged for another environment is outside it. No IAM or STS at all. A boundary grants nothing by
 * itself; a role's own policy still has to allow each action. Widen it when the application needs
 * another AWS service.
 */
export function workloadBoundaryPolicy(ctx: PermissionsContext, environment: string): string {
  const { naming, accountId, region } = ctx;
  const buckets = [naming.siteBucket(environment), naming.albLogBucket(environment)];
  const inAccountAndRegion = { "aws:ResourceAccount": accountId, "aws:RequestedRegion": region };
  return policyJson(
    {
      Sid: "OwnRepositoryPulls",
      Effect: "Allow",
      Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
      Resource: `arn:aws:ecr:${region}:${accountId}:repository/${naming.repositoryName(environment)}`,
    },
    {
      Sid: "OwnLogGroups",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      Resource: naming.logGroupArns(environment, region),
    },
    {
      Sid: "OwnBuckets",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
      Resource: buckets.flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]),
    },
    {
      Sid: "OwnTaggedResources",
      Effect: "Allow",
      Action: WORKLOAD_TAGGED_ACTIONS,
      Resource: "*",
      Condition: { StringEquals: { ...inAccountAndRegion, "aws:ResourceTag/Environment": environment } },
    },
    {
      // RDS creates and tags the master-user secret itself, without the provider's default tags.
      Sid: "OwnDatabaseSecret",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
      Resource: `arn:aws:secretsmanager:${region}:${accountId}:secret:rds!*`,
      Condition: {
        StringEquals: {
          "aws:ResourceTag/aws:rds:primaryDBInstanceArn": `arn:aws:rds:${region}:${accountId}:db:${naming.prefix(environment)}-db`,
        },
      },
    },
    {
      // The AWS-managed keys of Secrets Manager and SSM, used on the role's behalf by those services only.
      Sid: "DecryptThroughServices",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: `arn:aws:kms:${region}:${accountId}:key/*`,
      Condition: { StringEquals: { "kms:ViaService": [`secretsmanager.${region}.amazonaws.com`, `ssm.${region}.amazonaws.com`] } },
    },
    {
      Sid: "UntaggableExceptions",
      Effect: "Allow",
      Action: WORKLOAD_UNTAGGABLE_EXCEPTIONS.flatMap((e) => e.actions),
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": region } },
    },
    notOtherEnvironments(environment, [
      ...WORKLOAD_TAGGED_ACTIONS,
      ...WORKLOAD_UNTAGGABLE_EXCEPTIONS.flatMap((e) => e.actions),
      "s3:*",
      "logs:*",
      "ecr:*",
      "kms:*",
    ]),
  );
}

/** Statements of the workload boundary on "*", and why (audit rule IAM-NO-WILDCARD-RESOURCE). */
export const WORKLOAD_BOUNDARY_EXEMPTIONS: readonly AuditExemption[] = [
  {
    rule: "IAM-NO-WILDCARD-RESOURCE",
    findings: ["OwnTaggedResources"],
    reason:
      "secrets and parameters the application reads, named by AWS or the application: allowed only when tagged for this environment, in its account and the project region",
  },
  {
    rule: "IAM-NO-WILDCARD-RESOURCE",
    findings: ["UntaggableExceptions"],
    reason: "actions with no resource ARN (WORKLOAD_UNTAGGABLE_EXCEPTIONS lists each with its reason), in the project region",
  },
  {
    rule: "IAM-BOUNDARY-OWN-ENVIRONMENT",
    findings: ["UntaggableExceptions"],
    reason:
      "the documented untaggable exceptions (WORKLOAD_UNTAGGABLE_EXCEPTIONS): actions with no resource ARN, so neither a tag nor an account can be required; in the project region",
  },
];

/** A service the deploy role is granted whole (`<service>:*`), and why. */
export interface ServiceWildcard {
  /** The Sid of the deploy role's statement that grants it: the exemption covers that statement only. */
  readonly statement: string;
  /** The service prefix, as in `ec2:*`. */
  readonly service: string;
  /** Why listing its actions one by one is not worth it, and what fences the grant instead. */
  readonly reason: string;
}

const REGIONAL_FENCE = "limited to the project region and fenced off other environments' tagged resources by NotOtherEnvironments";

/**
 * The only services the deploy role may hold as `<service>:*` (audit rule IAM-NO-SERVICE-WILDCARD):
 * a wildcard for a service not listed here fails the audit. ECR is deliberately absent: its
 * wildcard included repository and registry policies, which decide who else may push images.
 */
export const DEPLOY_ROLE_SERVICE_WILDCARDS: readonly ServiceWildcard[] = [
  {
    statement: "RegionalInfrastructure",
    service: "ec2",
    reason: `VPC, subnets, routes, NAT gateways, security groups and endpoints, hundreds of actions; ${REGIONAL_FENCE}`,
  },
  {
    statement: "RegionalInfrastructure",
    service: "elasticloadbalancing",
    reason: `the load balancer, its listeners, target groups and attributes; ${REGIONAL_FENCE}`,
  },
  {
    statement: "RegionalInfrastructure",
    service: "ecs",
    reason: `cluster, task definitions and service, which the deploy updates on every release; ${REGIONAL_FENCE}`,
  },
  {
    statement: "RegionalInfrastructure",
    service: "rds",
    reason: `the database instance, its subnet and parameter groups; ${REGIONAL_FENCE}`,
  },
  {
    statement: "RegionalInfrastructure",
    service: "application-autoscaling",
    reason: `the service's scalable target and target-tracking policy; ${REGIONAL_FENCE}`,
  },
  {
    statement: "RegionalInfrastructure",
    service: "cloudwatch",
    reason: `alarms the target-tracking policy creates and their tags; ${REGIONAL_FENCE}`,
  },
  {
    statement: "OwnBuckets",
    service: "s3",
    reason: "on the environment's own buckets only (<project>-<env>-*), which it creates, configures and uploads to",
  },
];

/** Statements of the deploy role that grant on "*" or a whole service, and why (audit rules IAM-NO-WILDCARD-RESOURCE, IAM-NO-SERVICE-WILDCARD). */
export const DEPLOY_ROLE_POLICY_EXEMPTIONS: readonly AuditExemption[] = [
  ...DEPLOY_ROLE_SERVICE_WILDCARDS.map(({ statement, service, reason }) => ({
    rule: "IAM-NO-SERVICE-WILDCARD",
    findings: [`${statement}/${service}:*`],
    reason,
  })),
  {
    rule: "IAM-NO-WILDCARD-RESOURCE",
    findings: ["RegionalInfrastructure"],
    reason:
      "creates VPC, ECS, load balancer and RDS resources whose ARNs AWS assigns at creation; limited to the project region and fenced off other environments' tagged resources by NotOtherEnvironments",
  },
  {
    rule: "IAM-NO-WILDCARD-RESOURCE",
    findings: ["RegistryLogin"],
    reason: 'ecr:GetAuthorizationToken names no repository: IAM accepts only "*" for it; in the project region',
  },
  {
    rule: "IAM-NO-WILDCARD-RESOURCE",
    findings: ["ReadCertificates"],
    reason: 'read-only certificate metadata; acm:ListCertificates accepts only "*"',
  },
  {
    rule: "IAM-NO-WILDCARD-RESOURCE",
    findings: ["ListSiteObjects"],
    reason: 'CloudFront\'s List actions accept only "*"; they return names and ids, and every change is fenced by tag or type',
  },
  {
    rule: "IAM-NO-WILDCARD-RESOURCE",
    findings: ["AwsManagedKeys", "DescribeKeys"],
    reason: "the AWS-managed keys RDS and Secrets Manager use have ids unknown ahead; grants only for AWS resources, in the project region",
  },
  { rule: "IAM-NO-WILDCARD-RESOURCE", findings: ["WhoAmI"], reason: "sts:GetCallerIdentity has no resource and needs no permission" },
  {
    rule: "IAM-NO-WILDCARD-RESOURCE",
    findings: ["CreateAlarmKeys"],
    reason:
      "kms:CreateKey names no key (AWS assigns its id): only with the environment's Environment tag on the request, in the project region and us-east-1",
  },
  {
    rule: "IAM-NO-WILDCARD-RESOURCE",
    findings: ["DescribeUsEast1Alarms"],
    reason: "cloudwatch:DescribeAlarms lists alarms without naming one; read-only, in us-east-1 (CloudFront's alarm) only",
  },
];

/** Read-only actions `terraform plan` needs to refresh every resource the stacks manage. */
const PLAN_READ_ACTIONS = [
  "ec2:Describe*",
  "elasticloadbalancing:Describe*",
  "ecs:Describe*",
  "ecs:List*",
  "ecr:Describe*",
  "ecr:List*",
  "ecr:GetLifecyclePolicy",
  "ecr:GetRepositoryPolicy",
  "rds:Describe*",
  "rds:ListTagsForResource",
  "logs:Describe*",
  "logs:ListTagsForResource",
  "logs:ListTagsLogGroup",
  "application-autoscaling:Describe*",
  "application-autoscaling:ListTagsForResource",
  "cloudwatch:Describe*",
  "cloudwatch:ListTagsForResource",
  "iam:GetRole",
  "iam:GetRolePolicy",
  "iam:ListRolePolicies",
  "iam:ListAttachedRolePolicies",
  "iam:GetOpenIDConnectProvider",
  "iam:GetPolicy",
  "iam:GetPolicyVersion",
  "s3:GetBucket*",
  "s3:GetEncryptionConfiguration",
  "s3:GetLifecycleConfiguration",
  "s3:GetReplicationConfiguration",
  "s3:GetAccelerateConfiguration",
  "s3:GetAnalyticsConfiguration",
  "s3:GetIntelligentTieringConfiguration",
  "s3:GetInventoryConfiguration",
  "s3:GetMetricsConfiguration",
  "s3:ListAllMyBuckets",
  "cloudfront:Get*",
  "cloudfront:List*",
  "acm:DescribeCertificate",
  "acm:ListTagsForCertificate",
  "secretsmanager:DescribeSecret",
  "kms:DescribeKey",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListAliases",
  "kms:ListResourceTags",
  "sns:GetTopicAttributes",
  "sns:GetSubscriptionAttributes",
  "sns:ListSubscriptionsByTopic",
  "sns:ListTagsForResource",
  "cloudwatch:GetDashboard",
  "cloudwatch:ListDashboards",
  "dynamodb:DescribeTable",
  "dynamodb:DescribeContinuousBackups",
  "dynamodb:DescribeTimeToLive",
  "dynamodb:ListTagsOfResource",
  "sts:GetCallerIdentity",
];

/** Writes to the state bucket and lock table the plan role is denied: state, lockfiles, lock and digest items. */
export const PLAN_ROLE_DENIED_WRITES = [
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
];

/** Statements of the plan role that grant on "*", and why (audit rule IAM-NO-WILDCARD-RESOURCE). */
export const PLAN_ROLE_POLICY_EXEMPTIONS: readonly AuditExemption[] = [
  {
    rule: "IAM-NO-WILDCARD-RESOURCE",
    findings: ["ReadInfrastructure"],
    reason: 'terraform plan refreshes every resource of every stack; read-only Describe/List/Get actions, many of which accept only "*"',
  },
];

/**
 * The pull-request role: reads every state and every resource `terraform plan` refreshes, and
 * changes nothing: no write action on infrastructure, no secret values, and no write to the state
 * bucket or the lock table at all. Pull-request plans run with `-lock=false` (a speculative plan
 * must never hold the lock a deploy waits for), so the role needs no lock; an explicit deny keeps
 * any later grant from letting a pull request delete or forge a stack's lock item or lockfile.
 */
export function planRolePolicy(ctx: PermissionsContext): string {
  const { naming } = ctx;
  return policyJson(
    {
      Sid: "ReadState",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:ListBucket"],
      Resource: [naming.stateBucketArn, `${naming.stateBucketArn}/*`],
    },
    // The backend reads the `-md5` digest item to check the state it downloads.
    { Sid: "ReadLockEntries", Effect: "Allow", Action: "dynamodb:GetItem", Resource: naming.lockTableArn },
    {
      Sid: "NoStateOrLockWrites",
      Effect: "Deny",
      Action: PLAN_ROLE_DENIED_WRITES,
      Resource: [naming.stateBucketArn, `${naming.stateBucketArn}/*`, naming.lockTableArn],
    },
    stateKeyUse(ctx),
    { Sid: "ReadInfrastructure", Effect: "Allow", Action: PLAN_READ_ACTIONS, Resource: "*" },
  );
}
