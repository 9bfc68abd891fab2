import { CloudfrontDistribution } from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { CloudfrontOriginAccessControl } from "@cdktf/provider-aws/lib/cloudfront-origin-access-control";
import { CloudfrontResponseHeadersPolicy } from "@cdktf/provider-aws/lib/cloudfront-response-headers-policy";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { certificateProblem } from "../config/aws";
import { checkProps, throwPropsProblems } from "../config/check-props";
import { SiteSchema } from "../config/schema";
import type { SiteConfig } from "../config/types";
import { exempt } from "../lib/audit-exemptions";
import { SecureBucket } from "./secure-bucket";

/**
 * AWS managed cache policy "Managed-CachingOptimized": no cookies, headers or query strings in the
 * cache key, gzip and brotli enabled, 1 day default TTL. Its id is the same in every account.
 */
export const CACHING_OPTIMIZED_POLICY_ID = "658327ea-f89d-4fab-a63d-7e88639e58f6";

/** Two years, the max-age the HSTS preload list requires (at least one year). */
const HSTS_MAX_AGE_SECONDS = 63_072_000;

/** CloudFront's quota for the Content-Security-Policy value of a response headers policy. */
const MAX_CSP_LENGTH = 1783;

/** Names derived from the prefix must fit the origin access control's 64-character limit. */
const MAX_NAME_PREFIX_LENGTH = 64 - "-security-headers".length;

/**
 * `priceClass` and `domain` are the configuration's `site` block, documented once in
 * config/schema-site.ts and checked with its schema. Without `domain`, the site is served on the
 * distribution's `*.cloudfront.net` name with CloudFront's certificate.
 */
export interface StaticSiteProps extends SiteConfig {
  /** Prefix of every name this construct gives a resource, e.g. `acme-stage`. */
  readonly namePrefix: string;
  /** Globally unique name of the bucket holding the site's files. */
  readonly bucketName: string;
  /**
   * Origins the site's scripts may call (e.g. `https://api.example.com`); they join `'self'` in the
   * default policy's `connect-src`. Only used by the default policy.
   * @default - the scripts may call the site's own origin only
   */
  readonly apiOrigins?: string[];
  /**
   * The Content-Security-Policy header, replacing the default one entirely.
   * @default - default-src 'self'; connect-src 'self' <apiOrigins>; img-src 'self' data:;
   *   style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; frame-ancestors 'none';
   *   form-action 'self'
   */
  readonly contentSecurityPolicy?: string;
}

/**
 * A single-page application served by CloudFront from a private S3 bucket. CloudFront reads the
 * bucket through an origin access control (SigV4-signed requests, the bucket policy allowing this
 * one distribution only); the bucket has no website endpoint and no public access. Every response
 * carries strict security headers, and unknown paths fall back to index.html for client-side routes.
 */
export class StaticSite extends Construct {
  /** Name of the bucket the site's files are uploaded to. */
  readonly bucketName: string;
  readonly bucketArn: string;
  /** Id of the distribution, for cache invalidations after an upload. */
  readonly distributionId: string;
  readonly distributionArn: string;
  /** The distribution's `*.cloudfront.net` host name (the target of a DNS alias for a custom domain). */
  readonly distributionDomainName: string;
  /** Where the site is served: `https://<domain>` with a custom domain, else the distribution's name. */
  readonly siteUrl: string;

  constructor(scope: Construct, id: string, props: StaticSiteProps) {
    super(scope, id);
    const apiOrigins = props.apiOrigins ?? [];
    validateProps(props, apiOrigins);
    const contentSecurityPolicy = props.contentSecurityPolicy ?? defaultContentSecurityPolicy(apiOrigins);
    validateContentSecurityPolicy(
      contentSecurityPolicy,
      props.contentSecurityPolicy === undefined ? "apiOrigins (in the default contentSecurityPolicy)" : "contentSecurityPolicy",
    );

    // The id "bucket" is a contract: renaming it changes the Terraform address and replaces the
    // bucket, deleting the site's files (or failing, as the bucket is never force-destroyed).
    const bucket = new SecureBucket(this, "bucket", { bucketName: props.bucketName });
    const originAccessControl = this.addOriginAccessControl(props);
    const headersPolicy = this.addSecurityHeaders(props.namePrefix, contentSecurityPolicy);
    const distribution = this.addDistribution(props, bucket, originAccessControl, headersPolicy);
    this.allowDistributionToRead(bucket, distribution);

    this.bucketName = bucket.bucketName;
    this.bucketArn = bucket.bucketArn;
    this.distributionId = distribution.id;
    this.distributionArn = distribution.arn;
    this.distributionDomainName = distribution.domainName;
    this.siteUrl = siteUrl(props.domain?.domainName, distribution.domainName);
  }

