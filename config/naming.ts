import { GITHUB_OIDC_HOST } from "./github-naming";
import type { EnvironmentConfig, ProjectConfig } from "./types";

/** Stack names as `cdktf deploy <name>` takes them. */
export const BOOTSTRAP_STACK = "bootstrap";

/** The AWS account an environment deploys to: its own `accountId`, or the project's. */
export function environmentAccount(project: Pick<ProjectConfig, "accountId">, environment: Pick<EnvironmentConfig, "accountId">): string {
  return environment.accountId ?? project.accountId;
}

/**
 * Every account that hosts an environment, the project's first, each with the environments it
 * hosts (in config order) and the id of the bootstrap stack that prepares it: `bootstrap` for the
 * project's account (whether or not it hosts an environment), `bootstrap-<env>[-<env>...]` for
 * every other one.
 */
export function platformAccounts(config: {
  readonly project: Pick<ProjectConfig, "accountId">;
  readonly environments: readonly Pick<EnvironmentConfig, "name" | "accountId">[];
}): { accountId: string; environments: string[]; bootstrapStack: string }[] {
  const byAccount = new Map<string, string[]>([[config.project.accountId, []]]);
  for (const e of config.environments) {
    const account = environmentAccount(config.project, e);
    byAccount.set(account, [...(byAccount.get(account) ?? []), e.name]);
  }
  return [...byAccount].map(([accountId, environments]) => ({
    accountId,
    environments,
    bootstrapStack: accountId === config.project.accountId ? BOOTSTRAP_STACK : [BOOTSTRAP_STACK, ...environments].join("-"),
  }));
}
export const GITHUB_STACK = "github";

export * from "./github-naming";

/**
 * The IAM roles an environment's workloads run as: ECS's execution role of the API's tasks (pull the
 * image, write logs, read the secret), the API's task role (the application's), and the role VPC
 * flow logs deliver with.
 */
export const WORKLOAD_ROLES = ["api-execution", "api-task", "flow-logs"] as const;
/** Roles of the workloads an environment may add (workloadRolesOf says which it needs). */
export const OPTIONAL_WORKLOAD_ROLES = ["worker-execution", "worker-task", "jobs-execution", "jobs-task", "scheduler"] as const;
export type WorkloadRole = (typeof WORKLOAD_ROLES)[number] | (typeof OPTIONAL_WORKLOAD_ROLES)[number];

/**
 * The workload roles of an environment: the API's and the flow logs' always, the worker's with a
 * `worker`, the jobs' and the scheduler's with `jobs`. A role added here exists only after a
 * bootstrap apply: the environment stack reads it, so its plan fails until then (README: "Adding a workload").
 */
export function workloadRolesOf(env: { readonly worker?: object; readonly jobs?: readonly object[] }): WorkloadRole[] {
  const worker = env.worker ? (["worker-execution", "worker-task"] as const) : [];
  return [...WORKLOAD_ROLES, ...worker, ...(env.jobs?.length ? (["jobs-execution", "jobs-task", "scheduler"] as const) : [])];
}

/** A name a stack gives a resource: checked against AWS's rules (config/aws-names.ts) before synth. */
export interface ResourceName {
  /** Terraform resource type, e.g. `aws_lb`. */
  readonly resource: string;
  /** The attribute that holds the name. */
  readonly attribute: string;
  readonly name: string;
}

/** What the alarms of an environment are called after its prefix (constructs/monitoring*.ts). */
const ALARM_SUFFIXES = [
  "alb-5xx",
  "api-5xx-rate",
  "api-p99-latency",
  "db-connections",
  "db-cpu",
  "db-free-storage",
  "db-freeable-memory",
  "running-tasks",
  "service-cpu",
  "service-memory",
  "site-5xx-rate",
  "unhealthy-hosts",
] as const;

/**
 * Every name that more than one stack, CI or a test needs, derived in one place from the project
 * settings. The bootstrap stack creates these resources; the environment stacks, the GitHub stack
 * and the workflows find them by the same names, so no name is typed twice.
 */
export class Naming {
  /** The account these names live in. */
  readonly accountId: string;

  /**
   * @param accountId the account the named resources live in (an environment's own account)
   * @default accountId - the project's account
   */
  constructor(
    private readonly project: Pick<ProjectConfig, "name" | "accountId" | "region">,
    accountId?: string,
  ) {
    this.accountId = accountId ?? project.accountId;
  }

  /** The names of an environment's resources, in the account it deploys to. */
  static forEnvironment(
    project: Pick<ProjectConfig, "name" | "accountId" | "region">,
    environment: Pick<EnvironmentConfig, "accountId">,
  ): Naming {
    return new Naming(project, environmentAccount(project, environment));
  }

  /** Globally unique, deterministic: `<project>-tfstate-<account>-<region>`. */
  get stateBucket(): string {
    return `${this.project.name}-tfstate-${this.accountId}-${this.project.region}`;
  }

  get lockTable(): string {
    return `${this.project.name}-tfstate-lock`;
  }

