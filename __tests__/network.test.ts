import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { TerraformOutput, TerraformStack, Testing } from "cdktf";
import { Network, type NetworkProps } from "../constructs/network";
import { only, parse, resources, type SynthesizedTerraform } from "./support/synth";

/** The flow-log role the bootstrap creates for stage (bootstrap/workload-roles.ts). */
const FLOW_LOG_ROLE = {
  name: "acme-stage-flow-logs-role",
  arn: "arn:aws:iam::123456789012:role/acme/stage/acme-stage-flow-logs-role",
};

const base: NetworkProps = {
  namePrefix: "acme-stage",
  vpcCidr: "10.10.0.0/16",
  azCount: 2,
  natGateways: "single",
  flowLogRetentionDays: 30,
  flowLogRole: FLOW_LOG_ROLE,
};

function build(overrides: Partial<NetworkProps> = {}): { network: Network; synth: string; tf: SynthesizedTerraform } {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const network = new Network(stack, "network", { ...base, ...overrides });
  const synth = Testing.synth(stack);
  return { network, synth, tf: parse(synth) };
}

type Resource = Record<string, any>;

/** The logical id that a `${aws_type.id.attr}` reference points at. */
function target(reference: string, type: string): string {
  const match = new RegExp(`^\\$\\{${type}\\.([^.}]+)\\.[a-z_]+\\}$`).exec(reference);
  if (!match) throw new Error(`${reference} is not a reference to a ${type}`);
  return match[1];
}

function subnetsOfTier(tf: SynthesizedTerraform, tier: string): Array<[string, Resource]> {
  return Object.entries(resources(tf, "aws_subnet")).filter(([, s]) => s.tags?.Tier === tier);
}

/** The logical id of the route table associated with a subnet. */
function routeTableOfSubnet(tf: SynthesizedTerraform, subnetId: string): string {
  const associations = Object.values(resources(tf, "aws_route_table_association")).filter(
    (a) => target(a.subnet_id, "aws_subnet") === subnetId,
  );
  expect(associations).toHaveLength(1);
  return target(associations[0].route_table_id, "aws_route_table");
}

function routesOfTable(tf: SynthesizedTerraform, tableId: string): Resource[] {
  return Object.values(resources(tf, "aws_route")).filter((r) => target(r.route_table_id, "aws_route_table") === tableId);
}