  /** The identity CloudFront signs its requests to the bucket with (SigV4, every request). */
  private addOriginAccessControl(props: StaticSiteProps): CloudfrontOriginAccessControl {
    return new CloudfrontOriginAccessControl(this, "origin-access-control", {
      name: `${props.namePrefix}-site`,
      description: `CloudFront reads ${props.bucketName}`,
      originAccessControlOriginType: "s3",
      signingBehavior: "always",
      signingProtocol: "sigv4",
    });
  }

  /** The security headers every response carries: HSTS (preload), nosniff, DENY framing, referrer policy, CSP. */
  private addSecurityHeaders(namePrefix: string, contentSecurityPolicy: string): CloudfrontResponseHeadersPolicy {
    return new CloudfrontResponseHeadersPolicy(this, "security-headers", {
      name: `${namePrefix}-security-headers`,
      comment: `Security headers of ${namePrefix}'s static site`,
      securityHeadersConfig: {
        strictTransportSecurity: {
          accessControlMaxAgeSec: HSTS_MAX_AGE_SECONDS,
          includeSubdomains: true,
          preload: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: "DENY", override: true },
        referrerPolicy: { referrerPolicy: "strict-origin-when-cross-origin", override: true },
        // Ignored by current browsers, which rely on the CSP; kept for older ones and for scanners.
        xssProtection: { protection: true, modeBlock: true, override: true },
        contentSecurityPolicy: { contentSecurityPolicy, override: true },
      },
    });
  }

  /**
   * The distribution: HTTPS only, the bucket as its one origin, the app shell for client-side routes,
   * and the custom domain's certificate or CloudFront's own.
   */
  private addDistribution(
    props: StaticSiteProps,
    bucket: SecureBucket,
    originAccessControl: CloudfrontOriginAccessControl,
    headersPolicy: CloudfrontResponseHeadersPolicy,
  ): CloudfrontDistribution {
    const { namePrefix, domain } = props;
    const originId = "site-bucket";
    const distribution = new CloudfrontDistribution(this, "distribution", {
      enabled: true,
      isIpv6Enabled: true,
      httpVersion: "http2and3",
      comment: `${namePrefix} static site`,
      defaultRootObject: "index.html",
      priceClass: props.priceClass,
      aliases: domain ? [domain.domainName] : undefined,
      origin: [
        {
          domainName: bucket.bucketRegionalDomainName,
          originId,
          originAccessControlId: originAccessControl.id,
        },
      ],
      defaultCacheBehavior: {
        targetOriginId: originId,
        allowedMethods: ["GET", "HEAD", "OPTIONS"],
        cachedMethods: ["GET", "HEAD"],
        viewerProtocolPolicy: "redirect-to-https",
        compress: true,
        cachePolicyId: CACHING_OPTIMIZED_POLICY_ID,
        responseHeadersPolicyId: headersPolicy.id,
      },
      // Client-side routes (/orders/42) are not objects: S3 answers 403 for a missing key (CloudFront
      // may not list the bucket) and 404 would follow if it could, so both serve the app shell.
      customErrorResponse: [403, 404].map((errorCode) => ({
        errorCode,
        responseCode: 200,
        responsePagePath: "/index.html",
        errorCachingMinTtl: 10,
      })),
      restrictions: { geoRestriction: { restrictionType: "none" } },
      viewerCertificate: domain
        ? {
            acmCertificateArn: domain.certificateArn,
            sslSupportMethod: "sni-only",
            minimumProtocolVersion: "TLSv1.2_2021",
          }
        : // No minimum_protocol_version here: with CloudFront's own certificate AWS forces the TLSv1
          // security policy whatever is sent, and the provider documents the field as custom-cert only.
          // A TLS 1.2 floor needs a custom domain.
          { cloudfrontDefaultCertificate: true },
      // wait_for_deployment stays at its default (true): an apply returns once the edges serve the
      // new configuration, so an upload or invalidation that follows sees it.
    });

    if (!domain) {
      exempt(
        distribution,
        "CLOUDFRONT-TLS-MINIMUM",
        "served on its *.cloudfront.net name (no custom domain): CloudFront's default certificate fixes the viewer TLS policy, " +
          "so minimum_protocol_version cannot be set",
      );
    }
    return distribution;
  }

