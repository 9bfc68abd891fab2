/**
 * The production guardrails, in one table: what a production-tier environment must have, why, and
 * which audit rule checks the same thing in the synthesized Terraform. Validation refuses a
 * production environment that breaks one, `acceptedRisks` may waive one by name with a reason (the
 * environment stack turns that waiver into the audit rule's exemption), and a test keeps this table
 * and the audit's production-only rules in step.
 */
import { environmentAccount } from "./naming";
import type { EnvironmentConfig, ProjectConfig } from "./types";

export interface Guardrail {
  /**
   * The setting as errors and `acceptedRisks` name it: relative to the environment
   * (`database.multiAz`) or, for a project-wide setting, from the project (`project.github.preventSelfReview`).
   */
  readonly setting: string;
  /** The setting's value in this environment, for the error message. */
  readonly value: (env: EnvironmentConfig, project: ProjectConfig) => unknown;
  /** True when the environment meets the guardrail; `environments` are all of the platform's, for guardrails between them. */
  readonly holds: (env: EnvironmentConfig, project: ProjectConfig, environments: readonly EnvironmentConfig[]) => boolean;
  /** What production needs and why, as the fix in an error. */
  readonly requirement: string;
  /** The audit rule that checks the same property of the synthesized Terraform; an accepted risk becomes its exemption. */
  readonly auditRule?: string;
  /** Why no audit rule checks it (instead of `auditRule`). */
  readonly notAudited?: string;
}

const GITHUB_SETTINGS = "a GitHub setting the github stack applies; the audit reads the AWS stacks, and github-stack tests pin it";

/**
 * The highest `monitoring.thresholds.minRequestsForErrorRate` production takes without an accepted
 * risk: 60 requests a minute, one a second (the production default is 10). The API 5xx rate alarm
 * judges each one-minute period only when it saw at least this many requests and counts a quieter
 * minute as 0%, and that alarm is also the deployment alarm that rolls a bad release back. No bound
 * follows from the configuration alone: it holds neither the traffic nor a request capacity of the
 * tasks (they scale on CPU), so any floor up to the schema's maximum could be met by a busy API.
 * Above one request a second, though, a release that fails every request is neither paged nor rolled
 * back in the minutes a typical API is quieter than that (nights, weekends, right after a release).
 */
export const MAX_PRODUCTION_MIN_REQUESTS = 60;

