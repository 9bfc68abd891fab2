/**
 * The read-only policy of the plan role (pull requests) and of the drift role (the scheduled drift
 * check on the default branch): both run `terraform plan` and nothing else, so they share it.
 */
import type { AuditExemption } from "../../lib/audit-exemptions";
import { policyJson } from "../../lib/policy";
import { SECRET_PLAN_READS } from "./deploy-role-secrets";
import { WORKLOAD_PLAN_READS } from "./deploy-role-workloads";
import { familyPlanReads, REGIONAL_FAMILIES } from "./families";
import {
  ALARM_FAMILY,
  ALARM_KEY_FAMILY,
  ALARM_TOPIC_FAMILY,
  DASHBOARD_FAMILY,
  DISTRIBUTION_FAMILY,
  LOG_GROUP_FAMILY,
  REPOSITORY_FAMILY,
} from "./families-named";
import { allow, bucketsAndObjects, deny, type PermissionsContext, stateKeyUse, wildcardResourceExemption } from "./statements";

/** Read-only actions `terraform plan` needs to refresh every resource the stacks manage. */
const PLAN_READ_ACTIONS = [
  // What a refresh of each family reads, as the family declares it (families.ts, families-named.ts).
  ...familyPlanReads([...REGIONAL_FAMILIES, REPOSITORY_FAMILY, LOG_GROUP_FAMILY, ALARM_FAMILY]),
  "iam:GetRole",
  "iam:GetRolePolicy",
  "iam:ListRolePolicies",
  "iam:ListAttachedRolePolicies",
  "iam:GetOpenIDConnectProvider",
  "iam:GetPolicy",
  "iam:GetPolicyVersion",
  "s3:GetBucket*",
  "s3:GetEncryptionConfiguration",
  "s3:GetLifecycleConfiguration",
  "s3:GetReplicationConfiguration",
  "s3:GetAccelerateConfiguration",
  "s3:GetAnalyticsConfiguration",
  "s3:GetIntelligentTieringConfiguration",
  "s3:GetInventoryConfiguration",
  "s3:GetMetricsConfiguration",
  "s3:ListAllMyBuckets",
  ...familyPlanReads([DISTRIBUTION_FAMILY]),
  "acm:DescribeCertificate",
  "acm:ListTagsForCertificate",
  "secretsmanager:DescribeSecret",
  ...familyPlanReads([ALARM_KEY_FAMILY, ALARM_TOPIC_FAMILY, DASHBOARD_FAMILY]),
  "dynamodb:DescribeTable",
  "dynamodb:DescribeContinuousBackups",
  "dynamodb:DescribeTimeToLive",
  "dynamodb:ListTagsOfResource",
  "sts:GetCallerIdentity",
  ...WORKLOAD_PLAN_READS,
  ...SECRET_PLAN_READS,
];

/** Writes to the state bucket and lock table the plan role is denied: state, lockfiles, lock and digest items. */
export const PLAN_ROLE_DENIED_WRITES = [
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
];

/** Statements of the plan role that grant on "*", and why (audit rule IAM-NO-WILDCARD-RESOURCE). */
export const PLAN_ROLE_POLICY_EXEMPTIONS: readonly AuditExemption[] = [
  wildcardResourceExemption(
    ["ReadInfrastructure"],
    'terraform plan refreshes every resource of every stack; read-only Describe/List/Get actions, many of which accept only "*"',
  ),
];

/**
 * The pull-request role: reads every state and every resource `terraform plan` refreshes, and
 * changes nothing: no write action on infrastructure, no secret values, and no write to the state
 * bucket or the lock table at all. Pull-request plans run with `-lock=false` (a speculative plan
 * must never hold the lock a deploy waits for), so the role needs no lock; an explicit deny keeps
 * any later grant from letting a pull request delete or forge a stack's lock item or lockfile.
 */
export function planRolePolicy(ctx: PermissionsContext): string {
  const { naming } = ctx;
  const state = bucketsAndObjects([naming.stateBucket]);
  return policyJson(
    allow("ReadState", ["s3:GetObject", "s3:ListBucket"], state),
    // Terraform refreshes a bucket with HeadBucket, which IAM authorizes as s3:ListBucket: the
    // environments' buckets by their name patterns (the bucket only: no object is readable).
    allow(
      "HeadEnvironmentBuckets",
      "s3:ListBucket",
      [naming.siteBucket("*"), naming.albLogBucket("*")].map((b) => `arn:aws:s3:::${b}`),
    ),
    // The backend reads the `-md5` digest item to check the state it downloads.
    allow("ReadLockEntries", "dynamodb:GetItem", naming.lockTableArn),
    deny("NoStateOrLockWrites", PLAN_ROLE_DENIED_WRITES, [...state, naming.lockTableArn]),
    stateKeyUse(ctx),
    allow("ReadInfrastructure", PLAN_READ_ACTIONS, "*"),
  );
}
