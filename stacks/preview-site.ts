import { DataAwsCloudfrontDistribution } from "@cdktf/provider-aws/lib/data-aws-cloudfront-distribution";
import { DataAwsS3BucketPolicy } from "@cdktf/provider-aws/lib/data-aws-s3-bucket-policy";
import { Fn, TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { Naming } from "../config/naming";
import { previewSitePrefix } from "../config/preview-naming";
import type { EnvironmentConfig } from "../config/types";
import { siteUrl } from "../constructs/static-site";

/** Where a preview's static site goes and is served (the stack's outputs site_bucket, site_prefix and site_url). */
export interface PreviewSite {
  /** The host's site bucket (Naming.siteBucket): the preview owns only its prefix in it. */
  readonly bucket: string;
  /** `previews/pr-<n>/` (previewSitePrefix). */
  readonly prefix: string;
  /** `<host site URL>/previews/pr-<n>/index.html`. */
  readonly url: string;
}

/**
 * A preview's static site (README "Previews"): files under `previews/pr-<n>/` of the host's site
 * bucket, served by the host's distribution; no distribution per preview (one takes minutes to
 * create). The workflow uploads them after the apply and deletes them on destroy; Terraform manages
 * none of them. The host's address is found without reading the host's state: its custom domain from
 * the config, or else its distribution, named by the one statement of the bucket's policy that lets
 * CloudFront read (StaticSite's AllowCloudFrontRead, whose condition is the distribution's ARN).
 */
export function addPreviewSite(scope: Construct, naming: Naming, host: EnvironmentConfig, n: number): PreviewSite {
  const bucket = naming.siteBucket(host.name);
  const prefix = previewSitePrefix(n);
  const domain = host.site.domain?.domainName;
  const distributionDomainName = domain ? "" : hostDistribution(scope, bucket).domainName;
  const url = `${siteUrl(domain, distributionDomainName)}/${prefix}index.html`;
  new TerraformOutput(scope, "site_bucket", {
    value: bucket,
    description: "The host's site bucket: the preview's site goes under site_prefix",
  });
  new TerraformOutput(scope, "site_prefix", { value: prefix, description: "Prefix of the preview's static site in site_bucket" });
  new TerraformOutput(scope, "site_url", { value: url, description: "Address of the preview's static site (the host's distribution)" });
  return { bucket, prefix, url };
}

/** The host's distribution, by the ARN its site bucket's policy names. */
function hostDistribution(scope: Construct, bucket: string): DataAwsCloudfrontDistribution {
  const policy = new DataAwsS3BucketPolicy(scope, "host-site-bucket-policy", { bucket });
  const id = Fn.element(Fn.regex(":distribution/([A-Za-z0-9]+)", policy.policy), 0);
  return new DataAwsCloudfrontDistribution(scope, "host-site-distribution", { id });
}
