/**
 * The one schema of the platform's configuration. The TypeScript types (config/types.ts) are
 * inferred from it, and `validate()` checks the runtime value against it before any other rule runs,
 * so a setting is documented once, here or in the section's file this one assembles, and its type
 * holds at synth time too (the app runs through tsx, which strips types: `multiAz: "false"` must not
 * pass for true). Unknown keys are refused: a misspelt setting must not silently fall back to its
 * default.
 *
 * Each field says what it does, its range and its default. The sections are in files of their own:
 * schema-project.ts (project, github, bootstrap, accounts), schema-network.ts, schema-service.ts
 * (service and loadBalancer), schema-database.ts, schema-site.ts and schema-monitoring.ts; the value
 * kinds they share are in schema-common.ts. A rule between settings of one section is part of the
 * section's schema (`sectionRule`), so a construct that checks its props with the section
 * (config/check-props.ts) checks it too; rules that relate sections, environments or the project
 * live in config/rules-*.ts.
 */
import { z } from "zod";
import { accountIdSchema, GITHUB_LOGIN, reasonText, whole } from "./schema-common";
import { DatabaseSchema } from "./schema-database";
import { MonitoringSchema } from "./schema-monitoring";
import { NetworkSchema } from "./schema-network";
import { PreviewsSchema } from "./schema-previews";
import { ProjectSchema } from "./schema-project";
import { LoadBalancerSchema, ServiceSchema } from "./schema-service";
import { SiteSchema } from "./schema-site";
import { JobsSchema, WorkerSchema } from "./schema-workloads";

export { DomainSchema } from "./schema-common";
export { DatabaseSchema } from "./schema-database";
export { MonitoringSchema, MonitoringThresholdsSchema } from "./schema-monitoring";
export { NetworkSchema } from "./schema-network";
export { PreviewDomainSchema, PreviewServiceSchema, PreviewsSchema } from "./schema-previews";
export { AccountSchema, BootstrapSchema, GithubSchema, ProjectSchema } from "./schema-project";
export { LoadBalancerSchema, ServiceSchema } from "./schema-service";
export { SiteSchema } from "./schema-site";
export { JobSchema, JobsSchema, WorkerSchema } from "./schema-workloads";

/** A deliberate deviation from a production guardrail, with the reason written down. */
export const AcceptedRiskSchema = z
  .strictObject({
    /** The guardrail's setting, as named in errors, e.g. `database.multiAz` (config/guardrails.ts lists them). */
    setting: z.string({ error: "must name a production guardrail" }),
    /** Why this environment may run without it (10 characters or more). */
    reason: reasonText("why the risk is accepted"),
  })
  .readonly();

/** The release's database migration. */
export const MigrationSchema = z
  .strictObject({
    /**
     * Command the migration runs in the new image, as an argument list (no shell), e.g.
     * `["npm", "run", "migrate"]`. It runs as a one-off task before the service moves to the image;
     * a non-zero exit fails the deploy and the service keeps the old image. Empty: no migration.
     */
    command: z
      .array(z.string().min(1, { error: "may not hold an empty argument" }), {
        error: 'must be a list of arguments; use e.g. ["npm", "run", "migrate"]',
      })
      .max(50, { error: "may hold at most 50 arguments" })
      .readonly(),
    /**
     * Minutes the deploy waits for the migration before failing it, 1 to 120.
     * @default 30
     */
    timeoutMinutes: whole(1, 120, 30, "minutes").optional(),
  })
  .readonly();

export const GithubEnvironmentSchema = z
  .strictObject({
    /**
     * GitHub users who must approve a deployment to this environment, at most 6 (none: no
     * approval). A production guardrail: at least one.
     */
    requiredReviewers: z
      .array(z.string().regex(GITHUB_LOGIN, { error: "is not a GitHub user name" }), {
        error: 'must list GitHub user names; use e.g. ["acme-release-manager"]',
      })
      .max(6, { error: "may list at most 6 reviewers (GitHub's limit)" })
      .readonly(),
  })
  .readonly();

export const EnvironmentSchema = z
  .strictObject({
    /**
     * 2-10 lowercase letters or digits, e.g. `stage`: the stack name, the GitHub environment, the
     * state key prefix.
     */
    name: z.string({ error: 'must be a short lowercase name; use e.g. "stage"' }).regex(/^[a-z][a-z0-9]{1,9}$/, {
      error: 'must be 2-10 lowercase letters or digits, starting with a letter; use e.g. "stage"',
    }),
    /**
     * `production` turns on the production guardrails (config/guardrails.ts), each waived only by an
     * entry in `acceptedRisks`. A name that says production (prod, prd, live, production) must
     * have this tier unless `nonProductionReason` says why not.
     */
    tier: z.enum(["production", "non-production"], { error: 'must be "production" or "non-production"' }),
    /**
     * Why an environment whose name says production is not production-tier (10 characters or more).
     * @default - none: such a name must have the production tier
     */
    nonProductionReason: z.string({ error: "must say why this environment is not production" }).optional(),
    /**
     * 12-digit id of the AWS account this environment deploys to and keeps its state in. An account
     * other than the project's must be listed in `project.accounts` (it gets a bootstrap of its own).
     * A production environment needs an account no other environment uses (a guardrail: sharing one
     * is refused unless `acceptedRisks` names `accountId`).
     * @default - the project's account
     */
    accountId: accountIdSchema.optional(),
    network: NetworkSchema,
    service: ServiceSchema,
    loadBalancer: LoadBalancerSchema,
    database: DatabaseSchema,
    site: SiteSchema,
    github: GithubEnvironmentSchema,
    /** Alarms, who they notify, and their thresholds. */
    monitoring: MonitoringSchema,
    /**
     * Database migration run before each release reaches the service.
     * @default - no migration
     */
    migration: MigrationSchema.optional(),
    /** A queue and the service draining it (config/schema-workloads.ts). @default - no worker */
    worker: WorkerSchema.optional(),
    /** Tasks run on a schedule (config/schema-workloads.ts). @default - none */
    jobs: JobsSchema.optional(),
    /**
     * Production guardrails this environment deliberately does without, each with the reason.
     * @default - none: every guardrail of the tier holds
     */
    acceptedRisks: z.array(AcceptedRiskSchema, { error: "must be a list of { setting, reason }" }).readonly().optional(),
  })
  .readonly();

export const PlatformSchema = z
  .strictObject({
    project: ProjectSchema,
    environments: z
      .array(EnvironmentSchema, { error: "must be a list of environments" })
      .min(1, { error: "must define at least one environment; add e.g. stage" })
      .readonly(),
    /**
     * An environment per pull request inside a host environment's account (config/schema-previews.ts).
     * @default - no previews
     */
    previews: PreviewsSchema.optional(),
  })
  .readonly();
