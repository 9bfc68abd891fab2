import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { synthToDisk } from "./support/platform";
import { describeIfAvailable, terraform, terraformMissing } from "./support/terraform";

/**
 * Real Terraform over the synthesized stacks: `init -backend=false` + `validate`, offline, with the
 * AWS provider from the local mirror. Stacks that need a provider the mirror lacks (GitHub) are
 * checked on their JSON elsewhere.
 */
describeIfAvailable("terraform validate of every AWS stack", terraformMissing(), () => {
  const outdir = synthToDisk();
  const stacksDir = join(outdir, "stacks");
  const stacks = readdirSync(stacksDir).filter((name) => {
    const tf = JSON.parse(readFileSync(join(stacksDir, name, "cdk.tf.json"), "utf8"));
    return Object.keys(tf.terraform.required_providers).every((p) => p === "aws");
  });

  it("covers the bootstrap and both environment stacks (only the GitHub stack needs another provider)", () => {
    expect([...stacks].sort()).toEqual(["bootstrap", "prod", "stage"]);
  });

  it.each(stacks)("%s initialises offline and validates", (stack) => {
    const dir = join(stacksDir, stack);
    const init = terraform(dir, ["init", "-backend=false", "-input=false"]);
    expect(init.stderr).toBe("");
    expect(init.status).toBe(0);
    const validate = terraform(dir, ["validate", "-json"]);
    const result = JSON.parse(validate.stdout);
    expect(result.diagnostics).toEqual([]);
    expect(result.valid).toBe(true);
  });
});
