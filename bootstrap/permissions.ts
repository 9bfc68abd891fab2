import { AuditExemption } from "../audit/exemptions";
import { Naming } from "../config/naming";
import { PolicyStatement, policyJson } from "../lib/policy";

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
const REGIONAL_SERVICES = [
  "ec2:*",
  "elasticloadbalancing:*",
  "ecs:*",
  "rds:*",
  "logs:*",
  "application-autoscaling:*",
  "cloudwatch:*",
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

/** Global services granted on "*" (their ids are assigned by AWS), fenced by the Environment tag. */
const TAG_FENCED_GLOBAL_SERVICES = ["cloudfront:*"];

/**
 * The deploy role of one environment: its own state and lock entries only, and the resources of
 * its own environment (IAM roles and buckets by name prefix; other resources by region, with a deny
 * on anything tagged for another environment). It cannot read database secrets.
 */
export function deployRolePolicy(ctx: PermissionsContext, environment: string): string {
  const { naming, accountId, region } = ctx;
  const prefix = naming.prefix(environment);
  const statePrefix = `${naming.stateBucketArn}/${environment}/*`;
  const ownRoles = `arn:aws:iam::${accountId}:role/${prefix}-*`;
  const boundary = naming.workloadBoundaryArn(environment);
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
      Resource: `arn:aws:ecr:${region}:${accountId}:repository/${prefix}-*`,
    },
    {
      Sid: "RegistryLogin",
      Effect: "Allow",
      Action: "ecr:GetAuthorizationToken",
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": region } },
    },
    { Sid: "NoRepositoryOrRegistryPolicies", Effect: "Deny", Action: ECR_DENIED_ACTIONS, Resource: "*" },
    notOtherEnvironments(environment, [...REGIONAL_SERVICES, "ecr:*", ...TAG_FENCED_GLOBAL_SERVICES, "secretsmanager:*"]),
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
        "iam:PassRole",
      ],
      Resource: ownRoles,
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
      Sid: "OwnBuckets",
      Effect: "Allow",
      Action: "s3:*",
      Resource: [`arn:aws:s3:::${prefix}-*`, `arn:aws:s3:::${prefix}-*/*`],
    },
    {
      Sid: "StaticSiteDistribution",
      Effect: "Allow",
      Action: TAG_FENCED_GLOBAL_SERVICES,
      Resource: "*",
    },
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
 * What the workloads of an environment (ECS tasks, VPC flow logs) may ever do: data-plane actions
 * only, in the project's region, never on anything tagged for another environment, and no IAM or STS
 * at all. A boundary grants nothing by itself; a role's own policy still has to allow each action.
 * Widen this list when the application needs another AWS service.
 */
const WORKLOAD_ACTIONS = [
  "ecr:GetAuthorizationToken",
  "ecr:BatchCheckLayerAvailability",
  "ecr:GetDownloadUrlForLayer",
  "ecr:BatchGetImage",
  "logs:CreateLogStream",
  "logs:PutLogEvents",
  "logs:DescribeLogGroups",
  "logs:DescribeLogStreams",
  "secretsmanager:GetSecretValue",
  "secretsmanager:DescribeSecret",
  "ssm:GetParameter",
  "ssm:GetParameters",
  "ssm:GetParametersByPath",
  "kms:Decrypt",
  "cloudwatch:PutMetricData",
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
];

/** The permissions boundary of every role an environment stack creates (see OwnRolesWithinBoundary). */
export function workloadBoundaryPolicy(ctx: PermissionsContext, environment: string): string {
  const prefix = ctx.naming.prefix(environment);
  return policyJson(
    {
      Sid: "WorkloadServices",
      Effect: "Allow",
      Action: WORKLOAD_ACTIONS,
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": ctx.region } },
    },
    {
      Sid: "OwnBuckets",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
      Resource: [`arn:aws:s3:::${prefix}-*`, `arn:aws:s3:::${prefix}-*/*`],
    },
    notOtherEnvironments(environment, [...WORKLOAD_ACTIONS, "s3:*"]),
  );
}

/** Statements of the workload boundary on "*", and why (audit rule IAM-NO-WILDCARD-RESOURCE). */
export const WORKLOAD_BOUNDARY_EXEMPTIONS: readonly AuditExemption[] = [
  {
    rule: "IAM-NO-WILDCARD-RESOURCE",
    findings: ["WorkloadServices"],
    reason: "a boundary only caps what each role's own policy grants on named resources; data-plane actions in the project region, fenced off other environments' tagged resources",
  },
];

