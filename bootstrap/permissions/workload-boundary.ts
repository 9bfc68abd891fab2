/** The permissions boundary every workload role of an environment carries, its exceptions and exemptions. */
import type { AuditExemption } from "../../lib/audit-exemptions";
import { policyJson } from "../../lib/policy";
import { workloadBoundaryStatements } from "./deploy-role-workloads";
import { runtimeActions, STORAGE_FAMILY } from "./families";
import { LOG_GROUP_FAMILY, REPOSITORY_FAMILY } from "./families-named";
import {
  allow,
  allowInRegion,
  bucketsAndObjects,
  databaseSecretsArn,
  environmentBuckets,
  keysArn,
  notOtherEnvironments,
  type PermissionsContext,
  repositoryArn,
  wildcardResourceExemption,
} from "./statements";

/** The AWS services an environment's roles are for: the only principals they trust and the only services they are passed to. */
export const WORKLOAD_SERVICE_PRINCIPALS = ["ecs-tasks.amazonaws.com", "vpc-flow-logs.amazonaws.com"];

/**
 * Workload actions on resources that carry no tag or have no resource at all, and why each is safe
 * without one: the documented exceptions to the boundary's positive fence. Each is still limited to
 * the project's region.
 */
export const WORKLOAD_UNTAGGABLE_EXCEPTIONS: readonly { readonly actions: readonly string[]; readonly reason: string }[] = [
  {
    actions: REPOSITORY_FAMILY.lists ?? [],
    reason: 'names no repository (IAM accepts only "*"); pulls are fenced to the environment\'s repository',
  },
  { actions: LOG_GROUP_FAMILY.lists ?? [], reason: "lists log group names; writing is fenced to the environment's log groups" },
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
 * The permissions boundary of an environment's workload roles (bootstrap/workload-roles.ts), which
 * the environment's deploy role writes the inline policies of (see OwnRolePoliciesWithinBoundary):
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
  const inAccountAndRegion = { "aws:ResourceAccount": accountId, "aws:RequestedRegion": region };
  const untaggable = WORKLOAD_UNTAGGABLE_EXCEPTIONS.flatMap((e) => e.actions);
  const ownDatabase = `arn:aws:rds:${region}:${accountId}:db:${naming.prefix(environment)}-db`;
  const services = [`secretsmanager.${region}.amazonaws.com`, `ssm.${region}.amazonaws.com`];
  return policyJson(
    // What each family declares a workload may do at run time (families.ts, families-named.ts), on its own resources by name.
    allow("OwnRepositoryPulls", runtimeActions(REPOSITORY_FAMILY), repositoryArn(ctx, environment)),
    allow("OwnLogGroups", runtimeActions(LOG_GROUP_FAMILY), naming.logGroupArns(environment, region)),
    allow("OwnBuckets", runtimeActions(STORAGE_FAMILY), bucketsAndObjects(environmentBuckets(naming, environment))),
    allow("OwnTaggedResources", WORKLOAD_TAGGED_ACTIONS, "*", {
      StringEquals: { ...inAccountAndRegion, "aws:ResourceTag/Environment": environment },
    }),
    // RDS creates and tags the master-user secret itself, without the provider's default tags.
    allow("OwnDatabaseSecret", ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], databaseSecretsArn(ctx), {
      StringEquals: { "aws:ResourceTag/aws:rds:primaryDBInstanceArn": ownDatabase },
    }),
    // The AWS-managed keys of Secrets Manager and SSM, used on the role's behalf by those services only.
    allow("DecryptThroughServices", "kms:Decrypt", keysArn(accountId, region), { StringEquals: { "kms:ViaService": services } }),
    allowInRegion("UntaggableExceptions", untaggable, region),
    ...workloadBoundaryStatements(ctx, environment),
    notOtherEnvironments(environment, [...WORKLOAD_TAGGED_ACTIONS, ...untaggable, "s3:*", "logs:*", "ecr:*", "kms:*"]),
  );
}

/** Statements of the workload boundary on "*", and why (audit rule IAM-NO-WILDCARD-RESOURCE). */
export const WORKLOAD_BOUNDARY_EXEMPTIONS: readonly AuditExemption[] = [
  wildcardResourceExemption(
    ["OwnTaggedResources"],
    "secrets and parameters the application reads, named by AWS or the application: " +
      "allowed only when tagged for this environment, in its account and the project region",
  ),
  wildcardResourceExemption(
    ["UntaggableExceptions"],
    "actions with no resource ARN (WORKLOAD_UNTAGGABLE_EXCEPTIONS lists each with its reason), in the project region",
  ),
  {
    rule: "IAM-BOUNDARY-OWN-ENVIRONMENT",
    findings: ["UntaggableExceptions"],
    reason:
      "the documented untaggable exceptions (WORKLOAD_UNTAGGABLE_EXCEPTIONS): actions with no resource ARN, " +
      "so neither a tag nor an account can be required; in the project region",
  },
];
