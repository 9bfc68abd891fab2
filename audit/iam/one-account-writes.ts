/**
 * What the IAM fence between environments cannot hold when they share an account (README "Two
 * layouts"): every write of one environment's deploy role on another environment's resources that the
 * fence test (__tests__/iam-fence.test.ts) finds allowed, each with why no policy can refuse it. The
 * test asserts the measured list equals this one, so a widened grant fails it; the README and the
 * audit print it. In an account per environment the list is empty (the test asserts that too).
 */

/** One write the one-account fence lets through, in both directions (stage on prod, prod on stage). */
export interface CrossEnvironmentWrite {
  readonly action: string;
  /** The kind of resource, as the fence's inventory names it (audit/iam/inventory.ts). */
  readonly kind: string;
  readonly reason: string;
}

const UNTAGGABLE_CLOUDFRONT =
  "CloudFront's origin access controls and response headers policies take no tags and IAM names them by an id AWS " +
  "assigns, with no condition key for their names: deleting another environment's is allowed, and CloudFront refuses " +
  "it while a distribution uses the object (updates are denied in a shared account)";

export const ONE_ACCOUNT_CROSS_ENVIRONMENT_WRITES: readonly CrossEnvironmentWrite[] = [
  { action: "cloudfront:DeleteOriginAccessControl", kind: "aws_cloudfront_origin_access_control", reason: UNTAGGABLE_CLOUDFRONT },
  { action: "cloudfront:DeleteResponseHeadersPolicy", kind: "aws_cloudfront_response_headers_policy", reason: UNTAGGABLE_CLOUDFRONT },
  {
    action: "ecs:DeregisterTaskDefinition",
    kind: "account-wide",
    reason:
      'IAM authorises it on "*" only (no task definition named, no tag sent): a deploy role that registers task ' +
      "definitions may deregister any of the account's; running tasks keep running, a new deployment of the other " +
      "environment fails until it registers a revision again",
  },
];

/**
 * What IAM never sees, so no simulated call can show it: request parameters that name another
 * environment's resources. Listed with the fence's writes in the README and the audit.
 */
export const ONE_ACCOUNT_UNSEEN_BY_IAM: readonly { readonly what: string; readonly reason: string }[] = [
  {
    what: "ecs:CreateService and ecs:UpdateService parameters",
    reason:
      "the target group, subnets and security groups a service names are parameters IAM does not evaluate: a service " +
      "of one environment may register with another's target group and take its traffic, or join its database's security group",
  },
];
