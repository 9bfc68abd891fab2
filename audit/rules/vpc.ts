import type { AuditContext } from "../context";
import { asNumber, block, blocks, isTrue, referencedAddress, refersTo, strings } from "../terraform";
import { type AuditTarget, type Block, type CheckResult, fail, notApplicable, pass, type Rule } from "../types";

const VPC = "aws_vpc";

export const vpcFlowLogs: Rule = {
  id: "VPC-FLOW-LOGS",
  rationale: "Every VPC records its traffic, so an incident can be traced after the fact.",
  controls: ["EC2.6", "CKV2_AWS_11"],
  appliesTo: [VPC],
  check(vpc, context) {
    const logs = context.referrers("aws_flow_log", "vpc_id", vpc);
    if (logs.length === 0) return fail("has no aws_flow_log; add one with traffic_type ALL");
    const types = logs.map((l) => String(l.body.traffic_type ?? "ALL"));
    return types.some((t) => t === "ALL" || t === "REJECT")
      ? pass(`flow logs record ${types.join(", ")} traffic`)
      : fail(`flow logs record only ${types.join(", ")} traffic; use traffic_type ALL`);
  },
};

export const vpcDefaultSecurityGroupClosed: Rule = {
  id: "VPC-DEFAULT-SG-CLOSED",
  rationale: "The default security group has no rules, so anything put in it by mistake can neither receive nor send.",
  controls: ["EC2.2", "CKV2_AWS_12"],
  appliesTo: [VPC],
  check(vpc, context) {
    const groups = context.referrers("aws_default_security_group", "vpc_id", vpc);
    if (groups.length === 0) {
      return fail(
        "does not manage its default security group, which AWS creates allowing all traffic within it; add " +
          "aws_default_security_group with no rules",
      );
    }
    const rules = groups.flatMap((g) => [...blocks(g.body.ingress), ...blocks(g.body.egress)]);
    return rules.length === 0
      ? pass("the default security group has no ingress or egress rules")
      : fail(`the default security group has ${rules.length} rule(s); leave ingress and egress empty`);
  },
};

const WORLD = ["0.0.0.0/0", "::/0"];
const ALB_PORTS = [80, 443];

/** True when a security group is attached to an application load balancer of the stack. */
function isLoadBalancerGroup(group: AuditTarget | undefined, context: AuditContext): boolean {
  if (!group) return false;
  return [...context.resources("aws_lb"), ...context.resources("aws_alb")].some(
    (lb) => String(lb.body.load_balancer_type ?? "application") === "application" && refersTo(lb.body.security_groups, group.address),
  );
}

/** Judges one ingress rule (however it is written) that may be open to the internet. */
function judgeIngress(rule: Block, group: AuditTarget | undefined, context: AuditContext, subject?: string): CheckResult {
  const sources = [...strings(rule.cidr_ipv4), ...strings(rule.cidr_ipv6), ...strings(rule.cidr_blocks), ...strings(rule.ipv6_cidr_blocks)];
  const open = sources.filter((s) => WORLD.includes(s));
  if (open.length === 0) return pass("admits no traffic from the whole internet", subject);
  const protocol = String(rule.ip_protocol ?? rule.protocol ?? "");
  const from = asNumber(rule.from_port);
  const to = asNumber(rule.to_port);
  const port = from !== undefined && from === to ? from : undefined;
  const web = (protocol === "tcp" || protocol === "6") && port !== undefined && ALB_PORTS.includes(port);
  if (web && isLoadBalancerGroup(group, context)) return pass(`admits ${open.join(", ")} on ${port} to the load balancer`, subject);
  const ports = protocol === "-1" || protocol === "all" ? "all ports" : `${protocol} ${from}-${to}`;
  return fail(
    `admits ${open.join(", ")} on ${ports}${web ? " to a group no application load balancer uses" : ""}; ` +
      "only an ALB's security group may be open to the internet, and only on 80/443",
    subject,
  );
}

export const vpcNoPublicIngress: Rule = {
  id: "VPC-NO-PUBLIC-INGRESS",
  rationale: "Nothing is reachable from the whole internet except the load balancer on 80 and 443.",
  controls: ["EC2.18", "AVD-AWS-0107"],
  appliesTo: ["aws_vpc_security_group_ingress_rule", "aws_security_group_rule", "aws_security_group"],
  check(target, context) {
    if (target.type === "aws_security_group") {
      const rules = blocks(target.body.ingress);
      if (rules.length === 0) return notApplicable("has no inline ingress rules");
      return rules.map((r, i) => judgeIngress(r, target, context, `ingress[${i}]`));
    }
    if (target.type === "aws_security_group_rule" && target.body.type !== "ingress") return notApplicable("an egress rule");
    return judgeIngress(target.body, context.get(referencedAddress(target.body.security_group_id)), context);
  },
};

