import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { readExemptions } from "../lib/audit-exemptions";
import {
  type ApiOverrides,
  type BuiltApi,
  buildApi,
  CERT_ARN,
  HTTPS_AND_LOGS,
  output,
  ref,
  statements,
  withMetadata,
} from "./support/api-fixture";
import { addresses, only, resources, type SynthesizedTerraform } from "./support/synth";

const withLoadBalancer = (loadBalancer: ApiOverrides["loadBalancer"]) => buildApi({ loadBalancer });

function ingressRules(tf: SynthesizedTerraform) {
  return {
    albSg: ref(tf, "aws_security_group", "id", (r) => r.name === "acme-stage-api-alb"),
    ingress: Object.values(resources(tf, "aws_vpc_security_group_ingress_rule")),
  };
}

describe("ApiLoadBalancer", () => {
  it("is an internet-facing ALB in the public subnets that drops invalid headers", () => {
    const { synth, tf } = buildApi();
    expect(synth).toHaveResourceWithProperties(Lb, {
      name: "acme-stage-api",
      load_balancer_type: "application",
      internal: false,
      subnets: ["subnet-pub-a", "subnet-pub-b"],
      security_groups: [ref(tf, "aws_security_group", "id", (r) => r.name === "acme-stage-api-alb")],
      drop_invalid_header_fields: true,
      enable_deletion_protection: false,
    });
  });

  it("takes deletion protection from props", () => {
    expect(withLoadBalancer({ deletionProtection: true }).synth).toHaveResourceWithProperties(Lb, { enable_deletion_protection: true });
  });

  it("targets task IPs on the target port with a quick drain and the health check", () => {
    const { synth } = withLoadBalancer({ targetPort: 9000, healthCheckPath: "/ready" });
    expect(synth).toHaveResourceWithProperties(LbTargetGroup, {
      name: "acme-stage-api",
      target_type: "ip",
      port: 9000,
      protocol: "HTTP",
      vpc_id: "vpc-0123",
      deregistration_delay: "30",
      health_check: { enabled: true, path: "/ready", matcher: "200", interval: 15, healthy_threshold: 2, unhealthy_threshold: 3 },
    });
  });

  it("checks /health on port 8000 by default", () => {
    const { tf, loadBalancer } = buildApi();
    expect(only(tf, "aws_lb_target_group").health_check.path).toBe("/health");
    expect(only(tf, "aws_lb_target_group").port).toBe(8000);
    expect(loadBalancer.targetPort).toBe(8000);
  });

  describe("security group", () => {
    it("has no inline rules", () => {
      const group = Object.values(resources(buildApi().tf, "aws_security_group")).find((r) => r.name === "acme-stage-api-alb");
      expect(group?.vpc_id).toBe("vpc-0123");
      expect(group).not.toHaveProperty("ingress");
      expect(group).not.toHaveProperty("egress");
    });

    it("opens only port 80 to the world without HTTPS", () => {
      const { tf } = buildApi();
      const { albSg, ingress } = ingressRules(tf);
      const open = ingress.filter((r) => r.cidr_ipv4 === "0.0.0.0/0" || r.cidr_ipv6 === "::/0");
      expect(open.map((r) => [r.security_group_id, r.from_port, r.to_port, r.ip_protocol])).toEqual([
        [albSg, 80, 80, "tcp"],
        [albSg, 80, 80, "tcp"],
      ]);
      expect(ingress.filter((r) => r.cidr_ipv4 !== undefined || r.cidr_ipv6 !== undefined)).toEqual(open);
    });

    it("opens only ports 80 and 443 to the world with HTTPS", () => {
      const { tf } = withLoadBalancer(HTTPS_AND_LOGS);
      const { albSg, ingress } = ingressRules(tf);
      const open = ingress.filter((r) => r.cidr_ipv4 !== undefined || r.cidr_ipv6 !== undefined);
      expect(open).toHaveLength(4);
      for (const rule of open) {
        expect(rule.security_group_id).toBe(albSg);
        expect([80, 443]).toContain(rule.from_port);
        expect(rule.to_port).toBe(rule.from_port);
        expect(rule.cidr_ipv4 ?? rule.cidr_ipv6).toMatch(/^(0\.0\.0\.0\/0|::\/0)$/);
      }
      expect(
        open
          .filter((r) => r.from_port === 443)
          .map((r) => r.cidr_ipv4 ?? r.cidr_ipv6)
          .sort(),
      ).toEqual(["0.0.0.0/0", "::/0"]);
    });
  });

  describe("listeners", () => {
    it("without HTTPS, are one HTTP listener on 80 that forwards to the target group", () => {
      const { synth, tf, loadBalancer } = buildApi();
      expect(Object.values(resources(tf, "aws_lb_listener"))).toHaveLength(1);
      expect(loadBalancer.listeners).toHaveLength(1);
      expect(synth).toHaveResourceWithProperties(LbListener, {
        load_balancer_arn: ref(tf, "aws_lb", "arn"),
        port: 80,
        protocol: "HTTP",
        default_action: [{ type: "forward", target_group_arn: ref(tf, "aws_lb_target_group", "arn") }],
      });
    });

    it("with HTTPS, serve 443 with TLS 1.3 and the certificate, and redirect 80 to 443", () => {
      const { synth, tf, loadBalancer } = withLoadBalancer(HTTPS_AND_LOGS);
      const listeners = Object.values(resources(tf, "aws_lb_listener"));
      expect(listeners).toHaveLength(2);
      expect(loadBalancer.listeners).toHaveLength(2);
      expect(synth).toHaveResourceWithProperties(LbListener, {
        port: 443,
        protocol: "HTTPS",
        ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        certificate_arn: CERT_ARN,
        default_action: [{ type: "forward", target_group_arn: ref(tf, "aws_lb_target_group", "arn") }],
      });
      expect(synth).toHaveResourceWithProperties(LbListener, {
        port: 80,
        protocol: "HTTP",
        default_action: [{ type: "redirect", redirect: { port: "443", protocol: "HTTPS", status_code: "HTTP_301" } }],
      });
      const http = listeners.find((l) => l.port === 80);
      expect(http?.default_action[0].target_group_arn).toBeUndefined();
    });

    it("record httpOnlyReason as the HTTP-only listener's exemption from ALB-HTTP-REDIRECTS-TO-HTTPS", () => {
      const reason = "no domain yet: stage serves plain HTTP";
      const listener = (built: BuiltApi) => only(withMetadata(built.stack), "aws_lb_listener");
      expect(readExemptions(listener(withLoadBalancer({ httpOnlyReason: reason })))).toEqual([
        { rule: "ALB-HTTP-REDIRECTS-TO-HTTPS", reason },
      ]);
      expect(readExemptions(listener(buildApi()))).toEqual([]);
    });
  });

  it("records its audit exemptions on the load balancer", () => {
    const exemption = { rule: "ALB-ACCESS-LOGS", reason: "accepted risk loadBalancer.accessLogs: no logs until launch" };
    const { stack } = withLoadBalancer({ auditExemptions: [exemption] });
    expect(readExemptions(only(withMetadata(stack), "aws_lb"))).toEqual([exemption]);
  });

  describe("access logs", () => {
    it("are off by default: no bucket and no access_logs block", () => {
      const { tf, loadBalancer } = buildApi();
      expect(resources(tf, "aws_s3_bucket")).toEqual({});
      expect(tf.data?.aws_elb_service_account).toBeUndefined();
      expect(only(tf, "aws_lb").access_logs).toBeUndefined();
      expect(loadBalancer.accessLogBucketName).toBeUndefined();
      expect(output(tf, "loadBalancer_accessLogBucketName")).toBeUndefined();
    });

    it("go to an SSE-S3 bucket the ELB account may write to, which the load balancer waits for", () => {
      const { synth, tf } = withLoadBalancer(HTTPS_AND_LOGS);
      expect(only(tf, "aws_s3_bucket").bucket).toBe("acme-prod-alb-logs");
      expect(synth).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
        rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }],
      });
      const lifecycle = only(tf, "aws_s3_bucket_lifecycle_configuration");
      expect(lifecycle.rule).toEqual(expect.arrayContaining([expect.objectContaining({ expiration: [{ days: 90 }] })]));

      const elbAccount = Object.keys(tf.data?.aws_elb_service_account ?? {});
      expect(elbAccount).toHaveLength(1);
      const accounts = Object.keys(tf.data?.aws_caller_identity ?? {}).filter((id) => id.startsWith("load-balancer_"));
      expect(accounts).toHaveLength(1);
      const bucketArn = ref(tf, "aws_s3_bucket", "arn");
      const delivery = statements(only(tf, "aws_s3_bucket_policy").policy).filter((s) => s.Effect === "Allow");
      expect(delivery).toEqual([
        {
          Sid: "AllowLoadBalancerLogDelivery",
          Effect: "Allow",
          Principal: { AWS: `\${data.aws_elb_service_account.${elbAccount[0]}.arn}` },
          Action: "s3:PutObject",
          Resource: `${bucketArn}/AWSLogs/\${data.aws_caller_identity.${accounts[0]}.account_id}/*`,
        },
      ]);

      const alb = only(tf, "aws_lb");
      expect(alb.access_logs).toEqual({ bucket: ref(tf, "aws_s3_bucket", "bucket"), enabled: true });
      expect(alb.depends_on).toEqual(addresses(tf, "aws_s3_bucket_policy"));
      expect(output(tf, "loadBalancer_accessLogBucketName")).toBe(ref(tf, "aws_s3_bucket", "bucket"));
    });

    it("expire after the configured days", () => {
      const { tf } = withLoadBalancer({ accessLogs: { bucketName: "b-logs", expirationDays: 30 } });
      expect(only(tf, "aws_s3_bucket_lifecycle_configuration").rule).toEqual(
        expect.arrayContaining([expect.objectContaining({ expiration: [{ days: 30 }] })]),
      );
    });
  });

  describe("attributes", () => {
    it("expose the resources' identifiers", () => {
      const { tf } = buildApi();
      expect(output(tf, "loadBalancer_securityGroupId")).toBe(ref(tf, "aws_security_group", "id", (r) => r.name === "acme-stage-api-alb"));
      expect(output(tf, "loadBalancer_loadBalancerArn")).toBe(ref(tf, "aws_lb", "arn"));
      expect(output(tf, "loadBalancer_loadBalancerDnsName")).toBe(ref(tf, "aws_lb", "dns_name"));
      expect(output(tf, "loadBalancer_loadBalancerArnSuffix")).toBe(ref(tf, "aws_lb", "arn_suffix"));
      expect(output(tf, "loadBalancer_targetGroupArn")).toBe(ref(tf, "aws_lb_target_group", "arn"));
      expect(output(tf, "loadBalancer_targetGroupArnSuffix")).toBe(ref(tf, "aws_lb_target_group", "arn_suffix"));
    });

    it("give an http URL on the load balancer's name without HTTPS", () => {
      expect(output(buildApi().tf, "loadBalancer_url")).toBe(`http://${ref(buildApi().tf, "aws_lb", "dns_name")}`);
    });

    it("give an https URL on the domain with HTTPS", () => {
      expect(output(withLoadBalancer(HTTPS_AND_LOGS).tf, "loadBalancer_url")).toBe("https://api.example.com");
    });
  });

  describe("validation", () => {
    it("accepts the longest name that fits", () => {
      expect(() => withLoadBalancer({ name: "a".repeat(32) })).not.toThrow();
    });

    it("rejects a name longer than 32 characters", () => {
      expect(() => withLoadBalancer({ name: "a".repeat(33) })).toThrow(
        /ApiLoadBalancer: name "a{33}" \(33 characters\) is not a load balancer name: use at most 32/,
      );
    });

    it("rejects a name with characters ELB refuses", () => {
      expect(() => withLoadBalancer({ name: "acme_stage" })).toThrow(/name "acme_stage" .* letters, digits and hyphens/);
      expect(() => withLoadBalancer({ name: "acme-" })).toThrow(/name "acme-"/);
    });

    it("rejects a target port outside 1..65535", () => {
      expect(() => withLoadBalancer({ targetPort: 0 })).toThrow(/targetPort 0 must be a whole number from 1 to 65535/);
      expect(() => withLoadBalancer({ targetPort: 70000 })).toThrow(/targetPort 70000/);
    });

    it("rejects a health check path without a leading slash", () => {
      expect(() => withLoadBalancer({ healthCheckPath: "health" })).toThrow(
        /healthCheckPath "health" must start with "\/"; use e.g. "\/health"/,
      );
    });

    it("checks https and deletionProtection by the configuration schema's rules", () => {
      expect(() => withLoadBalancer({ https: { domainName: "API.example", certificateArn: CERT_ARN } })).toThrow(
        /^ApiLoadBalancer: https \{"domainName":"API.example",.*\} is not a domain name; use e.g. "api.example.com"$/,
      );
      expect(() => withLoadBalancer({ deletionProtection: "true" as unknown as boolean })).toThrow(
        /deletionProtection "true" must be true or false/,
      );
    });
  });
});
