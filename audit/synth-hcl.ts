/**
 * `npm run synth:hcl`: the HCL form of every stack, for reading, in audit.out/hcl/<stack>/cdk.tf,
 * formatted with terraform fmt. Leaves cdktf.out alone; `cdktf synth --hcl` writes the same HCL
 * (the project's renderer, lib/hcl.ts) into cdktf.out instead.
 * Usage: tsx audit/synth-hcl.ts [--out <dir>]
 */
import { join, relative } from "node:path";
import { buildPlatform } from "../app";
import { loadPlatform } from "../config/load";
import { validate } from "../config/validate";
import { readInput, runCommand } from "../lib/cli";
import { outDirArg } from "./args";
import { writeHcl } from "./hcl";
import { synthesizeApp } from "./synth";

runCommand(() => {
  const out = readInput(() => outDirArg(process.argv.slice(2), join(__dirname, "..", "audit.out", "hcl"), "audit.out/hcl"));
  // Loaded here, not imported: a configuration file that does not parse is one line, not a stack trace.
  const platform = validate(loadPlatform());
  const stacks = synthesizeApp((app) => buildPlatform(app, platform), { hcl: true });
  for (const problem of writeHcl(stacks, out)) console.warn(`warning: ${problem.stack}/cdk.tf is not formatted: ${problem.error}`);
  console.log(`Wrote ${stacks.map((s) => join(relative(process.cwd(), out), s.name, "cdk.tf")).join(", ")}`);
});
