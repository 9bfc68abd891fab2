import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type App, TerraformStack } from "cdktf";
import { stackToHcl } from "./hcl";

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

/**
 * After `cdktf synth --hcl` (`app.hclOutput`), rewrites each stack's `cdk.tf` with the project's
 * renderer (lib/hcl.ts): cdktf 0.21 writes HCL that `terraform validate` rejects (a mangled
 * `required_version`, unescaped quotes in policy documents). The stack's JSON form comes from
 * memory; nothing else in the output changes. Returns the files written.
 */
export function rewriteHclOutput(app: App): string[] {
  if (!app.hclOutput) return [];
  const manifest = JSON.parse(readFileSync(join(app.outdir, "manifest.json"), "utf8")) as {
    stacks: Record<string, { synthesizedStackPath: string }>;
  };
  const written: string[] = [];
  for (const stack of app.node.children.filter((c): c is TerraformStack => TerraformStack.isStack(c))) {
    const entry = manifest.stacks[stack.node.id];
    if (!entry) continue;
    const file = join(app.outdir, entry.synthesizedStackPath);
    writeFileSync(file, stackToHcl(stack, stack.toTerraform().terraform));
    written.push(file);
  }
  return written;
}
