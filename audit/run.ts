/**
 * `npm run audit`: synthesizes every stack of the platform (in a temporary directory, never
 * cdktf.out, so it audits what it synthesizes and never a stale output), runs every audit rule on
 * each, prints a table per stack, and writes into audit.out/: audit.json, audit.md (the rule tables,
 * then the monthly cost and the architecture diagrams), audit.sarif (for GitHub code scanning),
 * cost.json, diagrams/<stack>.mmd and the HCL form of each stack (hcl/<stack>/cdk.tf). It exits 1 on
 * any failure. A configuration or input error prints its message alone and exits 1 too.
 * With --base, the base branch's `cdktf synth` output, audit.md also says what got less safe, marks
 * the diagrams and gives the cost delta against it.
 * Usage: tsx audit/run.ts [--out <dir>] [--base <base branch's cdktf.out>]
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { platform } from "../config/platform";
import type { PlatformConfig } from "../config/types";
import { InputError, readInput, runCommand } from "../lib/cli";
import { mixedSynthOutputs } from "../lib/synth-output";
import { outDirArg } from "./args";
import { auditPlatform } from "./audit-app";
import { loadPriceTable } from "./cost";
import { writeHcl } from "./hcl";
import { formatIamReport, iamReport, readRecordedCalls } from "./iam/role-report";
import { formatConsole, formatJson, formatMarkdown } from "./report";
import { formatReviewMarkdown, readBase, review } from "./review";
import { formatSarif } from "./sarif";
import type { Rule } from "./types";

const ROOT = resolve(__dirname, "..");

function baseDir(args: string[]): string | undefined {
  const i = args.indexOf("--base");
  if (i < 0) return undefined;
  const dir = args[i + 1];
  if (!dir) throw new InputError("--base needs the base branch's cdktf synth output, e.g. --base base.out");
  if (!existsSync(join(resolve(dir), "stacks")))
    throw new InputError(`--base ${dir} has no stacks/ directory; pass the output of "cdktf synth --output ${dir}" run on the base branch`);
  return resolve(dir);
}

/**
 * Audits the platform built from `config`, prints and writes the report into `out`, and returns the
 * exit code: 0 when every rule passes (or is exempt), 1 on any failure. `cdktfOut` is only looked
 * at for a deploy-breaking leftover, never audited.
 */
export function runAudit(
  config: PlatformConfig,
  out: string,
  rules?: readonly Rule[],
  cdktfOut = join(ROOT, "cdktf.out"),
  base?: string,
): number {
  const { report, stacks } = auditPlatform(config, { hcl: true, rules });
  console.log(formatConsole(report));
  // The recording the end-to-end suite leaves (tests/e2e), if there is one.
  const recordingFile = join(out, "recorded-calls.json");
  const recorded = readRecordedCalls(recordingFile);
  const iam = iamReport(config, stacks, recorded, recorded && relative(process.cwd(), recordingFile));
  console.log(`\n${formatIamReport(iam)}`);

  const table = loadPriceTable();
  const findings = review(
    config,
    report,
    stacks,
    table,
    base
      ? readBase(
          base,
          stacks.map((s) => s.name),
        )
      : undefined,
    rules,
  );
  mkdirSync(join(out, "diagrams"), { recursive: true });
  writeFileSync(join(out, "audit.json"), formatJson(report));
  writeFileSync(join(out, "iam.json"), `${JSON.stringify(iam, null, 2)}\n`);
  const iamMarkdown = `## IAM\n\n\`\`\`\n${formatIamReport(iam)}\n\`\`\`\n`;
  writeFileSync(join(out, "audit.md"), `${formatMarkdown(report)}\n${iamMarkdown}\n${formatReviewMarkdown(findings, table)}`);
  writeFileSync(join(out, "audit.sarif"), formatSarif(report, rules));
  writeFileSync(
    join(out, "cost.json"),
    `${JSON.stringify({ date: table.date, source: table.source, estimates: findings.estimates, deltas: findings.deltas }, null, 2)}\n`,
  );
  for (const [stack, diagram] of findings.diagrams) writeFileSync(join(out, "diagrams", `${stack}.mmd`), diagram.mermaid);
  const hclDir = join(out, "hcl");
  for (const problem of writeHcl(stacks, hclDir)) {
    console.warn(`warning: hcl/${problem.stack}/cdk.tf is not formatted: ${problem.error}`);
  }
  const rel = (p: string): string => relative(process.cwd(), p) || ".";
  const against = base ? ` against ${rel(base)}` : "";
  console.log(
    `\nWrote ${rel(join(out, "audit.json"))}, ${rel(join(out, "audit.md"))} (with cost and diagrams${against}), ` +
      `${rel(join(out, "audit.sarif"))}, ${rel(join(out, "cost.json"))}, ${rel(join(out, "diagrams"))}/<stack>.mmd ` +
      `and ${rel(hclDir)}/<stack>/cdk.tf`,
  );

  for (const dir of mixedSynthOutputs(cdktfOut)) {
    console.warn(
      `warning: ${rel(dir)} holds both cdk.tf and cdk.tf.json (not audited: the audit synthesizes its own); the next ` +
        `deploy fails with "Duplicate backend configuration". Run "cdktf synth" again: it keeps only the format it writes.`,
    );
  }
  return report.passed ? 0 : 1;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  runCommand(() =>
    runAudit(
      platform,
      readInput(() => outDirArg(args, join(ROOT, "audit.out"), "audit.out")),
      undefined,
      undefined,
      readInput(() => baseDir(args)),
    ),
  );
}
