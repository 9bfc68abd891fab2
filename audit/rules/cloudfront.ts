import type { AuditContext } from "../context";
import { block, blocks, isTrue, refersTo } from "../terraform";
import { type AuditTarget, type Block, type CheckResult, fail, notApplicable, pass, type Rule } from "../types";

const DISTRIBUTION = "aws_cloudfront_distribution";

/** The default cache behavior and every ordered one, named for findings. */
function cacheBehaviors(distribution: AuditTarget): { name: string; behavior: Block }[] {
  const behaviors: { name: string; behavior: Block }[] = [];
  const fallback = block(distribution.body.default_cache_behavior);
  if (fallback) behaviors.push({ name: "default_cache_behavior", behavior: fallback });
  blocks(distribution.body.ordered_cache_behavior).forEach((b, i) => {
    behaviors.push({ name: `ordered_cache_behavior[${i}] ${String(b.path_pattern ?? "")}`.trim(), behavior: b });
  });
  return behaviors;
}

export const cloudfrontHttpsViewers: Rule = {
  id: "CLOUDFRONT-HTTPS-VIEWERS",
  rationale: "Viewers reach the distribution over HTTPS only (HTTP redirects); nothing is served in clear text.",
  controls: ["CloudFront.3", "CKV_AWS_34", "AVD-AWS-0012"],
  appliesTo: [DISTRIBUTION],
  check(distribution) {
    const behaviors = cacheBehaviors(distribution);
    if (behaviors.length === 0) return fail("has no cache behavior");
    return behaviors.map(({ name, behavior }) => {
      const policy = behavior.viewer_protocol_policy;
      return policy === "redirect-to-https" || policy === "https-only"
        ? pass(`viewer protocol policy ${policy}`, name)
        : fail(`viewer protocol policy ${String(policy)}; use redirect-to-https or https-only`, name);
    });
  },
};

/** True when an origin is an S3 bucket's REST endpoint (website endpoints are custom origins). */
function isS3Origin(origin: Block, context: AuditContext): boolean {
  const domain = origin.domain_name;
  if (typeof domain !== "string") return false;
  if (context.resources("aws_s3_bucket").some((b) => refersTo(domain, b.address))) return true;
  return /\.s3[.-]/.test(domain) && !domain.includes("s3-website");
}

export const cloudfrontOriginAccessControl: Rule = {
  id: "CLOUDFRONT-ORIGIN-ACCESS-CONTROL",
  rationale: "CloudFront reads S3 origins through an origin access control (SigV4), not the legacy origin access identity.",
  controls: ["CloudFront.13"],
  appliesTo: [DISTRIBUTION],
  check(distribution, context) {
    const results: CheckResult[] = blocks(distribution.body.origin)
      .filter((o) => isS3Origin(o, context))
      .map((origin) => {
        const name = String(origin.origin_id ?? origin.domain_name);
        const identity = block(origin.s3_origin_config)?.origin_access_identity;
        if (typeof identity === "string" && identity !== "") {
          return fail("reads the bucket with an origin access identity (legacy); use an origin access control", name);
        }
        return typeof origin.origin_access_control_id === "string" && origin.origin_access_control_id !== ""
          ? pass("reads the bucket through an origin access control", name)
          : fail("has no origin_access_control_id, so the bucket must be public to serve it; add an origin access control", name);
      });
    return results.length > 0 ? results : notApplicable("has no S3 origin");
  },
};

export const cloudfrontDefaultRootObject: Rule = {
  id: "CLOUDFRONT-DEFAULT-ROOT-OBJECT",
  rationale: "A request for / returns the site's index, not a listing or an error from the origin.",
  controls: ["CloudFront.1", "CKV_AWS_305"],
  appliesTo: [DISTRIBUTION],
  check(distribution) {
    const root = distribution.body.default_root_object;
    return typeof root === "string" && root !== ""
      ? pass(`default root object ${root}`)
      : fail('has no default_root_object; set it (e.g. "index.html")');
  },
};

export const cloudfrontResponseHeadersPolicy: Rule = {
  id: "CLOUDFRONT-RESPONSE-HEADERS-POLICY",
  rationale: "Every response carries security headers (HSTS, CSP, nosniff, frame options) from a response headers policy.",
  controls: ["CKV2_AWS_32"],
  appliesTo: [DISTRIBUTION],
  check(distribution) {
    const behaviors = cacheBehaviors(distribution);
    if (behaviors.length === 0) return fail("has no cache behavior");
    return behaviors.map(({ name, behavior }) =>
      typeof behavior.response_headers_policy_id === "string" && behavior.response_headers_policy_id !== ""
        ? pass("attaches a response headers policy", name)
        : fail("attaches no response headers policy; set response_headers_policy_id", name),
    );
  },
};

/** Viewer security policies with TLS 1.2 as the floor and no CBC/SHA1 ciphers. */
const MODERN_VIEWER_TLS = ["TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"];

export const cloudfrontTlsMinimum: Rule = {
  id: "CLOUDFRONT-TLS-MINIMUM",
  rationale: "Viewers negotiate TLS 1.2 or newer (TLSv1.2_2021 policy), which requires a custom certificate.",
  controls: ["CKV_AWS_174", "AVD-AWS-0013"],
  appliesTo: [DISTRIBUTION],
  check(distribution) {
    const certificate = block(distribution.body.viewer_certificate) ?? {};
    if (isTrue(certificate.cloudfront_default_certificate)) {
      return fail(
        "uses CloudFront's default *.cloudfront.net certificate, whose security policy AWS fixes at TLSv1; " +
          `serve a custom domain with an ACM certificate and minimum_protocol_version ${MODERN_VIEWER_TLS[0]}`,
      );
    }
    const minimum = certificate.minimum_protocol_version;
    return typeof minimum === "string" && MODERN_VIEWER_TLS.includes(minimum)
      ? pass(`minimum viewer protocol ${minimum}`)
      : fail(`minimum viewer protocol ${String(minimum ?? "unset (TLSv1)")}; set minimum_protocol_version ${MODERN_VIEWER_TLS[0]}`);
  },
};

export const CLOUDFRONT_RULES: readonly Rule[] = [
  cloudfrontHttpsViewers,
  cloudfrontOriginAccessControl,
  cloudfrontDefaultRootObject,
  cloudfrontResponseHeadersPolicy,
  cloudfrontTlsMinimum,
];
