/** An IPv4 CIDR block as a numeric range, for validation only (subnets are carved by Terraform's cidrsubnet). */
export interface Ipv4Range {
  readonly prefixLength: number;
  readonly first: number;
  readonly last: number;
  /** True when the address has no bits set below the prefix (10.0.0.0/16, not 10.0.0.1/16). */
  readonly aligned: boolean;
}

/** Parses `a.b.c.d/n`; undefined when it is not a valid IPv4 CIDR. */
export function parseIpv4Cidr(cidr: string): Ipv4Range | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefixLength = Number(match[5]);
  if (octets.some((o) => o > 255) || prefixLength > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefixLength);
  const first = Math.floor(address / size) * size;
  return { prefixLength, first, last: first + size - 1, aligned: first === address };
}

export function rangesOverlap(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.first <= b.last && b.first <= a.last;
}
