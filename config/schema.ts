/**
 * The one schema of the platform's configuration. The TypeScript types (config/types.ts) are
 * inferred from it, and `validate()` checks the runtime value against it before any other rule runs,
 * so a setting is documented once, here, and its type holds at synth time too (the app runs through
 * tsx, which strips types: `multiAz: "false"` must not pass for true). Unknown keys are refused: a
 * misspelt setting must not silently fall back to its default.
 *
 * Each field says what it does, its range and its default. Rules that relate two settings (memory
 * for a CPU size, a waiver for a guardrail) live in validate.ts.
 */
import { z } from "zod";
import { LOG_RETENTION_DAYS, regionPartition } from "./aws";

/** A whole number from `min` to `max`, with the fix in the message. */
const whole = (min: number, max: number, example: number, unit = "") => {
  const error = `must be a whole number ${unit ? `of ${unit} ` : ""}from ${min} to ${max}; use e.g. ${example}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
};

const flag = (what: string) => z.boolean({ error: `must be true or false (a boolean, not a string): ${what}` });

const retentionDays = z
  .number({ error: `must be one of CloudWatch's retention values (${LOG_RETENTION_DAYS.join(", ")})` })
  .refine((v) => (LOG_RETENTION_DAYS as readonly number[]).includes(v), {
    error: `must be one of CloudWatch's retention values (${LOG_RETENTION_DAYS.join(", ")})`,
  });

/** Text a person wrote to explain a decision: at least 10 characters. */
const reasonText = (what: string) =>
  z
    .string({ error: `must say ${what} (10 characters or more)` })
    .refine((s) => s.trim().length >= 10, { error: `must say ${what} (10 characters or more)` });

const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;

/** A custom domain served with an ACM certificate. */
const domainSchema = (example: string) =>
  z
    .strictObject({
      /** Fully qualified lowercase name, e.g. `api.example.com`; unique across environments. */
      domainName: z
        .string({ error: `is not a domain name; use e.g. "${example}"` })
        .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
          error: `is not a domain name; use e.g. "${example}"`,
        }),
      /**
       * ARN of an issued ACM certificate covering `domainName`, in the project's account: in the
       * project region for the load balancer, in us-east-1 for the site (CloudFront's rule).
       */
      certificateArn: z.string({ error: "must be an ACM certificate ARN" }),
    })
    .readonly();
export const DomainSchema = domainSchema("api.example.com");

