/**
 * Previews in the tests: the shipped configuration with `previews` turned on (host stage), and the
 * calls a preview's deploy and destroy make with the preview role, written out by hand from the preview
 * stack's resource types (README "Previews") as the end-to-end suite's recording would give them.
 */
import type { EvaluatedCall } from "../../audit/iam/evaluator";
import { PREVIEW_WORKLOAD_ROLES, previewDeployRoleName, previewRolePath, previewWorkloadRoleName } from "../../config/preview-naming";
import type { PlatformConfig } from "../../config/types";
import { sampleConfig } from "./sample";

/** The previews setting the tests use (config/schema-previews.ts holds its checks). */
export interface PreviewsSetting {
  readonly host: string;
  readonly maxActive: number;
  readonly idleDays: number;
  readonly domain?: { readonly name: string; readonly hostedZoneId: string; readonly certificateArn: string };
}

/** A wildcard certificate in the project region and stage's account (the shipped config's). */
const CERTIFICATE = "arn:aws:acm:eu-west-1:123456789012:certificate/0f3c7e9a-1b2c-4d5e-8f90-123456789abc";

export const PREVIEW_DOMAIN = { name: "preview.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ", certificateArn: CERTIFICATE } as const;

/**
 * The configuration with previews hosted by stage; with a domain, stage's load balancer on HTTPS too
 * (the previews' host-header rules go on its HTTPS listener, config/schema-previews.ts).
 */
export function previewsConfig(config: PlatformConfig = sampleConfig(), domain?: PreviewsSetting["domain"]): PlatformConfig {
  const previews: PreviewsSetting = { host: "stage", maxActive: 3, idleDays: 7, ...(domain && { domain }) };
  if (!domain) return { ...config, previews } as PlatformConfig;
  const environments = config.environments.map((e) => {
    if (e.name !== "stage") return e;
    const { httpOnlyReason: _, ...loadBalancer } = e.loadBalancer as typeof e.loadBalancer & { httpOnlyReason?: string };
    return { ...e, loadBalancer: { ...loadBalancer, https: { domainName: "api.stage.example.com", certificateArn: CERTIFICATE } } };
  });
  return { ...config, environments, previews } as PlatformConfig;
}

/** The configuration with previews turned off (the shipped one turns them on). */
export function withoutPreviews(config: PlatformConfig = sampleConfig()): PlatformConfig {
  const { previews: _, ...rest } = config as PlatformConfig & { previews?: unknown };
  return rest as PlatformConfig;
}

/**
 * The roles the bootstrap of an account hosting `environments` makes for previews (the preview role, then
 * its workload roles under previewRolePath), as `{ name, arn }`; none where the account hosts no previews' host.
 */
export function previewBootstrapRoles(
  config: PlatformConfig,
  environments: readonly string[],
  accountId: string,
): { name: string; arn: string }[] {
  const { previews } = config as { previews?: PreviewsSetting };
  if (!previews || !environments.includes(previews.host)) return [];
  const project = config.project.name;
  const role = (path: string, name: string) => ({ name, arn: `arn:aws:iam::${accountId}:role${path}${name}` });
  return [
    role("/", previewDeployRoleName(project)),
    ...PREVIEW_WORKLOAD_ROLES.map((r) => role(previewRolePath(project), previewWorkloadRoleName(project, r))),
  ];
}

/** A call of a preview deploy, with the phase it belongs to. */
export interface PreviewCall extends EvaluatedCall {
  readonly step: string;
}

/**
 * What a deploy and a destroy of preview pr-12 call, in `account` and `region`, with the host stage
 * of project acme: state and lock, the image push (skopeo), the database setup task's targets and its
 * run, the rest of the stack, the reads of the host's data sources, and the destroy.
 */
