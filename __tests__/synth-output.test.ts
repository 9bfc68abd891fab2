import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, TerraformOutput, TerraformStack } from "cdktf";
import { removeStaleSynthOutput, rewriteHclOutput } from "../lib/synth-output";

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

describe("rewriteHclOutput", () => {
  /** A one-stack app synthesized the way `cdktf synth [--hcl]` runs main.ts (cdktf sets SYNTH_HCL_OUTPUT). */
  function synthesized(hcl: boolean): App {
    const previous = process.env.SYNTH_HCL_OUTPUT;
    process.env.SYNTH_HCL_OUTPUT = String(hcl);
    try {
      const app = new App({ outdir: mkdtempSync(join(tmpdir(), "hcl-out-")) });
      const stack = new TerraformStack(app, "stage");
      stack.addOverride("terraform.required_version", ">= 1.10.0");
      new TerraformOutput(stack, "policy", { value: JSON.stringify({ Resource: "${aws_s3_bucket.b.arn}/*" }) });
      app.synth();
      return app;
    } finally {
      if (previous === undefined) delete process.env.SYNTH_HCL_OUTPUT;
      else process.env.SYNTH_HCL_OUTPUT = previous;
    }
  }

  it("replaces cdktf's cdk.tf (value of required_version dropped, quotes unescaped) with the project's renderer's", () => {
    const app = synthesized(true);
    const file = join(app.outdir, "stacks", "stage", "cdk.tf");
    expect(readFileSync(file, "utf8")).toMatch(/0 = "required_version"/);
    expect(rewriteHclOutput(app)).toEqual([file]);
    const hcl = readFileSync(file, "utf8");
    expect(hcl).toMatch(/^\s*required_version = ">= 1\.10\.0"$/m);
    expect(hcl).toContain('"{\\"Resource\\":\\"${aws_s3_bucket.b.arn}/*\\"}"');
  });

  it("leaves a JSON synth alone", () => {
    expect(rewriteHclOutput(synthesized(false))).toEqual([]);
  });
});
