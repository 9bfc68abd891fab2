import { ALB_RULES, CLOUDFRONT_RULES, VPC_RULES } from "../audit/rules";
import type { TerraformJson } from "../audit/types";
import { describeFixtures, ruleById } from "./support/audit-fixtures";
import { checkRule as results, withValue as set } from "./support/audit-testing";

const rule = ruleById;

const production = { tier: "production" as const };
const AZ_A = "${element(data.aws_availability_zones.azs.names, 0)}";
const AZ_B = "${element(data.aws_availability_zones.azs.names, 1)}";
const VPC_ID = "${aws_vpc.vpc.id}";

/** Two AZs: public subnets routed to the internet gateway, private ones each through the NAT gateway of their AZ. */
const network: TerraformJson = {
  resource: {
    aws_vpc: { vpc: { cidr_block: "10.10.0.0/16" } },
    aws_flow_log: { log: { vpc_id: VPC_ID, traffic_type: "ALL", log_destination: "${aws_cloudwatch_log_group.flow.arn}" } },
    aws_default_security_group: { default: { vpc_id: VPC_ID, ingress: [], egress: [] } },
    aws_internet_gateway: { igw: { vpc_id: VPC_ID } },
    aws_subnet: {
      "public-0": { vpc_id: VPC_ID, availability_zone: AZ_A, map_public_ip_on_launch: false, tags: { Tier: "public" } },
      "public-1": { vpc_id: VPC_ID, availability_zone: AZ_B, map_public_ip_on_launch: false, tags: { Tier: "public" } },
      "private-0": { vpc_id: VPC_ID, availability_zone: AZ_A, map_public_ip_on_launch: false, tags: { Tier: "private" } },
      "private-1": { vpc_id: VPC_ID, availability_zone: AZ_B, map_public_ip_on_launch: false, tags: { Tier: "private" } },
    },
    aws_nat_gateway: {
      "nat-0": { subnet_id: "${aws_subnet.public-0.id}", allocation_id: "${aws_eip.nat-0.allocation_id}" },
      "nat-1": { subnet_id: "${aws_subnet.public-1.id}", allocation_id: "${aws_eip.nat-1.allocation_id}" },
    },
    aws_route_table: { public: { vpc_id: VPC_ID }, "private-0": { vpc_id: VPC_ID }, "private-1": { vpc_id: VPC_ID } },
    aws_route: {
      public: {
        route_table_id: "${aws_route_table.public.id}",
        destination_cidr_block: "0.0.0.0/0",
        gateway_id: "${aws_internet_gateway.igw.id}",
      },
      "private-0": {
        route_table_id: "${aws_route_table.private-0.id}",
        destination_cidr_block: "0.0.0.0/0",
        nat_gateway_id: "${aws_nat_gateway.nat-0.id}",
      },
      "private-1": {
        route_table_id: "${aws_route_table.private-1.id}",
        destination_cidr_block: "0.0.0.0/0",
        nat_gateway_id: "${aws_nat_gateway.nat-1.id}",
      },
    },
    aws_route_table_association: {
      "public-0": { subnet_id: "${aws_subnet.public-0.id}", route_table_id: "${aws_route_table.public.id}" },
      "public-1": { subnet_id: "${aws_subnet.public-1.id}", route_table_id: "${aws_route_table.public.id}" },
      "private-0": { subnet_id: "${aws_subnet.private-0.id}", route_table_id: "${aws_route_table.private-0.id}" },
      "private-1": { subnet_id: "${aws_subnet.private-1.id}", route_table_id: "${aws_route_table.private-1.id}" },
    },
    aws_security_group: { alb: { vpc_id: VPC_ID }, tasks: { vpc_id: VPC_ID } },
    aws_lb: { alb: { load_balancer_type: "application", security_groups: ["${aws_security_group.alb.id}"] } },
    aws_vpc_security_group_ingress_rule: {
      "alb-443": {
        security_group_id: "${aws_security_group.alb.id}",
        cidr_ipv4: "0.0.0.0/0",
        ip_protocol: "tcp",
        from_port: 443,
        to_port: 443,
      },
      "alb-443-v6": {
        security_group_id: "${aws_security_group.alb.id}",
        cidr_ipv6: "::/0",
        ip_protocol: "tcp",
        from_port: 443,
        to_port: 443,
      },
      "tasks-from-alb": {
        security_group_id: "${aws_security_group.tasks.id}",
        referenced_security_group_id: "${aws_security_group.alb.id}",
        ip_protocol: "tcp",
        from_port: 8000,
        to_port: 8000,
      },
    },
  },
};
const R = "resource";

