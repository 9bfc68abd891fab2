import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PREVIEW_DOMAIN, previewsConfig } from "./support/previews";
import { oneAccountConfig, synthToDisk } from "./support/sample";
import { describeIfAvailable, terraform, terraformEnv, terraformMissing } from "./support/terraform";

const ROOT = resolve(__dirname, "..");

/**
 * Real Terraform over the synthesized stacks: `init -backend=false` + `validate`, offline, with the
 * AWS provider from the local mirror. Stacks that need a provider the mirror lacks (GitHub) are
 * checked on their JSON elsewhere.
 */
describeIfAvailable("terraform validate of every AWS stack", terraformMissing(), () => {
  // With a preview (issue 23): the stack PREVIEW_PR=7 adds.
  const outdir = synthToDisk(undefined, { previews: [7] });
  const stacksDir = join(outdir, "stacks");
  const stacks = readdirSync(stacksDir).filter((name) => {
    const tf = JSON.parse(readFileSync(join(stacksDir, name, "cdk.tf.json"), "utf8"));
    return Object.keys(tf.terraform.required_providers).every((p) => p === "aws");
  });

  // The one-account layout's bootstrap holds both environments' roles in one account; its
  // environment stacks differ from the shipped ones by account ids only.
  const oneAccountBootstrap = join(synthToDisk(oneAccountConfig()), "stacks", "bootstrap");
  // The bootstrap of the account hosting previews (preview role, repository, workload roles), with a domain.
  const previewsBootstrap = join(synthToDisk(previewsConfig(undefined, PREVIEW_DOMAIN)), "stacks", "bootstrap");

  it("covers each account's bootstrap, both environment stacks and a preview (only the GitHub stack needs another provider)", () => {
    expect([...stacks].sort()).toEqual(["bootstrap", "bootstrap-prod", "preview-pr-7", "prod", "stage"]);
  });

  it.each([
    ...stacks.map((stack) => [stack, join(stacksDir, stack)]),
    ["bootstrap of the one-account layout", oneAccountBootstrap],
    ["bootstrap hosting previews", previewsBootstrap],
  ])("%s initialises offline and validates", (_stack, dir) => {
    const init = terraform(dir, ["init", "-backend=false", "-input=false"]);
    expect(init.stderr).toBe("");
    expect(init.status).toBe(0);
    const validate = terraform(dir, ["validate", "-json"]);
    const result = JSON.parse(validate.stdout);
    expect(result.diagnostics).toEqual([]);
    expect(result.valid).toBe(true);
  });
});

/**
 * `cdktf synth --hcl`, run as a user runs it: cdktf sets SYNTH_HCL_OUTPUT=true for the app and
 * formats each cdk.tf afterwards. cdktf 0.21's own HCL fails validate (`0 = "required_version"`,
 * unescaped quotes in policies); main.ts rewrites it with the project's renderer.
 */
describeIfAvailable("terraform validate of `cdktf synth --hcl`", terraformMissing(), () => {
  const outdir = join(mkdtempSync(join(tmpdir(), "cdktf-hcl-")), "deeper", "out");
  const synth = spawnSync(join(ROOT, "node_modules", ".bin", "cdktf"), ["synth", "--hcl", "--output", outdir], {
    cwd: ROOT,
    encoding: "utf8",
    env: terraformEnv({ PLATFORM_LOCAL_ENDPOINT: "", IMAGE_TAG: "" }),
  });
  const stacks = ["bootstrap", "bootstrap-prod", "stage", "prod"];

  it("exits 0 and writes one format per stack: cdk.tf, no cdk.tf.json", () => {
    expect([synth.status, synth.status === 0 ? "" : `${synth.stdout}${synth.stderr}`]).toEqual([0, ""]);
    for (const stack of [...stacks, "github"]) {
      expect([
        stack,
        existsSync(join(outdir, "stacks", stack, "cdk.tf")),
        existsSync(join(outdir, "stacks", stack, "cdk.tf.json")),
      ]).toEqual([stack, true, false]);
    }
  });

  it.each(stacks)("%s's cdk.tf initialises offline and validates", (stack) => {
    const dir = join(outdir, "stacks", stack);
    const init = terraform(dir, ["init", "-backend=false", "-input=false"]);
    expect([init.status, init.stderr]).toEqual([0, ""]);
    const result = JSON.parse(terraform(dir, ["validate", "-json"]).stdout);
    expect(result.diagnostics).toEqual([]);
    expect(result.valid).toBe(true);
    // validate accepts a missing required_version; the repaired renderer must keep it.
    expect(readFileSync(join(dir, "cdk.tf"), "utf8")).toMatch(/^\s*required_version = ">= \d/m);
  });
});
