/**
 * What one more preview costs (README "Preview lifecycle"): the preview stack's own resources priced
 * like any stack's (audit/cost.ts), a month and a day. Only what the preview creates is counted: its
 * Fargate task, its log group, its secret; its listener rule, target group, security groups and
 * task definitions are not billed by themselves. What it shares with its host is not counted: the
 * host's load balancer (hours and LCUs), NAT gateway, database server, cluster, and the previews'
 * image repository; a preview adds little to them (its requests, its egress, its database's pages).
 *
 * The preview workflow's synth job runs it on the preview's synthesized stack and passes the figures
 * to the pull request's comment:
 *   tsx audit/preview-cost.ts cdktf.out/stacks/preview-pr-<n>/cdk.tf.json   (writes monthly=, daily= to $GITHUB_OUTPUT)
 */
import { appendFileSync, readFileSync } from "node:fs";
import { buildPlatform } from "../app";
import { previewStackId } from "../config/preview-naming";
import type { PlatformConfig } from "../config/types";
import { errorText, InputError } from "../lib/cli";
import { type CostLine, DEFAULT_USAGE, estimateCost, loadPriceTable, type NotPriced, type PriceTable, type Usage } from "./cost";
import { synthesizeApp } from "./synth";
import type { TerraformJson } from "./types";

/** The host's resources a preview uses without paying for them itself, as the comment and README say. */
export const PREVIEW_SHARED = [
  "the host's load balancer",
  "its NAT gateway",
  "its database server",
  "its ECS cluster",
  "the previews' image repository",
] as const;

/** A preview serves a reviewer's clicks, not users: its logs are a fraction of an environment's. */
export const PREVIEW_USAGE: Usage = { ...DEFAULT_USAGE, logGbPerGroup: 0.5 };

export interface PreviewCost {
  readonly stack: string;
  readonly region: string;
  /** US dollars a month while the preview runs. */
  readonly monthly: number;
  /** US dollars a day (a month being the price table's hours / 24 days). */
  readonly daily: number;
  readonly lines: readonly CostLine[];
  /** Resources of the preview without a price: the figures are then a floor, and say so. */
  readonly notPriced: readonly NotPriced[];
}

const cents = (n: number): number => Math.round(n * 100) / 100;

/** Prices a preview's synthesized stack (its own resources only; see PREVIEW_SHARED). */
export function estimatePreviewCost(
  stack: string,
  tf: TerraformJson,
  table: PriceTable = loadPriceTable(),
  usage: Usage = PREVIEW_USAGE,
): PreviewCost {
  const estimate = estimateCost(stack, tf, table, usage);
  const days = table.hoursPerMonth / 24;
  return {
    stack,
    region: estimate.region,
    monthly: cents(estimate.total),
    daily: cents(estimate.total / days),
    lines: estimate.lines,
    notPriced: estimate.notPriced,
  };
}

/** The pull request number the audit synthesizes a preview for: any number gives the same resources, so the same price. */
export const PRICED_PREVIEW = 1;

/**
 * The stack of one preview as `config` makes it (buildPlatform with `previews: [PRICED_PREVIEW]`, what
 * PREVIEW_PR=<n> synthesizes), or undefined when the config has no `previews`.
 */
export function synthesizePreview(config: PlatformConfig): { stack: string; tf: TerraformJson } | undefined {
  if (!config.previews) return undefined;
  const stack = previewStackId(PRICED_PREVIEW);
  const stacks = synthesizeApp((app) => buildPlatform(app, config, { previews: [PRICED_PREVIEW] }));
  const found = stacks.find((s) => s.name === stack);
  if (!found) throw new Error(`buildPlatform with previews [${PRICED_PREVIEW}] made no stack ${stack}`);
  return { stack, tf: found.tf };
}

/** What one more preview of `config` costs (the audit's cost report and the README), or undefined without `previews`. */
export function configPreviewCost(config: PlatformConfig, table: PriceTable = loadPriceTable()): PreviewCost | undefined {
  const preview = synthesizePreview(config);
  return preview && estimatePreviewCost(preview.stack, preview.tf, table);
}

/** Markdown for audit.md: the figure and each priced line. */
export function formatPreviewCostMarkdown(cost: PreviewCost | undefined): string {
  if (!cost) return "## One more preview\n\nPreviews are off (the config has no `previews`).\n";
  const out = [
    "## One more preview",
    "",
    `${formatPreviewCost(cost)} (audit/preview-cost.ts on ${cost.stack} as the config makes it).`,
    "",
    "| Resource | Item | Quantity | Monthly |",
    "|---|---|---:|---:|",
    ...cost.lines.map((l) => `| \`${l.address}\` | ${l.item} | ${l.quantity} | $${l.monthly.toFixed(2)} |`),
  ];
  return `${out.join("\n")}\n`;
}

/** One line for a pull request: the figures, what is counted and what is not. */
export function formatPreviewCost(cost: PreviewCost): string {
  const floor = cost.notPriced.length > 0 ? `at least ` : "";
  const unpriced = cost.notPriced.length > 0 ? `; not priced: ${cost.notPriced.map((n) => n.address).join(", ")}` : "";
  return (
    `${floor}$${cost.daily.toFixed(2)} a day ($${cost.monthly.toFixed(2)} a month) in ${cost.region}: its own resources only, ` +
    `not ${PREVIEW_SHARED.join(", ")}${unpriced}`
  );
}

function main(args: readonly string[]): void {
  const [file] = args;
  if (!file)
    throw new InputError("give the preview's synthesized stack: tsx audit/preview-cost.ts cdktf.out/stacks/preview-pr-<n>/cdk.tf.json");
  let tf: TerraformJson;
  try {
    tf = JSON.parse(readFileSync(file, "utf8")) as TerraformJson;
  } catch (error) {
    throw new InputError(`${file} is not a synthesized stack (${(error as Error).message.split("\n")[0]}); synthesize with PREVIEW_PR=<n>`);
  }
  const stack = /stacks\/([^/]+)\//.exec(file)?.[1] ?? file;
  const cost = estimatePreviewCost(stack, tf);
  for (const l of cost.lines) console.log(`${l.address}: ${l.item} ${l.quantity} x $${l.unitPrice} = $${l.monthly.toFixed(2)} a month`);
  console.log(`${stack}: ${formatPreviewCost(cost)}`);
  const outputs = `monthly=${cost.monthly.toFixed(2)}\ndaily=${cost.daily.toFixed(2)}\n`;
  if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, outputs);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${errorText(error)}\n`);
    process.exitCode = 1;
  }
}
