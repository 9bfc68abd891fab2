import { TerraformStack, Testing } from "cdktf";
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The HCL form of a stack, for reviewers. Rendered in-process with cdktf's own renderer rather than
 * `cdktf synth --hcl`, which writes `cdk.tf` into cdktf.out next to a later synth's `cdk.tf.json`
 * (and the next deploy then fails with "Duplicate backend configuration"). Two cdktf 0.21 defects
 * are worked around here: `new App({ hclOutput: true })` only renames the file (the stacks keep
 * writing JSON unless SYNTH_HCL_OUTPUT is set in the environment), and the renderer leaves quotes
 * unescaped in any string holding an interpolation (every policy document that references a resource).
 */
export function stackToHcl(stack: TerraformStack, terraformSettings: Record<string, unknown> = {}): string {
  return restoreTerraformSettings(repairHclStrings(String(Testing.synthHcl(stack))), terraformSettings);
}

/**
 * cdktf 0.21 renders a string setting of the `terraform` block (required_version, set by override)
 * as `0 = "required_version"`, dropping its value; puts back `required_version = "<value>"` from the
 * stack's synthesized JSON `terraform` block.
 */
export function restoreTerraformSettings(hcl: string, settings: Record<string, unknown>): string {
  return hcl.replace(/^(\s*)\d+ = "([a-z_]+)"$/gm, (line, indent: string, key: string) =>
    typeof settings[key] === "string" ? `${indent}${key} = ${JSON.stringify(settings[key])}` : line,
  );
}

/** Index of the `}` closing the interpolation whose expression starts at `start` (just after `${`). */
function interpolationEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      // A string literal inside the expression: skip it, honouring escapes and nested interpolations.
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === "\\") i++;
        else if (text.startsWith("${", i)) i = interpolationEnd(text, i + 2);
      }
    } else if (c === "{") {
      depth++;
    } else if (c === "}") {
      if (depth === 0) return i;
      depth--;
    }
  }
  return text.length - 1;
}

/** Escapes a raw template for an HCL quoted string, leaving `${...}` interpolations as they are. */
export function escapeHclTemplate(raw: string): string {
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    if (raw.startsWith("${", i)) {
      const end = interpolationEnd(raw, i + 2);
      out += raw.slice(i, end + 1);
      i = end;
    } else if (raw.startsWith("%{", i)) {
      out += "%%{";
      i++;
    } else if (raw[i] === '"' || raw[i] === "\\") {
      out += `\\${raw[i]}`;
    } else {
      out += raw[i];
    }
  }
  return out;
}

/**
 * Re-escapes the quoted strings cdktf rendered without escaping (those holding `${`), line by line:
 * `key = "<raw>"` attributes and `"<raw>"` list items; quotes tokens it rendered bare and unquotes
 * the references in depends_on and ignore_changes. Heredocs are left alone.
 */
export function repairHclStrings(hcl: string): string {
  let heredoc: string | undefined;
  let referenceList = false;
  return hcl
    .split("\n")
    .map((line) => {
      if (heredoc !== undefined) {
        if (line.trim() === heredoc) heredoc = undefined;
        return line;
      }
      // depends_on and ignore_changes take references, which Terraform deprecates quoting.
      if (/^\s*(depends_on|ignore_changes)\s*=\s*\[\s*$/.test(line)) {
        referenceList = true;
        return line;
      }
      if (referenceList) {
        if (/^\s*\]/.test(line)) referenceList = false;
        return line.replace(/^(\s*)"([A-Za-z_][\w.-]*)"(,?)\s*$/, "$1$2$3");
      }
      const opening = /<<-?([A-Z]+)\s*$/.exec(line);
      if (opening) {
        heredoc = opening[1];
        return line;
      }
      // A token cdktf rendered bare (a number-typed reference in a list) is not an HCL expression.
      const bare = /^(\s*(?:[^\s="]+\s*=\s*)?)(\$\{.*\})(,?)\s*$/.exec(line);
      if (bare && interpolationEnd(bare[2], 2) === bare[2].length - 1) return `${bare[1]}"${bare[2]}"${bare[3]}`;
      const match = /^(\s*(?:[^\s="]+|"[^"]*")\s*=\s*|\s*)"(.*)"(,?)\s*$/.exec(line);
      if (!match || !match[2].includes("${")) return line;
      return `${match[1]}"${escapeHclTemplate(match[2])}"${match[3]}`;
    })
    .join("\n");
}

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
