import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, TerraformStack } from "cdktf";
import { Node } from "constructs";
import { InputError } from "../lib/cli";
import { stackToHcl } from "../lib/hcl";
import type { TerraformJson } from "./types";

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
  /**
   * Record where each resource was created: cdktf's `"//".metadata.stackTrace` in the JSON, which
   * the SARIF report turns into a file and line of stacks/, bootstrap/ or lib/.
   * @default - true
   */
  readonly stackTraces?: boolean;
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
    if (options.stackTraces ?? true) withStackTraces(() => build(app));
    else build(app);
    app.synth();
    const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8")) as Manifest;
    const stacks = new Map(app.node.children.filter((c): c is TerraformStack => TerraformStack.isStack(c)).map((s) => [s.node.id, s]));
    return Object.values(manifest.stacks).map((entry) => {
      const tf = JSON.parse(readFileSync(join(outdir, entry.synthesizedStackPath), "utf8")) as TerraformJson;
      const stack = stacks.get(entry.name);
      return { name: entry.name, tf, ...(options.hcl && stack && { hcl: stackToHcl(stack, tf.terraform) }) };
    });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * Runs `build` with construct stack traces recorded. cdktf 0.21 asks for one on every element
 * (`node.addMetadata("stacktrace", "trace")`) but without `{ stackTrace: true }`, which constructs 10
 * needs to capture it, so `"//".metadata.stackTrace` is always empty. This turns the capture on for
 * the audit's own synth only, and restores constructs as it was: `cdktf synth` and the deploy never
 * carry the traces (they hold absolute paths and would make every synth differ between machines).
 */
function withStackTraces(build: () => void): void {
  const original = Node.prototype.addMetadata;
  Node.prototype.addMetadata = function (this: Node, type, data, options) {
    original.call(this, type, data, type === "stacktrace" ? { stackTrace: true, ...options } : options);
  };
  try {
    build();
  } finally {
    Node.prototype.addMetadata = original;
  }
}