describe("VPC rules", () => {
  describeFixtures(VPC_RULES, {
    "VPC-FLOW-LOGS": { compliant: network, nonCompliant: set(network, `${R}/aws_flow_log`, undefined), failure: /has no aws_flow_log/ },
    "VPC-DEFAULT-SG-CLOSED": {
      compliant: network,
      nonCompliant: set(network, `${R}/aws_default_security_group/default/ingress`, [
        { protocol: "-1", from_port: 0, to_port: 0, self: true },
      ]),
      failure: /the default security group has 1 rule\(s\)/,
    },
    "VPC-NO-PUBLIC-INGRESS": {
      compliant: network,
      nonCompliant: set(network, `${R}/aws_vpc_security_group_ingress_rule/ssh`, {
        security_group_id: "${aws_security_group.alb.id}",
        cidr_ipv4: "0.0.0.0/0",
        ip_protocol: "tcp",
        from_port: 22,
        to_port: 22,
      }),
      failure: /admits 0\.0\.0\.0\/0 on tcp 22-22/,
    },
    "VPC-PRIVATE-SUBNET-NO-PUBLIC-IP": {
      compliant: network,
      nonCompliant: set(network, `${R}/aws_subnet/private-1/map_public_ip_on_launch`, true),
      failure: /a private subnet sets map_public_ip_on_launch/,
    },
    "VPC-NAT-PER-AZ": {
      options: production,
      compliant: network,
      nonCompliant: set(network, `${R}/aws_route/private-1/nat_gateway_id`, "${aws_nat_gateway.nat-0.id}"),
      failure: /aws_subnet\.private-1 route through a NAT gateway in another AZ/,
    },
  });

  it("admits the web ports from the internet only on a load balancer's security group", () => {
    const onTasks = set(network, `${R}/aws_vpc_security_group_ingress_rule/alb-443/security_group_id`, "${aws_security_group.tasks.id}");
    const found = results(rule(VPC_RULES, "VPC-NO-PUBLIC-INGRESS"), onTasks).filter((r) => r.status === "fail");
    expect(found.map((r) => r.message)).toEqual([expect.stringMatching(/to a group no application load balancer uses/)]);
  });

  it("checks inline ingress blocks and aws_security_group_rule resources too", () => {
    const inline = set(network, `${R}/aws_security_group/tasks/ingress`, [
      { protocol: "-1", from_port: 0, to_port: 0, cidr_blocks: ["0.0.0.0/0"] },
    ]);
    expect(results(rule(VPC_RULES, "VPC-NO-PUBLIC-INGRESS"), inline).find((r) => r.subject === "ingress[0]")?.message).toMatch(
      /on all ports/,
    );
    const legacy = set(network, `${R}/aws_security_group_rule`, {
      rdp: {
        type: "ingress",
        security_group_id: "${aws_security_group.tasks.id}",
        protocol: "tcp",
        from_port: 3389,
        to_port: 3389,
        cidr_blocks: ["0.0.0.0/0"],
      },
    });
    expect(results(rule(VPC_RULES, "VPC-NO-PUBLIC-INGRESS"), legacy).filter((r) => r.status === "fail")).toHaveLength(1);
  });

  it("lets public subnets (routed to the internet gateway) assign public IPs", () => {
    const publicIps = set(network, `${R}/aws_subnet/public-0/map_public_ip_on_launch`, true);
    expect(results(rule(VPC_RULES, "VPC-PRIVATE-SUBNET-NO-PUBLIC-IP"), publicIps).every((r) => r.status === "pass")).toBe(true);
  });

  it("fails a VPC whose default security group is left unmanaged", () => {
    const unmanaged = set(network, `${R}/aws_default_security_group`, undefined);
    expect(results(rule(VPC_RULES, "VPC-DEFAULT-SG-CLOSED"), unmanaged)[0].message).toMatch(/does not manage its default security group/);
  });

  it("requires a NAT gateway per AZ in production only", () => {
    const single = set(network, `${R}/aws_route/private-1/nat_gateway_id`, "${aws_nat_gateway.nat-0.id}");
    expect(results(rule(VPC_RULES, "VPC-NAT-PER-AZ"), single, { tier: "non-production" }).map((r) => r.status)).toEqual(["n/a"]);
  });
});