export const PRODUCTION_GUARDRAILS: readonly Guardrail[] = [
  {
    setting: "accountId",
    value: (e, p) => environmentAccount(p, e),
    holds: (e, p, envs) => !envs.some((other) => other.name !== e.name && environmentAccount(p, other) === environmentAccount(p, e)),
    requirement:
      "is another environment's account too: production needs an account of its own (inside one account IAM cannot keep " +
      "another environment's deploys off the objects AWS creates untagged, nor out of ecs:CreateService's parameters); " +
      'set it to an account of its own and add { accountId: "<that account>" } to project.accounts (README "Two layouts")',
    auditRule: "PRODUCTION-OWN-ACCOUNT",
  },
  {
    setting: "database.multiAz",
    value: (e) => e.database.multiAz,
    holds: (e) => e.database.multiAz === true,
    requirement: "must be true in production (a standby survives an AZ outage)",
    auditRule: "RDS-MULTI-AZ",
  },
  {
    setting: "database.deletionProtection",
    value: (e) => e.database.deletionProtection,
    holds: (e) => e.database.deletionProtection === true,
    requirement: "must be true in production (a destroy must not drop the database)",
    auditRule: "RDS-DELETION-PROTECTION",
  },
  {
    setting: "database.backupRetentionDays",
    value: (e) => e.database.backupRetentionDays,
    holds: (e) => e.database.backupRetentionDays >= 14,
    requirement: "must be at least 14 in production (two weeks to notice and undo a bad change); use e.g. 30",
    auditRule: "RDS-BACKUP-RETENTION-PRODUCTION",
  },
  {
    setting: "database.performanceInsights",
    value: (e) => e.database.performanceInsights,
    holds: (e) => e.database.performanceInsights === true,
    requirement: "must be true in production (database load broken down by query when it is slow)",
    auditRule: "RDS-PERFORMANCE-INSIGHTS",
  },
  {
    setting: "loadBalancer.deletionProtection",
    value: (e) => e.loadBalancer.deletionProtection,
    holds: (e) => e.loadBalancer.deletionProtection === true,
    requirement: "must be true in production (the API's address must survive a stray destroy)",
    auditRule: "ALB-DELETION-PROTECTION",
  },
  {
    setting: "loadBalancer.accessLogs",
    value: (e) => e.loadBalancer.accessLogs,
    holds: (e) => e.loadBalancer.accessLogs === true,
    requirement: "must be true in production (every request logged for incident analysis)",
    auditRule: "ALB-ACCESS-LOGS",
  },
  {
    setting: "loadBalancer.https",
    value: (e) => e.loadBalancer.https,
    holds: (e) => e.loadBalancer.https !== undefined,
    requirement: "must be set in production: serve the API over HTTPS with a domain and an ACM certificate",
    auditRule: "ALB-HTTP-REDIRECTS-TO-HTTPS",
  },
  {
    setting: "network.natGateways",
    value: (e) => e.network.natGateways,
    holds: (e) => e.network.natGateways === "perAz",
    requirement: 'must be "perAz" in production (one NAT gateway is a single point of failure)',
    auditRule: "VPC-NAT-PER-AZ",
  },
  {
    setting: "monitoring.alarms",
    value: (e) => e.monitoring.alarms,
    holds: (e) => e.monitoring.alarms === true,
    requirement: "must be true in production (alarms page a person and roll a bad release back)",
    auditRule: "MONITORING-PRODUCTION-ALARMS",
  },
  {
    setting: "monitoring.subscribers",
    value: (e) => e.monitoring.subscribers,
    holds: (e) => e.monitoring.subscribers.length > 0,
    requirement:
      "must name at least one email address or https:// endpoint in production, so an alarm reaches a person; " +
      'use e.g. ["oncall@example.com"]',
    auditRule: "MONITORING-PRODUCTION-SUBSCRIBER",
  },
  {
    setting: "monitoring.thresholds.minRequestsForErrorRate",
    value: (e) => e.monitoring.thresholds?.minRequestsForErrorRate,
    holds: (e) => (e.monitoring.thresholds?.minRequestsForErrorRate ?? 0) <= MAX_PRODUCTION_MIN_REQUESTS,
    requirement:
      `must be at most ${MAX_PRODUCTION_MIN_REQUESTS} in production (requests a minute): below it a minute counts as 0% 5xx, ` +
      "so above one request a second the api5xxRatePercent alarm, which pages and rolls a release back, cannot fire in a quieter " +
      "minute however many requests fail; use the default 10",
    notAudited: "the floor sits inside the 5xx alarm's metric-math expression, which no audit rule reads yet; validation is the only check",
  },
  {
    setting: "github.requiredReviewers",
    value: (e) => e.github.requiredReviewers,
    holds: (e) => e.github.requiredReviewers.length > 0,
    requirement: "must name at least one reviewer in production, so a deployment needs an approval",
    notAudited: GITHUB_SETTINGS,
  },
  {
    setting: "project.github.preventSelfReview",
    value: (_e, p) => p.github.preventSelfReview ?? true,
    holds: (_e, p) => (p.github.preventSelfReview ?? true) === true,
    requirement: "must be true when a production environment exists (whoever starts a production deployment may not approve it)",
    notAudited: GITHUB_SETTINGS,
  },
  {
    setting: "project.github.protectDefaultBranch",
    value: (_e, p) => p.github.protectDefaultBranch ?? true,
    holds: (_e, p) => (p.github.protectDefaultBranch ?? true) === true,
    requirement: "must be true when a production environment exists (what deploys is reviewed and tested before it merges)",
    notAudited: GITHUB_SETTINGS,
  },
];

/** The guardrail of a setting, if it is one. */
export function guardrail(setting: string): Guardrail | undefined {
  return PRODUCTION_GUARDRAILS.find((g) => g.setting === setting);
}

/**
 * Names that promise production: an environment whose name contains one of them is production-tier
 * unless it says why not (`nonProductionReason`).
 */
export const PRODUCTION_NAME_WORDS = ["prod", "prd", "live", "production"] as const;

export function nameSaysProduction(name: string): boolean {
  return PRODUCTION_NAME_WORDS.some((word) => name.includes(word));
}
