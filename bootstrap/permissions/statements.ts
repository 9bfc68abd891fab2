/**
 * What every role's policy is built from: the context the bootstrap passes in, and one builder per
 * statement shape the policies repeat (an allow, a deny, an allow fenced to a region, the deny on
 * other environments' tagged resources) plus the ARNs several policies name. The builders write the
 * keys in IAM's usual order (Sid, Effect, Action, Resource, Condition), which the synthesized JSON keeps.
 */
import type { Naming } from "../../config/naming";
import type { AuditExemption } from "../../lib/audit-exemptions";
import type { PolicyStatement } from "../../lib/policy";

export interface PermissionsContext {
  readonly naming: Naming;
  readonly accountId: string;
  readonly region: string;
  /** ARN of the state bucket's KMS key. */
  readonly stateKeyArn: string;
}

type Condition = PolicyStatement["Condition"];

/** Allows the actions on the resources, under the condition if one is given. */
export function allow(sid: string, action: string | string[], resource: string | string[], condition?: Condition): PolicyStatement {
  return { Sid: sid, Effect: "Allow", Action: action, Resource: resource, ...(condition && { Condition: condition }) };
}

/** Denies the actions on the resources (every resource unless named). */
export function deny(sid: string, action: string | string[], resource: string | string[] = "*"): PolicyStatement {
  return { Sid: sid, Effect: "Deny", Action: action, Resource: resource };
}

/** Allows actions that name no resource (or accept only "*"), in the region(s) named only. */
export function allowInRegion(sid: string, action: string | string[], region: string | string[]): PolicyStatement {
  return allow(sid, action, "*", { StringEquals: { "aws:RequestedRegion": region } });
}

/** Only on requests that tag the new resource for the environment. */
export function requestTagged(environment: string): Condition {
  return { StringEquals: { "aws:RequestTag/Environment": environment } };
}

/** Only on resources tagged for the environment. */
export function resourceTagged(environment: string): Condition {
  return { StringEquals: { "aws:ResourceTag/Environment": environment } };
}

/** Denies the actions on anything tagged for another environment (untagged resources are not matched). */
export function notOtherEnvironments(environment: string, actions: string[], sid = "NotOtherEnvironments"): PolicyStatement {
  return {
    Sid: sid,
    Effect: "Deny",
    Action: actions,
    Resource: "*",
    Condition: {
      StringNotEquals: { "aws:ResourceTag/Environment": environment },
      Null: { "aws:ResourceTag/Environment": "false" },
    },
  };
}

/** What any role needs to read and write state objects encrypted with the state key. */
export function stateKeyUse(ctx: PermissionsContext): PolicyStatement {
  return allow("UseStateKey", ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"], ctx.stateKeyArn);
}

/** The lock-table items the S3 backend writes for one state key: the lock and the digest. */
export function lockItemKeys(naming: Naming, stack: string): string[] {
  const path = `${naming.stateBucket}/${naming.stateKey(stack)}`;
  return [path, `${path}-md5`];
}

/** The environment's own buckets, by exact name: the site and the load balancer's access logs. */
export function environmentBuckets(naming: Naming, environment: string): string[] {
  return [naming.siteBucket(environment), naming.albLogBucket(environment)];
}

/** Each bucket and every object in it, as ARNs. */
export function bucketsAndObjects(buckets: string[]): string[] {
  return buckets.flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]);
}

/** The environment's ECR repository. */
export function repositoryArn(ctx: PermissionsContext, environment: string): string {
  return `arn:aws:ecr:${ctx.region}:${ctx.accountId}:repository/${ctx.naming.repositoryName(environment)}`;
}

/** The master-user secrets RDS creates (named `rds!...` by RDS), in the project's region. */
export function databaseSecretsArn(ctx: PermissionsContext): string {
  return `arn:aws:secretsmanager:${ctx.region}:${ctx.accountId}:secret:rds!*`;
}

/** Every KMS key of the account in a region (fenced by a condition wherever it is granted). */
export function keysArn(accountId: string, region: string): string {
  return `arn:aws:kms:${region}:${accountId}:key/*`;
}

/** An exemption from IAM-NO-WILDCARD-RESOURCE for the statements named (by Sid), with the reason. */
export function wildcardResourceExemption(findings: string[], reason: string): AuditExemption {
  return { rule: "IAM-NO-WILDCARD-RESOURCE", findings, reason };
}
