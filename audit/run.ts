/**
 * `npm run audit`: synthesizes every stack of the platform (in a temporary directory, never
 * cdktf.out, so it audits what it synthesizes and never a stale output), runs every audit rule on
 * each, prints a table per stack, writes audit.json, audit.md and the HCL form of each stack
 * (hcl/<stack>/cdk.tf) into audit.out/, and exits 1 on any failure. A configuration or input error
 * prints its message alone and exits 1 too.
 * Usage: tsx audit/run.ts [--out <dir>]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { platform } from "../config/platform";
import { PlatformConfig } from "../config/types";
import { InputError, readInput, runCommand } from "../lib/cli";
import { writeHcl } from "./hcl";
import { auditPlatform } from "./platform";
import { formatConsole, formatJson, formatMarkdown } from "./report";
import { formatSarif } from "./sarif";
import { mixedSynthOutputs } from "./synth-output";
import { Rule } from "./types";

const ROOT = resolve(__dirname, "..");

function outDir(args: string[]): string {
  const i = args.indexOf("--out");
  if (i >= 0 && !args[i + 1]) throw new InputError("--out needs a directory, e.g. --out audit.out");
  return resolve(i >= 0 ? args[i + 1] : join(ROOT, "audit.out"));
}

/**
 * Audits the platform built from `config`, prints and writes the report into `out`, and returns the
 * exit code: 0 when every rule passes (or is exempt), 1 on any failure. `cdktfOut` is only looked
 * at for a deploy-breaking leftover, never audited.
 */
export function runAudit(config: PlatformConfig, out: string, rules?: readonly Rule[], cdktfOut = join(ROOT, "cdktf.out")): number {
  const { report, stacks } = auditPlatform(config, { hcl: true, rules });
  console.log(formatConsole(report));

  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "audit.json"), formatJson(report));
  writeFileSync(join(out, "audit.md"), formatMarkdown(report));
  writeFileSync(join(out, "audit.sarif"), formatSarif(report, rules));
  const hclDir = join(out, "hcl");
  for (const problem of writeHcl(stacks, hclDir)) {
    console.warn(`warning: hcl/${problem.stack}/cdk.tf is not formatted: ${problem.error}`);
  }
  const rel = (p: string): string => relative(process.cwd(), p) || ".";
  console.log(`\nWrote ${rel(join(out, "audit.json"))}, ${rel(join(out, "audit.md"))}, ${rel(join(out, "audit.sarif"))} and ${rel(hclDir)}/<stack>/cdk.tf`);

  for (const dir of mixedSynthOutputs(cdktfOut)) {
    console.warn(
      `warning: ${rel(dir)} holds both cdk.tf and cdk.tf.json (not audited: the audit synthesizes its own); the next ` +
        `deploy fails with "Duplicate backend configuration". Run "cdktf synth" again: it keeps only the format it writes.`,
    );
  }
  return report.passed ? 0 : 1;
}

if (require.main === module) {
  runCommand(() => runAudit(platform, readInput(() => outDir(process.argv.slice(2)))));
}
