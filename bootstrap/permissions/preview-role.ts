/**
 * The preview role (README "Previews"): what GitHub's preview workflow and its reaper may do in the
 * host environment's account, assembled from preview-families.ts and fenced to preview names
 * (`<project>-pr-*`, previewNamePattern), the `Environment=preview` tag and the previews' state prefix.
 * It writes nothing of the host's but one listener rule on the host's listener, tagged as a preview's
 * (audit/iam/preview-writes.ts lists what the fence test finds, with the reasons), and no IAM at all.
 */
import {
  PREVIEW_ENVIRONMENT_TAG,
  PREVIEW_STATE_PREFIX,
  previewNamePattern,
  previewRepositoryName,
  previewRolePath,
} from "../../config/preview-naming";
import type { AuditExemption } from "../../lib/audit-exemptions";
import { type PolicyStatement, policyJson } from "../../lib/policy";
import { ACCOUNT_LEVEL_LOGS_ACTIONS, ACCOUNT_LEVEL_SETTINGS_ACTIONS, ECR_DENIED_ACTIONS } from "./account-level-denies";
import { DEPLOY_ROLE_DENIED_IAM_ACTIONS } from "./deploy-role";
import {
  PREVIEW_CONTAINERS,
  PREVIEW_HOST_READS,
  PREVIEW_IMAGES,
  PREVIEW_LOAD_BALANCING,
  PREVIEW_LOGS,
  PREVIEW_NETWORK,
  PREVIEW_RECORD_FAMILY,
  PREVIEW_SECRET_FAMILY,
} from "./preview-families";
import { previewSiteStatements } from "./preview-site";
import {
  actionOrActions,
  allow,
  allowInRegion,
  deny,
  type PermissionsContext,
  requestTagged,
  resourceTagged,
  stateKeyUse,
  wildcardResourceExemption,
} from "./statements";

/** What the preview role needs to know of its host and of the previews' settings. */
export interface PreviewRoleOptions {
  /** The project's name (`<project>-pr-*` are the previews' names). */
  readonly project: string;
  /** The environment whose account, VPC, load balancer, cluster and database server the previews share. */
  readonly host: string;
  /**
   * The previews' DNS zone: records `pr-*.<name>` in it only.
   * @default - no domain: previews are reached by a path rule on the host's listener, no record
   */
  readonly domain?: { readonly name: string; readonly hostedZoneId: string };
}

const PREVIEW = PREVIEW_ENVIRONMENT_TAG;

/** The preview role's permissions. */
export function previewRolePolicy(ctx: PermissionsContext, options: PreviewRoleOptions): string {
  return policyJson(
    ...previewStateStatements(ctx),
    ...containerStatements(ctx, options),
    ...loadBalancingStatements(ctx, options),
    ...networkStatements(ctx),
    ...previewSiteStatements(ctx, options.host),
    ...supportStatements(ctx, options),
    ...previewDenies(ctx, options),
  );
}

/** The host's names the role's grants hold: its cluster and its load balancer's listeners. */
export function previewHostArns(ctx: PermissionsContext, host: string): { cluster: string; listeners: string; rules: string } {
  const { naming, region, accountId } = ctx;
  const prefix = naming.prefix(host);
  const elb = `arn:aws:elasticloadbalancing:${region}:${accountId}`;
  return {
    cluster: `arn:aws:ecs:${region}:${accountId}:cluster/${prefix}`,
    // The API's load balancer (`<prefix>-api`, ApiLoadBalancer): its listeners and their rules.
    listeners: `${elb}:listener/app/${prefix}-api/*`,
    rules: `${elb}:listener-rule/app/${prefix}-api/*`,
  };
}

/** The previews' database admin secret the host makes (`<host prefix>-previews-db-admin`): described, never read. */
export function previewAdminSecretArn(ctx: PermissionsContext, host: string): string {
  return `arn:aws:secretsmanager:${ctx.region}:${ctx.accountId}:secret:${ctx.naming.prefix(host)}-previews-db-admin-*`;
}

/** State objects under `previews/` and their lock entries, in the host account's bucket and table. */
function previewStateStatements(ctx: PermissionsContext): PolicyStatement[] {
  const { naming } = ctx;
  return [
    allow("PreviewStateObjects", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], `${naming.stateBucketArn}/${PREVIEW_STATE_PREFIX}*`),
    // The workflow counts the previews by their state keys (maxActive), and the reaper finds them so.
    // `terraform init` lists the backend's workspaces (prefix `env:/`): names only, none of another stack's state.
    allow("ListPreviewStates", "s3:ListBucket", naming.stateBucketArn, {
      StringLike: { "s3:prefix": [`${PREVIEW_STATE_PREFIX}*`, "env:/"] },
    }),
    allow("PreviewLockEntries", ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"], naming.lockTableArn, {
      "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${naming.stateBucket}/${PREVIEW_STATE_PREFIX}*`] },
    }),
    stateKeyUse(ctx),
  ];
}

