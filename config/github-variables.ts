/**
 * Names of the GitHub Actions variables the GitHub stack creates and the workflows read as
 * `${{ vars.NAME }}`. One place, so the stack, the workflows and their tests agree on every name.
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
  /** ARN of the read-only role pull-request workflows assume to plan. */
  planRoleArn: "AWS_PLAN_ROLE_ARN",
  /** ARN of the read-only role the scheduled drift check assumes on the default branch. */
  driftRoleArn: "AWS_DRIFT_ROLE_ARN",
  /** S3 bucket holding every stack's Terraform state. */
  stateBucket: "TF_STATE_BUCKET",
  /** DynamoDB table holding the Terraform state locks. */
  lockTable: "TF_LOCK_TABLE",
  /** AWS region of the project (pull-request jobs have no environment to read it from). */
  region: "AWS_REGION",
} as const;

export type EnvironmentVariableName = (typeof ENVIRONMENT_VARIABLES)[keyof typeof ENVIRONMENT_VARIABLES];
export type RepositoryVariableName = (typeof REPOSITORY_VARIABLES)[keyof typeof REPOSITORY_VARIABLES];
