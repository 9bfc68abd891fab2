/**
 * `npx tsx audit/docs.ts`: writes the figures of README.md and audit/README.md from what the audit
 * computes on the shipped configuration (config/platform.ts): the monthly cost table, the stage
 * diagram, an example cost delta, what one more preview costs, the number of rules and of alarms.
 * Each sits between `<!-- docs:<name> -->` and `<!-- /docs:<name> -->`; the rest of the files is left alone.
 * `--check` writes nothing and exits 1 naming each file that differs (what
 * __tests__/docs.test.ts asserts), so a figure cannot go stale unnoticed. Re-run it after any
 * change to the config, the constructs, the rules or the prices.
 * Usage: tsx audit/docs.ts [--check]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildPlatform } from "../app";
import { loadPlatform } from "../config/load";
import type { PlatformConfig } from "../config/types";
import { validate } from "../config/validate";
import { InputError, runCommand } from "../lib/cli";
import { estimateCost, loadPriceTable } from "./cost";
import { compareEstimates, formatCostTable, formatDeltaRow } from "./cost-report";
import { architecture } from "./diagram";
import { toMermaid } from "./diagram-mermaid";
import { configPreviewCost } from "./preview-cost";
import { ALL_RULES } from "./rules";
import { synthesizeApp } from "./synth";
import type { TerraformJson } from "./types";

const ROOT = resolve(__dirname, "..");

/** The files the script writes into, relative to the repository root. */
export const DOC_FILES = ["README.md", "audit/README.md"] as const;

/**
 * The shipped config with prod on one NAT gateway and a single-AZ database, both accepted as production
 * risks with their reasons: the README's example delta, and the tests' "less safe" change.
 */
export function cheaperProd(config: PlatformConfig): PlatformConfig {
  return {
    ...config,
    environments: config.environments.map((e) =>
      e.name !== "prod"
        ? e
        : {
            ...e,
            network: { ...e.network, natGateways: "single" as const },
            database: { ...e.database, multiAz: false },
            acceptedRisks: [
              ...(e.acceptedRisks ?? []),
              { setting: "network.natGateways", reason: "one NAT gateway until the launch, to save its cost" },
              { setting: "database.multiAz", reason: "a single-AZ database until the launch" },
            ],
          },
    ),
  };
}

const synth = (config: PlatformConfig): Map<string, TerraformJson> =>
  new Map(synthesizeApp((app) => buildPlatform(app, config)).map((s) => [s.name, s.tf]));

/**
 * Every generated block and figure, by marker name, from the configuration.
 * @param config the configuration
 * @default config - config/platform.ts, loaded (not imported: a file that does not parse is one line)
 */
export function docValues(config: PlatformConfig = validate(loadPlatform())): Record<string, string> {
  const stacks = synth(config);
  const table = loadPriceTable();
  // Shared stacks first, then the environments in the config's order (as audit.md shows them).
  const rank = (name: string): number => config.environments.findIndex((e) => e.name === name);
  const names = [...stacks.keys()].sort((a, b) => rank(a) - rank(b));
  const estimates = names.map((name) => estimateCost(name, stacks.get(name)!, table));
  const [first] = config.environments;
  const uncontrolled = ALL_RULES.filter((r) => r.controls.length === 0).map((r) => r.id);
  const alarms = config.environments.map((e) => [
    e.name,
    Object.keys(stacks.get(e.name)?.resource?.aws_cloudwatch_metric_alarm ?? {}).length,
  ]);
  const prod = config.environments.find((e) => e.name === "prod");
  const values: Record<string, string> = {
    "rule-count": String(ALL_RULES.length),
    "rules-without-controls":
      `${uncontrolled.length} rules have no equivalent in those tools (searched in checkov's policy index, trivy-checks and ` +
      `the Security Hub control pages): ${uncontrolled.join(", ")}`,
    "alarm-count": new Set(alarms.map(([, n]) => n)).size === 1 ? String(alarms[0][1]) : alarms.map(([e, n]) => `${n} (${e})`).join(", "),
    "cost-table": formatCostTable(estimates),
    [`diagram-${first.name}`]: `\`\`\`mermaid\n${toMermaid(architecture(stacks.get(first.name)!)).trimEnd()}\n\`\`\``,
  };
  const preview = configPreviewCost(config, table);
  values["preview-cost"] = preview
    ? `about **$${preview.daily.toFixed(2)} a day** (**$${preview.monthly.toFixed(2)} a month**) in ${preview.region}`
    : "nothing: the shipped config has no `previews`";
  if (prod) {
    const after = synth(cheaperProd(config)).get(prod.name)!;
    const delta = compareEstimates(estimateCost(prod.name, stacks.get(prod.name)!, table), estimateCost(prod.name, after, table));
    values["cost-delta-example"] = `\`${formatDeltaRow(delta)}\``;
  }
  return values;
}

const MARKER = /<!-- docs:([a-z0-9-]+) -->([\s\S]*?)<!-- \/docs:\1 -->/g;

/**
 * The text with every marked part replaced by its value. A start marker that ends its line holds a
 * block, indented as the marker is (a table inside a list item); one followed by text on its line
 * holds the value inline. An unknown marker name is an error, so a renamed figure is not left as it was.
 */
export function renderDocs(text: string, values: Readonly<Record<string, string>>, file = "the document"): string {
  return text.replace(MARKER, (_whole: string, name: string, old: string, offset: number) => {
    const value = values[name];
    if (value === undefined)
      throw new InputError(`${file}: marker docs:${name} has no value; use one of ${Object.keys(values).sort().join(", ")}`);
    const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
    const before = text.slice(lineStart, offset);
    if (before.trim() !== "" || !old.startsWith("\n")) return `<!-- docs:${name} -->${value}<!-- /docs:${name} -->`;
    const block = value
      .split("\n")
      .map((line) => (line === "" ? line : `${before}${line}`))
      .join("\n");
    return `<!-- docs:${name} -->\n${block}\n${before}<!-- /docs:${name} -->`;
  });
}

/** The files whose text differs from what the script writes, after writing them unless `check`. */
export function writeDocs(check: boolean, root = ROOT, values: Readonly<Record<string, string>> = docValues()): string[] {
  const stale: string[] = [];
  for (const file of DOC_FILES) {
    const path = join(root, file);
    const text = readFileSync(path, "utf8");
    const next = renderDocs(text, values, file);
    if (next === text) continue;
    stale.push(file);
    if (!check) writeFileSync(path, next);
  }
  return stale;
}

if (require.main === module) {
  runCommand(() => {
    const check = process.argv.includes("--check");
    const stale = writeDocs(check);
    if (check && stale.length > 0) {
      console.error(`${stale.join(", ")} differ(s) from what the audit computes; run "npx tsx audit/docs.ts" and commit the result`);
      return 1;
    }
    console.log(stale.length > 0 ? `Wrote ${stale.join(", ")}` : "The documents are up to date");
    return 0;
  });
}
