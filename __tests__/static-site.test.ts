import { CloudfrontDistribution } from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { CloudfrontOriginAccessControl } from "@cdktf/provider-aws/lib/cloudfront-origin-access-control";
import { CloudfrontResponseHeadersPolicy } from "@cdktf/provider-aws/lib/cloudfront-response-headers-policy";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { TerraformOutput, TerraformStack, Testing } from "cdktf";
import { CACHING_OPTIMIZED_POLICY_ID, StaticSite, type StaticSiteProps } from "../constructs/static-site";
import { addresses, only, parse, resources } from "./support/synth";

const CERT_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789";
const BASE: StaticSiteProps = {
  namePrefix: "acme-stage",
  bucketName: "acme-stage-site-123456789012",
  priceClass: "PriceClass_100",
};

function build(props: Partial<StaticSiteProps> = {}) {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const site = new StaticSite(stack, "site", { ...BASE, ...props });
  // Outputs make the attributes' tokens resolve in the synthesized JSON.
  new TerraformOutput(stack, "site_url", { value: site.siteUrl });
  new TerraformOutput(stack, "distribution_id", { value: site.distributionId });
  new TerraformOutput(stack, "distribution_arn", { value: site.distributionArn });
  new TerraformOutput(stack, "distribution_domain_name", { value: site.distributionDomainName });
  new TerraformOutput(stack, "bucket_name", { value: site.bucketName });
  new TerraformOutput(stack, "bucket_arn", { value: site.bucketArn });
  const synth = Testing.synth(stack);
  return { synth, tf: parse(synth) };
}

function newSite(props: Partial<StaticSiteProps>) {
  return () => build(props);
}

interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: Record<string, unknown>;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

function bucketPolicyStatements(tf: ReturnType<typeof parse>): Statement[] {
  const policy = only<{ policy: string }>(tf, "aws_s3_bucket_policy");
  return (JSON.parse(policy.policy) as { Statement: Statement[] }).Statement;
}

function distribution(tf: ReturnType<typeof parse>) {
  return only<Record<string, any>>(tf, "aws_cloudfront_distribution");
}

function csp(tf: ReturnType<typeof parse>): string {
  const policy = only<Record<string, any>>(tf, "aws_cloudfront_response_headers_policy");
  return policy.security_headers_config.content_security_policy.content_security_policy;
}

describe("StaticSite bucket", () => {
  const { synth, tf } = build();

  test("is private: all four public access block flags", () => {
    expect(synth).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  test("enforces bucket-owner ownership (no ACLs)", () => {
    expect(synth).toHaveResourceWithProperties(S3BucketOwnershipControls, {
      rule: { object_ownership: "BucketOwnerEnforced" },
    });
  });

  test("is encrypted with SSE-S3, which CloudFront's OAC reads without key grants", () => {
    expect(synth).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }],
    });
  });

  test("is versioned", () => {
    expect(synth).toHaveResourceWithProperties(S3BucketVersioningA, {
      versioning_configuration: { status: "Enabled" },
    });
  });

  test("has the given name and is never force-destroyed", () => {
    expect(synth).toHaveResourceWithProperties(S3Bucket, {
      bucket: "acme-stage-site-123456789012",
      force_destroy: false,
    });
  });

  test("keeps its Terraform address (renaming the construct id would replace the bucket)", () => {
    expect(addresses(tf, "aws_s3_bucket")).toEqual(["aws_s3_bucket.site_bucket_DFA168EB"]);
  });

  test("has no website configuration and CloudFront has no legacy origin access identity", () => {
    expect(resources(tf, "aws_s3_bucket_website_configuration")).toEqual({});
    expect(resources(tf, "aws_cloudfront_origin_access_identity")).toEqual({});
    expect(synth).not.toMatch(/website|origin_access_identity/);
    expect(distribution(tf).origin[0].s3_origin_config).toBeUndefined();
  });
});

