/**
 * The names of preview environments (one per pull request, README "Previews"), derived in one place:
 * the stack, its state, its resources' prefix and tag, the roles and repository the host account's
 * bootstrap makes for every preview. A preview lives in its host environment's account (stage's),
 * shares that environment's VPC, load balancer, database server and cluster, and owns only what
 * these names cover, so the preview role's grants can name them and nothing of the host's.
 */

/** A pull request's number as the names take it: 1 to 999999, no leading zero. */
export const PREVIEW_NUMBER_PATTERN = /^[1-9][0-9]{0,5}$/;

/** The preview of pull request `n` as it is named in tags and addresses: `pr-<n>`. */
export function previewName(n: number): string {
  return `pr-${n}`;
}

/** The stack id (`cdktf deploy preview-pr-<n>`), synthesized only when PREVIEW_PR is set. */
export function previewStackId(n: number): string {
  return `preview-${previewName(n)}`;
}

/** The prefix of every state key of a preview, in the host account's state bucket. */
export const PREVIEW_STATE_PREFIX = "previews/";

/** A preview's own state: `previews/pr-<n>/terraform.tfstate` (its lock is `<bucket>/<that key>`). */
export function previewStateKey(n: number): string {
  return `${PREVIEW_STATE_PREFIX}${previewName(n)}/terraform.tfstate`;
}

/**
 * The prefix of every resource a preview owns: `<project>-pr-<n>`. Not `<project>-<host>-pr-<n>`:
 * that would fall inside the host's own `<project>-<host>-*` names, which its deploy role's grants and
 * the preview role's fence must tell apart. Environment names are letters and digits only, and `pr`
 * is refused where previews are configured, so no environment's names can start with this prefix.
 */
export function previewPrefix(project: string, n: number): string {
  return `${project}-${previewName(n)}`;
}

/** Pattern of every preview's resource names (`<project>-pr-*`), as the preview role's grants name them. */
export function previewNamePattern(project: string): string {
  return `${project}-pr-*`;
}

/** The tag every preview resource carries besides `Environment`: its pull request, `pr-<n>`. */
export const PREVIEW_TAG = "Preview";

/** The `Environment` tag value of every preview's resources: the preview role's tag fence. */
export const PREVIEW_ENVIRONMENT_TAG = "preview";

/** The IAM path of the roles previews run as (`/<project>/previews/`), apart from every environment's. */
export function previewRolePath(project: string): string {
  return `/${project}/previews/`;
}

/**
 * The roles the host account's bootstrap makes for every preview (shared: a preview is short-lived
 * and holds nothing of its own in IAM): the API's execution role (pull the image, logs, its own
 * database secret), its task role (the pull request's code: nothing of the host's), and the role of
 * the task that creates and drops a preview's database (reads the previews' database admin secret).
 */
export const PREVIEW_WORKLOAD_ROLES = ["execution", "task", "database-setup"] as const;
export type PreviewWorkloadRole = (typeof PREVIEW_WORKLOAD_ROLES)[number];

/** `<project>-previews-<role>-role`, under previewRolePath. */
export function previewWorkloadRoleName(project: string, role: PreviewWorkloadRole): string {
  return `${project}-previews-${role}-role`;
}

/** The role GitHub's preview workflow (and its reaper) assumes in the host account: `<project>-preview`. */
export function previewDeployRoleName(project: string): string {
  return `${project}-preview`;
}

/** The permissions boundary of every preview workload role: `<project>-previews-workload-boundary`. */
export function previewWorkloadBoundaryName(project: string): string {
  return `${project}-previews-workload-boundary`;
}

/** The previews' image repository (the bootstrap's, tagged as a preview resource): `<project>-previews`. */
export function previewRepositoryName(project: string): string {
  return `${project}-previews`;
}

/** The listener rule priority of preview `n` (1 to 50000 on ALB; 10000 up, clear of the host's own rules). */
export function previewListenerPriority(n: number): number {
  return 10_000 + (n % 40_000);
}

/** The database and its owner of preview `n` on the host's database server: `pr_<n>`. */
export function previewDatabaseName(n: number): string {
  return `pr_${n}`;
}

/** The folder of the host's site bucket that holds every preview's site (deploy.yml's upload excludes it). */
export const PREVIEW_SITE_ROOT = "previews/";

/**
 * Where preview `n`'s static site goes in the host's site bucket: `previews/pr-<n>/`, served by the
 * host's CloudFront distribution at `<host site>/previews/pr-<n>/index.html` (no distribution per preview).
 * The host's own upload (deploy.yml) excludes `previews/*`, so a deploy of the host never deletes them.
 */
export function previewSitePrefix(n: number): string {
  return `${PREVIEW_SITE_ROOT}${previewName(n)}/`;
}

/** Pattern of every preview's site prefix (`previews/pr-*`), as the preview role's grants name it. */
export const PREVIEW_SITE_PREFIX_PATTERN = `${PREVIEW_SITE_ROOT}pr-*`;
