/**
 * `npm run synth:hcl`: the HCL form of every stack, for reading, in audit.out/hcl/<stack>/cdk.tf,
 * formatted with terraform fmt. Leaves cdktf.out alone; `cdktf synth --hcl` writes the same HCL
 * (the project's renderer, lib/hcl.ts) into cdktf.out instead.
 * Usage: tsx audit/synth-hcl.ts [--out <dir>]
 */
import { join, relative, resolve } from "node:path";
import { buildPlatform } from "../app";
import { platform } from "../config/platform";
import { InputError, readInput, runCommand } from "../lib/cli";
import { writeHcl } from "./hcl";
import { synthesizeApp } from "./synth";

function outDir(args: string[]): string {
  const i = args.indexOf("--out");
  if (i >= 0 && !args[i + 1]) throw new InputError("--out needs a directory, e.g. --out audit.out/hcl");
  return resolve(i >= 0 ? args[i + 1] : join(__dirname, "..", "audit.out", "hcl"));
}

runCommand(() => {
  const out = readInput(() => outDir(process.argv.slice(2)));
  const stacks = synthesizeApp((app) => buildPlatform(app, platform), { hcl: true });
  for (const problem of writeHcl(stacks, out)) console.warn(`warning: ${problem.stack}/cdk.tf is not formatted: ${problem.error}`);
  console.log(`Wrote ${stacks.map((s) => join(relative(process.cwd(), out), s.name, "cdk.tf")).join(", ")}`);
});
