/** The `network` section of an environment (config/schema.ts): the VPC. */
import { z } from "zod";
import { parseIpv4Cidr, rangesOverlap } from "./cidr";
import { retentionDays } from "./schema-common";

/**
 * Most availability zones a network spans: the VPC's subnet slots are reserved for this many in
 * every tier (constructs/network.ts).
 */
export const MAX_AZS = 4;

/** `a.b.c.d/n` with no leading zeros (Terraform's cidrsubnet refuses "010"): the strict form AWS and Terraform take. */
const STRICT_CIDR = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\/(\d{1,2})$/;

/** Why `cidr` cannot be a VPC's CIDR, or undefined. */
function vpcCidrProblem(cidr: string): string | undefined {
  const range = STRICT_CIDR.test(cidr) ? parseIpv4Cidr(cidr) : undefined;
  if (range === undefined) return 'is not a valid IPv4 CIDR; use e.g. "10.10.0.0/16"';
  if (!range.aligned) return 'has host bits set; use the network address, e.g. "10.10.0.0/16"';
  if (range.prefixLength < 16 || range.prefixLength > 22) {
    return 'must be a /16 to /22 (AWS allows /16 at most; subnets are carved 16 to a VPC); use e.g. "10.10.0.0/16"';
  }
  const within = (block: string) => {
    const outer = parseIpv4Cidr(block)!;
    return outer.first <= range.first && range.last <= outer.last;
  };
  if (!PRIVATE_RANGES.some(within)) {
    return (
      `is not private address space (${PRIVATE_RANGES.join(", ")}): AWS refuses reserved ranges, and a public one ` +
      'hides the real owners of those addresses from the VPC; use e.g. "10.10.0.0/16"'
    );
  }
  if (rangesOverlap(range, parseIpv4Cidr(DOCKER_BRIDGE)!)) {
    return (
      `overlaps ${DOCKER_BRIDGE}, which AWS says not to use (Docker's default bridge, used by services such as ` +
      'Cloud9 and SageMaker); use e.g. "10.10.0.0/16"'
    );
  }
  return undefined;
}

/** RFC 1918 and the shared range RFC 6598 (AWS allows it for VPCs): the ranges a VPC should use. */
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"];
/** AWS's VPC guide: "we recommend that you don't use 172.17.0.0/16". */
const DOCKER_BRIDGE = "172.17.0.0/16";

export const NetworkSchema = z
  .strictObject({
    /** IPv4 CIDR of the VPC, /16 to /22, e.g. `10.10.0.0/16`; must not overlap another environment's. */
    vpcCidr: z.string({ error: 'must be an IPv4 CIDR; use e.g. "10.10.0.0/16"' }).superRefine((cidr, ctx) => {
      const problem = vpcCidrProblem(cidr);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
    /**
     * Availability zones to spread subnets over, 2 to 4 (a load balancer and a multi-AZ database
     * need two). The plan fails with a clear message when the region has fewer.
     */
    azCount: z.int({ error: "must be 2, 3 or 4 (a load balancer and a multi-AZ database need two AZs)" }).min(2).max(MAX_AZS),
    /**
     * `single`: one NAT gateway in the first AZ that every private subnet shares (cheap, but an outage
     * of that AZ cuts the others' outbound traffic); `perAz`: one NAT gateway per AZ. A production guardrail.
     */
    natGateways: z.enum(["single", "perAz"], { error: 'must be "single" or "perAz"' }),
    /** Retention of VPC flow logs in CloudWatch Logs, in days (one of CloudWatch's values). */
    flowLogRetentionDays: retentionDays,
  })
  .readonly();
