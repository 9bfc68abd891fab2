/**
 * Every name previews make (config/preview-naming.ts has the rules that derive them): a preview's own,
 * for the longest pull request number, and its host environment's additions, so the configuration
 * check holds each to AWS's rules (config/aws-names.ts) before anything is synthesized.
 */
import type { ResourceName } from "./naming";
import {
  PREVIEW_WORKLOAD_ROLES,
  previewDeployRoleName,
  previewPrefix,
  previewRepositoryName,
  previewWorkloadBoundaryName,
  previewWorkloadRoleName,
} from "./preview-naming";

/** The longest pull request number a preview's names take (PREVIEW_NUMBER_PATTERN: six digits). */
export const LONGEST_PREVIEW_NUMBER = 999_999;

const named = (resource: string, attribute: string, ...names: string[]): ResourceName[] =>
  names.map((name) => ({ resource, attribute, name }));

/** The names of preview `n`'s own resources (stacks/preview-stack.ts, constructs/preview-api.ts). */
export function previewResourceNames(project: string, n: number): ResourceName[] {
  const p = previewPrefix(project, n);
  return [
    ...named("aws_lb_target_group", "name", p),
    ...named("aws_security_group", "name", `${p}-api-service`),
    ...named("aws_ecs_service", "name", `${p}-api`),
    ...named("aws_ecs_task_definition", "family", `${p}-api`, previewDatabaseSetupFamily(project, n)),
    ...named("aws_cloudwatch_log_group", "name", previewLogGroupName(project, n)),
    ...named("aws_secretsmanager_secret", "name", previewDatabaseSecretName(project, n)),
  ];
}

/** Log group of a preview's API and database setup task: `/ecs/<project>-pr-<n>/api`. */
export function previewLogGroupName(project: string, n: number): string {
  return `/ecs/${previewPrefix(project, n)}/api`;
}

/** The secret holding a preview's database login: `<project>-pr-<n>/database`. */
export function previewDatabaseSecretName(project: string, n: number): string {
  return `${previewPrefix(project, n)}/database`;
}

/** Task family that creates and drops a preview's database: `<project>-pr-<n>-database`. */
export function previewDatabaseSetupFamily(project: string, n: number): string {
  return `${previewPrefix(project, n)}-database`;
}

/**
 * The host's shared security group of every preview's tasks, which the host lets into its database:
 * `<host prefix>-previews`.
 */
export function previewsSecurityGroupName(hostPrefix: string): string {
  return `${hostPrefix}-previews`;
}

/** The previews' database admin (its secret and the task that makes the login): `<host prefix>-previews-db-admin`. */
export function previewsDatabaseAdminName(hostPrefix: string): string {
  return `${hostPrefix}-previews-db-admin`;
}

/** The PostgreSQL login previews' databases are made with (CREATEDB CREATEROLE, nothing else). */
export const PREVIEWS_DATABASE_ADMIN_LOGIN = "previews_admin";

/** The names the host environment makes for its previews (stacks/environment-previews.ts). */
export function previewHostResourceNames(hostPrefix: string): ResourceName[] {
  return [
    ...named("aws_security_group", "name", previewsSecurityGroupName(hostPrefix)),
    ...named("aws_secretsmanager_secret", "name", previewsDatabaseAdminName(hostPrefix)),
    ...named("aws_ecs_task_definition", "family", previewsDatabaseAdminName(hostPrefix)),
  ];
}

/** The names the host account's bootstrap makes for previews (bootstrap/preview-hosting.ts, the preview role). */
export function previewBootstrapResourceNames(project: string): ResourceName[] {
  return [
    ...named("aws_ecr_repository", "name", previewRepositoryName(project)),
    ...named(
      "aws_iam_role",
      "name",
      previewDeployRoleName(project),
      ...PREVIEW_WORKLOAD_ROLES.map((r) => previewWorkloadRoleName(project, r)),
    ),
    ...named("aws_iam_policy", "name", previewWorkloadBoundaryName(project)),
  ];
}