/** The GitHub repository whose Actions deploy this platform. */
export const GithubSchema = z
  .strictObject({
    /** Organisation or user that owns the repository, e.g. `acme` (exact case: it is in the role trust). */
    owner: z.string({ error: 'must be a GitHub user or organisation name; use e.g. "acme"' }).regex(GITHUB_LOGIN, {
      error: 'must be a GitHub user or organisation name; use e.g. "acme"',
    }),
    /** Repository name, e.g. `platform`. */
    repo: z
      .string({ error: 'must be a GitHub repository name; use e.g. "platform"' })
      .regex(/^[A-Za-z0-9._-]{1,100}$/, { error: 'must be a GitHub repository name (letters, digits, ".", "-", "_"); use e.g. "platform"' })
      .refine((r) => r !== "." && r !== "..", { error: 'must be a GitHub repository name; use e.g. "platform"' }),
    /**
     * Branch that deploys stage and is protected; the workflows' push trigger names the same branch
     * (a test keeps them equal).
     * @default "main"
     */
    defaultBranch: z.string({ error: 'must be a branch name; use e.g. "main"' }).optional(),
    /**
     * ARN of an IAM OIDC provider for token.actions.githubusercontent.com that already exists in the
     * account (an account holds only one per URL). When set, bootstrap reuses it instead of creating one.
     * @default - bootstrap creates the provider
     */
    existingOidcProviderArn: z.string({ error: "must be an IAM OIDC provider ARN" }).optional(),
    /**
     * Protect the default branch: pull requests with the CI check passing and a code-owner review
     * before merge, for administrators too. A production guardrail.
     * @default true
     */
    protectDefaultBranch: flag("protect the default branch").optional(),
    /**
     * Name of the CI status check that branch protection requires.
     * @default "test"
     */
    requiredCheck: z
      .string({ error: 'must name the CI job; use e.g. "test"' })
      .refine((s) => s.trim() !== "", { error: 'must name the CI job; use e.g. "test"' })
      .optional(),
    /**
     * In environments with required reviewers, the person who starts a deployment cannot approve it
     * (four eyes). A production guardrail: turn off only with an accepted risk.
     * @default true
     */
    preventSelfReview: flag("the deployer may not approve their own deployment").optional(),
    /**
     * GitHub users (`@name`) or teams (`@org/team`) who own the platform: `.github/CODEOWNERS` names
     * them for `.github/`, `bootstrap/`, `config/` and `lib/` (a test keeps the file and this list
     * equal), and branch protection requires their review there.
     */
    platformOwners: z
      .array(
        z.string().regex(/^@[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(?:\/[A-Za-z0-9._-]{1,100})?$/, {
          error: 'is not a GitHub user ("@name") or team ("@org/team"); use e.g. "@acme/platform-owners"',
        }),
        { error: 'must list the platform\'s code owners; use e.g. ["@acme/platform-owners"]' },
      )
      .min(1, { error: 'must name at least one code owner of the platform; use e.g. ["@acme/platform-owners"]' })
      .readonly(),
    /**
     * The repository's numeric id (`gh api repos/OWNER/REPO --jq .id`). With `ownerId`, the github
     * stack sets the repository's OIDC subject template to the ids and every role trusts
     * `repository_owner_id:<ownerId>:repository_id:<repositoryId>:<context>`, so a renamed or
     * re-created repository of the same name cannot assume the roles. Set both or neither.
     * @default - trust by name: `repo:<owner>/<repo>:<context>`
     */
    repositoryId: z
      .string({ error: "must be the numeric id as a string of digits; find it with gh api repos/OWNER/REPO --jq .id" })
      .regex(/^[1-9][0-9]{0,19}$/, { error: "must be the numeric id as a string of digits; find it with gh api repos/OWNER/REPO --jq .id" })
      .optional(),
    /**
     * The owner's numeric id (`gh api repos/OWNER/REPO --jq .owner.id`); see `repositoryId`.
     * @default - trust by name
     */
    ownerId: z
      .string({ error: "must be the numeric id as a string of digits; find it with gh api repos/OWNER/REPO --jq .owner.id" })
      .regex(/^[1-9][0-9]{0,19}$/, {
        error: "must be the numeric id as a string of digits; find it with gh api repos/OWNER/REPO --jq .owner.id",
      })
      .optional(),
  })
  .readonly();

/** Settings of the bootstrap stack (state bucket, lock table, OIDC trust). */
export const BootstrapSchema = z
  .strictObject({
    /**
     * Keep the bootstrap stack's own state in the state bucket it created (key `bootstrap/terraform.tfstate`).
     * Flip to true after the first `cdktf deploy bootstrap`, then run
     * `cdktf deploy bootstrap --migrate-state` (see README).
     * @default false - state in the local file terraform.bootstrap.tfstate
     */
    stateInBucket: flag("keep the bootstrap's state in the bucket").optional(),
    /**
     * Days after which noncurrent versions of state objects are deleted, 1 to 3650.
     * @default 90
     */
    noncurrentVersionExpirationDays: whole(1, 3650, 90, "days").optional(),
  })
  .readonly();

/** A 12-digit AWS account id, as a string (leading zeros count). */
const accountIdSchema = z
  .string({ error: 'must be the 12-digit AWS account id as a string; use e.g. "123456789012"' })
  .regex(/^\d{12}$/, { error: 'must be the 12-digit AWS account id; use e.g. "123456789012"' });

/**
 * An AWS account other than the project's that hosts one or more environments (their `accountId`),
 * with the settings of the bootstrap stack that prepares it (`bootstrap-<env>`): its own state
 * bucket, lock table, GitHub OIDC provider, the deploy roles of the environments it hosts and its
 * own plan role. Its environments share these settings: they are written once, here.
 */
export const AccountSchema = z
  .strictObject({
    /** The account's 12-digit id; environments name it as their `accountId`. */
    accountId: accountIdSchema,
    /** @default - state in a local file, noncurrent state versions kept 90 days */
    bootstrap: BootstrapSchema.optional(),
    /**
     * ARN of the GitHub OIDC provider that already exists in this account.
     * @default - the account's bootstrap creates the provider
     */
    existingOidcProviderArn: z.string({ error: "must be an IAM OIDC provider ARN" }).optional(),
  })
  .readonly();

export const ProjectSchema = z
  .strictObject({
    /** Short lowercase name, 3-20 characters; prefixes every resource name (`<name>-<env>-...`) and the state bucket. */
    name: z
      .string({ error: 'must be a short lowercase name; use e.g. "acme-platform"' })
      .regex(/^[a-z][a-z0-9-]{1,18}[a-z0-9]$/, {
        error:
          'must be 3-20 lowercase letters, digits or single hyphens, starting with a letter (it prefixes S3 bucket names); use e.g. "acme-platform"',
      })
      .refine((n) => !n.includes("--"), { error: 'may not hold "--" (S3 and load balancer names refuse it); use e.g. "acme-platform"' }),
    /**
     * 12-digit AWS account id (as a string: leading zeros count) of the bootstrap and github stacks'
     * state and of every environment that names no `accountId` of its own.
     */
    accountId: accountIdSchema,
    /** AWS region of the commercial partition, e.g. `eu-west-1`. */
    region: z.string({ error: 'is not an AWS region name; use e.g. "eu-west-1"' }).superRefine((region, ctx) => {
      const partition = regionPartition(region);
      if (partition === undefined) ctx.addIssue({ code: "custom", message: 'is not an AWS region name; use e.g. "eu-west-1"' });
      else if (partition !== "aws") {
        ctx.addIssue({
          code: "custom",
          message: `is in the ${partition} partition; this platform's ARNs, endpoints and GitHub trust are written for the commercial aws partition: use a region such as "eu-west-1"`,
        });
      }
    }),
    github: GithubSchema,
    /** @default - state in a local file, noncurrent state versions kept 90 days */
    bootstrap: BootstrapSchema.optional(),
    /**
     * The other AWS accounts environments deploy to (an account per environment, README "Two
     * layouts"), each bootstrapped by a stack of its own. Every `accountId` an environment names
     * other than the project's must be listed here.
     * @default - none: every environment shares the project's account
     */
    accounts: z
      .array(AccountSchema, { error: 'must be a list of { accountId }; use e.g. [{ accountId: "210987654321" }]' })
      .readonly()
      .optional(),
  })
  .readonly();

/** A deliberate deviation from a production guardrail, with the reason written down. */
export const AcceptedRiskSchema = z
  .strictObject({
    /** The guardrail's setting, as named in errors, e.g. `database.multiAz` (config/guardrails.ts lists them). */
    setting: z.string({ error: "must name a production guardrail" }),
    /** Why this environment may run without it (10 characters or more). */
    reason: reasonText("why the risk is accepted"),
  })
  .readonly();

export const NetworkSchema = z
  .strictObject({
    /** IPv4 CIDR of the VPC, /16 to /22, e.g. `10.10.0.0/16`; must not overlap another environment's. */
    vpcCidr: z.string({ error: 'must be an IPv4 CIDR; use e.g. "10.10.0.0/16"' }),
    /**
     * Availability zones to spread subnets over, 2 to 4 (a load balancer and a multi-AZ database
     * need two). The plan fails with a clear message when the region has fewer.
     */
    azCount: z.int({ error: "must be 2, 3 or 4 (a load balancer and a multi-AZ database need two AZs)" }).min(2).max(4),
    /**
     * `single`: one NAT gateway in the first AZ that every private subnet shares (cheap, but an outage
     * of that AZ cuts the others' outbound traffic); `perAz`: one NAT gateway per AZ. A production guardrail.
     */
    natGateways: z.enum(["single", "perAz"], { error: 'must be "single" or "perAz"' }),
    /** Retention of VPC flow logs in CloudWatch Logs, in days (one of CloudWatch's values). */
    flowLogRetentionDays: retentionDays,
  })
  .readonly();

export const ServiceSchema = z
  .strictObject({
    /** Fargate task CPU units: 256, 512, 1024, 2048 or 4096. */
    cpu: z
      .int({ error: "must be a Fargate CPU size: 256, 512, 1024, 2048 or 4096" })
      .refine((v) => [256, 512, 1024, 2048, 4096].includes(v), { error: "must be a Fargate CPU size: 256, 512, 1024, 2048 or 4096" }),
    /** Fargate task memory in MiB, one of the sizes Fargate pairs with `cpu`. */
    memoryMiB: z.int({ error: "must be a whole number of MiB" }),
    /** Tasks the service starts with, within minCount..maxCount; autoscaling owns the count afterwards. */
    desiredCount: whole(0, 100, 2),
    /** Autoscaling lower bound, 1 to 100. */
    minCount: whole(1, 100, 2),
    /** Autoscaling upper bound, minCount to 100. */
    maxCount: whole(1, 100, 6),
    /** Average CPU utilisation that target tracking holds, 10 to 90 percent. */
    cpuTargetPercent: whole(10, 90, 60),
    /** Retention of the container logs, in days (one of CloudWatch's values). */
    logRetentionDays: retentionDays,
    /** Images the ECR repository keeps, 1 to 1000; older ones expire. */
    keepImages: whole(1, 1000, 20),
  })
  .readonly();

export const LoadBalancerSchema = z
  .strictObject({
    /** Refuse deletion of the ALB (a destroy must first turn this off). A production guardrail. */
    deletionProtection: flag("refuse deletion of the load balancer"),
    /** Write ALB access logs to an encrypted, private bucket. A production guardrail. */
    accessLogs: flag("write access logs"),
    /**
     * Serve the API over HTTPS on this domain; port 80 then redirects to 443. A production guardrail.
     * @default - HTTP on port 80 only: `httpOnlyReason` must say why
     */
    https: domainSchema("api.example.com").optional(),
    /** Required when `https` is absent: why this environment serves plain HTTP (10 characters or more). */
    httpOnlyReason: z.string({ error: "must say why this environment serves plain HTTP" }).optional(),
  })
  .readonly();

export const DatabaseSchema = z
  .strictObject({
    /**
     * PostgreSQL engine version, 13 or newer: a major (`16`), which lets RDS apply minor upgrades in the
     * maintenance window, or a major.minor (`16.4`), which pins the minor version Terraform expects.
     */
    engineVersion: z.string({ error: 'must be a PostgreSQL version as a string; use e.g. "16.4"' }).regex(/^(1[3-9]|[2-9]\d)(\.\d+)?$/, {
      error: 'must be a supported PostgreSQL version (13 or newer, "major" or "major.minor"); use e.g. "16.4"',
    }),
    /** RDS instance class, e.g. `db.t4g.micro` (config/aws.ts lists the families). */
    instanceClass: z.string({ error: 'must be an RDS instance class; use e.g. "db.t4g.micro"' }),
    /** Initial storage in GiB, 20 to 65536. */
    allocatedStorageGiB: whole(20, 65536, 20, "GiB"),
    /** Storage autoscaling ceiling in GiB, larger than allocatedStorageGiB. */
    maxAllocatedStorageGiB: whole(20, 65536, 100, "GiB"),
    /** Standby in a second AZ with automatic failover. A production guardrail. */
    multiAz: flag("run a standby in a second AZ"),
    /** Refuse deletion of the instance. A production guardrail. */
    deletionProtection: flag("refuse deletion of the database"),
    /** Days of automated backups, 7 to 35 (production: at least 14). */
    backupRetentionDays: whole(7, 35, 14, "days"),
    /** Performance Insights (7 days, free tier). A production guardrail. */
    performanceInsights: flag("turn on Performance Insights"),
    /** Name of the application database: a lowercase identifier PostgreSQL does not reserve. */
    databaseName: z.string({ error: 'must be a lowercase identifier; use e.g. "app"' }).regex(/^[a-z][a-z0-9_]{0,62}$/, {
      error: 'must be a lowercase identifier (letters, digits, "_", starting with a letter, at most 63); use e.g. "app"',
    }),
  })
  .readonly();

export const SiteSchema = z
  .strictObject({
    /** CloudFront price class, which edge locations serve the site: PriceClass_100 (cheapest), PriceClass_200 or PriceClass_All. */
    priceClass: z.enum(["PriceClass_100", "PriceClass_200", "PriceClass_All"], {
      error: 'must be "PriceClass_100", "PriceClass_200" or "PriceClass_All"',
    }),
    /**
     * Custom domain; its certificate must be in us-east-1 (CloudFront's requirement).
     * @default - the distribution's own cloudfront.net name
     */
    domain: domainSchema("www.example.com").optional(),
  })
  .readonly();

/** An email address or an HTTPS endpoint that the environment's alarms notify. */
const subscriber = z
  .string({ error: 'must be an email address or an https:// URL; use e.g. "oncall@example.com"' })
  .refine((s) => /^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$/.test(s) || /^https:\/\/[A-Za-z0-9.-]+(:\d+)?(\/\S*)?$/.test(s), {
    error:
      'must be an email address or an https:// URL (plain http would send alarms in clear); use e.g. "oncall@example.com" or "https://events.pagerduty.com/integration/<key>/enqueue"',
  });

/**
 * Alarm thresholds. Every one has a production default, chosen so that an alarm means a person must
 * act; stage may relax them, prod may tighten them. Rates are measured over 5-minute periods.
 */
export const MonitoringThresholdsSchema = z
  .strictObject({
    /**
     * Percentage of API requests answered 5xx by the tasks (target 5xx / requests) that pages, 1 to 50.
     * Also a deployment alarm: a release that raises it is rolled back.
     * @default 5
     */
    api5xxRatePercent: whole(1, 50, 5, "percent").optional(),
    /**
     * Requests in a minute below which the 5xx rates (API and site) are not judged, 1 to 100000:
     * two errors out of three requests on a quiet stage are not an incident.
     * @default 10
     */
    minRequestsForErrorRate: whole(1, 100000, 10, "requests").optional(),
    /**
     * 5xx answers the load balancer itself generates (no healthy target, timeouts) per 5 minutes, 1 to 100000.
     * @default 10
     */
    loadBalancer5xxCount: whole(1, 100000, 10, "responses").optional(),
    /**
     * Minutes in a row with at least one unhealthy target before paging, 1 to 30. Also a deployment
     * alarm: a release whose tasks fail their health check is rolled back.
     * @default 3
     */
    unhealthyHostMinutes: whole(1, 30, 3, "minutes").optional(),
    /**
     * p99 target response time, in milliseconds, that pages when held for 15 minutes, 100 to 60000.
     * @default 2000
     */
    p99LatencyMs: whole(100, 60000, 2000, "milliseconds").optional(),
    /**
     * Average service CPU (percent of the task size) held for 15 minutes, 50 to 100: autoscaling
     * targets `service.cpuTargetPercent`, so this means it has run out of room (maxCount reached).
     * @default 90
     */
    serviceCpuPercent: whole(50, 100, 90, "percent").optional(),
    /**
     * Average service memory (percent of the task size) held for 15 minutes, 50 to 100: a leak or a
     * task size too small, before the kernel kills tasks.
     * @default 90
     */
    serviceMemoryPercent: whole(50, 100, 90, "percent").optional(),
    /**
     * Database CPU percent held for 15 minutes, 50 to 100.
     * @default 80
     */
    databaseCpuPercent: whole(50, 100, 80, "percent").optional(),
    /**
     * Freeable database memory, in MiB, below which it pages (15 minutes), 16 to 65536.
     * @default 128
     */
    databaseFreeableMemoryMiB: whole(16, 65536, 128, "MiB").optional(),
    /**
     * Free database storage, in GiB, below which it pages, 1 to 65536; below
     * `database.allocatedStorageGiB`. Storage autoscaling grows the volume first, so this fires only
     * when `maxAllocatedStorageGiB` is nearly reached.
     * @default 5
     */
    databaseFreeStorageGiB: whole(1, 65536, 5, "GiB").optional(),
    /**
     * Database connections held for 15 minutes that page, 1 to 100000; keep it below the instance
     * class's max_connections (about 80 on a db.t4g.micro, 180 on a small).
     * @default 80
     */
    databaseConnections: whole(1, 100000, 80, "connections").optional(),
    /**
     * Percentage of site requests CloudFront answers 5xx that pages, 1 to 100.
     * @default 5
     */
    site5xxRatePercent: whole(1, 100, 5, "percent").optional(),
  })
  .readonly();

export const MonitoringSchema = z
  .strictObject({
    /**
     * Create the environment's alarms, and make ECS roll a release back when its 5xx or
     * unhealthy-host alarm fires. A production guardrail.
     */
    alarms: flag("create the alarms that page and roll back"),
    /**
     * Who the alarms notify: email addresses (each confirms once, from the email AWS sends) and
     * HTTPS endpoints (a paging service's integration URL), at most 20. A production guardrail: at
     * least one, so an alarm reaches a person.
     */
    subscribers: z
      .array(subscriber, { error: 'must list email addresses or https:// URLs; use e.g. ["oncall@example.com"]' })
      .max(20, { error: "may list at most 20 subscribers; point them at a list or a paging service instead" })
      .readonly(),
    /** @default - the production defaults documented on each threshold */
    thresholds: MonitoringThresholdsSchema.optional(),
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
    /** 2-10 lowercase letters or digits, e.g. `stage`: the stack name, the GitHub environment, the state key prefix. */
    name: z
      .string({ error: 'must be a short lowercase name; use e.g. "stage"' })
      .regex(/^[a-z][a-z0-9]{1,9}$/, { error: 'must be 2-10 lowercase letters or digits, starting with a letter; use e.g. "stage"' }),
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
  })
  .readonly();
