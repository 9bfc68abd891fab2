/**
 * Where the deploy role's policy deliberately fails an audit rule, and why: the only services it
 * may hold whole (`<service>:*`) and its statements on "*".
 */
import type { AuditExemption } from "../../lib/audit-exemptions";
import { wildcardResourceExemption } from "./statements";

/** A service the deploy role is granted whole (`<service>:*`), and why. */
export interface ServiceWildcard {
  /** The Sid of the deploy role's statement that grants it: the exemption covers that statement only. */
  readonly statement: string;
  /** The service prefix, as in `ec2:*`. */
  readonly service: string;
  /** Why listing its actions one by one is not worth it, and what fences the grant instead. */
  readonly reason: string;
}

const REGIONAL_FENCE = "limited to the project region and fenced off other environments' tagged resources by NotOtherEnvironments";

/**
 * The only services the deploy role may hold as `<service>:*` (audit rule IAM-NO-SERVICE-WILDCARD):
 * a wildcard for a service not listed here fails the audit. None is: the regional services and the
 * buckets are granted action by action (families.ts). Add one here only with the reason the service
 * cannot be listed action by action.
 */
export const DEPLOY_ROLE_SERVICE_WILDCARDS: readonly ServiceWildcard[] = [];

/**
 * Statements of the deploy role that grant on "*" or a whole service, and why
 * (audit rules IAM-NO-WILDCARD-RESOURCE, IAM-NO-SERVICE-WILDCARD).
 */
export const DEPLOY_ROLE_POLICY_EXEMPTIONS: readonly AuditExemption[] = [
  ...DEPLOY_ROLE_SERVICE_WILDCARDS.map(({ statement, service, reason }) => ({
    rule: "IAM-NO-SERVICE-WILDCARD",
    findings: [`${statement}/${service}:*`],
    reason,
  })),
  wildcardResourceExemption(
    ["RegionalInfrastructure"],
    `the regional families' actions (families.ts) on VPC, ECS, load balancer and RDS resources AWS names; ${REGIONAL_FENCE}`,
  ),
  wildcardResourceExemption(
    ["RegistryLogin"],
    'ecr:GetAuthorizationToken names no repository: IAM accepts only "*" for it; in the project region',
  ),
  wildcardResourceExemption(["ReadCertificates"], 'read-only certificate metadata; acm:ListCertificates accepts only "*"'),
  wildcardResourceExemption(
    ["CreateOwnDistributions"],
    'cloudfront:CreateDistribution names no distribution (IAM accepts only "*"); only with the environment\'s tag on the request',
  ),
  wildcardResourceExemption(
    ["CreateUntaggableSiteObjects"],
    'creating an origin access control or a response headers policy names none (IAM accepts only "*"); changes to one are fenced by type',
  ),
  wildcardResourceExemption(
    ["ListSiteObjects"],
    'CloudFront\'s List actions accept only "*"; they return names and ids, and every change is fenced by tag or type',
  ),
  wildcardResourceExemption(
    ["AwsManagedKeys"],
    "the AWS-managed keys RDS and Secrets Manager use have ids unknown ahead; grants only for AWS resources, in the project region",
  ),
  wildcardResourceExemption(
    ["DescribeKeys"],
    'kms:ListAliases accepts only "*"; read-only key metadata, in the regions the environment has keys in (its own and us-east-1)',
  ),
  wildcardResourceExemption(["WhoAmI"], "sts:GetCallerIdentity has no resource and needs no permission"),
  wildcardResourceExemption(
    ["CreateAlarmKeys"],
    "kms:CreateKey names no key (AWS assigns its id): " +
      "only with the environment's Environment tag on the request, in the project region and us-east-1",
  ),
  wildcardResourceExemption(
    ["ListAlarmsAndDashboards"],
    'listing alarms and dashboards names none (IAM accepts only "*"); read-only, in the project region',
  ),
  wildcardResourceExemption(
    ["DescribeUsEast1Alarms"],
    "cloudwatch:DescribeAlarms lists alarms without naming one; read-only, in us-east-1 (CloudFront's alarm) only",
  ),
];