describe("Network", () => {
  test("fails the plan when the region has fewer availability zones than azCount (no wrap-around)", () => {
    const { tf } = build({ azCount: 3 });
    const azs = (tf.data as Record<string, Record<string, Resource>>).aws_availability_zones;
    const [lookup] = Object.values(azs);
    expect(lookup.lifecycle.postcondition).toEqual([
      {
        condition: "${length(self.names) >= 3}",
        error_message:
          "network.azCount 3 is more than the ${length(self.names)} availability zones this region offers; use at most that many",
      },
    ]);
  });

  test("VPC with DNS support and hostnames on the configured CIDR", () => {
    const { synth } = build();
    expect(synth).toHaveResourceWithProperties(Vpc, {
      cidr_block: "10.10.0.0/16",
      enable_dns_support: true,
      enable_dns_hostnames: true,
      tags: { Name: "acme-stage" },
    });
  });

  test("availability zones come from the data source, state available, one element per index", () => {
    const { tf } = build({ azCount: 3 });
    const azs = Object.entries(tf.data?.aws_availability_zones ?? {});
    expect(azs).toHaveLength(1);
    const [azsId, azsData] = azs[0];
    expect(azsData.state).toBe("available");
    for (const tier of ["public", "private", "database"]) {
      const zones = subnetsOfTier(tf, tier)
        .map(([, s]) => s.availability_zone)
        .sort();
      expect(zones).toEqual([0, 1, 2].map((i) => `\${element(data.aws_availability_zones.${azsId}.names, ${i})}`));
    }
  });

  test.each([2, 3])("one subnet per AZ per tier with azCount %i", (azCount) => {
    const { tf, network } = build({ azCount });
    expect(Object.keys(resources(tf, "aws_subnet"))).toHaveLength(3 * azCount);
    for (const tier of ["public", "private", "database"]) {
      expect(subnetsOfTier(tf, tier)).toHaveLength(azCount);
    }
    expect(network.publicSubnetIds).toHaveLength(azCount);
    expect(network.privateSubnetIds).toHaveLength(azCount);
    expect(network.databaseSubnetIds).toHaveLength(azCount);
  });

  test("subnets are carved by cidrsubnet with fixed slots: public i, private 4+i, database 8+i", () => {
    const { tf } = build({ azCount: 3 });
    const expected: Record<string, number[]> = { public: [0, 1, 2], private: [4, 5, 6], database: [8, 9, 10] };
    for (const [tier, netnums] of Object.entries(expected)) {
      const blocks = subnetsOfTier(tf, tier)
        .map(([, s]) => s.cidr_block)
        .sort();
      expect(blocks).toEqual(netnums.map((n) => `\${cidrsubnet("10.10.0.0/16", 4, ${n})}`).sort());
    }
  });

  test("adding an AZ keeps the existing subnets' CIDRs and addresses", () => {
    const two = resources(build({ azCount: 2 }).tf, "aws_subnet");
    const three = resources(build({ azCount: 3 }).tf, "aws_subnet");
    for (const [id, subnet] of Object.entries(two)) {
      expect(three[id]?.cidr_block).toBe(subnet.cidr_block);
    }
  });

  test("no subnet assigns public IPs at launch; each has a Name and a Tier tag", () => {
    const { tf } = build({ azCount: 3 });
    const subnets = Object.values(resources(tf, "aws_subnet"));
    expect(subnets).toHaveLength(9);
    for (const subnet of subnets) {
      expect(subnet.map_public_ip_on_launch).toBe(false);
      expect(subnet.tags.Name).toMatch(new RegExp(`^acme-stage-${subnet.tags.Tier}-\\d$`));
    }
  });

  test("the public route table sends 0.0.0.0/0 to the internet gateway and serves every public subnet", () => {
    const { tf } = build({ azCount: 3 });
    const igwId = Object.keys(resources(tf, "aws_internet_gateway"));
    expect(igwId).toHaveLength(1);
    const tables = new Set(subnetsOfTier(tf, "public").map(([id]) => routeTableOfSubnet(tf, id)));
    expect(tables.size).toBe(1);
    const routes = routesOfTable(tf, [...tables][0]);
    expect(routes).toHaveLength(1);
    expect(routes[0].destination_cidr_block).toBe("0.0.0.0/0");
    expect(target(routes[0].gateway_id, "aws_internet_gateway")).toBe(igwId[0]);
  });

  test.each([
    ["single", 2, 1],
    ["single", 3, 1],
    ["perAz", 2, 2],
    ["perAz", 3, 3],
  ] as const)("natGateways %s with %i AZs creates %i NAT gateways with EIPs in public subnets", (mode, azCount, count) => {
    const { tf, network } = build({ natGateways: mode, azCount });
    const nats = Object.values(resources(tf, "aws_nat_gateway"));
    expect(nats).toHaveLength(count);
    expect(network.natGatewayCount).toBe(count);
    expect(Object.values(resources(tf, "aws_eip"))).toHaveLength(count);
    const publicSubnets = subnetsOfTier(tf, "public");
    nats.forEach((nat, i) => {
      expect(resources(tf, "aws_eip")[target(nat.allocation_id, "aws_eip")].domain).toBe("vpc");
      // NAT i lives in the public subnet of AZ i.
      const subnet = resources(tf, "aws_subnet")[target(nat.subnet_id, "aws_subnet")];
      expect(subnet.tags.Tier).toBe("public");
      expect(subnet.availability_zone).toMatch(new RegExp(`, ${i}\\)\\}$`));
    });
    expect(publicSubnets).toHaveLength(azCount);
  });

  test("perAz: each private subnet's default route goes to the NAT gateway of its own AZ", () => {
    const { tf } = build({ natGateways: "perAz", azCount: 3 });
    const allSubnets = resources(tf, "aws_subnet");
    const nats = resources(tf, "aws_nat_gateway");
    const privateSubnets = subnetsOfTier(tf, "private");
    const tables = new Set<string>();
    for (const [subnetId, subnet] of privateSubnets) {
      const table = routeTableOfSubnet(tf, subnetId);
      tables.add(table);
      const routes = routesOfTable(tf, table);
      expect(routes).toHaveLength(1);
      expect(routes[0].destination_cidr_block).toBe("0.0.0.0/0");
      const nat = nats[target(routes[0].nat_gateway_id, "aws_nat_gateway")];
      const natSubnet = allSubnets[target(nat.subnet_id, "aws_subnet")];
      expect(natSubnet.availability_zone).toBe(subnet.availability_zone);
    }
    expect(tables.size).toBe(3);
  });

  test("single: one route table per AZ, every default route goes to the one NAT gateway in AZ 0", () => {
    const { tf } = build({ natGateways: "single", azCount: 3 });
    const natIds = Object.keys(resources(tf, "aws_nat_gateway"));
    expect(natIds).toHaveLength(1);
    const nat = resources(tf, "aws_nat_gateway")[natIds[0]];
    expect(resources(tf, "aws_subnet")[target(nat.subnet_id, "aws_subnet")].availability_zone).toMatch(/, 0\)\}$/);
    const tables = new Set<string>();
    for (const [subnetId] of subnetsOfTier(tf, "private")) {
      const table = routeTableOfSubnet(tf, subnetId);
      tables.add(table);
      const routes = routesOfTable(tf, table);
      expect(routes).toHaveLength(1);
      expect(routes[0].destination_cidr_block).toBe("0.0.0.0/0");
      expect(target(routes[0].nat_gateway_id, "aws_nat_gateway")).toBe(natIds[0]);
    }
    expect(tables.size).toBe(3);
  });

  test("database subnets share a route table with no route to the internet", () => {
    const { tf } = build({ azCount: 3 });
    const tables = new Set(subnetsOfTier(tf, "database").map(([id]) => routeTableOfSubnet(tf, id)));
    expect(tables.size).toBe(1);
    const [table] = [...tables];
    expect(routesOfTable(tf, table)).toEqual([]);
    // No inline routes either.
    expect(resources(tf, "aws_route_table")[table].route).toBeUndefined();
    const publicTable = routeTableOfSubnet(tf, subnetsOfTier(tf, "public")[0][0]);
    expect(table).not.toBe(publicTable);
  });

  test("no route table carries inline routes (routes are separate resources)", () => {
    const { tf } = build({ natGateways: "perAz", azCount: 3 });
    for (const table of Object.values(resources(tf, "aws_route_table"))) {
      expect(table.route).toBeUndefined();
    }
  });

  test("flow logs record ALL traffic of the VPC into the log group with the configured retention", () => {
    const { tf, synth } = build({ flowLogRetentionDays: 365 });
    expect(synth).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: "/vpc/acme-stage/flow-logs",
      retention_in_days: 365,
    });
    expect(synth).toHaveResourceWithProperties(FlowLog, { traffic_type: "ALL", log_destination_type: "cloud-watch-logs" });
    const flowLog = only(tf, "aws_flow_log");
    expect(target(flowLog.vpc_id, "aws_vpc")).toBe(Object.keys(resources(tf, "aws_vpc"))[0]);
    expect(flowLog.log_destination).toBe(`\${aws_cloudwatch_log_group.${Object.keys(resources(tf, "aws_cloudwatch_log_group"))[0]}.arn}`);
    expect(flowLog.iam_role_arn).toBe(FLOW_LOG_ROLE.arn);
  });

  test("creates no role and no trust: the flow-log role is the bootstrap's, named by the props", () => {
    const { tf } = build();
    expect(resources(tf, "aws_iam_role")).toEqual({});
    expect(resources(tf, "aws_iam_policy")).toEqual({});
  });

  test("the flow-log role may only write to its own log group: four named actions, no wildcard", () => {
    const { tf } = build();
    const policy = only(tf, "aws_iam_role_policy");
    expect(policy.role).toBe(FLOW_LOG_ROLE.name);
    const document = JSON.parse(policy.policy);
    expect(document.Statement).toHaveLength(1);
    const [statement] = document.Statement;
    expect(statement.Effect).toBe("Allow");
    expect([...statement.Action].sort()).toEqual(
      ["logs:CreateLogStream", "logs:DescribeLogGroups", "logs:DescribeLogStreams", "logs:PutLogEvents"].sort(),
    );
    const groupId = Object.keys(resources(tf, "aws_cloudwatch_log_group"))[0];
    expect(statement.Resource).toBe(`\${aws_cloudwatch_log_group.${groupId}.arn}:*`);
    for (const value of [...[statement.Action].flat(), ...[statement.Resource].flat()]) {
      expect(value).not.toBe("*");
      expect(value).not.toMatch(/^logs:\*$/);
    }
  });

  test("the default security group is locked down: no ingress and no egress rules", () => {
    const { tf, synth } = build();
    expect(synth).toHaveResourceWithProperties(DefaultSecurityGroup, { ingress: [], egress: [] });
    const group = only(tf, "aws_default_security_group");
    expect(group.ingress).toEqual([]);
    expect(group.egress).toEqual([]);
    expect(target(group.vpc_id, "aws_vpc")).toBe(Object.keys(resources(tf, "aws_vpc"))[0]);
  });

  test("an S3 gateway endpoint serves the private and database route tables, not the public one", () => {
    const { tf, synth } = build({ azCount: 3 });
    expect(synth).toHaveResourceWithProperties(VpcEndpoint, { vpc_endpoint_type: "Gateway" });
    const endpoint = only(tf, "aws_vpc_endpoint");
    const regionId = Object.keys(tf.data?.aws_region ?? {})[0];
    expect(endpoint.service_name).toBe(`com.amazonaws.\${data.aws_region.${regionId}.name}.s3`);
    const served = (endpoint.route_table_ids as string[]).map((r) => target(r, "aws_route_table")).sort();
    const expected = [
      ...new Set([...subnetsOfTier(tf, "private"), ...subnetsOfTier(tf, "database")].map(([id]) => routeTableOfSubnet(tf, id))),
    ].sort();
    expect(served).toEqual(expected);
    expect(served).toHaveLength(4);
    expect(served).not.toContain(routeTableOfSubnet(tf, subnetsOfTier(tf, "public")[0][0]));
  });

  test("exposes the VPC id, its CIDR, the subnet ids and the flow log group as attributes", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "test");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    const network = new Network(stack, "network", { ...base, azCount: 3 });
    new TerraformOutput(stack, "vpc_id", { value: network.vpcId });
    new TerraformOutput(stack, "public", { value: network.publicSubnetIds });
    new TerraformOutput(stack, "private", { value: network.privateSubnetIds });
    new TerraformOutput(stack, "database", { value: network.databaseSubnetIds });
    new TerraformOutput(stack, "flow_log_group", { value: network.flowLogGroupName });
    const tf = parse(Testing.synth(stack));
    const outputs = tf.output ?? {};

    expect(network.vpcCidr).toBe("10.10.0.0/16");
    expect(target(outputs.vpc_id.value as string, "aws_vpc")).toBe(Object.keys(resources(tf, "aws_vpc"))[0]);
    expect(outputs.flow_log_group.value).toBe(
      `\${aws_cloudwatch_log_group.${Object.keys(resources(tf, "aws_cloudwatch_log_group"))[0]}.name}`,
    );
    for (const tier of ["public", "private", "database"]) {
      const ids = (outputs[tier].value as string[]).map((r) => target(r, "aws_subnet"));
      // In AZ order, and only subnets of that tier.
      expect(ids.map((id) => resources(tf, "aws_subnet")[id].tags.Name)).toEqual([0, 1, 2].map((i) => `acme-stage-${tier}-${i}`));
    }
  });

  // The props the configuration's `network` block feeds are checked with its schema: same messages, named after the construct.
  describe("validation", () => {
    test.each([1, 5, 2.5])("rejects azCount %p", (azCount) => {
      expect(() => build({ azCount })).toThrow(
        `Network azCount ${azCount} must be 2, 3 or 4 (a load balancer and a multi-AZ database need two AZs)`,
      );
    });

    test("rejects an unknown natGateways mode", () => {
      expect(() => build({ natGateways: "none" as NetworkProps["natGateways"] })).toThrow(
        'Network natGateways "none" must be "single" or "perAz"',
      );
    });

    test.each(["10.0.0.0/33", "10.0.0.0", "300.0.0.0/16", "10.010.0.0/16", "vpc"])("rejects an invalid cidr %p", (cidr) => {
      expect(() => build({ vpcCidr: cidr })).toThrow(`Network vpcCidr "${cidr}" is not a valid IPv4 CIDR; use e.g. "10.10.0.0/16"`);
    });

    test("rejects a cidr with host bits set", () => {
      expect(() => build({ vpcCidr: "10.0.0.1/16" })).toThrow('Network vpcCidr "10.0.0.1/16" has host bits set; use the network address');
    });

    test.each(["10.0.0.0/8", "10.0.0.0/15", "10.0.0.0/23", "10.0.0.0/24"])("rejects a cidr prefix outside /16../22: %p", (cidr) => {
      expect(() => build({ vpcCidr: cidr })).toThrow(`Network vpcCidr "${cidr}" must be a /16 to /22`);
    });

    test("lists every bad prop at once, one per line", () => {
      expect(() => build({ vpcCidr: "vpc", azCount: 9 })).toThrow(/^Network vpcCidr "vpc" .*\nNetwork azCount 9 must be 2, 3 or 4/);
    });

    test("accepts the /16 and /22 bounds", () => {
      expect(() => build({ vpcCidr: "10.0.0.0/16" })).not.toThrow();
      expect(() => build({ vpcCidr: "10.0.4.0/22" })).not.toThrow();
    });

    test("rejects a flow log retention CloudWatch does not offer", () => {
      expect(() => build({ flowLogRetentionDays: 10 })).toThrow(
        /^Network flowLogRetentionDays 10 must be one of CloudWatch's retention values \(1, 3, 5,/,
      );
    });
  });
});
