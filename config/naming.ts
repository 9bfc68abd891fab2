import { GithubConfig, ProjectConfig } from "./types";

/** Stack names as `cdktf deploy <name>` takes them. */
export const BOOTSTRAP_STACK = "bootstrap";
export const GITHUB_STACK = "github";

/** The audience GitHub's OIDC tokens carry when aws-actions/configure-aws-credentials asks for them. */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

/**
 * Claim keys of the repository's OIDC subject template when the config gives the numeric ids
 * (`context` is GitHub's `environment:<name>`, `pull_request` or `ref:<ref>`).
 */
export const GITHUB_ID_SUBJECT_CLAIM_KEYS = ["repository_owner_id", "repository_id", "context"] as const;

/**
 * The `sub` claim GitHub puts in a job's OIDC token for `context` (e.g. `environment:stage`,
 * `pull_request`): by immutable ids when the config gives them (the repository's subject template
 * is then set to GITHUB_ID_SUBJECT_CLAIM_KEYS), by owner/name otherwise.
 */
export function githubSubject(github: Pick<GithubConfig, "owner" | "repo" | "repositoryId" | "ownerId">, context: string): string {
  if (github.repositoryId !== undefined && github.ownerId !== undefined) {
    return `repository_owner_id:${github.ownerId}:repository_id:${github.repositoryId}:${context}`;
  }
  return `repo:${github.owner}/${github.repo}:${context}`;
}

/**
 * Every name that more than one stack, CI or a test needs, derived in one place from the project
 * settings. The bootstrap stack creates these resources; the environment stacks, the GitHub stack
 * and the workflows find them by the same names, so no name is typed twice.
 */
export class Naming {
  constructor(private readonly project: Pick<ProjectConfig, "name" | "accountId" | "region">) {}

  /** Globally unique, deterministic: `<project>-tfstate-<account>-<region>`. */
  get stateBucket(): string {
    return `${this.project.name}-tfstate-${this.project.accountId}-${this.project.region}`;
  }

  get lockTable(): string {
    return `${this.project.name}-tfstate-lock`;
  }

  get stateKeyAlias(): string {
    return `alias/${this.project.name}-tfstate`;
  }

  /** The state key's alias as an ARN: what the S3 backend's `kms_key_id` takes, known before the key exists. */
  get stateKeyAliasArn(): string {
    return `arn:aws:kms:${this.project.region}:${this.project.accountId}:${this.stateKeyAlias}`;
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
    return `${this.prefix(environment)}-site-${this.project.accountId}`;
  }

  /** Bucket the load balancer writes access logs to: `<project>-<env>-alb-logs-<account>`. */
  albLogBucket(environment: string): string {
    return `${this.prefix(environment)}-alb-logs-${this.project.accountId}`;
  }

  deployRoleName(environment: string): string {
    return `${this.prefix(environment)}-deploy`;
  }

  /**
   * Permissions boundary (a managed policy the bootstrap creates) that every IAM role an environment
   * stack creates must carry: the environment's deploy role may create roles only with it attached.
   */
  workloadBoundaryName(environment: string): string {
    return `${this.prefix(environment)}-workload-boundary`;
  }

  workloadBoundaryArn(environment: string): string {
    return `arn:aws:iam::${this.project.accountId}:policy/${this.workloadBoundaryName(environment)}`;
  }

  get planRoleName(): string {
    return `${this.project.name}-plan`;
  }

  /** The read-only role the scheduled drift check assumes (the plan role's permissions, trusted for the default branch). */
  get driftRoleName(): string {
    return `${this.project.name}-drift`;
  }

  roleArn(roleName: string): string {
    return `arn:aws:iam::${this.project.accountId}:role/${roleName}`;
  }

  get stateBucketArn(): string {
    return `arn:aws:s3:::${this.stateBucket}`;
  }

  get lockTableArn(): string {
    return `arn:aws:dynamodb:${this.project.region}:${this.project.accountId}:table/${this.lockTable}`;
  }

  get oidcProviderArn(): string {
    return `arn:aws:iam::${this.project.accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
  }
}