  get stateKeyAlias(): string {
    return `alias/${this.project.name}-tfstate`;
  }

  /** The state key's alias as an ARN: what the S3 backend's `kms_key_id` takes, known before the key exists. */
  get stateKeyAliasArn(): string {
    return `arn:aws:kms:${this.project.region}:${this.accountId}:${this.stateKeyAlias}`;
  }

  /** State key of a stack in the state bucket: `<stack>/terraform.tfstate`. */
  stateKey(stack: string): string {
    return `${stack}/terraform.tfstate`;
  }

  /** Prefix of every resource an environment owns: `<project>-<env>`. */
  prefix(environment: string): string {
    return `${this.project.name}-${environment}`;
  }

  /** Bucket the frontend is uploaded to: `<project>-<env>-site-<account>`. */
  siteBucket(environment: string): string {
    return `${this.prefix(environment)}-site-${this.accountId}`;
  }

  /** Bucket the load balancer writes access logs to: `<project>-<env>-alb-logs-<account>`. */
  albLogBucket(environment: string): string {
    return `${this.prefix(environment)}-alb-logs-${this.accountId}`;
  }

  /**
   * IAM path of an environment's workload roles, `/<project>/<env>/`: the deploy role's grants name
   * `role/<project>/<env>/*`, which no other project's or environment's role can match (a name
   * prefix such as `acme-stage-*` would match the roles of a project named `acme-stage`).
   */
  workloadRolePath(environment: string): string {
    return `/${this.project.name}/${environment}/`;
  }

  /** ARN pattern of every workload role of an environment (see workloadRolePath). */
  workloadRolesArn(environment: string): string {
    return `arn:aws:iam::${this.accountId}:role${this.workloadRolePath(environment)}*`;
  }

  /**
   * Name of one of an environment's workload roles, `<project>-<env>-<role>-role`. The bootstrap
   * creates them (fixed service trust); the environment stack writes only their inline policies.
   * Not the names the environment stack's own roles had (`<prefix>-api-execution`, `<prefix>-api-task`,
   * `<prefix>-vpc-flow-logs`), which may still exist in an upgraded account.
   */
  workloadRoleName(environment: string, role: WorkloadRole): string {
    return `${this.prefix(environment)}-${role}-role`;
  }

  /** ARN of one of an environment's workload roles (under workloadRolePath). */
  workloadRoleArn(environment: string, role: WorkloadRole): string {
    return `arn:aws:iam::${this.accountId}:role${this.workloadRolePath(environment)}${this.workloadRoleName(environment, role)}`;
  }

  /** Log groups an environment's constructs create, as `logs:` ARN patterns (exact: `/` cannot occur in a prefix). */
  logGroupArns(environment: string, region: string): string[] {
    const prefix = this.prefix(environment);
    return [`/ecs/${prefix}/*`, `/vpc/${prefix}/*`, `/aws/rds/instance/${prefix}-db/*`, `/aws/ecs/containerinsights/${prefix}/*`].flatMap(
      (name) => [
        `arn:aws:logs:${region}:${this.accountId}:log-group:${name}`,
        `arn:aws:logs:${region}:${this.accountId}:log-group:${name}:*`,
      ],
    );
  }

  /** The environment's ECR repository (the service's image): `<project>-<env>-api`. */
  repositoryName(environment: string): string {
    return `${this.prefix(environment)}-api`;
  }

  deployRoleName(environment: string): string {
    return `${this.prefix(environment)}-deploy`;
  }

  /**
   * Permissions boundary (a managed policy the bootstrap creates) that every workload role of an
   * environment carries: its deploy role may write their inline policies only with it attached.
   */
  workloadBoundaryName(environment: string): string {
    return `${this.prefix(environment)}-workload-boundary`;
  }

  workloadBoundaryArn(environment: string): string {
    return `arn:aws:iam::${this.accountId}:policy/${this.workloadBoundaryName(environment)}`;
  }

  get planRoleName(): string {
    return `${this.project.name}-plan`;
  }

  /** The read-only role the scheduled drift check assumes (the plan role's permissions, trusted for the default branch). */
  get driftRoleName(): string {
    return `${this.project.name}-drift`;
  }

  roleArn(roleName: string): string {
    return `arn:aws:iam::${this.accountId}:role/${roleName}`;
  }

  get stateBucketArn(): string {
    return `arn:aws:s3:::${this.stateBucket}`;
  }

  get lockTableArn(): string {
    return `arn:aws:dynamodb:${this.project.region}:${this.accountId}:table/${this.lockTable}`;
  }

  /** The names the project's name makes in this account's bootstrap (a test holds the stacks to this list). */
  get projectResourceNames(): ResourceName[] {
    return [
      { resource: "aws_s3_bucket", attribute: "bucket", name: this.stateBucket },
      { resource: "aws_dynamodb_table", attribute: "name", name: this.lockTable },
      { resource: "aws_kms_alias", attribute: "name", name: this.stateKeyAlias },
      { resource: "aws_iam_role", attribute: "name", name: this.planRoleName },
      { resource: "aws_iam_role", attribute: "name", name: this.driftRoleName },
    ];
  }

