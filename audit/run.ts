/**
 * `npm run audit`: synthesizes every stack of the platform (in a temporary directory, never
 * cdktf.out, so it audits what it synthesizes and never a stale output), runs every audit rule on
 * each, prints a table per stack, and writes into audit.out/: audit.json, audit.md (the rule tables,
 * then the monthly cost and the architecture diagrams), audit.sarif (for GitHub code scanning),
 * cost.json, diagrams/<stack>.mmd and the HCL form of each stack (hcl/<stack>/cdk.tf). It exits 1 on
 * any failure. A configuration or input error prints its message alone and exits 1 too.
 * With --base, the base branch's `cdktf synth` output, audit.md also says what got less safe, marks
 * the diagrams and gives the cost delta against it. A production environment that shares its account
 * by an accepted risk gets a notice listing what the IAM fence cannot hold there (one-account.ts).
 * Usage: tsx audit/run.ts [--out <dir>] [--base <base branch's cdktf.out>]
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { loadPlatform } from "../config/load";
import type { PlatformConfig } from "../config/types";
import { validate } from "../config/validate";
import { InputError, readInput, runCommand } from "../lib/cli";
import { mixedSynthOutputs } from "../lib/synth-output";
import { outDirArg } from "./args";
import { auditPlatform, contextOptions } from "./audit-app";
import { AuditContext } from "./context";
import { loadPriceTable } from "./cost";
import { formatCoverageConsole, formatCoverageMarkdown, platformCoverage } from "./coverage";
import { writeHcl } from "./hcl";
import { formatIamReport, iamReport, readRecordedCalls } from "./iam/role-report";
import {
  type FenceGap,
  formatSharedAccountConsole,
  formatSharedAccountMarkdown,
  ONE_ACCOUNT_FENCE_GAPS,
  sharedAccountNotices,
} from "./one-account";
import { configPreviewCost, formatPreviewCost, formatPreviewCostMarkdown } from "./preview-cost";
import { formatConsole, formatJson, formatMarkdown } from "./report";
import { formatReviewMarkdown, readBase, review } from "./review";
import { JUDGING_RULES } from "./rules";
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
 * at for a deploy-breaking leftover, never audited. `fenceGaps` is what the IAM fence cannot hold
 * inside one account, listed for a production environment that shares one.
 */
export function runAudit(
  config: PlatformConfig,
  out: string,
  rules?: readonly Rule[],
  cdktfOut = join(ROOT, "cdktf.out"),
  base?: string,
  fenceGaps: readonly FenceGap[] = ONE_ACCOUNT_FENCE_GAPS,
): number {
  const { report, stacks } = auditPlatform(config, { hcl: true, rules });
  const notices = sharedAccountNotices(report);
  console.log(`${formatConsole(report)}${formatSharedAccountConsole(notices, fenceGaps)}`);
  // What judges, prices and draws each resource type (COVERAGE-RESOURCE-TYPES fails the uncovered ones).
  const coverage = platformCoverage(
    stacks.map((s) => new AuditContext(s.name, s.tf, contextOptions(config, s.name))),
    JUDGING_RULES,
  );
  console.log(formatCoverageConsole(coverage));
  // Per role: granted, used by the recording the end-to-end suite leaves (if there is one), and the fence's list.
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
  // What one more preview costs: its stack as the config makes it (buildPlatform with previews [1]).
  const previewCost = configPreviewCost(config, table);
  console.log(`\nOne more preview: ${previewCost ? formatPreviewCost(previewCost) : "previews are off (no previews in the config)"}`);
  mkdirSync(join(out, "diagrams"), { recursive: true });
  writeFileSync(join(out, "audit.json"), formatJson(report));
  writeFileSync(join(out, "iam.json"), `${JSON.stringify(iam, null, 2)}\n`);
  const iamMarkdown = `## IAM\n\n\`\`\`\n${formatIamReport(iam)}\n\`\`\`\n`;
  const sharedAccount = formatSharedAccountMarkdown(notices, fenceGaps);
  const sections = [
    formatMarkdown(report),
    sharedAccount,
    iamMarkdown,
    formatCoverageMarkdown(coverage),
    formatReviewMarkdown(findings, table),
    formatPreviewCostMarkdown(previewCost),
  ];
  writeFileSync(join(out, "audit.md"), sections.filter((section) => section).join("\n"));
  writeFileSync(join(out, "audit.sarif"), formatSarif(report, rules));
  writeFileSync(join(out, "coverage.json"), `${JSON.stringify(coverage, null, 2)}\n`);
  writeFileSync(
    join(out, "cost.json"),
    `${JSON.stringify(
      { date: table.date, source: table.source, estimates: findings.estimates, deltas: findings.deltas, preview: previewCost ?? null },
      null,
      2,
    )}\n`,
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
      `${rel(join(out, "audit.sarif"))}, ${rel(join(out, "cost.json"))}, ${rel(join(out, "coverage.json"))}, ` +
      `${rel(join(out, "diagrams"))}/<stack>.mmd ` +
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
  // The configuration file is loaded here, not imported: a file that does not parse is one line, not a stack trace.
  runCommand(() =>
    runAudit(
      validate(loadPlatform()),
      readInput(() => outDirArg(args, join(ROOT, "audit.out"), "audit.out")),
      undefined,
      undefined,
      readInput(() => baseDir(args)),
    ),
  );
}