/** Its services and task definitions in the host's cluster, the database setup task, and the previews' images. */
function containerStatements(ctx: PermissionsContext, { project, host }: PreviewRoleOptions): PolicyStatement[] {
  const { region, accountId } = ctx;
  const ecs = `arn:aws:ecs:${region}:${accountId}`;
  const names = previewNamePattern(project);
  const { cluster } = previewHostArns(ctx, host);
  const services = `${ecs}:service/${ctx.naming.prefix(host)}/${names}`;
  const taskDefinitions = `${ecs}:task-definition/${names}:*`;
  const inHostCluster = { "ecs:cluster": cluster };
  const repository = `arn:aws:ecr:${region}:${accountId}:repository/${previewRepositoryName(project)}`;
  return [
    // A preview's service runs a preview's task definition only: never the host's, whose roles reach the host's data.
    allow("CreatePreviewServices", [...PREVIEW_CONTAINERS.createService], services, {
      StringEquals: { "aws:RequestTag/Environment": PREVIEW },
      ArnLike: { "ecs:task-definition": taskDefinitions },
    }),
    allow("RegisterPreviewTaskDefinitions", [...PREVIEW_CONTAINERS.register], taskDefinitions, requestTagged(PREVIEW)),
    allow("ChangePreviewServices", [...PREVIEW_CONTAINERS.changes], [services, taskDefinitions], {
      StringEquals: { "aws:ResourceTag/Environment": PREVIEW },
      ArnLikeIfExists: { "ecs:task-definition": taskDefinitions },
    }),
    // The tags CreateService and RegisterTaskDefinition carry, and RunTask's on its task.
    allow("TagPreviewContainersOnCreate", "ecs:TagResource", "*", {
      StringEquals: { "aws:RequestTag/Environment": PREVIEW, "ecs:CreateAction": ["CreateService", "RegisterTaskDefinition", "RunTask"] },
    }),
    allow("RunPreviewTasksInHostCluster", [...PREVIEW_CONTAINERS.run], taskDefinitions, { StringEquals: inHostCluster }),
    // Its tasks carry the preview's tag (run with --propagate-tags TASK_DEFINITION): never one of the host's.
    allow("StopPreviewTasks", [...PREVIEW_CONTAINERS.stop], `${ecs}:task/${ctx.naming.prefix(host)}/*`, {
      StringEquals: { ...inHostCluster, "aws:ResourceTag/Environment": PREVIEW },
    }),
    allowInRegion("DeregisterTaskDefinitions", actionOrActions(PREVIEW_CONTAINERS.deregister), region),
    allowInRegion("ReadContainers", [...PREVIEW_CONTAINERS.reads], region),
    // Only the preview workload roles, and only to ECS tasks.
    allow("PassPreviewRolesToTasks", "iam:PassRole", `arn:aws:iam::${accountId}:role${previewRolePath(project)}*`, {
      StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
    }),
    allow("PreviewImages", [...PREVIEW_IMAGES.actions], repository),
    allowInRegion("RegistryLogin", actionOrActions(PREVIEW_IMAGES.lists), region),
  ];
}

/** Its target groups, and its rule on the host's listener (created tagged as a preview's, changed only when so tagged). */
function loadBalancingStatements(ctx: PermissionsContext, { project, host }: PreviewRoleOptions): PolicyStatement[] {
  const { region, accountId } = ctx;
  const targetGroups = `arn:aws:elasticloadbalancing:${region}:${accountId}:targetgroup/${previewNamePattern(project)}/*`;
  const { listeners, rules } = previewHostArns(ctx, host);
  const lb = PREVIEW_LOAD_BALANCING;
  return [
    allow("CreatePreviewTargetGroups", [...lb.createTargetGroup], targetGroups, requestTagged(PREVIEW)),
    allow("ChangePreviewTargetGroups", [...lb.targetGroupChanges], targetGroups, resourceTagged(PREVIEW)),
    allow("CreatePreviewRulesOnHostListener", [...lb.createRule], listeners, requestTagged(PREVIEW)),
    allow("ChangePreviewRules", [...lb.ruleChanges], rules, resourceTagged(PREVIEW)),
    // The tags of its target groups and rules: on create (the request's), or on what is already a preview's.
    allow("TagPreviewLoadBalancingOnCreate", "elasticloadbalancing:AddTags", [targetGroups, rules], {
      StringEquals: {
        "aws:RequestTag/Environment": PREVIEW,
        "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateRule"],
      },
    }),
    allow("TagPreviewLoadBalancing", [...lb.tags], [targetGroups, rules], {
      StringEquals: { "aws:ResourceTag/Environment": PREVIEW },
      StringEqualsIfExists: { "aws:RequestTag/Environment": PREVIEW },
    }),
    allowInRegion("ReadLoadBalancing", [...lb.reads], region),
  ];
}