  /** The bucket policy's statement letting this one distribution, and no other, read the site's files. */
  private allowDistributionToRead(bucket: SecureBucket, distribution: CloudfrontDistribution): void {
    bucket.addToResourcePolicy({
      Sid: "AllowCloudFrontRead",
      Effect: "Allow",
      Principal: { Service: "cloudfront.amazonaws.com" },
      Action: "s3:GetObject",
      Resource: `${bucket.bucketArn}/*`,
      // Any distribution in any account signs as the same service principal; only this one may read.
      Condition: { StringEquals: { "AWS:SourceArn": distribution.arn } },
    });
  }
}

/**
 * Where a site is served: `https://<domain>` with a custom domain, else the distribution's own name
 * (a preview's stack computes its host's address the same way, stacks/preview-site.ts).
 */
export function siteUrl(domainName: string | undefined, distributionDomainName: string): string {
  return `https://${domainName ?? distributionDomainName}`;
}

function defaultContentSecurityPolicy(apiOrigins: string[]): string {
  return [
    "default-src 'self'",
    ["connect-src 'self'", ...apiOrigins].join(" "),
    "img-src 'self' data:",
    "style-src 'self' 'unsafe-inline'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join("; ");
}

function validateProps(props: StaticSiteProps, apiOrigins: string[]): void {
  const { namePrefix, domain } = props;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(namePrefix) || namePrefix.length > MAX_NAME_PREFIX_LENGTH) {
    throw new Error(
      `StaticSite namePrefix "${namePrefix}" must be lowercase letters, digits and hyphens, at most ` +
        `${MAX_NAME_PREFIX_LENGTH} characters; use e.g. "acme-stage"`,
    );
  }

  // The configuration's checks of `site` (price class, domain name), then the certificate's region:
  // CloudFront takes certificates from us-east-1 only (the account is the stack's to know).
  checkProps(SiteSchema, { priceClass: props.priceClass, domain }, "StaticSite");
  const certificate = domain && certificateProblem(domain.certificateArn, "us-east-1", "CloudFront");
  if (domain && certificate) {
    throwPropsProblems("StaticSite", [{ setting: "domain.certificateArn", value: domain.certificateArn, fix: certificate }]);
  }

  for (const origin of apiOrigins) {
    // A space, semicolon or quote would end the source list or the directive and corrupt the policy.
    if (!Token.isUnresolved(origin) && !/^[a-z][a-z0-9+.-]*:\/\/[^\s;,'"]+$/i.test(origin)) {
      throw new Error(`StaticSite apiOrigins entry "${origin}" is not an origin; use e.g. "https://api.example.com"`);
    }
  }

  if (props.contentSecurityPolicy !== undefined && props.apiOrigins !== undefined) {
    throw new Error(
      `StaticSite apiOrigins ${JSON.stringify(props.apiOrigins)} would be ignored because ` +
        `contentSecurityPolicy replaces the default policy; put the origins in its connect-src and ` +
        `drop apiOrigins, or drop contentSecurityPolicy`,
    );
  }
}

function validateContentSecurityPolicy(policy: string, setting: string): void {
  if (Token.isUnresolved(policy)) return;
  if (policy.trim() === "" || policy.length > MAX_CSP_LENGTH) {
    throw new Error(
      `StaticSite ${setting} gives a Content-Security-Policy of ${policy.length} characters ` +
        `("${policy.slice(0, 40)}..."); CloudFront accepts 1 to ${MAX_CSP_LENGTH}; shorten it ` +
        `(e.g. a wildcard host such as "https://*.example.com" instead of listing hosts)`,
    );
  }
}