  /**
   * Every name an environment's name makes, in its bootstrap and its own stack (a test holds the
   * stacks to this list), so the configuration check can hold each to AWS's rules.
   */
  environmentResourceNames(environment: Pick<EnvironmentConfig, "name" | "database" | "worker" | "jobs">): ResourceName[] {
    const env = environment.name;
    const p = this.prefix(env);
    const major = environment.database.engineVersion.split(".")[0];
    const named = (resource: string, attribute: string, ...names: string[]) => names.map((name) => ({ resource, attribute, name }));
    return [
      ...named("aws_s3_bucket", "bucket", this.siteBucket(env), this.albLogBucket(env)),
      ...named("aws_iam_role", "name", this.deployRoleName(env), ...workloadRolesOf(environment).map((r) => this.workloadRoleName(env, r))),
      ...named("aws_iam_policy", "name", this.workloadBoundaryName(env)),
      ...named("aws_lb", "name", `${p}-api`),
      ...named("aws_lb_target_group", "name", `${p}-api`),
      ...named("aws_security_group", "name", `${p}-db`, `${p}-api-alb`, `${p}-api-service`),
      ...named("aws_db_instance", "identifier", `${p}-db`),
      ...named("aws_db_subnet_group", "name", `${p}-db`),
      ...named("aws_db_parameter_group", "name_prefix", `${p}-db-postgres${major}-`),
      ...named("aws_ecr_repository", "name", this.repositoryName(env)),
      ...named("aws_ecs_cluster", "name", p),
      ...named("aws_ecs_service", "name", `${p}-api`),
      ...named("aws_ecs_task_definition", "family", `${p}-api`, `${p}-api-migrate`),
      ...named("aws_kms_alias", "name", `alias/${p}-alarms`),
      ...named("aws_sns_topic", "name", `${p}-alarms`),
      ...named(
        "aws_cloudwatch_log_group",
        "name",
        `/aws/rds/instance/${p}-db/postgresql`,
        `/aws/rds/instance/${p}-db/upgrade`,
        `/vpc/${p}/flow-logs`,
        `/aws/ecs/containerinsights/${p}/performance`,
        `/ecs/${p}/api`,
      ),
      ...named("aws_cloudwatch_metric_alarm", "alarm_name", ...ALARM_SUFFIXES.map((s) => `${p}-${s}`)),
      ...named("aws_appautoscaling_policy", "name", `${p}-api-cpu`),
      ...named("aws_cloudfront_origin_access_control", "name", `${p}-site`),
      ...named("aws_cloudfront_response_headers_policy", "name", `${p}-security-headers`),
      ...workloadNames(p, environment),
    ];
  }

  get oidcProviderArn(): string {
    return `arn:aws:iam::${this.accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
  }
}

/** The names an environment's worker and jobs make (constructs/queue-worker.ts, work-queue.ts, scheduled-jobs.ts). */
function workloadNames(p: string, environment: Pick<EnvironmentConfig, "worker" | "jobs">): ResourceName[] {
  const named = (resource: string, attribute: string, ...names: string[]) => names.map((name) => ({ resource, attribute, name }));
  const worker = `${p}-worker`;
  const jobs = environment.jobs ?? [];
  const alarms = ["cpu", "memory", "running-tasks", "oldest-message", "dead-letters", "dead-letters-growing"];
  return [
    ...(environment.worker
      ? [
          ...named("aws_sqs_queue", "name", worker, `${worker}-dlq`),
          ...named("aws_kms_alias", "name", `alias/${worker}`),
          ...named("aws_ecs_service", "name", worker),
          ...named("aws_ecs_task_definition", "family", worker),
          ...named("aws_security_group", "name", `${worker}-service`),
          ...named("aws_cloudwatch_log_group", "name", `/ecs/${p}/worker`),
          ...named("aws_appautoscaling_policy", "name", `${worker}-backlog`),
          ...named("aws_cloudwatch_metric_alarm", "alarm_name", ...alarms.map((a) => `${worker}-${a}`)),
        ]
      : []),
    ...(jobs.length
      ? [
          ...named("aws_sqs_queue", "name", `${p}-jobs-dlq`),
          ...named("aws_security_group", "name", `${p}-jobs-service`),
          ...named("aws_cloudwatch_log_group", "name", `/ecs/${p}/jobs`),
          ...named("aws_cloudwatch_log_metric_filter", "name", `${p}-jobs-failed-runs`),
          ...named("aws_ecs_task_definition", "family", ...jobs.map((j) => `${p}-job-${j.name}`)),
          ...named("aws_scheduler_schedule", "name", ...jobs.map((j) => `${p}-${j.name}`)),
          ...named("aws_cloudwatch_metric_alarm", "alarm_name", `${p}-jobs-dead-letters`, ...jobs.map((j) => `${p}-job-${j.name}-failed`)),
        ]
      : []),
  ];
}