/** Its security group and rules in the host's VPC, by the preview tag (the host's groups are never changed). */
function networkStatements(ctx: PermissionsContext): PolicyStatement[] {
  const { region, accountId } = ctx;
  const ec2 = (type: string) => `arn:aws:ec2:${region}:${accountId}:${type}`;
  const net = PREVIEW_NETWORK;
  // IAM authorises these on the rule's own ARN as well as on its group.
  const authorize = net.ruleChanges.filter((a) => a.startsWith("ec2:Authorize"));
  return [
    // The group's own ARN with the preview's tag; the VPC it is made in is the host's (PREVIEW_FENCE_EXCEPTIONS).
    allow("CreatePreviewSecurityGroups", [...net.createGroup], ec2("security-group/*"), requestTagged(PREVIEW)),
    allow("CreatePreviewSecurityGroupsInVpcs", [...net.createGroup], ec2("vpc/*")),
    allow("ChangePreviewSecurityGroups", [...net.ruleChanges], ec2("security-group/*"), resourceTagged(PREVIEW)),
    // A rule's own ARN (security-group-rule): created with the preview's tag on the request, changed only when it has it.
    allow("CreatePreviewSecurityGroupRules", authorize, ec2("security-group-rule/*"), requestTagged(PREVIEW)),
    // (Of the changes, only ModifySecurityGroupRules is authorised on the rule too; the others on its group only.)
    allow("ChangePreviewSecurityGroupRules", "ec2:ModifySecurityGroupRules", ec2("security-group-rule/*"), resourceTagged(PREVIEW)),
    allow("TagPreviewNetworkOnCreate", "ec2:CreateTags", ec2("*"), {
      StringEquals: { "aws:RequestTag/Environment": PREVIEW, "ec2:CreateAction": [...net.tagOnCreate] },
    }),
    allow("TagPreviewNetwork", ["ec2:CreateTags", "ec2:DeleteTags"], [ec2("security-group/*"), ec2("security-group-rule/*")], {
      StringEquals: { "aws:ResourceTag/Environment": PREVIEW },
      StringEqualsIfExists: { "aws:RequestTag/Environment": PREVIEW },
    }),
    allowInRegion("ReadNetwork", [...net.reads], region),
  ];
}

