/**
 * The project's HCL renderer: pure functions from a synthesized stack to HCL text. Product code
 * (main.ts) and the audit tooling both use it; it writes no files and runs no programs.
 */
import type { TerraformStack } from "cdktf";

/**
 * The HCL form of a synthesized stack (call it after `app.synth()`, once aspects have run) that
 * `terraform validate` accepts: cdktf's own renderer with its cdktf 0.21 defects repaired. The
 * renderer leaves quotes unescaped in any string holding an interpolation (every policy document
 * that references a resource) and drops the value of `terraform.required_version`; the settings
 * come back from the stack's JSON `terraform` block. Used by main.ts for `cdktf synth --hcl` and by
 * the audit for its HCL.
 */
export function stackToHcl(stack: TerraformStack, terraformSettings: Record<string, unknown> = {}): string {
  const hcl = restoreTerraformSettings(repairConditionBlocks(repairHclStrings(stack.toHclTerraform().hcl)), terraformSettings);
  const { removed } = stack.toTerraform() as { removed?: readonly RemovedBlock[] };
  return removed?.length ? `${hcl}\n${removedBlocksHcl(removed)}` : hcl;
}

/** A `removed` block as the stack's JSON holds it (added by override: cdktf has no construct for it). */
export interface RemovedBlock {
  readonly from: string;
  readonly lifecycle?: { readonly destroy?: boolean };
}

/** cdktf 0.21's HCL renderer drops the `removed` blocks of the JSON; writes them as HCL blocks. */
export function removedBlocksHcl(removed: readonly RemovedBlock[]): string {
  return removed
    .map((r) => {
      const lifecycle = r.lifecycle?.destroy === undefined ? "" : `  lifecycle {\n    destroy = ${r.lifecycle.destroy}\n  }\n`;
      return `removed {\n  from = ${r.from}\n${lifecycle}}\n`;
    })
    .join("\n");
}

/**
 * cdktf 0.21 renders a lifecycle's `precondition` and `postcondition` as a list attribute
 * (`postcondition = [ { ... }, ]`), which Terraform refuses ("Did you mean to define a block"); writes
 * each list item as a block of its own (`postcondition { ... }`).
 */
export function repairConditionBlocks(hcl: string): string {
  const out: string[] = [];
  let name: string | undefined;
  for (const line of hcl.split("\n")) {
    const opening = /^(\s*)(precondition|postcondition) = \[\s*$/.exec(line);
    if (opening) {
      name = opening[2];
      continue;
    }
    if (name !== undefined) {
      const trimmed = line.trim();
      if (trimmed === "{") out.push(`${name} {`);
      else if (trimmed === "}," || trimmed === "}") out.push("}");
      else if (trimmed === "]") name = undefined;
      else out.push(line);
      continue;
    }
    out.push(line);
  }
  return out.join("\n");
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

/**
 * Escapes a raw template for an HCL quoted string, leaving `${...}` interpolations and the literal
 * escapes `$${` and `%%{` as they are (they mean the same in HCL as in Terraform's JSON).
 */
export function escapeHclTemplate(raw: string): string {
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    if (raw.startsWith("$${", i) || raw.startsWith("%%{", i)) {
      // Already a literal (config/literal.ts escapes configuration text): the same escape in HCL.
      out += raw.slice(i, i + 3);
      i += 2;
    } else if (raw.startsWith("${", i)) {
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
      // A resource's provider is a reference (`aws.us_east_1`), which Terraform deprecates quoting.
      const provider = /^(\s*provider\s*=\s*)"([a-z][a-z0-9_-]*\.[a-z][a-z0-9_]*)"\s*$/.exec(line);
      if (provider) return `${provider[1]}${provider[2]}`;
      const opening = /<<-?([A-Z]+)\s*$/.exec(line);
      if (opening) {
        heredoc = opening[1];
        return line;
      }
      // A token cdktf rendered bare (a number-typed reference in a list) is not an HCL expression.
      const bare = /^(\s*(?:[^\s="]+\s*=\s*)?)(\$\{.*\})(,?)\s*$/.exec(line);
      if (bare && interpolationEnd(bare[2], 2) === bare[2].length - 1) return `${bare[1]}"${bare[2]}"${bare[3]}`;
      const match = /^(\s*(?:[^\s="]+|"[^"]*")\s*=\s*|\s*)"(.*)"(,?)\s*$/.exec(line);
      if (!match?.[2].includes("${")) return line;
      return `${match[1]}"${escapeHclTemplate(match[2])}"${match[3]}`;
    })
    .join("\n");
}
