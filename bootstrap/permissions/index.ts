/**
 * The policies of every role the bootstrap creates, one file per role or concern:
 * - deploy-role.ts: each environment's deploy role (with deploy-role-cloudfront.ts,
 *   deploy-role-monitoring.ts, and deploy-role-exemptions.ts for its audit exemptions)
 * - plan-role.ts: the read-only plan role, whose policy the drift role shares
 * - workload-boundary.ts: the permissions boundary of every workload role of an environment
 * - families.ts, families-named.ts: what each resource family takes (deploy, plan, run time), the
 *   declarations the deploy role, the plan role and the workload boundary are assembled from
 * - preview-role.ts, preview-families.ts, preview-workloads.ts: the preview role (pull requests' previews in
 *   the host environment's account), what a preview takes, and the roles previews run as (README "Previews")
 * - account-level-denies.ts: actions no deploy role may take, on anything
 * - statements.ts: the context and the statement builders they all use
 */
export { ACCOUNT_LEVEL_LOGS_ACTIONS, ACCOUNT_LEVEL_SETTINGS_ACTIONS } from "./account-level-denies";
export { DEPLOY_ROLE_DENIED_IAM_ACTIONS, type DeployRoleOptions, deployRolePolicy } from "./deploy-role";
export { CLOUDFRONT_UNTAGGABLE_UPDATES } from "./deploy-role-cloudfront";
export { DEPLOY_ROLE_POLICY_EXEMPTIONS, DEPLOY_ROLE_SERVICE_WILDCARDS, type ServiceWildcard } from "./deploy-role-exemptions";
export { PLAN_ROLE_DENIED_WRITES, PLAN_ROLE_POLICY_EXEMPTIONS, planRolePolicy } from "./plan-role";
export { lockItemKeys, type PermissionsContext } from "./statements";
export {
  WORKLOAD_BOUNDARY_EXEMPTIONS,
  WORKLOAD_SERVICE_PRINCIPALS,
  WORKLOAD_UNTAGGABLE_EXCEPTIONS,
  workloadBoundaryPolicy,
} from "./workload-boundary";
