import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPriceTable } from "../audit/cost";
import { docValues } from "../audit/docs";
import {
  configPreviewCost,
  estimatePreviewCost,
  formatPreviewCost,
  formatPreviewCostMarkdown,
  PREVIEW_SHARED,
  PREVIEW_USAGE,
  synthesizePreview,
} from "../audit/preview-cost";
import type { TerraformJson } from "../audit/types";
import { withoutPreviews } from "./support/previews";
import { sampleConfig } from "./support/sample";

/**
 * The cost of one more preview (audit/preview-cost.ts), priced on the preview stack the shipped config
 * makes (buildPlatform with `previews: [1]`, as PREVIEW_PR=1 synthesizes it): the figure the audit, the
 * README and the pull request's comment give, so it cannot drift from the stack.
 */
jest.setTimeout(60_000);
const config = sampleConfig();
const preview = synthesizePreview(config)!;
const tf = preview.tf;
const table = loadPriceTable();
const prices = table.regions["eu-west-1"].prices;
const hours = table.hoursPerMonth;
const cost = estimatePreviewCost(preview.stack, tf, table);
/** The API's task definition, whose size the service's Fargate lines price. */
const api = Object.values(
  (tf.resource?.aws_ecs_task_definition ?? {}) as Record<string, { family: string; cpu: string; memory: string }>,
).find((d) => d.family.endsWith("-api"))!;

describe("the cost of a preview", () => {
  it("is the stack PREVIEW_PR=1 synthesizes from the shipped config, with its API at the preview tier's size", () => {
    expect(preview.stack).toBe("preview-pr-1");
    expect((tf.terraform?.backend as { s3?: { key?: string } } | undefined)?.s3?.key).toBe("previews/pr-1/terraform.tfstate");
    expect(api).toMatchObject({ family: "acme-pr-1-api", cpu: "256", memory: "512" });
  });

  it("counts its Fargate task (one all month, at its task definition's size), its log group and its secret", () => {
    const [vcpu, gb] = [Number(api.cpu) / 1024, Number(api.memory) / 1024];
    const fargate = vcpu * hours * prices["fargate.x86.vcpuHour"].usd + gb * hours * prices["fargate.x86.gbHour"].usd;
    const logs =
      PREVIEW_USAGE.logGbPerGroup * prices["logs.ingestGb"].usd + PREVIEW_USAGE.logGbPerGroup * 0.1 * prices["logs.storageGbMonth"].usd;
    const secret = prices["secretsmanager.secretMonth"].usd;
    expect(cost.monthly).toBeCloseTo(fargate + logs + secret, 2);
    expect(cost.lines.map((l) => l.address.split(".")[0]).sort()).toEqual([
      "aws_cloudwatch_log_group",
      "aws_cloudwatch_log_group",
      "aws_ecs_service",
      "aws_ecs_service",
      "aws_secretsmanager_secret",
    ]);
  });

  it("gives the day's figure as the month's over the price table's days", () => {
    expect(cost.daily).toBeCloseTo(cost.monthly / (hours / 24), 2);
    expect(cost.daily).toBeGreaterThan(0);
    expect(cost.daily).toBeLessThan(cost.monthly);
  });

  it("prices every resource it creates: the rule, target group, security groups and task definitions are not billed by themselves", () => {
    expect(cost.notPriced).toEqual([]);
  });

  it("counts nothing of the host's: a load balancer, NAT gateway or database added to the stack would be, so none is in it", () => {
    const types = Object.keys(tf.resource ?? {});
    expect(
      types.filter((t) => ["aws_lb", "aws_nat_gateway", "aws_db_instance", "aws_ecs_cluster", "aws_ecr_repository"].includes(t)),
    ).toEqual([]);
    const withHost = structuredClone(tf) as { resource: Record<string, Record<string, unknown>> };
    withHost.resource.aws_nat_gateway = { nat: {} };
    expect(estimatePreviewCost(preview.stack, withHost as TerraformJson, table).monthly).toBeGreaterThan(cost.monthly + 30);
  });

  it("says what it counts and what it does not, and that the figure is a floor when a resource has no price", () => {
    expect(formatPreviewCost(cost)).toMatch(/^\$\d+\.\d\d a day \(\$\d+\.\d\d a month\) in eu-west-1: its own resources only, not /);
    for (const shared of PREVIEW_SHARED) expect(formatPreviewCost(cost)).toContain(shared);
    const unknown = structuredClone(tf) as { resource: Record<string, Record<string, unknown>> };
    unknown.resource.aws_sfn_state_machine = { machine: {} };
    const floor = formatPreviewCost(estimatePreviewCost(preview.stack, unknown as TerraformJson, table));
    expect(floor).toMatch(/^at least \$/);
    expect(floor).toContain("not priced: aws_sfn_state_machine.machine");
  });

  it("writes monthly= and daily= for the workflow's comment, and rejects a file that is not a stack", () => {
    const dir = mkdtempSync(join(tmpdir(), "preview-cost-"));
    const out = join(dir, "output");
    const stackFile = join(dir, "cdktf.out", "stacks", preview.stack, "cdk.tf.json");
    mkdirSync(join(stackFile, ".."), { recursive: true });
    writeFileSync(stackFile, JSON.stringify(tf));
    execFileSync("npx", ["tsx", "audit/preview-cost.ts", stackFile], {
      cwd: join(__dirname, ".."),
      env: { ...process.env, GITHUB_OUTPUT: out },
    });
    expect(readFileSync(out, "utf8")).toBe(`monthly=${cost.monthly.toFixed(2)}\ndaily=${cost.daily.toFixed(2)}\n`);
    expect(() =>
      execFileSync("npx", ["tsx", "audit/preview-cost.ts", join(__dirname, "preview-cost.test.ts")], {
        cwd: join(__dirname, ".."),
        stdio: "pipe",
      }),
    ).toThrow(/is not a synthesized stack/);
  });

  it("is what the audit and the README give for one more preview, and nothing when previews are off", () => {
    expect(configPreviewCost(config, table)).toEqual(cost);
    expect(formatPreviewCostMarkdown(cost)).toContain(formatPreviewCost(cost));
    expect(docValues(config)["preview-cost"]).toBe(
      `about **$${cost.daily.toFixed(2)} a day** (**$${cost.monthly.toFixed(2)} a month**) in eu-west-1`,
    );
    expect(configPreviewCost(withoutPreviews(config), table)).toBeUndefined();
    expect(formatPreviewCostMarkdown(undefined)).toContain("Previews are off");
  });
});
