/**
 * What a reviewer of an infrastructure pull request wants without opening the JSON: what got less
 * safe (findings and exemptions the change adds), what moved (each stack's architecture, marked
 * against the base branch), and what it costs (the monthly estimate, side by side, with its delta).
 * The base is the base branch's `cdktf synth` output, read as JSON only, so it works whatever code
 * the base branch has.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { PlatformConfig } from "../config/types";
import { contextOptions } from "./audit-app";
import { AuditContext } from "./context";
import { type CostEstimate, estimateCost, type PriceTable } from "./cost";
import { type CostDelta, compareEstimates, formatCostMarkdown } from "./cost-report";
import { architecture, diffArchitecture, hasChanges } from "./diagram";
import { toMermaid } from "./diagram-mermaid";
import { type AuditReport, auditStack, type Finding, type StackReport } from "./engine";
import { ALL_RULES } from "./rules";
import type { Rule, TerraformJson } from "./types";

export interface StackJson {
  readonly name: string;
  readonly tf: TerraformJson;
}

/** The base branch's stacks, from a `cdktf synth` output directory (`<dir>/stacks/<name>/cdk.tf.json`). */
export function readBase(cdktfOut: string, names: readonly string[]): Map<string, TerraformJson> {
  const base = new Map<string, TerraformJson>();
  for (const name of names) {
    const file = join(cdktfOut, "stacks", name, "cdk.tf.json");
    if (existsSync(file)) base.set(name, JSON.parse(readFileSync(file, "utf8")) as TerraformJson);
  }
  return base;
}

/** A failing or exempt finding that the base did not have (or had with another status). */
export interface SafetyChange {
  readonly stack: string;
  readonly finding: Finding;
  /** The finding's status on the base: absent when the base had no such finding, or passed it. */
  readonly before?: Finding["status"];
}

const key = (f: Finding): string => `${f.rule}|${f.address}|${f.subject ?? ""}`;

/** Findings that fail or are exempt after the change and were not before (less safe), and those that went away (safer). */
export function safetyChanges(before: StackReport | undefined, after: StackReport): { lessSafe: SafetyChange[]; safer: SafetyChange[] } {
  const flagged = (r: StackReport | undefined) => (r?.rules ?? []).flatMap((rule) => rule.findings).filter((f) => f.status !== "pass");
  const old = new Map(flagged(before).map((f) => [key(f), f]));
  const now = new Map(flagged(after).map((f) => [key(f), f]));
  const lessSafe = [...now.values()]
    .filter((f) => old.get(key(f))?.status !== f.status && !(f.status === "exempt" && old.get(key(f))?.status === "fail"))
    .map((f) => ({ stack: after.stack, finding: f, before: old.get(key(f))?.status }));
  const safer = [...old.values()].filter((f) => !now.has(key(f))).map((f) => ({ stack: after.stack, finding: f }));
  return { lessSafe, safer };
}

export interface Review {
  readonly estimates: readonly CostEstimate[];
  readonly deltas: readonly CostDelta[];
  /** Mermaid per stack: the architecture, or with a base the architecture marked against it. */
  readonly diagrams: ReadonlyMap<string, { readonly mermaid: string; readonly changed?: boolean; readonly newStack?: boolean }>;
  readonly lessSafe: readonly SafetyChange[];
  readonly safer: readonly SafetyChange[];
  readonly hasBase: boolean;
}

/** Builds the review of the synthesized stacks, against the base branch's stacks when given. */
export function review(
  config: PlatformConfig,
  report: AuditReport,
  stacks: readonly StackJson[],
  table: PriceTable,
  base?: ReadonlyMap<string, TerraformJson>,
  rules: readonly Rule[] = ALL_RULES,
): Review {
  // Shared stacks first, then the environments in the config's order (stage beside prod).
  const rank = (name: string): number => config.environments.findIndex((e) => e.name === name);
  stacks = [...stacks].sort((a, b) => rank(a.name) - rank(b.name));
  const estimates = stacks.map((s) => estimateCost(s.name, s.tf, table));
  const deltas: CostDelta[] = [];
  const diagrams = new Map<string, { mermaid: string; changed?: boolean; newStack?: boolean }>();
  const lessSafe: SafetyChange[] = [];
  const safer: SafetyChange[] = [];
  for (const [i, s] of stacks.entries()) {
    const now = architecture(s.tf);
    const before = base?.get(s.name);
    if (!base) {
      diagrams.set(s.name, { mermaid: toMermaid(now) });
      continue;
    }
    const diff = diffArchitecture(before ? architecture(before) : { subnets: {}, nodes: [], edges: [] }, now);
    diagrams.set(s.name, { mermaid: toMermaid(diff), changed: hasChanges(diff), newStack: !before });
    deltas.push(
      compareEstimates(
        before ? estimateCost(s.name, before, table) : { ...estimates[i], lines: [], notPriced: [], total: 0 },
        estimates[i],
      ),
    );
    const baseReport = before ? auditStack(new AuditContext(s.name, before, contextOptions(config, s.name)), rules) : undefined;
    const after = report.stacks.find((r) => r.stack === s.name);
    if (!after) continue;
    const changes = safetyChanges(baseReport, after);
    lessSafe.push(...changes.lessSafe);
    safer.push(...changes.safer);
  }
  return { estimates, deltas, diagrams, lessSafe, safer, hasBase: base !== undefined };
}

const where = (c: SafetyChange): string => `${c.stack}: \`${c.finding.address}${c.finding.subject ? ` [${c.finding.subject}]` : ""}\``;

/** The review as Markdown (GitHub renders the Mermaid blocks), for audit.md and the job summary. */
export function formatReviewMarkdown(r: Review, table: PriceTable): string {
  const out: string[] = [];
  if (r.hasBase) {
    out.push("## What got less safe (against the base branch)", "");
    if (r.lessSafe.length === 0) out.push("Nothing: no new failure and no new exemption.");
    for (const c of r.lessSafe) {
      const f = c.finding;
      out.push(
        f.status === "fail"
          ? `- **new failure** ${f.rule} on ${where(c)}: ${f.message}`
          : `- **new exemption** from ${f.rule} on ${where(c)}: ${f.reason}`,
      );
    }
    if (r.safer.length > 0) {
      out.push(
        "",
        "Safer:",
        "",
        ...r.safer.map((c) => `- ${c.finding.status === "fail" ? "fixed failure" : "exemption gone"}: ${c.finding.rule} on ${where(c)}`),
      );
    }
    out.push("");
  }
  out.push("## Monthly cost", "", formatCostMarkdown(r.estimates, table, r.deltas).trimEnd(), "");
  out.push("## Architecture", "");
  if (r.hasBase)
    out.push("Marked against the base branch: `+` added (green), `-` removed (red, dashed), `~` changed (amber, with the old label).", "");
  for (const [stack, d] of r.diagrams) {
    const note = !r.hasBase ? "" : d.newStack ? " (new stack)" : d.changed ? " (changed)" : " (unchanged)";
    out.push(`### ${stack}${note}`, "", "```mermaid", d.mermaid.trimEnd(), "```", "");
  }
  return `${out.join("\n")}`;
}