/** Log groups, the database secret, the DNS record, and the reads a plan of the host's data sources needs. */
function supportStatements(ctx: PermissionsContext, { project, host, domain }: PreviewRoleOptions): PolicyStatement[] {
  const { region, accountId } = ctx;
  const names = previewNamePattern(project);
  const logGroup = `arn:aws:logs:${region}:${accountId}:log-group:/ecs/${names}`;
  const secrets = `arn:aws:secretsmanager:${region}:${accountId}:secret:${names}`;
  const secret = PREVIEW_SECRET_FAMILY;
  const record = PREVIEW_RECORD_FAMILY;
  return [
    allow("PreviewLogGroups", [...PREVIEW_LOGS.actions], [logGroup, `${logGroup}:*`]),
    allow("ListLogGroups", actionOrActions(PREVIEW_LOGS.lists), `arn:aws:logs:${region}:${accountId}:log-group:*`),
    allow("CreatePreviewSecrets", ["secretsmanager:CreateSecret", "secretsmanager:TagResource"], secrets, requestTagged(PREVIEW)),
    allow("ChangePreviewSecrets", [...secret.changes], secrets, resourceTagged(PREVIEW)),
    // Reads on preview names, with no tag condition: Terraform reads a secret after it deletes it (force,
    // no recovery window) until AWS says it is gone, and a deleted secret has no tags, so a tag condition
    // would turn that NotFound into AccessDenied and fail the destroy. DescribeSecret shows no value.
    allow("ReadPreviewSecrets", [...secret.reads], secrets),
    // The previews' admin secret's ARN (the setup task's definition names it); its value is the setup role's only.
    // The data source reads its description and its resource policy (who else may read it), never its value.
    allow("DescribeAdminSecret", ["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"], previewAdminSecretArn(ctx, host)),
    ...(domain
      ? [
          allow("PreviewRecords", [...record.changes], `arn:aws:route53:::hostedzone/${domain.hostedZoneId}`, {
            "ForAllValues:StringLike": { "route53:ChangeResourceRecordSetsNormalizedRecordNames": [`pr-*.${domain.name}`] },
            "ForAllValues:StringEquals": { "route53:ChangeResourceRecordSetsRecordTypes": ["A", "AAAA"] },
          }),
          allow("ReadPreviewZone", [...record.reads], `arn:aws:route53:::hostedzone/${domain.hostedZoneId}`),
          allow("ReadRecordChanges", actionOrActions(record.lists ?? []), "arn:aws:route53:::change/*"),
        ]
      : []),
    allowInRegion("ReadHost", PREVIEW_HOST_READS, region),
    // The roles its task definitions name (data aws_iam_role), and the caller's identity (IAM and STS answer in us-east-1).
    allow("ReadPreviewRoles", "iam:GetRole", `arn:aws:iam::${accountId}:role${previewRolePath(project)}*`),
    allow("WhoAmI", "sts:GetCallerIdentity", "*"),
  ];
}

/**
 * Nothing tagged for another environment (the host's own resources carry `Environment=<host>`), except
 * what the host lends a preview by design, on which the allows above grant only that: its listener (a rule
 * is created on it), its cluster (services and tasks run in it; read), its VPC (a group is made in it) and
 * the previews' admin secret (described). No IAM writes, no repository or registry policy, nothing account-wide.
 */
function previewDenies(ctx: PermissionsContext, { host }: PreviewRoleOptions): PolicyStatement[] {
  const { region, accountId } = ctx;
  const { listeners, cluster } = previewHostArns(ctx, host);
  return [
    {
      Sid: "NotOtherEnvironments",
      Effect: "Deny",
      Action: PREVIEW_DENIED_SERVICES,
      NotResource: [listeners, cluster, `arn:aws:ec2:${region}:${accountId}:vpc/*`, previewAdminSecretArn(ctx, host)],
      Condition: { StringNotEquals: { "aws:ResourceTag/Environment": PREVIEW }, Null: { "aws:ResourceTag/Environment": "false" } },
    },
    deny("NoIamWrites", [...DEPLOY_ROLE_DENIED_IAM_ACTIONS, "iam:PutRolePolicy", "iam:DeleteRolePolicy"]),
    deny("NoRepositoryOrRegistryPolicies", ECR_DENIED_ACTIONS),
    deny("NoAccountLevelLogs", ACCOUNT_LEVEL_LOGS_ACTIONS),
    deny("NoAccountLevelSettings", ACCOUNT_LEVEL_SETTINGS_ACTIONS),
  ];
}

/**
 * The services of the preview's resources: what its tag deny covers. Not the state bucket's and lock
 * table's (tagged `shared`, fenced by key) nor Route 53's (the zone is the user's, records fenced by name).
 */
export const PREVIEW_DENIED_SERVICES = ["ecs:*", "elasticloadbalancing:*", "ec2:*", "logs:*", "secretsmanager:*", "ecr:*"];

/** Statements of the preview role on "*", and why (audit rule IAM-NO-WILDCARD-RESOURCE). */
export const PREVIEW_ROLE_POLICY_EXEMPTIONS: readonly AuditExemption[] = [
  wildcardResourceExemption(
    ["TagPreviewContainersOnCreate", "DeregisterTaskDefinitions", "ReadContainers", "RegistryLogin"],
    "ECS tags on create (the request must carry Environment=preview), deregistration and reads, and the registry " +
      'login: IAM accepts only "*"',
  ),
  {
    rule: "IAM-PLAN-ROLE-NO-LOCK-WRITES",
    reason:
      "the preview role deploys a pull request's preview: it writes state objects and lock entries under previews/ only " +
      "(PreviewStateObjects, PreviewLockEntries; the bucket policy denies it every other prefix)",
  },
  wildcardResourceExemption(["ReadLoadBalancing", "ReadNetwork", "ReadHost", "WhoAmI"], 'reads IAM accepts only on "*"'),
];