const LB = "${aws_lb.alb.arn}";
const loadBalancer: TerraformJson = {
  resource: {
    aws_lb: {
      alb: {
        load_balancer_type: "application",
        drop_invalid_header_fields: true,
        enable_deletion_protection: true,
        access_logs: { bucket: "acme-prod-alb-logs-123456789012", enabled: true },
      },
    },
    aws_lb_listener: {
      https: {
        load_balancer_arn: LB,
        port: 443,
        protocol: "HTTPS",
        ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        certificate_arn: "arn:aws:acm:eu-west-1:123456789012:certificate/x",
        default_action: [{ type: "forward", target_group_arn: "${aws_lb_target_group.api.arn}" }],
      },
      http: {
        load_balancer_arn: LB,
        port: 80,
        protocol: "HTTP",
        default_action: [{ type: "redirect", redirect: { port: "443", protocol: "HTTPS", status_code: "HTTP_301" } }],
      },
    },
    aws_lb_target_group: {
      api: { protocol: "HTTP", port: 8000, target_type: "ip", health_check: { enabled: true, path: "/health", matcher: "200" } },
    },
  },
};

describe("ALB rules", () => {
  describeFixtures(ALB_RULES, {
    "ALB-DROP-INVALID-HEADERS": {
      compliant: loadBalancer,
      nonCompliant: set(loadBalancer, `${R}/aws_lb/alb/drop_invalid_header_fields`, false),
      failure: /set drop_invalid_header_fields = true/,
    },
    "ALB-TLS-POLICY": {
      compliant: loadBalancer,
      nonCompliant: set(loadBalancer, `${R}/aws_lb_listener/https/ssl_policy`, "ELBSecurityPolicy-2016-08"),
      failure: /uses ELBSecurityPolicy-2016-08/,
    },
    "ALB-HTTP-REDIRECTS-TO-HTTPS": {
      compliant: loadBalancer,
      nonCompliant: set(loadBalancer, `${R}/aws_lb_listener/http/default_action`, [
        { type: "forward", target_group_arn: "${aws_lb_target_group.api.arn}" },
      ]),
      failure: /serves plain HTTP \(default action forward\) although the load balancer has an HTTPS listener/,
    },
    "ALB-TARGET-GROUP-HEALTH-CHECK": {
      compliant: loadBalancer,
      nonCompliant: set(loadBalancer, `${R}/aws_lb_target_group/api/health_check`, { enabled: true, matcher: "200" }),
      failure: /the health check has no path/,
    },
    "ALB-DELETION-PROTECTION": {
      options: production,
      compliant: loadBalancer,
      nonCompliant: set(loadBalancer, `${R}/aws_lb/alb/enable_deletion_protection`, false),
      failure: /deletion protection is off/,
    },
    "ALB-ACCESS-LOGS": {
      options: production,
      compliant: loadBalancer,
      nonCompliant: set(loadBalancer, `${R}/aws_lb/alb/access_logs`, undefined),
      failure: /writes no access logs/,
    },
  });

  it("says an HTTP-only load balancer needs an HTTPS listener", () => {
    const httpOnly = set(set(loadBalancer, `${R}/aws_lb_listener/https`, undefined), `${R}/aws_lb_listener/http/default_action`, [
      { type: "forward", target_group_arn: "${aws_lb_target_group.api.arn}" },
    ]);
    expect(results(rule(ALB_RULES, "ALB-HTTP-REDIRECTS-TO-HTTPS"), httpOnly)[0].message).toMatch(/has no HTTPS listener/);
  });

  it("fails an HTTPS listener without an ssl_policy (the default allows TLS 1.0)", () => {
    const noPolicy = set(loadBalancer, `${R}/aws_lb_listener/https/ssl_policy`, undefined);
    expect(results(rule(ALB_RULES, "ALB-TLS-POLICY"), noPolicy).find((r) => r.status === "fail")?.message).toMatch(/sets no ssl_policy/);
  });

  it("asks for deletion protection and access logs in production only", () => {
    const relaxed = set(set(loadBalancer, `${R}/aws_lb/alb/enable_deletion_protection`, false), `${R}/aws_lb/alb/access_logs`, undefined);
    for (const id of ["ALB-DELETION-PROTECTION", "ALB-ACCESS-LOGS"]) {
      expect(results(rule(ALB_RULES, id), relaxed, { tier: "non-production" }).map((r) => r.status)).toEqual(["n/a"]);
    }
  });
});

