/**
 * `npm run synth:hcl`: the HCL form of every stack, for reading, in audit.out/hcl/<stack>/cdk.tf.
 * Use it instead of `cdktf synth --hcl`, which writes cdk.tf into cdktf.out, where a later JSON synth
 * puts cdk.tf.json beside it and the next deploy fails with "Duplicate backend configuration".
 * Usage: tsx audit/synth-hcl.ts [--out <dir>]
 */
import { join, relative, resolve } from "node:path";
import { platform } from "../config/platform";
import { buildPlatform } from "../lib/platform-app";
import { writeHcl } from "./hcl";
import { synthesizeApp } from "./synth";

const args = process.argv.slice(2);
const i = args.indexOf("--out");
const out = resolve(i >= 0 && args[i + 1] ? args[i + 1] : join(__dirname, "..", "audit.out", "hcl"));
try {
  const stacks = synthesizeApp((app) => buildPlatform(app, platform), { hcl: true });
  for (const problem of writeHcl(stacks, out)) console.warn(`warning: ${problem.stack}/cdk.tf is not formatted: ${problem.error}`);
  console.log(`Wrote ${stacks.map((s) => join(relative(process.cwd(), out), s.name, "cdk.tf")).join(", ")}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
}
