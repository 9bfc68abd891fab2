/**
 * Construct ids built from configuration values, unique by construction: two different valid
 * values never make one id (a construct-tree error that names no setting).
 */

/** The id the subscriptions had first: readable, but two addresses can make one (`a.b@x.io`, `a-b@x.io`). */
const readableId = (endpoint: string) => `subscriber-${endpoint.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;

/**
 * `endpoint` with every character other than a-z and 0-9 written as `-` and its hex code (`-` as
 * `--`): decodable, so two endpoints never share it.
 */
const encodedId = (endpoint: string) =>
  `subscription-${[...endpoint.toLowerCase()]
    .map((ch) => (/[a-z0-9]/.test(ch) ? ch : ch === "-" ? "--" : `-${ch.codePointAt(0)!.toString(16).padStart(2, "0")}`))
    .join("")}`;

/**
 * The construct id of each subscriber's subscription, in order. The readable id where no other
 * subscriber makes the same one (so existing subscriptions keep their Terraform address and email
 * subscribers need not confirm again); the encoded id, which no other address makes and no readable
 * id can equal (another first word), for those that would share one. Subscribers are unique when
 * lowercased (the schema refuses the same address twice).
 */
export function subscriberConstructIds(endpoints: readonly string[]): string[] {
  const uses = new Map<string, number>();
  for (const e of endpoints) uses.set(readableId(e), (uses.get(readableId(e)) ?? 0) + 1);
  return endpoints.map((e) => (uses.get(readableId(e)) === 1 ? readableId(e) : encodedId(e)));
}
