import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeStaleSynthOutput } from "../lib/synth-output";

function outdirWith(files: Record<string, string[]>): string {
  const outdir = mkdtempSync(join(tmpdir(), "synth-out-"));
  for (const [stack, names] of Object.entries(files)) {
    mkdirSync(join(outdir, "stacks", stack), { recursive: true });
    for (const name of names) writeFileSync(join(outdir, "stacks", stack, name), "{}");
  }
  return outdir;
}

describe("removeStaleSynthOutput", () => {
  it("removes an HCL cdk.tf left beside a fresh cdk.tf.json (no duplicate backend on the next deploy)", () => {
    const outdir = outdirWith({ stage: ["cdk.tf", "cdk.tf.json"], prod: ["cdk.tf.json"] });
    expect(removeStaleSynthOutput(outdir, false)).toEqual([join(outdir, "stacks", "stage", "cdk.tf")]);
    expect(existsSync(join(outdir, "stacks", "stage", "cdk.tf.json"))).toBe(true);
    expect(existsSync(join(outdir, "stacks", "stage", "cdk.tf"))).toBe(false);
  });

  it("removes a JSON cdk.tf.json left beside a fresh HCL cdk.tf", () => {
    const outdir = outdirWith({ stage: ["cdk.tf", "cdk.tf.json"] });
    expect(removeStaleSynthOutput(outdir, true)).toEqual([join(outdir, "stacks", "stage", "cdk.tf.json")]);
    expect(existsSync(join(outdir, "stacks", "stage", "cdk.tf"))).toBe(true);
  });

  it("leaves a clean output alone", () => {
    expect(removeStaleSynthOutput(outdirWith({ stage: ["cdk.tf.json"] }), false)).toEqual([]);
    expect(removeStaleSynthOutput(join(tmpdir(), "does-not-exist"), false)).toEqual([]);
  });
});
