/**
 * A preview's static site in the preview role (README "Previews"): its files under `previews/pr-*`
 * of the host's site bucket, and the reads its stack's lookup of the host's distribution makes
 * (stacks/preview-site.ts). The writes are the host's bucket's, so the fence test finds them and
 * audit/iam/preview-writes.ts lists them with their reason. The site bucket is SSE-S3
 * (StaticSite's SecureBucket has no KMS key: CloudFront's origin access reads it without a key grant),
 * so no KMS use is granted.
 */
import { PREVIEW_SITE_PREFIX_PATTERN } from "../../config/preview-naming";
import type { PolicyStatement } from "../../lib/policy";
import { STORAGE_FAMILY } from "./families";
import { DISTRIBUTION_FAMILY } from "./families-named";
import { pick } from "./preview-families";
import { allow, type PermissionsContext } from "./statements";

/** What a preview's site takes: the upload and the destroy's deletion, the listing both make, and the host's address. */
export const PREVIEW_SITE = {
  /**
   * `aws s3 sync --delete` on deploy; on destroy every version under `previews/pr-<n>/` deleted (the
   * bucket is versioned: a plain delete would leave the files billed as noncurrent versions). No
   * s3:GetObject: sync compares listings, never reads an object (it would be a data read of the host's bucket).
   */
  files: pick(STORAGE_FAMILY, ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"]),
  list: pick(STORAGE_FAMILY, ["s3:ListBucket", "s3:ListBucketVersions"]),
  /** data aws_s3_bucket_policy (the distribution's ARN is in it) and data aws_cloudfront_distribution (its name). */
  /** One of the storage family's s3:GetBucket* reads. */
  bucketPolicy: ["s3:GetBucketPolicy"],
  distribution: pick(DISTRIBUTION_FAMILY, ["cloudfront:GetDistribution", "cloudfront:ListTagsForResource"]),
} as const;

/** The preview role's statements for the previews' sites in the host's site bucket. */
export function previewSiteStatements(ctx: PermissionsContext, host: string): PolicyStatement[] {
  const bucket = `arn:aws:s3:::${ctx.naming.siteBucket(host)}`;
  const site = PREVIEW_SITE;
  return [
    // IAM cannot tell one preview's prefix from another's: any preview's run may write under any previews/pr-*/.
    allow("PreviewSiteFiles", [...site.files], `${bucket}/${PREVIEW_SITE_PREFIX_PATTERN}/*`),
    allow("ListPreviewSiteFiles", [...site.list], bucket, { StringLike: { "s3:prefix": PREVIEW_SITE_PREFIX_PATTERN } }),
    allow("ReadHostSiteBucketPolicy", [...site.bucketPolicy], bucket),
    allow("ReadHostDistribution", [...site.distribution], `arn:aws:cloudfront::${ctx.accountId}:distribution/*`),
  ];
}
