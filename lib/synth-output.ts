import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

/**
 * After a synth, deletes each stack's file of the other format: `cdk.tf` after a JSON synth,
 * `cdk.tf.json` after an HCL one. Terraform reads both when both are there, and the next
 * `cdktf deploy` fails with "Duplicate backend configuration" (`cdktf synth --hcl` followed by a
 * JSON synth leaves exactly that). Returns the files removed.
 */
export function removeStaleSynthOutput(outdir: string, hclOutput: boolean): string[] {
  const stacks = join(outdir, "stacks");
  if (!existsSync(stacks)) return [];
  const stale = hclOutput ? "cdk.tf.json" : "cdk.tf";
  const fresh = hclOutput ? "cdk.tf" : "cdk.tf.json";
  const removed: string[] = [];
  for (const entry of readdirSync(stacks, { withFileTypes: true })) {
    const dir = join(stacks, entry.name);
    if (entry.isDirectory() && existsSync(join(dir, fresh)) && existsSync(join(dir, stale))) {
      rmSync(join(dir, stale));
      removed.push(join(dir, stale));
    }
  }
  return removed;
}