/** A service the deploy role is granted whole (`<service>:*`), and why. */
export interface ServiceWildcard {
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
  { service: "ec2", reason: `VPC, subnets, routes, NAT gateways, security groups and endpoints, hundreds of actions; ${REGIONAL_FENCE}` },
  { service: "elasticloadbalancing", reason: `the load balancer, its listeners, target groups and attributes; ${REGIONAL_FENCE}` },
  { service: "ecs", reason: `cluster, task definitions and service, which the deploy updates on every release; ${REGIONAL_FENCE}` },
  { service: "rds", reason: `the database instance, its subnet and parameter groups; ${REGIONAL_FENCE}` },
  { service: "logs", reason: `log groups of the service and of the VPC flow logs; ${REGIONAL_FENCE}` },
  { service: "application-autoscaling", reason: `the service's scalable target and target-tracking policy; ${REGIONAL_FENCE}` },
  { service: "cloudwatch", reason: `alarms the target-tracking policy creates and their tags; ${REGIONAL_FENCE}` },
  {
    service: "cloudfront",
    reason: "the static site's distribution and origin access control, whose ids AWS assigns; NotOtherEnvironments denies it any distribution tagged for another environment",
  },
  { service: "s3", reason: "on the environment's own buckets only (<project>-<env>-*), which it creates, configures and uploads to" },
];

/** Statements of the deploy role that grant on "*" or a whole service, and why (audit rules IAM-NO-WILDCARD-RESOURCE, IAM-NO-SERVICE-WILDCARD). */
export const DEPLOY_ROLE_POLICY_EXEMPTIONS: readonly AuditExemption[] = [
  ...DEPLOY_ROLE_SERVICE_WILDCARDS.map(({ service, reason }) => ({ rule: "IAM-NO-SERVICE-WILDCARD", findings: [`${service}:*`], reason })),
  {
    rule: "IAM-NO-WILDCARD-RESOURCE",
    findings: ["RegionalInfrastructure"],
    reason:
      "creates VPC, ECS, load balancer, RDS and log resources whose ARNs AWS assigns at creation; limited to the project region and fenced off other environments' tagged resources by NotOtherEnvironments",
  },
  {
    rule: "IAM-NO-WILDCARD-RESOURCE",
    findings: ["RegistryLogin"],
    reason: "ecr:GetAuthorizationToken names no repository: IAM accepts only \"*\" for it; in the project region",
  },
  { rule: "IAM-NO-WILDCARD-RESOURCE", findings: ["ReadCertificates"], reason: "read-only certificate metadata; acm:ListCertificates accepts only \"*\"" },
  {
    rule: "IAM-NO-WILDCARD-RESOURCE",
    findings: ["StaticSiteDistribution"],
    reason: "CloudFront ids are assigned at creation; NotOtherEnvironments denies it any distribution tagged for another environment",
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
    reason: "kms:CreateKey names no key (AWS assigns its id): only with the environment's Environment tag on the request, in the project region and us-east-1",
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

/** Statements of the plan role that grant on "*", and why (audit rule IAM-NO-WILDCARD-RESOURCE). */
export const PLAN_ROLE_POLICY_EXEMPTIONS: readonly AuditExemption[] = [
  {
    rule: "IAM-NO-WILDCARD-RESOURCE",
    findings: ["ReadInfrastructure"],
    reason: "terraform plan refreshes every resource of every stack; read-only Describe/List/Get actions, many of which accept only \"*\"",
  },
];

/**
 * The pull-request role: reads every state and every resource `terraform plan` refreshes, takes and
 * releases locks, and changes nothing: no write action on infrastructure, no secret values, and the
 * only objects it may write are the lock files beside the state.
 */
export function planRolePolicy(ctx: PermissionsContext): string {
  const { naming } = ctx;
  return policyJson(
    { Sid: "ReadState", Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket"], Resource: [naming.stateBucketArn, `${naming.stateBucketArn}/*`] },
    {
      Sid: "StateLockFiles",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:DeleteObject"],
      Resource: `${naming.stateBucketArn}/*/terraform.tfstate.tflock`,
    },
    { Sid: "ReadLockEntries", Effect: "Allow", Action: "dynamodb:GetItem", Resource: naming.lockTableArn },
    {
      // Locks only: the `-md5` digest items are written with the state, which this role never writes.
      Sid: "TakeAndReleaseLocks",
      Effect: "Allow",
      Action: ["dynamodb:PutItem", "dynamodb:DeleteItem"],
      Resource: naming.lockTableArn,
      Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${naming.stateBucket}/*/terraform.tfstate`] } },
    },
    stateKeyUse(ctx),
    { Sid: "ReadInfrastructure", Effect: "Allow", Action: PLAN_READ_ACTIONS, Resource: "*" },
  );
}
