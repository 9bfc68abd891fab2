import { App, TerraformStack } from "cdktf";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InputError } from "../lib/cli";
import { stackToHcl } from "../lib/hcl";
import { TerraformJson } from "./types";

/** One stack as `cdktf synth` would write it, read back; with its HCL form when asked for. */
export interface SynthesizedStack {
  readonly name: string;
  readonly tf: TerraformJson;
  readonly hcl?: string;
}

export interface SynthOptions {
  /**
   * Also render each stack as HCL (for reviewers).
   * @default - false
   */
  readonly hcl?: boolean;
}

interface Manifest {
  readonly stacks: Record<string, { readonly name: string; readonly synthesizedStackPath: string }>;
}

/**
 * Synthesizes an app into a temporary directory (never cdktf.out), reads every stack's
 * `cdk.tf.json` back, and removes the directory. The audit reads exactly what a deploy would use,
 * cdktf's `"//"` metadata and the audit exemptions included.
 */
export function synthesizeApp(build: (app: App) => void, options: SynthOptions = {}): SynthesizedStack[] {
  const outdir = mkdtempSync(join(tmpdir(), "audit-synth-"));
  try {
    const app = new App({ outdir, hclOutput: false, skipValidation: false });
    if (app.hclOutput) {
      throw new InputError(
        "SYNTH_HCL_OUTPUT is set in the environment, which makes cdktf write HCL instead of the JSON the audit reads; unset it",
      );
    }
    build(app);
    app.synth();
    const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8")) as Manifest;
    const stacks = new Map(
      app.node.children.filter((c): c is TerraformStack => TerraformStack.isStack(c)).map((s) => [s.node.id, s]),
    );
    return Object.values(manifest.stacks).map((entry) => {
      const tf = JSON.parse(readFileSync(join(outdir, entry.synthesizedStackPath), "utf8")) as TerraformJson;
      const stack = stacks.get(entry.name);
      return { name: entry.name, tf, ...(options.hcl && stack && { hcl: stackToHcl(stack, tf.terraform) }) };
    });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
