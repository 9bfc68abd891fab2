import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type App, TerraformStack } from "cdktf";
import { stackToHcl } from "./hcl";

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

/**
 * After a synth, deletes each stack's file of the other format (see `mixedSynthOutputs`):
 * `cdk.tf` after a JSON synth, `cdk.tf.json` after an HCL one (`cdktf synth --hcl` followed by a
 * JSON synth leaves both). Returns the files removed.
 */
export function removeStaleSynthOutput(outdir: string, hclOutput: boolean): string[] {
  const stale = hclOutput ? "cdk.tf.json" : "cdk.tf";
  return mixedSynthOutputs(outdir).map((dir) => {
    rmSync(join(dir, stale));
    return join(dir, stale);
  });
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