interface Route {
  readonly destination?: string;
  readonly gatewayId?: string;
  readonly natGatewayId?: string;
}

/** Route tables a subnet is explicitly associated with. */
function routeTablesOf(subnet: AuditTarget, context: AuditContext): AuditTarget[] {
  return context
    .referrers("aws_route_table_association", "subnet_id", subnet)
    .map((a) => context.get(referencedAddress(a.body.route_table_id)))
    .filter((t): t is AuditTarget => t !== undefined);
}

/** Routes of a table: separate aws_route resources and inline route blocks. */
function routesOf(table: AuditTarget, context: AuditContext): Route[] {
  const toRoute = (r: Block): Route => ({
    destination: typeof r.destination_cidr_block === "string" ? r.destination_cidr_block : (r.cidr_block as string | undefined),
    gatewayId: typeof r.gateway_id === "string" ? r.gateway_id : undefined,
    natGatewayId: typeof r.nat_gateway_id === "string" ? r.nat_gateway_id : undefined,
  });
  return [...context.referrers("aws_route", "route_table_id", table).map((r) => toRoute(r.body)), ...blocks(table.body.route).map(toRoute)];
}

function routesToInternetGateway(subnet: AuditTarget, context: AuditContext): boolean {
  return routeTablesOf(subnet, context)
    .flatMap((t) => routesOf(t, context))
    .some((r) => {
      const gateway = context.get(referencedAddress(r.gatewayId));
      return gateway?.type === "aws_internet_gateway" || (r.gatewayId?.startsWith("igw-") ?? false);
    });
}

export const vpcPrivateSubnetNoPublicIp: Rule = {
  id: "VPC-PRIVATE-SUBNET-NO-PUBLIC-IP",
  rationale: "Private and database subnets never hand out public IP addresses at launch.",
  controls: ["EC2.15", "CKV_AWS_130", "AVD-AWS-0164"],
  appliesTo: ["aws_subnet"],
  check(subnet, context) {
    if (!isTrue(subnet.body.map_public_ip_on_launch)) return pass("assigns no public IP at launch");
    const tier = String(block(subnet.body.tags)?.Tier ?? "").toLowerCase();
    const publicByRoute = routesToInternetGateway(subnet, context);
    if (publicByRoute && tier !== "private" && tier !== "database") {
      return pass("a public subnet (routes to an internet gateway); assigns public IPs at launch");
    }
    return fail(
      `${tier ? `a ${tier} subnet` : "a subnet without a route to an internet gateway"} sets map_public_ip_on_launch; set it to false`,
    );
  },
};

export const vpcNatPerAz: Rule = {
  id: "VPC-NAT-PER-AZ",
  productionOnly: true,
  rationale: "In production each private subnet leaves through a NAT gateway in its own AZ, so one AZ's outage cuts off no other.",
  controls: [],
  appliesTo: [VPC],
  check(vpc, context) {
    if (!context.isProduction) return notApplicable(`required in production only (stack tier ${context.tier})`);
    const subnets = context.referrers("aws_subnet", "vpc_id", vpc);
    const natRouted = subnets
      .map((subnet) => {
        const nat = routeTablesOf(subnet, context)
          .flatMap((t) => routesOf(t, context))
          .filter((r) => (r.destination === "0.0.0.0/0" || r.destination === undefined) && r.natGatewayId)
          .map((r) => context.get(referencedAddress(r.natGatewayId)))[0];
        return { subnet, nat };
      })
      .filter((s) => s.nat !== undefined);
    if (natRouted.length === 0) return notApplicable("no subnet routes through a NAT gateway");
    const crossAz = natRouted.filter(({ subnet, nat }) => {
      const natSubnet = context.get(referencedAddress(nat?.body.subnet_id));
      const az = subnet.body.availability_zone ?? subnet.body.availability_zone_id;
      return az === undefined || az !== (natSubnet?.body.availability_zone ?? natSubnet?.body.availability_zone_id);
    });
    const gateways = new Set(natRouted.map((s) => s.nat?.address)).size;
    return crossAz.length === 0
      ? pass(`${natRouted.length} private subnet(s) each leave through a NAT gateway in their own AZ (${gateways} gateways)`)
      : fail(
          `${crossAz.map((s) => s.subnet.address).join(", ")} route through a NAT gateway in another AZ ` +
            `(${gateways} gateway(s) for ${natRouted.length} subnets); use one NAT gateway per AZ (natGateways "perAz")`,
        );
  },
};

export const VPC_RULES: readonly Rule[] = [
  vpcFlowLogs,
  vpcDefaultSecurityGroupClosed,
  vpcNoPublicIngress,
  vpcPrivateSubnetNoPublicIp,
  vpcNatPerAz,
];
