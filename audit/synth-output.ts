import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * Stack directories of a cdktf output directory that hold both `cdk.tf` (left by `cdktf synth --hcl`)
 * and `cdk.tf.json` (from a later JSON synth). Terraform reads both, and the next `cdktf deploy`
 * fails with "Duplicate backend configuration". The fix is deleting the stale file.
 */
export function mixedSynthOutputs(outdir: string): string[] {
  const stacks = join(outdir, "stacks");
  if (!existsSync(stacks)) return [];
  return readdirSync(stacks, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(stacks, d.name))
    .filter((dir) => existsSync(join(dir, "cdk.tf")) && existsSync(join(dir, "cdk.tf.json")));
}