export function previewDeployCalls(account: string, region: string, stateBucket: string, domain?: string): PreviewCall[] {
  const arn = (service: string, rest: string) => `arn:aws:${service}:${region}:${account}:${rest}`;
  const preview = { Environment: "preview", Preview: "pr-12" };
  const host = { Environment: "stage" };
  const key = "previews/pr-12/terraform.tfstate";
  const object = `arn:aws:s3:::${stateBucket}/${key}`;
  const lock = { "dynamodb:LeadingKeys": [`${stateBucket}/${key}`] };
  const cluster = arn("ecs", "cluster/acme-stage");
  const inCluster = { "ecs:cluster": cluster };
  const repo = arn("ecr", "repository/acme-previews");
  const api = arn("ecs", "task-definition/acme-pr-12-api:1");
  const setup = arn("ecs", "task-definition/acme-pr-12-database:1");
  const service = arn("ecs", "service/acme-stage/acme-pr-12-api");
  const tg = arn("elasticloadbalancing", "targetgroup/acme-pr-12/0123456789abcdef");
  const listener = arn("elasticloadbalancing", "listener/app/acme-stage-api/0123456789abcdef/fedcba9876543210");
  const rule = arn("elasticloadbalancing", "listener-rule/app/acme-stage-api/0123456789abcdef/fedcba9876543210/00112233");
  const sg = arn("ec2", "security-group/sg-0123456789abcdef0");
  const sgr = arn("ec2", "security-group-rule/sgr-0123456789abcdef0");
  const logGroup = arn("logs", "log-group:/ecs/acme-pr-12/api");
  const secret = arn("secretsmanager", "secret:acme-pr-12/database-AbCdEf");
  const task = arn("ecs", "task/acme-stage/0123456789abcdef0123456789abcdef");
  const role = (r: string) => `arn:aws:iam::${account}:role/acme/previews/acme-previews-${r}-role`;
  const calls: PreviewCall[] = [
    { step: "state", action: "s3:ListBucket", resource: `arn:aws:s3:::${stateBucket}`, context: { "s3:prefix": "previews/" } },
    { step: "state", action: "s3:GetObject", resource: object },
    { step: "state", action: "s3:PutObject", resource: object },
    { step: "state", action: "s3:PutObject", resource: `${object}.tflock` },
    { step: "state", action: "s3:DeleteObject", resource: `${object}.tflock` },
    { step: "state", action: "dynamodb:PutItem", resource: arn("dynamodb", "table/acme-tfstate-lock"), context: lock },
    { step: "state", action: "dynamodb:GetItem", resource: arn("dynamodb", "table/acme-tfstate-lock"), context: lock },
    { step: "state", action: "dynamodb:DeleteItem", resource: arn("dynamodb", "table/acme-tfstate-lock"), context: lock },
    // The workflows: the gate's and the reaper's listing is the ListBucket above; destroy removes the emptied state and its digest.
    { step: "destroy", action: "s3:DeleteObject", resource: object },
    {
      step: "destroy",
      action: "dynamodb:DeleteItem",
      resource: arn("dynamodb", "table/acme-tfstate-lock"),
      context: { "dynamodb:LeadingKeys": [`${stateBucket}/${key}-md5`] },
    },
    { step: "identity", action: "sts:GetCallerIdentity", resource: "*" },
    // skopeo copy into the previews' repository, and the plan's read of the image by digest.
    { step: "push", action: "ecr:GetAuthorizationToken", resource: "*" },
    ...["BatchCheckLayerAvailability", "InitiateLayerUpload", "UploadLayerPart", "CompleteLayerUpload", "PutImage", "BatchGetImage"].map(
      (a) => ({ step: "push", action: `ecr:${a}`, resource: repo, resourceTags: preview }),
    ),
    { step: "plan", action: "ecr:DescribeRepositories", resource: repo, resourceTags: preview },
    { step: "plan", action: "ecr:DescribeImages", resource: repo, resourceTags: preview },
    // The host's data sources.
    ...["ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "elasticloadbalancing:DescribeLoadBalancers"].map(
      (action) => ({ step: "plan", action, resource: "*" }),
    ),
    { step: "plan", action: "elasticloadbalancing:DescribeListeners", resource: "*" },
    { step: "plan", action: "ecs:DescribeClusters", resource: cluster, resourceTags: host },
    { step: "plan", action: "rds:DescribeDBInstances", resource: arn("rds", "db:acme-stage-db"), resourceTags: host },
    { step: "plan", action: "iam:GetRole", resource: role("execution") },
    {
      step: "plan",
      action: "secretsmanager:DescribeSecret",
      resource: arn("secretsmanager", "secret:acme-stage-previews-db-admin-AbCdEf"),
      resourceTags: host,
    },
    // The database setup task's targets: its secret, log group, security group and task definition.
    { step: "apply", action: "secretsmanager:CreateSecret", resource: secret, requestTags: preview },
    { step: "apply", action: "secretsmanager:TagResource", resource: secret, requestTags: preview },
    { step: "apply", action: "secretsmanager:DescribeSecret", resource: secret, resourceTags: preview },
    { step: "apply", action: "secretsmanager:GetResourcePolicy", resource: secret, resourceTags: preview },
    // preview.yml's first value of the login's secret: whether it has a version, then the put (never a read).
    { step: "database", action: "secretsmanager:DescribeSecret", resource: secret, resourceTags: preview },
    { step: "database", action: "secretsmanager:PutSecretValue", resource: secret, resourceTags: preview },
    { step: "apply", action: "logs:CreateLogGroup", resource: logGroup, requestTags: preview },
    { step: "apply", action: "logs:TagResource", resource: logGroup, requestTags: preview },
    { step: "apply", action: "logs:PutRetentionPolicy", resource: logGroup, resourceTags: preview },
    { step: "apply", action: "logs:ListTagsForResource", resource: logGroup, resourceTags: preview },
    { step: "apply", action: "logs:DescribeLogGroups", resource: arn("logs", "log-group:*") },
    { step: "apply", action: "ec2:CreateSecurityGroup", resource: sg, requestTags: preview },
    { step: "apply", action: "ec2:CreateSecurityGroup", resource: arn("ec2", "vpc/vpc-0123456789abcdef0"), resourceTags: host },
    { step: "apply", action: "ec2:CreateTags", resource: sg, requestTags: preview, context: { "ec2:CreateAction": "CreateSecurityGroup" } },
    { step: "apply", action: "ec2:RevokeSecurityGroupEgress", resource: sg, resourceTags: preview },
    { step: "apply", action: "ec2:AuthorizeSecurityGroupIngress", resource: sg, resourceTags: preview },
    { step: "apply", action: "ec2:AuthorizeSecurityGroupIngress", resource: sgr, requestTags: preview },
    { step: "apply", action: "ec2:AuthorizeSecurityGroupEgress", resource: sg, resourceTags: preview },
    {
      step: "apply",
      action: "ec2:CreateTags",
      resource: sgr,
      requestTags: preview,
      context: { "ec2:CreateAction": "AuthorizeSecurityGroupIngress" },
    },
    { step: "apply", action: "ecs:RegisterTaskDefinition", resource: setup, requestTags: preview },
    {
      step: "apply",
      action: "ecs:TagResource",
      resource: setup,
      requestTags: preview,
      context: { "ecs:CreateAction": "RegisterTaskDefinition" },
    },
    { step: "apply", action: "ecs:DescribeTaskDefinition", resource: "*" },
    ...["execution", "database-setup", "task"].map((r) => ({
      step: "apply",
      action: "iam:PassRole",
      resource: role(r),
      context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
    })),
    // The database setup task (create, and drop before destroy).
    { step: "database", action: "ecs:DescribeTaskDefinition", resource: "*" },
    { step: "database", action: "ecs:RunTask", resource: setup, resourceTags: preview, context: inCluster },
    // --propagate-tags TASK_DEFINITION: the task carries the preview's tags, so a task that hangs can be stopped.
    { step: "database", action: "ecs:TagResource", resource: task, requestTags: preview, context: { "ecs:CreateAction": "RunTask" } },
    { step: "database", action: "ecs:DescribeTasks", resource: task },
    { step: "database", action: "ecs:StopTask", resource: task, resourceTags: preview, context: inCluster },
    // The rest: target group, listener rule, task definition and service.
    { step: "apply", action: "elasticloadbalancing:CreateTargetGroup", resource: tg, requestTags: preview },
    {
      step: "apply",
      action: "elasticloadbalancing:AddTags",
      resource: tg,
      requestTags: preview,
      context: { "elasticloadbalancing:CreateAction": "CreateTargetGroup" },
    },
    { step: "apply", action: "elasticloadbalancing:ModifyTargetGroupAttributes", resource: tg, resourceTags: preview },
    { step: "apply", action: "elasticloadbalancing:DescribeTargetGroups", resource: "*" },
    { step: "apply", action: "elasticloadbalancing:CreateRule", resource: listener, resourceTags: host, requestTags: preview },
    {
      step: "apply",
      action: "elasticloadbalancing:AddTags",
      resource: rule,
      requestTags: preview,
      context: { "elasticloadbalancing:CreateAction": "CreateRule" },
    },
    { step: "apply", action: "elasticloadbalancing:DescribeRules", resource: "*" },
    { step: "apply", action: "elasticloadbalancing:DescribeTags", resource: "*" },
    { step: "apply", action: "ecs:RegisterTaskDefinition", resource: api, requestTags: preview },
    { step: "apply", action: "ecs:CreateService", resource: service, requestTags: preview, context: { "ecs:task-definition": api } },
    { step: "apply", action: "ecs:TagResource", resource: service, requestTags: preview, context: { "ecs:CreateAction": "CreateService" } },
    { step: "apply", action: "ecs:DescribeServices", resource: service, resourceTags: preview },
    // preview.yml waits for the service (aws ecs wait services-stable).
    { step: "serve", action: "ecs:DescribeServices", resource: service, resourceTags: preview },
    // A push to the pull request: a new revision, the service updated, the rule kept.
    { step: "update", action: "ecs:UpdateService", resource: service, resourceTags: preview, context: { "ecs:task-definition": api } },
    { step: "update", action: "elasticloadbalancing:ModifyRule", resource: rule, resourceTags: preview },
    { step: "update", action: "ec2:ModifySecurityGroupRules", resource: sg, resourceTags: preview },
    { step: "update", action: "ec2:ModifySecurityGroupRules", resource: sgr, resourceTags: preview },
    // Destroy: everything above, and the pull request's images.
    { step: "destroy", action: "ecs:DeleteService", resource: service, resourceTags: preview },
    { step: "destroy", action: "ecs:DeregisterTaskDefinition", resource: "*" },
    { step: "destroy", action: "elasticloadbalancing:DeleteRule", resource: rule, resourceTags: preview },
    { step: "destroy", action: "elasticloadbalancing:DeleteTargetGroup", resource: tg, resourceTags: preview },
    { step: "destroy", action: "ec2:RevokeSecurityGroupIngress", resource: sg, resourceTags: preview },

    { step: "destroy", action: "ec2:DeleteSecurityGroup", resource: sg, resourceTags: preview },
    { step: "destroy", action: "logs:DeleteLogGroup", resource: logGroup, resourceTags: preview },
    { step: "destroy", action: "secretsmanager:DeleteSecret", resource: secret, resourceTags: preview },
    { step: "destroy", action: "ecr:ListImages", resource: repo, resourceTags: preview },
    { step: "destroy", action: "ecr:BatchDeleteImage", resource: repo, resourceTags: preview },
  ];
  if (!domain) return calls;
  const zone = `arn:aws:route53:::hostedzone/${PREVIEW_DOMAIN.hostedZoneId}`;
  const records = {
    "route53:ChangeResourceRecordSetsNormalizedRecordNames": [`pr-12.${domain}`],
    "route53:ChangeResourceRecordSetsRecordTypes": ["A"],
  };
  return [
    ...calls,
    { step: "apply", action: "route53:ChangeResourceRecordSets", resource: zone, context: records },
    { step: "apply", action: "route53:GetChange", resource: "arn:aws:route53:::change/C0123456789" },
    { step: "apply", action: "route53:ListResourceRecordSets", resource: zone },
    { step: "plan", action: "route53:GetHostedZone", resource: zone },
  ];
}
