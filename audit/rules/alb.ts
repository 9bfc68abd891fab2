import type { AuditContext } from "../context";
import { asNumber, block, blocks, isFalse, isTrue, referencedAddress } from "../terraform";
import { type AuditTarget, fail, notApplicable, pass, type Rule } from "../types";

const LOAD_BALANCERS = ["aws_lb", "aws_alb"];
const LISTENERS = ["aws_lb_listener", "aws_alb_listener"];

const isApplication = (lb: AuditTarget): boolean => String(lb.body.load_balancer_type ?? "application") === "application";

/** An ALB listener without a protocol serves HTTP (HTTPS needs one set explicitly with a certificate). */
const protocolOf = (listener: AuditTarget): string => String(listener.body.protocol ?? "HTTP").toUpperCase();

function loadBalancerOf(listener: AuditTarget, context: AuditContext): AuditTarget | undefined {
  return context.get(referencedAddress(listener.body.load_balancer_arn));
}

export const albDropInvalidHeaders: Rule = {
  id: "ALB-DROP-INVALID-HEADERS",
  rationale: "The load balancer drops requests with malformed header names instead of passing them to the application.",
  controls: ["ELB.4", "CKV_AWS_131", "AVD-AWS-0052"],
  appliesTo: LOAD_BALANCERS,
  check(lb) {
    if (!isApplication(lb)) return notApplicable("not an application load balancer");
    return isTrue(lb.body.drop_invalid_header_fields)
      ? pass("drops invalid header fields")
      : fail("passes invalid header fields on; set drop_invalid_header_fields = true");
  },
};

/** TLS 1.2+ with forward secrecy: the TLS 1.3 family and the FS "Res" policies. */
const MODERN_TLS_POLICY = /^ELBSecurityPolicy-(TLS13-1-[23]-|FS-1-2-Res-)/;

export const albTlsPolicy: Rule = {
  id: "ALB-TLS-POLICY",
  rationale: "HTTPS listeners negotiate TLS 1.2 or newer with forward-secret ciphers only.",
  controls: ["CKV_AWS_103", "AVD-AWS-0047"],
  appliesTo: LISTENERS,
  check(listener) {
    const protocol = protocolOf(listener);
    if (protocol !== "HTTPS" && protocol !== "TLS") return notApplicable(`a ${protocol} listener`);
    const policy = listener.body.ssl_policy;
    if (typeof policy !== "string")
      return fail("sets no ssl_policy (the default accepts TLS 1.0); use ELBSecurityPolicy-TLS13-1-2-2021-06");
    return MODERN_TLS_POLICY.test(policy)
      ? pass(`uses ${policy}`)
      : fail(`uses ${policy}; use a TLS 1.2+ forward-secret policy such as ELBSecurityPolicy-TLS13-1-2-2021-06`);
  },
};

export const albHttpRedirectsToHttps: Rule = {
  id: "ALB-HTTP-REDIRECTS-TO-HTTPS",
  rationale: "Plain HTTP only redirects to HTTPS; nothing is served unencrypted.",
  controls: ["ELB.1", "CKV_AWS_2", "CKV2_AWS_20", "AVD-AWS-0054"],
  appliesTo: LISTENERS,
  check(listener, context) {
    if (protocolOf(listener) !== "HTTP") return notApplicable(`a ${protocolOf(listener)} listener`);
    const lb = loadBalancerOf(listener, context);
    if (lb && !isApplication(lb)) return notApplicable("a listener of a network load balancer");
    const actions = blocks(listener.body.default_action).sort((a, b) => (asNumber(a.order) ?? 0) - (asNumber(b.order) ?? 0));
    const first = actions[0];
    if (first?.type === "redirect" && String(block(first.redirect)?.protocol ?? "").toUpperCase() === "HTTPS") {
      return pass("redirects HTTP to HTTPS");
    }
    const httpsSiblings = lb
      ? LISTENERS.flatMap((t) => context.resources(t)).filter(
          (l) => l !== listener && protocolOf(l) === "HTTPS" && referencedAddress(l.body.load_balancer_arn) === lb.address,
        )
      : [];
    return fail(
      `serves plain HTTP (default action ${String(first?.type ?? "none")})` +
        (httpsSiblings.length > 0
          ? " although the load balancer has an HTTPS listener; make the default action a redirect to HTTPS"
          : "; the load balancer has no HTTPS listener: add one with a certificate and redirect port 80 to it"),
    );
  },
};

export const albTargetGroupHealthCheck: Rule = {
  id: "ALB-TARGET-GROUP-HEALTH-CHECK",
  rationale: "The load balancer probes an explicit health path, so traffic only reaches tasks that answer it.",
  controls: ["CKV_AWS_261"],
  appliesTo: ["aws_lb_target_group", "aws_alb_target_group"],
  check(group) {
    if (group.body.target_type === "lambda") return notApplicable("a Lambda target group");
    const protocol = String(group.body.protocol ?? "HTTP").toUpperCase();
    if (protocol !== "HTTP" && protocol !== "HTTPS") return notApplicable(`a ${protocol} target group`);
    const check = block(group.body.health_check);
    if (!check || isFalse(check.enabled)) return fail("has no enabled health_check; add one with a path such as /health");
    const path = check.path;
    return typeof path === "string" && path.startsWith("/")
      ? pass(`health check probes ${path}`)
      : fail("the health check has no path (the default / may not reflect the application's health); set health_check.path");
  },
};

export const albDeletionProtection: Rule = {
  id: "ALB-DELETION-PROTECTION",
  productionOnly: true,
  rationale: "In production the load balancer, and the DNS name clients use, cannot be deleted by a stray destroy.",
  controls: ["ELB.6", "CKV_AWS_150"],
  appliesTo: LOAD_BALANCERS,
  check(lb, context) {
    if (!context.isProduction) return notApplicable(`required in production only (stack tier ${context.tier})`);
    return isTrue(lb.body.enable_deletion_protection)
      ? pass("deletion protection is on")
      : fail("deletion protection is off; set enable_deletion_protection = true");
  },
};

export const albAccessLogs: Rule = {
  id: "ALB-ACCESS-LOGS",
  productionOnly: true,
  rationale: "In production every request the load balancer handles is logged for incident analysis.",
  controls: ["ELB.5", "CKV_AWS_91"],
  appliesTo: LOAD_BALANCERS,
  check(lb, context) {
    if (!context.isProduction) return notApplicable(`required in production only (stack tier ${context.tier})`);
    const logs = block(lb.body.access_logs);
    return logs && isTrue(logs.enabled ?? true) && typeof logs.bucket === "string" && logs.bucket !== ""
      ? pass("writes access logs to a bucket")
      : fail("writes no access logs; set access_logs { bucket = ..., enabled = true }");
  },
};

export const ALB_RULES: readonly Rule[] = [
  albDropInvalidHeaders,
  albTlsPolicy,
  albHttpRedirectsToHttps,
  albTargetGroupHealthCheck,
  albDeletionProtection,
  albAccessLogs,
];
