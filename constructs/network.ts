import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { DefaultNetworkAcl } from "@cdktf/provider-aws/lib/default-network-acl";
import { DefaultRouteTable } from "@cdktf/provider-aws/lib/default-route-table";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { Fn, type TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { checkProps } from "../config/check-props";
import { NetworkSchema } from "../config/schema";
import { MAX_AZS } from "../config/schema-network";
import type { NetworkConfig } from "../config/types";
import { type AuditExemption, exemptAll } from "../lib/audit-exemptions";
import { policyJson } from "../lib/policy";

/** The network's settings are the configuration's `network` block, documented once in config/schema-network.ts. */
export interface NetworkProps extends NetworkConfig {
  /** Prefix of every name and Name tag, `<project>-<env>`, e.g. `acme-stage`. */
  readonly namePrefix: string;
  /**
   * The existing role VPC flow logs deliver with (the bootstrap creates it, trusting
   * vpc-flow-logs.amazonaws.com only: bootstrap/workload-roles.ts). Its inline policy (write to the
   * flow-log group) is written here; no role is created.
   */
  readonly flowLogRole: { readonly name: string; readonly arn: string };
  /**
   * Audit rules the VPC deliberately fails (e.g. a production risk accepted in the config), with the reasons.
   * @default - none
   */
  readonly auditExemptions?: readonly AuditExemption[];
}

/** Bits added to the VPC prefix for each subnet: 16 slots, 3 tiers x 4 AZs used, 4 spare. */
const SUBNET_NEWBITS = 4;
/** First cidrsubnet slot of each tier; a tier owns MAX_AZS consecutive slots. */
const TIER_FIRST_SLOT = { public: 0, private: MAX_AZS, database: 2 * MAX_AZS } as const;
type Tier = keyof typeof TIER_FIRST_SLOT;

/**
 * A VPC with three subnet tiers per availability zone: public (load balancer and NAT gateways),
 * private (the application, outbound through NAT) and database (no route to the internet at all).
 * Flow logs record all traffic; the default security group is emptied so nothing lands in it by
 * accident; S3 is reached through a gateway endpoint rather than the NAT.
 */
export class Network extends Construct {
  readonly vpcId: string;
  /** The VPC's CIDR as configured (a literal, usable in security group rules). */
  readonly vpcCidr: string;
  /** One per AZ, in AZ order. */
  readonly publicSubnetIds: string[];
  /** Application subnets, one per AZ, in AZ order. */
  readonly privateSubnetIds: string[];
  /** Database subnets, one per AZ, in AZ order. */
  readonly databaseSubnetIds: string[];
  readonly natGatewayCount: number;
  readonly flowLogGroupName: string;
  /** The private subnets' routes through NAT: a task started there reaches AWS APIs once these exist. */
  readonly privateEgress: TerraformResource[];

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    // The configuration's checks: a CIDR AWS and cidrsubnet take, 2 to MAX_AZS zones, a retention CloudWatch offers.
    checkProps(NetworkSchema, props, "Network");
    const { namePrefix, azCount } = props;
    const natGatewayCount = props.natGateways === "perAz" ? azCount : 1;

    const azs = this.availabilityZones(azCount);
    const region = new DataAwsRegion(this, "region");
    const vpc = this.vpc(props);
    const subnets = (tier: Tier) => this.tierSubnets(tier, vpc, azs, props);
    const publicSubnets = subnets("public");
    const privateSubnets = subnets("private");
    const databaseSubnets = subnets("database");
    this.managedDefaults(vpc, [...publicSubnets, ...privateSubnets, ...databaseSubnets], namePrefix);

    const igw = this.publicRoutes(vpc, publicSubnets, namePrefix);
    const natGateways = this.natGateways(natGatewayCount, publicSubnets, igw, namePrefix);
    // With a single NAT gateway every AZ's route goes through the first one.
    const natFor = (i: number) => natGateways[props.natGateways === "perAz" ? i : 0];
    const privateRoutes = this.privateRoutes(vpc, privateSubnets, natFor, namePrefix);
    const databaseRouteTable = this.databaseRoutes(vpc, databaseSubnets, namePrefix);
    this.s3Endpoint(vpc, region, [...privateRoutes.tables, databaseRouteTable], namePrefix);
    const flowLogGroup = this.flowLogs(vpc, props);

    this.vpcId = vpc.id;
    this.vpcCidr = props.vpcCidr;
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.privateSubnetIds = privateSubnets.map((s) => s.id);
    this.databaseSubnetIds = databaseSubnets.map((s) => s.id);
    this.natGatewayCount = natGatewayCount;
    this.flowLogGroupName = flowLogGroup.name;
    this.privateEgress = privateRoutes.egress;
  }

  /** The region's AZs that need no opt-in, failing the plan if fewer than `azCount`. */
  private availabilityZones(azCount: number): DataAwsAvailabilityZones {
    return new DataAwsAvailabilityZones(this, "azs", {
      state: "available",
      // Local and Wavelength Zones the account opted into would otherwise be listed among the AZs.
      filter: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
      lifecycle: {
        // Without it, element() wraps around and puts two subnets of a tier in one zone: fail the plan instead.
        postcondition: [
          {
            condition: `\${length(self.names) >= ${azCount}}`,
            errorMessage:
              `network.azCount ${azCount} is more than the \${length(self.names)} availability zones this region offers; ` +
              "use at most that many",
          },
        ],
      },
    });
  }

  /** The VPC itself, with the audit exemptions the configuration accepts for it. */
  private vpc(props: NetworkProps): Vpc {
    const vpc = new Vpc(this, "vpc", {
      cidrBlock: props.vpcCidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: { Name: props.namePrefix },
    });
    exemptAll(vpc, props.auditExemptions);
    return vpc;
  }

  /** One subnet of `tier` per AZ, in AZ order. */
  private tierSubnets(tier: Tier, vpc: Vpc, azs: DataAwsAvailabilityZones, props: NetworkProps): Subnet[] {
    return Array.from(
      { length: props.azCount },
      (_, i) =>
        new Subnet(this, `${tier}-subnet-${i}`, {
          vpcId: vpc.id,
          availabilityZone: Fn.element(azs.names, i),
          // Fixed slots per tier and AZ: adding an AZ later creates subnets without renumbering existing ones.
          cidrBlock: Fn.cidrsubnet(props.vpcCidr, SUBNET_NEWBITS, TIER_FIRST_SLOT[tier] + i),
          // The load balancer and NAT gateways get their own addresses; nothing needs one assigned at launch.
          mapPublicIpOnLaunch: false,
          tags: { Name: `${props.namePrefix}-${tier}-${i}`, Tier: tier },
        }),
    );
  }

  /** The security group, route table and network ACL AWS creates with the VPC, brought under management. */
  private managedDefaults(vpc: Vpc, allSubnets: Subnet[], namePrefix: string): void {
    // With no rules at all, anything attached to the default group by mistake can neither receive nor send.
    new DefaultSecurityGroup(this, "default-security-group", {
      vpcId: vpc.id,
      ingress: [],
      egress: [],
      tags: { Name: `${namePrefix}-default-unused` },
    });

    // The main route table AWS creates with the VPC: managed and tagged so it is fenced like the rest,
    // with no routes beyond the VPC-local one (every subnet is associated with a table of its own).
    new DefaultRouteTable(this, "default-route-table", {
      defaultRouteTableId: vpc.defaultRouteTableId,
      route: [],
      tags: { Name: `${namePrefix}-default-unused` },
    });

    // The default network ACL AWS creates with the VPC holds every subnet. Unmanaged it is untagged,
    // outside every deploy role's fence: one deny-all entry written into it would take the
    // environment down. Managed and tagged here, with exactly AWS's default allow-all entries
    // (security groups do the filtering).
    const allTraffic = { protocol: "-1", action: "allow", cidrBlock: "0.0.0.0/0", fromPort: 0, toPort: 0, ruleNo: 100 };
    new DefaultNetworkAcl(this, "default-network-acl", {
      defaultNetworkAclId: vpc.defaultNetworkAclId,
      subnetIds: allSubnets.map((s) => s.id),
      ingress: [allTraffic],
      egress: [allTraffic],
      tags: { Name: `${namePrefix}-default` },
    });
  }

  /** The internet gateway and the public subnets' shared route table through it; returns the gateway. */
  private publicRoutes(vpc: Vpc, publicSubnets: Subnet[], namePrefix: string): InternetGateway {
    const igw = new InternetGateway(this, "igw", { vpcId: vpc.id, tags: { Name: namePrefix } });
    const publicRouteTable = new RouteTable(this, "public-route-table", {
      vpcId: vpc.id,
      tags: { Name: `${namePrefix}-public` },
    });
    new Route(this, "public-default-route", {
      routeTableId: publicRouteTable.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: igw.id,
    });
    publicSubnets.forEach((subnet, i) => {
      new RouteTableAssociation(this, `public-route-table-association-${i}`, {
        subnetId: subnet.id,
        routeTableId: publicRouteTable.id,
      });
    });
    return igw;
  }

  /** `count` NAT gateways, each with its Elastic IP, in the first public subnets. */
  private natGateways(count: number, publicSubnets: Subnet[], igw: InternetGateway, namePrefix: string): NatGateway[] {
    return Array.from({ length: count }, (_, i) => {
      const eip = new Eip(this, `nat-eip-${i}`, { domain: "vpc", tags: { Name: `${namePrefix}-nat-${i}` } });
      return new NatGateway(this, `nat-gateway-${i}`, {
        allocationId: eip.allocationId,
        subnetId: publicSubnets[i].id,
        tags: { Name: `${namePrefix}-nat-${i}` },
        // A NAT gateway created before the internet gateway is attached cannot forward traffic.
        dependsOn: [igw],
      });
    });
  }

  /** A route table per private subnet, its default route through `natFor(i)`; returns the tables and the egress resources. */
  private privateRoutes(
    vpc: Vpc,
    privateSubnets: Subnet[],
    natFor: (i: number) => NatGateway,
    namePrefix: string,
  ): { tables: RouteTable[]; egress: TerraformResource[] } {
    const egress: TerraformResource[] = [];
    // One table per AZ even with a single NAT: switching to perAz then only retargets routes.
    const tables = privateSubnets.map((subnet, i) => {
      const table = new RouteTable(this, `private-route-table-${i}`, {
        vpcId: vpc.id,
        tags: { Name: `${namePrefix}-private-${i}` },
      });
      const route = new Route(this, `private-default-route-${i}`, {
        routeTableId: table.id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: natFor(i).id,
      });
      const association = new RouteTableAssociation(this, `private-route-table-association-${i}`, {
        subnetId: subnet.id,
        routeTableId: table.id,
      });
      egress.push(route, association);
      return table;
    });
    return { tables, egress };
  }

  /** The database subnets' shared route table: only the VPC-local route (and the S3 endpoint). */
  private databaseRoutes(vpc: Vpc, databaseSubnets: Subnet[], namePrefix: string): RouteTable {
    // The database never reaches the internet.
    const table = new RouteTable(this, "database-route-table", {
      vpcId: vpc.id,
      tags: { Name: `${namePrefix}-database` },
    });
    databaseSubnets.forEach((subnet, i) => {
      new RouteTableAssociation(this, `database-route-table-association-${i}`, {
        subnetId: subnet.id,
        routeTableId: table.id,
      });
    });
    return table;
  }

  /** The S3 gateway endpoint, routed from `routeTables`. */
  private s3Endpoint(vpc: Vpc, region: DataAwsRegion, routeTables: RouteTable[], namePrefix: string): void {
    // S3 traffic (ECR image layers, backups) stays off the NAT: cheaper and never leaves AWS's network.
    new VpcEndpoint(this, "s3-endpoint", {
      vpcId: vpc.id,
      serviceName: `com.amazonaws.${region.name}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: routeTables.map((t) => t.id),
      tags: { Name: `${namePrefix}-s3` },
    });
  }

  /** Flow logs of all the VPC's traffic to a log group, delivered with the existing role; returns the group. */
  private flowLogs(vpc: Vpc, props: NetworkProps): CloudwatchLogGroup {
    const { namePrefix } = props;
    const flowLogGroup = new CloudwatchLogGroup(this, "flow-log-group", {
      name: `/vpc/${namePrefix}/flow-logs`,
      retentionInDays: props.flowLogRetentionDays,
    });
    const flowLogRolePolicy = new IamRolePolicy(this, "flow-log-role-policy", {
      name: "write-flow-logs",
      role: props.flowLogRole.name,
      policy: policyJson({
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams", "logs:DescribeLogGroups"],
        Resource: `${flowLogGroup.arn}:*`,
      }),
    });
    new FlowLog(this, "flow-log", {
      vpcId: vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: flowLogGroup.arn,
      iamRoleArn: props.flowLogRole.arn,
      tags: { Name: namePrefix },
      // Delivery started before the role may write fails its first attempts and shows an error status.
      dependsOn: [flowLogRolePolicy],
    });
    return flowLogGroup;
  }
}
