/**
 * The deploy role's CloudFront statements (the static site's distribution and its untaggable
 * companions).
 *
 * Distributions are taggable, and IAM evaluates aws:ResourceTag and aws:RequestTag on the
 * distribution resource, so the deploy role may create only distributions tagged for its
 * environment and change only those. Origin access controls, response headers policies and cache
 * policies cannot be tagged, and their ARNs hold an id AWS assigns at creation (not the name), with
 * no condition key for the name: IAM cannot tell one environment's from another's. The role may
 * create them (named `<project>-<env>-...` by the constructs), read and list them, and delete them
 * (CloudFront refuses to delete one a distribution still uses); changing one in place is granted only
 * where the account hosts this environment alone (ExclusiveAccount) and is denied otherwise, so in
 * a shared account stage can never rewrite prod's origin signing or security headers.
 */
import type { PolicyStatement } from "../../lib/policy";
import { allow, deny, type PermissionsContext, requestTagged, resourceTagged } from "./statements";

const CLOUDFRONT_DISTRIBUTION_ACTIONS = [
  "cloudfront:UpdateDistribution",
  "cloudfront:DeleteDistribution",
  "cloudfront:GetDistribution",
  "cloudfront:GetDistributionConfig",
  "cloudfront:TagResource",
  "cloudfront:UntagResource",
  "cloudfront:ListTagsForResource",
  "cloudfront:CreateInvalidation",
  "cloudfront:GetInvalidation",
  "cloudfront:ListInvalidations",
];
/** Creates of the untaggable objects: IAM authorises them on "*" only (AWS assigns the id). */
const CLOUDFRONT_UNTAGGABLE_CREATES = ["cloudfront:CreateOriginAccessControl", "cloudfront:CreateResponseHeadersPolicy"];
const CLOUDFRONT_UNTAGGABLE_READ_DELETE = [
  "cloudfront:GetOriginAccessControl",
  "cloudfront:GetOriginAccessControlConfig",
  "cloudfront:DeleteOriginAccessControl",
  "cloudfront:GetResponseHeadersPolicy",
  "cloudfront:GetResponseHeadersPolicyConfig",
  "cloudfront:DeleteResponseHeadersPolicy",
  "cloudfront:GetCachePolicy",
  "cloudfront:GetCachePolicyConfig",
];
export const CLOUDFRONT_UNTAGGABLE_UPDATES = [
  "cloudfront:UpdateOriginAccessControl",
  "cloudfront:UpdateResponseHeadersPolicy",
  "cloudfront:UpdateCachePolicy",
  "cloudfront:DeleteCachePolicy",
];
/** CloudFront's list actions accept only "*" and reveal names and ids, not contents. */
const CLOUDFRONT_LIST_ACTIONS = [
  "cloudfront:ListDistributions",
  "cloudfront:ListOriginAccessControls",
  "cloudfront:ListResponseHeadersPolicies",
  "cloudfront:ListCachePolicies",
];

/**
 * Create and manage the environment's distributions (by tag), create, read and delete the
 * untaggable objects, update those only in an exclusive account, and list everything.
 */
export function cloudfrontStatements(ctx: PermissionsContext, environment: string, exclusiveAccount: boolean): PolicyStatement[] {
  const cloudfront = (type: string) => `arn:aws:cloudfront::${ctx.accountId}:${type}/*`;
  const untaggable = [cloudfront("origin-access-control"), cloudfront("response-headers-policy"), cloudfront("cache-policy")];
  return [
    // CreateDistribution names no distribution (IAM authorises it on "*"): only with the environment's tag on the request.
    allow("CreateOwnDistributions", "cloudfront:CreateDistribution", "*", requestTagged(environment)),
    allow("TagNewDistributions", "cloudfront:TagResource", cloudfront("distribution"), requestTagged(environment)),
    allow("OwnDistributions", CLOUDFRONT_DISTRIBUTION_ACTIONS, cloudfront("distribution"), resourceTagged(environment)),
    // After DeleteDistribution Terraform polls GetDistribution until NoSuchDistribution; a deleted
    // distribution has no tags, so under OwnDistributions' tag condition AWS would answer AccessDenied
    // and the destroy would fail. Reading a distribution's settings discloses no data.
    allow("ReadDistributions", "cloudfront:GetDistribution", cloudfront("distribution")),
    allow("CreateUntaggableSiteObjects", CLOUDFRONT_UNTAGGABLE_CREATES, "*"),
    allow("UntaggableSiteObjects", CLOUDFRONT_UNTAGGABLE_READ_DELETE, untaggable),
    exclusiveAccount
      ? allow("ExclusiveAccountUntaggableUpdates", CLOUDFRONT_UNTAGGABLE_UPDATES, untaggable)
      : deny("SharedAccountNoUntaggableUpdates", CLOUDFRONT_UNTAGGABLE_UPDATES),
    allow("ListSiteObjects", CLOUDFRONT_LIST_ACTIONS, "*"),
  ];
}
