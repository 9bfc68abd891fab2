/**
 * Coverage by resource type, so that nothing the stacks create passes unseen: for every resource type
 * of a synthesized stack, which rules judge it, whether the cost estimate prices it (or it is free by
 * nature), and whether the diagram draws it. Two rules turn gaps into failures:
 * - COVERAGE-RESOURCE-TYPES: a type that no rule judges, the estimate neither prices nor counts as
 *   free, and the diagram folds into "more resources" fails, unless `UNCOVERED_TYPES` lists it with
 *   a reason;
 * - COVERAGE-COST-PRICED: a resource that costs money but is "not priced" fails, unless its type is in
 *   `UNPRICED_TYPES` (audit/cost.ts) with a reason.
 * A rule judges a type when its `appliesTo` names it, or when it reads resources of that type
 * through the context (a bucket's public access block, the alarms of a service): the rules are run
 * once more on a context that records what they look up.
 */
import type { AuditContext } from "./context";
import { type CostEstimate, estimateCost, loadPriceTable, type NotPriced, type PriceTable } from "./cost";
import { diagramCoverage } from "./diagram";
import { type AuditTarget, type CheckResult, fail, pass, type Rule } from "./types";

/**
 * Resource types that nothing judges, prices or draws, on purpose, each with its reason. A type
 * listed here that something does cover fails COVERAGE-RESOURCE-TYPES, so the list stays true.
 */
export const UNCOVERED_TYPES: Readonly<Record<string, string>> = {};

/** What covers one resource type in one stack. */
export interface TypeCoverage {
  readonly type: string;
  readonly resources: number;
  /** Ids of the rules that judge it (by `appliesTo`, or by reading it through the context). */
  readonly rules: readonly string[];
  /** How many of its resources the estimate prices, counts as free, or does not price. */
  readonly cost: { readonly priced: number; readonly free: number; readonly notPriced: readonly NotPriced[] };
  readonly diagram: ReturnType<typeof diagramCoverage>;
}

const RESOURCE_LOOKUPS = new Set(["resources", "referrers", "bucketChildren"]);

/** A view of `context` that records the type of every resource a rule looks up. */
function recording(context: AuditContext, seen: Set<string>): AuditContext {
  return new Proxy(context, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (RESOURCE_LOOKUPS.has(String(prop)))
        return (type: string, ...rest: unknown[]) => {
          seen.add(type);
          return value.call(target, type, ...rest);
        };
      if (prop === "get")
        return (address: string | undefined) => {
          const found = target.get(address);
          if (found) seen.add(found.type);
          return found;
        };
      return value.bind(target);
    },
  });
}

const applies = (rule: Rule, target: AuditTarget): boolean =>
  rule.appliesTo.includes(target.type) || (target.kind !== "stack" && rule.appliesTo.includes("*"));

/** The types each rule judges in this stack: those it names, and those it reads while checking. */
function judgedTypes(context: AuditContext, rules: readonly Rule[]): Map<string, Set<string>> {
  const byType = new Map<string, Set<string>>();
  const add = (type: string, rule: string): void => void byType.set(type, (byType.get(type) ?? new Set()).add(rule));
  for (const rule of rules) {
    for (const type of rule.appliesTo) add(type, rule.id);
    const seen = new Set<string>();
    const view = recording(context, seen);
    for (const target of context.targets()) if (applies(rule, target)) rule.check(target, view);
    for (const type of seen) add(type, rule.id);
  }
  return byType;
}

/** Coverage of every resource type of one stack, sorted by type. */
export function typeCoverage(
  context: AuditContext,
  rules: readonly Rule[],
  estimate: CostEstimate = estimateCost(context.stackName, context.tf),
): TypeCoverage[] {
  const judged = judgedTypes(context, rules);
  const priced = new Set(estimate.lines.map((l) => l.address));
  const byType = new Map<string, AuditTarget[]>();
  for (const t of context.targets()) if (t.kind === "resource") byType.set(t.type, [...(byType.get(t.type) ?? []), t]);
  return [...byType.keys()].sort().map((type) => {
    const targets = byType.get(type) ?? [];
    const notPriced = estimate.notPriced.filter((n) => n.type === type);
    const pricedCount = targets.filter((t) => priced.has(t.address)).length;
    return {
      type,
      resources: targets.length,
      rules: [...(judged.get(type) ?? [])].sort(),
      cost: { priced: pricedCount, free: targets.length - pricedCount - notPriced.length, notPriced },
      diagram: diagramCoverage(type),
    };
  });
}