const distribution: TerraformJson = {
  resource: {
    aws_s3_bucket: { site: { bucket: "acme-prod-site-123456789012" } },
    aws_cloudfront_distribution: {
      d: {
        enabled: true,
        default_root_object: "index.html",
        origin: [
          {
            origin_id: "site-bucket",
            domain_name: "${aws_s3_bucket.site.bucket_regional_domain_name}",
            origin_access_control_id: "${aws_cloudfront_origin_access_control.oac.id}",
          },
        ],
        default_cache_behavior: {
          target_origin_id: "site-bucket",
          viewer_protocol_policy: "redirect-to-https",
          response_headers_policy_id: "${aws_cloudfront_response_headers_policy.headers.id}",
        },
        viewer_certificate: {
          acm_certificate_arn: "arn:aws:acm:us-east-1:123456789012:certificate/x",
          ssl_support_method: "sni-only",
          minimum_protocol_version: "TLSv1.2_2021",
        },
      },
    },
  },
};
const D = `${R}/aws_cloudfront_distribution/d`;

describe("CloudFront rules", () => {
  describeFixtures(CLOUDFRONT_RULES, {
    "CLOUDFRONT-HTTPS-VIEWERS": {
      compliant: distribution,
      nonCompliant: set(distribution, `${D}/default_cache_behavior/viewer_protocol_policy`, "allow-all"),
      failure: /viewer protocol policy allow-all/,
    },
    "CLOUDFRONT-ORIGIN-ACCESS-CONTROL": {
      compliant: distribution,
      nonCompliant: set(distribution, `${D}/origin`, [
        {
          origin_id: "site-bucket",
          domain_name: "${aws_s3_bucket.site.bucket_regional_domain_name}",
          s3_origin_config: { origin_access_identity: "${aws_cloudfront_origin_access_identity.oai.cloudfront_access_identity_path}" },
        },
      ]),
      failure: /origin access identity \(legacy\)/,
    },
    "CLOUDFRONT-DEFAULT-ROOT-OBJECT": {
      compliant: distribution,
      nonCompliant: set(distribution, `${D}/default_root_object`, undefined),
      failure: /has no default_root_object/,
    },
    "CLOUDFRONT-RESPONSE-HEADERS-POLICY": {
      compliant: distribution,
      nonCompliant: set(distribution, `${D}/ordered_cache_behavior`, [{ path_pattern: "/api/*", viewer_protocol_policy: "https-only" }]),
      failure: /attaches no response headers policy/,
    },
    "CLOUDFRONT-TLS-MINIMUM": {
      compliant: distribution,
      nonCompliant: set(distribution, `${D}/viewer_certificate`, { cloudfront_default_certificate: true }),
      failure: /default \*\.cloudfront\.net certificate/,
    },
  });

  it("fails an outdated minimum protocol with a custom certificate", () => {
    const old = set(distribution, `${D}/viewer_certificate/minimum_protocol_version`, "TLSv1.1_2016");
    expect(results(rule(CLOUDFRONT_RULES, "CLOUDFRONT-TLS-MINIMUM"), old)[0].message).toMatch(/minimum viewer protocol TLSv1\.1_2016/);
  });

  it("fails an S3 origin with neither an origin access control nor an identity", () => {
    const open = set(distribution, `${D}/origin`, [{ origin_id: "b", domain_name: "acme.s3.eu-west-1.amazonaws.com" }]);
    expect(results(rule(CLOUDFRONT_RULES, "CLOUDFRONT-ORIGIN-ACCESS-CONTROL"), open)[0].message).toMatch(/has no origin_access_control_id/);
  });

  it("leaves custom origins (an API, a website endpoint) to other checks", () => {
    const custom = set(distribution, `${D}/origin`, [{ origin_id: "api", domain_name: "api.example.com", custom_origin_config: {} }]);
    expect(results(rule(CLOUDFRONT_RULES, "CLOUDFRONT-ORIGIN-ACCESS-CONTROL"), custom).map((r) => r.status)).toEqual(["n/a"]);
  });
});
