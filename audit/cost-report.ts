/**
 * The cost estimate as a reviewer reads it: the change against the base branch per stack
 * (`compareEstimates`) and the Markdown for audit.md and the job summary (`formatCostMarkdown`).
 * The estimate itself is cost.ts.
 */
import { type CostEstimate, type CostLine, money, type NotPriced, type PriceTable } from "./cost";

export interface CostDeltaRow {
  readonly address: string;
  readonly item: string;
  readonly before: number;
  readonly after: number;
  readonly delta: number;
}

export interface CostDelta {
  readonly stack: string;
  readonly before: number;
  readonly after: number;
  readonly delta: number;
  /** The lines whose monthly cost moved, by resource and price row. */
  readonly rows: readonly CostDeltaRow[];
  /** Resources not priced after the change that were not before (their cost is unknown, not zero). */
  readonly newlyNotPriced: readonly NotPriced[];
}

/** What a change does to a stack's estimate: totals, and every line that moved. */
export function compareEstimates(before: CostEstimate, after: CostEstimate): CostDelta {
  const key = (l: CostLine): string => `${l.address}|${l.priceKey}`;
  const old = new Map(before.lines.map((l) => [key(l), l]));
  const now = new Map(after.lines.map((l) => [key(l), l]));
  const rows: CostDeltaRow[] = [];
  for (const k of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const b = old.get(k)?.monthly ?? 0;
    const a = now.get(k)?.monthly ?? 0;
    if (money(a - b) === 0) continue;
    const l = (now.get(k) ?? old.get(k))!;
    rows.push({ address: l.address, item: l.item, before: b, after: a, delta: money(a - b) });
  }
  const known = new Set(before.notPriced.map((n) => n.address));
  return {
    stack: after.stack,
    before: before.total,
    after: after.total,
    delta: money(after.total - before.total),
    rows,
    newlyNotPriced: after.notPriced.filter((n) => !known.has(n.address)),
  };
}

const usd = (n: number): string => `$${n.toFixed(2)}`;
const signed = (n: number): string => `${n < 0 ? "-" : "+"}$${Math.abs(n).toFixed(2)}`;

/** The categories of the side-by-side table, from a line's price row. */
/** The cost table's row of a price key (`fargate.x86.vcpuHour`: "Fargate (service)"); the service itself when it has no name. */
export function costCategory(priceKey: string): string {
  const [service] = priceKey.split(".");
  const names: Record<string, string> = {
    nat: "NAT gateways",
    ipv4: "Public IPv4 addresses",
    alb: "Load balancer",
    fargate: "Fargate (service)",
    rds: "RDS database",
    secretsmanager: "Secrets Manager",
    logs: "CloudWatch Logs",
    cloudwatch: "CloudWatch alarms and dashboards",
    s3: "S3 storage",
    cloudfront: "CloudFront",
    ecr: "ECR images",
    kms: "KMS keys",
    dynamodb: "DynamoDB",
    sqs: "SQS queues",
    scheduler: "EventBridge Scheduler",
  };
  return names[service] ?? service;
}

/** The stacks that have anything to price (the github stack has not), in the given order. */
const pricedStacks = (estimates: readonly CostEstimate[]): CostEstimate[] =>
  estimates.filter((e) => e.lines.length > 0 || e.notPriced.length > 0);

/** The side-by-side table alone: a row per category, the totals, the count of resources not priced (README.md shows it too). */
export function formatCostTable(estimates: readonly CostEstimate[]): string {
  const shown = pricedStacks(estimates);
  const categories = [...new Set(shown.flatMap((e) => e.lines.map((l) => costCategory(l.priceKey))))].sort();
  const sum = (e: CostEstimate, c: string): number =>
    e.lines.filter((l) => costCategory(l.priceKey) === c).reduce((s, l) => s + l.monthly, 0);
  return [
    `| | ${shown.map((e) => `${e.stack} (${e.region})`).join(" | ")} |`,
    `|---|${shown.map(() => "---:").join("|")}|`,
    ...categories.map((c) => `| ${c} | ${shown.map((e) => usd(sum(e, c))).join(" | ")} |`),
    `| **Total a month** | ${shown.map((e) => `**${usd(e.total)}**`).join(" | ")} |`,
    `| Not priced (cost unknown) | ${shown.map((e) => String(e.notPriced.length)).join(" | ")} |`,
  ].join("\n");
}

/** One stack's row of the change table: before, after, change. */
export const formatDeltaRow = (d: CostDelta): string => `| ${d.stack} | ${usd(d.before)} | ${usd(d.after)} | **${signed(d.delta)}** |`;

/** Markdown: the stacks side by side by category, the total, then every line with its price row. */
export function formatCostMarkdown(estimates: readonly CostEstimate[], table: PriceTable, deltas: readonly CostDelta[] = []): string {
  const shown = pricedStacks(estimates);
  const out = [
    `Monthly on-demand estimate in ${table.currency}, ${table.hoursPerMonth} hours a month, ` +
      `prices of ${table.date} from audit/prices/aws.json ` +
      `(${table.source.split(" (")[0]}). Traffic-dependent lines rest on the assumptions listed per line.`,
    "",
    formatCostTable(estimates),
  ];
  if (deltas.length > 0) {
    out.push("", "### Change against the base branch", "", "| Stack | Before | After | Change |", "|---|---:|---:|---:|");
    for (const d of deltas.filter((d) => d.before !== 0 || d.after !== 0 || d.newlyNotPriced.length > 0)) {
      out.push(formatDeltaRow(d));
    }
    const moved = deltas.flatMap((d) => d.rows.map((r) => ({ stack: d.stack, ...r })));
    if (moved.length > 0) {
      out.push("", "| Stack | Resource | Item | Before | After | Change |", "|---|---|---|---:|---:|---:|");
      for (const r of moved)
        out.push(`| ${r.stack} | \`${r.address}\` | ${r.item} | ${usd(r.before)} | ${usd(r.after)} | ${signed(r.delta)} |`);
    }
    for (const d of deltas)
      for (const n of d.newlyNotPriced)
        out.push(`- ${d.stack}: new \`${n.address}\` is **not priced** (${n.reason}): its cost is unknown, not zero`);
  }
  for (const e of shown) {
    out.push(
      "",
      `<details><summary>${e.stack}: ${usd(e.total)} a month, ${e.lines.length} priced line(s), ${e.notPriced.length} not ` +
        `priced, ${e.free} free resource(s)</summary>`,
      "",
    );
    out.push("| Resource | Item | Quantity | Unit price (row) | Monthly | Assumption |", "|---|---|---:|---|---:|---|");
    for (const l of e.lines) {
      out.push(
        `| \`${l.address}\` | ${l.item} | ${l.quantity} | ${l.unitPrice} (\`${l.priceKey}\`) | ${usd(l.monthly)} | ${l.assumption ?? ""} |`,
      );
    }
    for (const n of e.notPriced) out.push(`| \`${n.address}\` | **not priced**: ${n.reason} | | | ? | |`);
    out.push("", "</details>");
  }
  out.push("", "Notes on the price table:", "", ...table.notes.map((n) => `- ${n}`));
  return `${out.join("\n")}\n`;
}
