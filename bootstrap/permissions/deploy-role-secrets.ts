/**
 * Issue 23: the secrets an environment's stack makes itself (aws_secretsmanager_secret), today the
 * previews' database admin `<prefix>-previews-db-admin` of the previews' host
 * (stacks/environment-previews.ts), granted by name `<prefix>-*` in the project region. Terraform makes
 * the secret without a value; deploy.yml puts the value (a password it generates) when the secret has
 * none: a write, never a read. Neither the deploy role nor the plan role reads a secret's value, and the
 * RDS-managed master secrets (`rds!*`) stay out of reach: they are not named `<prefix>-*`.
 */
import type { PolicyStatement } from "../../lib/policy";
import { familyActions, type ResourceFamily } from "./families";
import { allow, type PermissionsContext } from "./statements";

/** The stack's own secrets, by name: made, tagged, described, deleted, and given a value by the workflow. */
export const SECRET_FAMILY: ResourceFamily = {
  name: "secrets",
  resources: ["aws_secretsmanager_secret"],
  changes: [
    "secretsmanager:CreateSecret",
    "secretsmanager:DeleteSecret",
    "secretsmanager:UpdateSecret",
    "secretsmanager:TagResource",
    "secretsmanager:UntagResource",
    // deploy.yml's first value (a write: the role never reads it back).
    "secretsmanager:PutSecretValue",
  ],
  reads: ["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"],
  planReads: ["secretsmanager:GetResourcePolicy"],
};

/** ARN pattern of an environment's own secrets: `<prefix>-*` (Secrets Manager appends `-<6 characters>`). */
export function ownSecretsArn({ naming, accountId, region }: PermissionsContext, environment: string): string {
  return `arn:aws:secretsmanager:${region}:${accountId}:secret:${naming.prefix(environment)}-*`;
}

/** The deploy role's statement: its own secrets, by name. */
export function secretDeployStatements(ctx: PermissionsContext, environment: string): PolicyStatement[] {
  return [allow("OwnSecrets", familyActions([SECRET_FAMILY]), ownSecretsArn(ctx, environment))];
}

/** What `terraform plan` reads of the secrets beyond DescribeSecret (the plan and drift roles): no value. */
export const SECRET_PLAN_READS = SECRET_FAMILY.planReads ?? [];
