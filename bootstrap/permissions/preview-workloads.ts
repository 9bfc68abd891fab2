/**
 * The permissions of the roles every preview runs as (PREVIEW_WORKLOAD_ROLES), written by the host
 * account's bootstrap itself: the preview role writes no IAM, and the pull request's code (the task
 * role) gets nothing. Their boundary is the union of the three, so no policy added to one later can
 * reach beyond preview names.
 */
import { type PreviewWorkloadRole, previewNamePattern, previewRepositoryName } from "../../config/preview-naming";
import type { AuditExemption } from "../../lib/audit-exemptions";
import { type PolicyStatement, policyJson } from "../../lib/policy";
import { runtimeActions } from "./families";
import { LOG_GROUP_FAMILY, REPOSITORY_FAMILY } from "./families-named";
import { allow, allowInRegion, type PermissionsContext, wildcardResourceExemption } from "./statements";

/** The host environment and the project whose previews these roles serve. */
export interface PreviewWorkloadOptions {
  readonly project: string;
  /** The environment hosting the previews: its previews' database admin secret is `<host prefix>-previews-db-admin`. */
  readonly host: string;
}

/** What each preview workload role may do: its statements, none for the task role (the pull request's code). */
export function previewWorkloadStatements(
  ctx: PermissionsContext,
  { project, host }: PreviewWorkloadOptions,
): Record<PreviewWorkloadRole, PolicyStatement[]> {
  const { region, accountId, naming } = ctx;
  const names = previewNamePattern(project);
  const secret = (name: string) => `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-*`;
  const logGroup = `arn:aws:logs:${region}:${accountId}:log-group:/ecs/${names}`;
  const logs = allow("PreviewLogs", runtimeActions(LOG_GROUP_FAMILY), [logGroup, `${logGroup}:*`]);
  const ownDatabase = secret(`${names}/database`);
  return {
    execution: [
      allow(
        "PullPreviewImages",
        runtimeActions(REPOSITORY_FAMILY),
        `arn:aws:ecr:${region}:${accountId}:repository/${previewRepositoryName(project)}`,
      ),
      allowInRegion("RegistryLogin", [...(REPOSITORY_FAMILY.lists ?? [])], region),
      logs,
      allow("PreviewDatabaseSecrets", "secretsmanager:GetSecretValue", ownDatabase),
    ],
    task: [],
    // Creates a preview's login and database (its password from the preview's secret) with the previews' admin login.
    "database-setup": [
      logs,
      allow("PreviewDatabaseSecrets", "secretsmanager:GetSecretValue", [ownDatabase, secret(`${naming.prefix(host)}-previews-db-admin`)]),
    ],
  };
}

/** The inline policy of a preview workload role, or none where it may do nothing. */
export function previewWorkloadPolicy(
  ctx: PermissionsContext,
  options: PreviewWorkloadOptions,
  role: PreviewWorkloadRole,
): string | undefined {
  const statements = previewWorkloadStatements(ctx, options)[role];
  return statements.length > 0 ? policyJson(...statements) : undefined;
}

/** The previews' workload boundary: what the three roles are granted, and nothing more. */
export function previewWorkloadBoundaryPolicy(ctx: PermissionsContext, options: PreviewWorkloadOptions): string {
  const all = Object.values(previewWorkloadStatements(ctx, options)).flat();
  const bySid = new Map<string, PolicyStatement>();
  for (const s of all) {
    const seen = bySid.get(s.Sid ?? "");
    const resources = (s: PolicyStatement | undefined) => (s?.Resource === undefined ? [] : [s.Resource].flat());
    bySid.set(s.Sid ?? "", seen ? { ...seen, Resource: [...new Set([...resources(seen), ...resources(s)])] } : s);
  }
  return policyJson(...bySid.values());
}

const REGISTRY_LOGIN_REASON = 'a registry login names no repository (IAM accepts only "*"); pulls are fenced to the previews\' repository';

/** The statements of a preview workload policy on "*", and why (the execution role's registry login). */
export const PREVIEW_WORKLOAD_EXEMPTIONS: readonly AuditExemption[] = [wildcardResourceExemption(["RegistryLogin"], REGISTRY_LOGIN_REASON)];

/** The boundary's: the registry login, which takes no tag nor names an account. */
export const PREVIEW_WORKLOAD_BOUNDARY_EXEMPTIONS: readonly AuditExemption[] = [
  ...PREVIEW_WORKLOAD_EXEMPTIONS,
  { rule: "IAM-BOUNDARY-OWN-ENVIRONMENT", findings: ["RegistryLogin"], reason: REGISTRY_LOGIN_REASON },
];