/** True when something judges, prices (or knows as free) or draws the type. */
export const isCovered = (c: TypeCoverage): boolean =>
  c.rules.length > 0 || c.cost.priced > 0 || c.cost.free > 0 || c.diagram.shown !== "folded";

let prices: PriceTable | undefined;
const priceTable = (): PriceTable => {
  prices ??= loadPriceTable();
  return prices;
};

const estimates = new WeakMap<object, CostEstimate>();
function estimateOf(context: AuditContext): CostEstimate {
  const known = estimates.get(context.tf);
  if (known) return known;
  const estimate = estimateCost(context.stackName, context.tf, priceTable());
  estimates.set(context.tf, estimate);
  return estimate;
}

/** What covers a type, in one line. */
export function describeCoverage(c: TypeCoverage): string {
  const cost = [
    c.cost.priced > 0 && `${c.cost.priced} priced`,
    c.cost.free > 0 && `${c.cost.free} free`,
    c.cost.notPriced.length > 0 && `${c.cost.notPriced.length} not priced`,
  ].filter(Boolean);
  const diagram = c.diagram.shown === "drawn" ? "drawn" : c.diagram.shown === "through" ? `shown as ${c.diagram.how}` : "not drawn";
  return `rules: ${c.rules.join(", ") || "none"}; cost: ${cost.join(", ")}; diagram: ${diagram}`;
}

/**
 * COVERAGE-RESOURCE-TYPES over the given rules (the other rules of the audit): one result per
 * resource type of the stack.
 */
export function resourceTypeCoverageRule(judging: readonly Rule[], uncovered: Readonly<Record<string, string>> = UNCOVERED_TYPES): Rule {
  return {
    id: "COVERAGE-RESOURCE-TYPES",
    rationale:
      "Every resource type is judged by a rule, priced (or free) in the cost estimate, or drawn: a new type fails, never passes unseen.",
    controls: [],
    appliesTo: ["stack"],
    check(_stack, context): CheckResult[] {
      return typeCoverage(context, judging, estimateOf(context)).map((c) => {
        const reason = uncovered[c.type];
        if (isCovered(c))
          return reason === undefined
            ? pass(describeCoverage(c), c.type)
            : fail(`is listed in UNCOVERED_TYPES (audit/coverage.ts) but is covered (${describeCoverage(c)}); remove it there`, c.type);
        return reason === undefined
          ? fail(
              `${c.resources} resource(s) that no rule judges, the cost estimate does not price and the diagram folds into ` +
                '"more resources"; add a rule, a price (audit/cost.ts) or a place in the diagram (audit/diagram.ts), ' +
                "or list the type in UNCOVERED_TYPES (audit/coverage.ts) with the reason",
              c.type,
            )
          : pass(`deliberately uncovered: ${reason}`, c.type);
      });
    },
  };
}

/** COVERAGE-COST-PRICED: one result per resource the estimate cannot price. */
export const costPricedRule: Rule = {
  id: "COVERAGE-COST-PRICED",
  rationale: "Every resource that costs money is in the monthly estimate; one it cannot price fails instead of counting as zero.",
  controls: [],
  appliesTo: ["stack"],
  check(_stack, context): CheckResult[] {
    const estimate = estimateOf(context);
    const results = estimate.notPriced.map((n) =>
      n.accepted === undefined
        ? fail(
            `is not priced (${n.reason}); add its pricing to audit/cost.ts and audit/prices/aws.json, or free it there if AWS ` +
              "does not bill it, or list its type in UNPRICED_TYPES (audit/cost.ts) with the reason",
            n.address,
          )
        : pass(`not priced by choice: ${n.accepted}`, n.address),
    );
    return results.length > 0 ? results : [pass(`${estimate.lines.length} priced line(s), ${estimate.free} free resource(s)`)];
  },
};

