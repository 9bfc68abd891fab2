import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { auditPlatform } from "../audit/audit-app";
import { writeHcl } from "../audit/hcl";
import { sampleConfig, synthToDisk } from "./support/sample";
import { describeIfAvailable, terraform, terraformMissing } from "./support/terraform";

/**
 * What the audit of the real app writes, checked by real Terraform: the HCL of every AWS stack
 * (terraform fmt, then `init -backend=false` + `validate` offline with the AWS provider from the
 * local mirror), and the synthesized JSON with the audit's exemptions in it. A terraform suite (the
 * summary reporter counts it so): the audit's own findings are in audit-app.test.ts.
 */
const config = sampleConfig();

describeIfAvailable("the real app's audit output under terraform", terraformMissing(), () => {
  const { stacks } = auditPlatform(config, { hcl: true });
  // Stacks whose providers the offline mirror holds (not the GitHub stack).
  const awsOnly = stacks.filter((s) => Object.keys((s.tf.terraform?.required_providers ?? {}) as object).every((p) => p === "aws"));
  const hclDir = mkdtempSync(join(tmpdir(), "audit-hcl-"));
  const formatProblems = writeHcl(awsOnly, hclDir);

  it("formats every stack's HCL with terraform fmt", () => {
    expect(awsOnly.map((s) => s.name)).toEqual(expect.arrayContaining(["bootstrap", "bootstrap-prod", "stage", "prod"]));
    expect(formatProblems).toEqual([]);
  });

  it.each(awsOnly.map((s) => s.name))("writes HCL of %s that initialises offline and validates", (name) => {
    const dir = join(hclDir, name);
    expect(readdirSync(dir)).toEqual(["cdk.tf"]);
    expect(terraform(dir, ["init", "-backend=false", "-input=false"]).status).toBe(0);
    const result = JSON.parse(terraform(dir, ["validate", "-json"]).stdout);
    expect(result.diagnostics).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("keeps the synthesized JSON, exemptions included, valid for terraform", () => {
    const dir = join(synthToDisk(config), "stacks", "stage");
    expect(readFileSync(join(dir, "cdk.tf.json"), "utf8")).toContain('"audit_exemptions"');
    expect(terraform(dir, ["init", "-backend=false", "-input=false"]).status).toBe(0);
    const result = JSON.parse(terraform(dir, ["validate", "-json"]).stdout);
    expect(result.diagnostics).toEqual([]);
  });
});