describe("StaticSite bucket policy", () => {
  const { tf } = build();
  const statements = bucketPolicyStatements(tf);
  const bucketArn = "${aws_s3_bucket.site_bucket_DFA168EB.arn}";

  test("keeps the TLS-only deny", () => {
    const deny = statements.find((s) => s.Sid === "DenyInsecureTransport");
    expect(deny).toMatchObject({
      Effect: "Deny",
      Action: "s3:*",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });

  test("lets only this distribution read objects, through the CloudFront service principal", () => {
    const allows = statements.filter((s) => s.Effect === "Allow");
    expect(allows).toHaveLength(1);
    const [read] = allows;
    expect(read.Principal).toEqual({ Service: "cloudfront.amazonaws.com" });
    expect([read.Action].flat()).toEqual(["s3:GetObject"]);
    expect([read.Resource].flat()).toEqual([`${bucketArn}/*`]);
    expect(read.Condition).toEqual({
      StringEquals: { "AWS:SourceArn": "${aws_cloudfront_distribution.site_distribution_144BC85A.arn}" },
    });
  });

  test("grants nothing to AWS principals or to everyone", () => {
    for (const s of statements.filter((st) => st.Effect === "Allow")) {
      expect(s.Principal).not.toHaveProperty("AWS");
      expect(s.Principal).not.toBe("*");
    }
  });
});

describe("StaticSite origin access control", () => {
  const { synth, tf } = build();

  test("signs every request to S3 with SigV4", () => {
    expect(synth).toHaveResourceWithProperties(CloudfrontOriginAccessControl, {
      name: "acme-stage-site",
      origin_access_control_origin_type: "s3",
      signing_behavior: "always",
      signing_protocol: "sigv4",
    });
  });

  test("is the distribution's only origin, pointing at the bucket's regional name", () => {
    const origins = distribution(tf).origin as Record<string, string>[];
    expect(origins).toHaveLength(1);
    expect(origins[0]).toMatchObject({
      domain_name: "${aws_s3_bucket.site_bucket_DFA168EB.bucket_regional_domain_name}",
      origin_access_control_id: expect.stringMatching(/^\$\{aws_cloudfront_origin_access_control\.[^.]+\.id\}$/),
    });
    expect(distribution(tf).default_cache_behavior.target_origin_id).toBe(origins[0].origin_id);
  });
});

describe("StaticSite distribution", () => {
  const { synth, tf } = build({ priceClass: "PriceClass_200" });

  test("is enabled, on IPv6, HTTP/2 and HTTP/3, with index.html as root and the price class given", () => {
    expect(synth).toHaveResourceWithProperties(CloudfrontDistribution, {
      enabled: true,
      is_ipv6_enabled: true,
      http_version: "http2and3",
      default_root_object: "index.html",
      price_class: "PriceClass_200",
      comment: "acme-stage static site",
      restrictions: { geo_restriction: { restriction_type: "none" } },
    });
  });

  test("redirects HTTP to HTTPS, compresses, caches with the managed CachingOptimized policy", () => {
    expect(CACHING_OPTIMIZED_POLICY_ID).toBe("658327ea-f89d-4fab-a63d-7e88639e58f6");
    expect(synth).toHaveResourceWithProperties(CloudfrontDistribution, {
      default_cache_behavior: expect.objectContaining({
        allowed_methods: ["GET", "HEAD", "OPTIONS"],
        cached_methods: ["GET", "HEAD"],
        viewer_protocol_policy: "redirect-to-https",
        compress: true,
        cache_policy_id: "658327ea-f89d-4fab-a63d-7e88639e58f6",
      }),
    });
    // The legacy forwarded_values block conflicts with a cache policy.
    expect(distribution(tf).default_cache_behavior.forwarded_values).toBeUndefined();
  });

  test("attaches the security headers policy", () => {
    expect(distribution(tf).default_cache_behavior.response_headers_policy_id).toBe(
      "${aws_cloudfront_response_headers_policy.site_security-headers_8CF9C0AE.id}",
    );
  });

  test("serves index.html for 403 and 404 (client-side routes)", () => {
    const errors = distribution(tf).custom_error_response as Record<string, unknown>[];
    expect(errors).toHaveLength(2);
    for (const code of [403, 404]) {
      expect(errors).toContainEqual({
        error_code: code,
        response_code: 200,
        response_page_path: "/index.html",
        error_caching_min_ttl: 10,
      });
    }
  });

  test("keeps waiting for deployment (the provider's default)", () => {
    expect(distribution(tf).wait_for_deployment).toBeUndefined();
  });
});

describe("StaticSite security headers", () => {
  const { synth, tf } = build({ apiOrigins: ["https://api.example.com", "https://auth.example.com"] });

  test("sends two years of HSTS with subdomains and preload", () => {
    expect(synth).toHaveResourceWithProperties(CloudfrontResponseHeadersPolicy, {
      name: "acme-stage-security-headers",
      security_headers_config: expect.objectContaining({
        strict_transport_security: {
          access_control_max_age_sec: 63072000,
          include_subdomains: true,
          preload: true,
          override: true,
        },
      }),
    });
  });

  test("denies framing, sniffing and cross-origin referrers; blocks reflected XSS", () => {
    expect(synth).toHaveResourceWithProperties(CloudfrontResponseHeadersPolicy, {
      security_headers_config: expect.objectContaining({
        content_type_options: { override: true },
        frame_options: { frame_option: "DENY", override: true },
        referrer_policy: { referrer_policy: "strict-origin-when-cross-origin", override: true },
        xss_protection: { protection: true, mode_block: true, override: true },
      }),
    });
  });

  test("the default CSP lets scripts call the API origins and nothing else", () => {
    const policy = only<Record<string, any>>(tf, "aws_cloudfront_response_headers_policy");
    expect(policy.security_headers_config.content_security_policy.override).toBe(true);
    const directives = csp(tf).split("; ");
    expect(directives).toContain("connect-src 'self' https://api.example.com https://auth.example.com");
    expect(directives).toEqual(
      expect.arrayContaining([
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self' 'unsafe-inline'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
      ]),
    );
  });

  test("without apiOrigins, connect-src is the site itself", () => {
    expect(csp(build().tf).split("; ")).toContain("connect-src 'self'");
  });

  test("a given CSP replaces the default", () => {
    const custom = "default-src 'self'; connect-src 'self' https://*.example.com";
    expect(csp(build({ contentSecurityPolicy: custom }).tf)).toBe(custom);
  });
});

describe("StaticSite certificate", () => {
  test("with a domain: alias, ACM certificate, SNI and TLS 1.2 (2021) at least", () => {
    const { synth, tf } = build({ domain: { domainName: "www.example.com", certificateArn: CERT_ARN } });
    expect(synth).toHaveResourceWithProperties(CloudfrontDistribution, {
      aliases: ["www.example.com"],
      viewer_certificate: {
        acm_certificate_arn: CERT_ARN,
        ssl_support_method: "sni-only",
        minimum_protocol_version: "TLSv1.2_2021",
      },
    });
    expect(distribution(tf).viewer_certificate.cloudfront_default_certificate).toBeUndefined();
    expect(tf.output?.site_url.value).toBe("https://www.example.com");
  });

  test("without a domain: CloudFront's certificate, no aliases, no ignored TLS setting", () => {
    const { tf } = build();
    const dist = distribution(tf);
    expect(dist.viewer_certificate).toEqual({ cloudfront_default_certificate: true });
    expect(dist.aliases).toBeUndefined();
    expect(tf.output?.site_url.value).toBe("https://${aws_cloudfront_distribution.site_distribution_144BC85A.domain_name}");
  });
});

describe("StaticSite attributes", () => {
  const { tf } = build();
  const dist = "aws_cloudfront_distribution.site_distribution_144BC85A";

  test("reference the distribution and the bucket", () => {
    expect(tf.output?.distribution_id.value).toBe(`\${${dist}.id}`);
    expect(tf.output?.distribution_arn.value).toBe(`\${${dist}.arn}`);
    expect(tf.output?.distribution_domain_name.value).toBe(`\${${dist}.domain_name}`);
    expect(tf.output?.bucket_name.value).toBe("${aws_s3_bucket.site_bucket_DFA168EB.bucket}");
    expect(tf.output?.bucket_arn.value).toBe("${aws_s3_bucket.site_bucket_DFA168EB.arn}");
  });
});

describe("StaticSite validation", () => {
  test("rejects a certificate outside us-east-1", () => {
    const certificateArn = CERT_ARN.replace("us-east-1", "eu-west-1");
    // The value is shortened to its start; the fix names both regions.
    expect(newSite({ domain: { domainName: "www.example.com", certificateArn } })).toThrow(
      /^StaticSite domain\.certificateArn "arn:aws:acm:eu-west-1:\d{12}:.* must be an ACM certificate ARN in us-east-1 .*, not eu-west-1$/,
    );
  });

  test("rejects a certificate ARN that is not an ACM ARN", () => {
    const certificateArn = "arn:aws:iam::123456789012:server-certificate/site";
    expect(newSite({ domain: { domainName: "www.example.com", certificateArn } })).toThrow(
      /^StaticSite domain\.certificateArn ".*server-certificate\/site" must be an ACM certificate ARN in us-east-1; use e\.g\./,
    );
  });

  test.each(["https://www.example.com", "www.example.com/", "*.example.com", "localhost", "WWW.Example.com", "-a.example.com"])(
    "rejects a malformed domain name (%s)",
    (domainName) => {
      expect(newSite({ domain: { domainName, certificateArn: CERT_ARN } })).toThrow(
        /^StaticSite domain\.domainName ".*" is not a domain name; use e\.g\. "www\.example\.com"$/,
      );
    },
  );

  test("accepts a well-formed domain and us-east-1 certificate", () => {
    expect(newSite({ domain: { domainName: "app.stage.example.co.uk", certificateArn: CERT_ARN } })).not.toThrow();
  });

  test.each(["", "Acme", "acme_stage", "a".repeat(48)])("rejects a name prefix that makes invalid names (%s)", (namePrefix) => {
    expect(newSite({ namePrefix })).toThrow(/namePrefix ".*" must be lowercase letters, digits and hyphens/);
  });

  test.each(["api.example.com", "https://api.example.com; script-src *", "https://a.example.com https://b.example.com"])(
    "rejects an API origin that is not a single origin (%s)",
    (origin) => {
      expect(newSite({ apiOrigins: [origin] })).toThrow(/apiOrigins entry ".*" is not an origin/);
    },
  );

  test("rejects apiOrigins together with a custom CSP, which would ignore them", () => {
    expect(newSite({ apiOrigins: ["https://api.example.com"], contentSecurityPolicy: "default-src 'self'" })).toThrow(
      /apiOrigins \["https:\/\/api\.example\.com"\] would be ignored because contentSecurityPolicy replaces/,
    );
  });

  test("rejects a CSP longer than CloudFront accepts", () => {
    const contentSecurityPolicy = `default-src 'self' ${"https://x.example.com ".repeat(100)}`;
    expect(newSite({ contentSecurityPolicy })).toThrow(/contentSecurityPolicy gives a Content-Security-Policy of \d+ characters/);
  });

  test("rejects an empty CSP", () => {
    expect(newSite({ contentSecurityPolicy: " " })).toThrow(/Content-Security-Policy of 1 characters/);
  });
});