/** One resource type across the stacks: where it is, and what covers it. */
export interface PlatformTypeCoverage extends Omit<TypeCoverage, "cost"> {
  readonly stacks: readonly string[];
  readonly cost: { readonly priced: number; readonly free: number; readonly notPriced: number };
}

/** Coverage of every resource type of every stack, merged by type (rules and counts added up), sorted by type. */
export function platformCoverage(contexts: readonly AuditContext[], rules: readonly Rule[]): PlatformTypeCoverage[] {
  const merged = new Map<string, PlatformTypeCoverage>();
  for (const context of contexts) {
    for (const c of typeCoverage(context, rules, estimateOf(context))) {
      const was = merged.get(c.type);
      merged.set(c.type, {
        type: c.type,
        stacks: [...(was?.stacks ?? []), context.stackName],
        resources: (was?.resources ?? 0) + c.resources,
        rules: [...new Set([...(was?.rules ?? []), ...c.rules])].sort(),
        cost: {
          priced: (was?.cost.priced ?? 0) + c.cost.priced,
          free: (was?.cost.free ?? 0) + c.cost.free,
          notPriced: (was?.cost.notPriced ?? 0) + c.cost.notPriced.length,
        },
        diagram: c.diagram,
      });
    }
  }
  return [...merged.values()].sort((a, b) => a.type.localeCompare(b.type));
}

const costText = (c: PlatformTypeCoverage): string =>
  c.cost.notPriced > 0 ? `NOT PRICED (${c.cost.notPriced})` : c.cost.priced > 0 ? "priced" : "free";
const diagramText = (c: PlatformTypeCoverage): string =>
  c.diagram.shown === "drawn" ? "drawn" : c.diagram.shown === "through" ? "in other nodes" : "folded";

/** The coverage table `npm run audit` prints: a line per type, its rules shortened to what fits. */
export function formatCoverageConsole(coverage: readonly PlatformTypeCoverage[]): string {
  const width = Math.max(...coverage.map((c) => c.type.length), 4);
  const rules = (ids: readonly string[]): string =>
    ids.length === 0 ? "-" : ids.length <= 2 ? ids.join(", ") : `${ids.slice(0, 2).join(", ")} +${ids.length - 2}`;
  return [
    "",
    "== Coverage by resource type (COVERAGE-RESOURCE-TYPES fails a type none of these covers)",
    `${"TYPE".padEnd(width)}  ${"COST".padEnd(16)}  ${"DIAGRAM".padEnd(14)}  RULES THAT JUDGE IT`,
    ...coverage.map((c) => `${c.type.padEnd(width)}  ${costText(c).padEnd(16)}  ${diagramText(c).padEnd(14)}  ${rules(c.rules)}`),
  ].join("\n");
}

/** The same table for audit.md, every rule id and the stacks each type is in. */
export function formatCoverageMarkdown(coverage: readonly PlatformTypeCoverage[]): string {
  return [
    "## Coverage by resource type",
    "",
    "Every resource type the stacks create, and what covers it: the rules that judge it (by target or by reading it), the cost " +
      'estimate (priced, free by nature, or not priced), the diagram (a node, part of other nodes and edges, or folded into "more ' +
      'resources"). A type none of them covers fails COVERAGE-RESOURCE-TYPES; an unpriced resource fails COVERAGE-COST-PRICED.',
    "",
    "| Type | Stacks | Resources | Cost | Diagram | Rules |",
    "|---|---|---:|---|---|---|",
    ...coverage.map(
      (c) =>
        `| \`${c.type}\` | ${c.stacks.join(", ")} | ${c.resources} | ${costText(c)} | ${diagramText(c)} | ${c.rules.join(", ") || "-"} |`,
    ),
    "",
  ].join("\n");
}
