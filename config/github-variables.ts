/**
 * Names of the GitHub Actions variables the GitHub stack creates and the workflows read. One place,
 * so the stack, the workflows and their tests agree on every name.
 */

/** Variables set in each GitHub environment (stage, prod, ...): only that environment's jobs see them. */
export const ENVIRONMENT_VARIABLES = {
  /** ARN of the environment's deploy role; only jobs in that environment may assume it. */
  deployRoleArn: "AWS_DEPLOY_ROLE_ARN",
  /** AWS region the environment is deployed to. */
  region: "AWS_REGION",
} as const;

/** Repository variables: every workflow sees them, including pull requests. */
export const REPOSITORY_VARIABLES = {
  /** AWS region of the project (pull-request jobs have no environment to read it from). */
  region: "AWS_REGION",
} as const;

/**
 * Repository variables set once per AWS stack (every bootstrap stack and every environment), named
 * `<NAME>_<STACK>` (stackVariable): the read-only roles, state bucket and lock table of the account
 * that stack lives in. A pull-request plan or the drift check of a stack reads its own stack's
 * (prod in an account of its own: prod's account's role and bucket, README "Two layouts").
 * Repository variables, not the GitHub environment's: a plan job must not enter the protected
 * environment (its reviewers, its deploy role).
 */
export const STACK_VARIABLES = {
  /** ARN of the read-only role pull-request workflows assume to plan the stack (its account's plan role). */
  planRoleArn: "AWS_PLAN_ROLE_ARN",
  /** ARN of the read-only role the scheduled drift check assumes on the default branch (its account's drift role). */
  driftRoleArn: "AWS_DRIFT_ROLE_ARN",
  /** S3 bucket holding the stack's Terraform state (its account's state bucket). */
  stateBucket: "TF_STATE_BUCKET",
  /** DynamoDB table holding the stack's Terraform state locks (its account's lock table). */
  lockTable: "TF_LOCK_TABLE",
} as const;

/**
 * Repository variables of the previews (README "The preview role"), set where a bootstrap hosts them
 * (`previews.host`'s account): the preview workflow's jobs run on pull requests, with no GitHub environment.
 */
export const PREVIEW_VARIABLES = {
  /** ARN of the preview role: trusted only by preview.yml's pull-request jobs and preview-reaper.yml on the default branch. */
  roleArn: "PREVIEW_ROLE_ARN",
} as const;

export type EnvironmentVariableName = (typeof ENVIRONMENT_VARIABLES)[keyof typeof ENVIRONMENT_VARIABLES];
export type RepositoryVariableName = (typeof REPOSITORY_VARIABLES)[keyof typeof REPOSITORY_VARIABLES];
export type StackVariableName = (typeof STACK_VARIABLES)[keyof typeof STACK_VARIABLES];

/**
 * The suffix of a stack's variables: its name upper-cased, `-` as `_` (`bootstrap-prod` →
 * `BOOTSTRAP_PROD`), since a GitHub variable name holds only letters, digits and `_`. The workflows
 * compute the same with `tr 'a-z-' 'A-Z_'`. Environment names are lowercase letters and digits, so
 * no two stacks share a suffix.
 */
export function stackVariableSuffix(stack: string): string {
  return stack.toUpperCase().replace(/-/g, "_");
}

/** The repository variable holding `name` for `stack`, e.g. `AWS_PLAN_ROLE_ARN_STAGE`. */
export function stackVariable(name: StackVariableName, stack: string): string {
  return `${name}_${stackVariableSuffix(stack)}`;
}
