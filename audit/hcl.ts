/** Writing the audit's HCL files (formatted with terraform fmt); the renderer itself is lib/hcl.ts. */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** `terraform fmt` of the text when terraform is installed; the text unchanged (with the reason) otherwise. */
export function formatHcl(hcl: string): { text: string; formatted: boolean; error?: string } {
  const result = spawnSync("terraform", ["fmt", "-no-color", "-"], {
    input: hcl,
    encoding: "utf8",
    // No CLI configuration is needed to format; an absent ~/.terraformrc would only add warnings.
    env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: "/dev/null" },
  });
  if (result.error) return { text: hcl, formatted: false, error: `terraform is not available (${result.error.message})` };
  if (result.status !== 0) return { text: hcl, formatted: false, error: result.stderr.trim() };
  return { text: result.stdout, formatted: true };
}

/**
 * Writes `<dir>/<stack>/cdk.tf` for each stack (after emptying `dir`, so a removed stack leaves no
 * file behind). Returns the stacks terraform fmt could not format, with the reason.
 */
export function writeHcl(stacks: readonly { name: string; hcl?: string }[], dir: string): { stack: string; error: string }[] {
  rmSync(dir, { recursive: true, force: true });
  const problems: { stack: string; error: string }[] = [];
  for (const { name, hcl } of stacks) {
    if (hcl === undefined) continue;
    const { text, formatted, error } = formatHcl(hcl);
    if (!formatted) problems.push({ stack: name, error: error ?? "unknown" });
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, "cdk.tf"), text);
  }
  return problems;
}
