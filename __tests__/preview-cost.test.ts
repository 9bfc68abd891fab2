import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPriceTable } from "../audit/cost";
import { estimatePreviewCost, formatPreviewCost, PREVIEW_SHARED, PREVIEW_USAGE } from "../audit/preview-cost";
import type { TerraformJson } from "../audit/types";

/**
 * The cost of one more preview (audit/preview-cost.ts), on a fixture of the preview stack's shape
 * (__tests__/fixtures/preview-stack.json) until the synthesized PreviewStack is priced instead.
 */
const FIXTURE = join(__dirname, "fixtures", "preview-stack.json");
const tf = JSON.parse(readFileSync(FIXTURE, "utf8")) as TerraformJson;
const table = loadPriceTable();
const prices = table.regions["eu-west-1"].prices;
const hours = table.hoursPerMonth;
const cost = estimatePreviewCost("preview-pr-7", tf, table);

describe("the cost of a preview", () => {
  it("counts its Fargate task (0.25 vCPU, 0.5 GB, one task all month), its log group and its secret", () => {
    const fargate = 0.25 * hours * prices["fargate.x86.vcpuHour"].usd + 0.5 * hours * prices["fargate.x86.gbHour"].usd;
    const logs =
      PREVIEW_USAGE.logGbPerGroup * prices["logs.ingestGb"].usd + PREVIEW_USAGE.logGbPerGroup * 0.1 * prices["logs.storageGbMonth"].usd;
    const secret = prices["secretsmanager.secretMonth"].usd;
    expect(cost.monthly).toBeCloseTo(fargate + logs + secret, 2);
    expect(cost.lines.map((l) => l.address).sort()).toEqual([
      "aws_cloudwatch_log_group.api_logs",
      "aws_cloudwatch_log_group.api_logs",
      "aws_ecs_service.api_service",
      "aws_ecs_service.api_service",
      "aws_secretsmanager_secret.database_secret",
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
    expect(estimatePreviewCost("preview-pr-7", withHost as TerraformJson, table).monthly).toBeGreaterThan(cost.monthly + 30);
  });

  it("says what it counts and what it does not, and that the figure is a floor when a resource has no price", () => {
    expect(formatPreviewCost(cost)).toMatch(/^\$\d+\.\d\d a day \(\$\d+\.\d\d a month\) in eu-west-1: its own resources only, not /);
    for (const shared of PREVIEW_SHARED) expect(formatPreviewCost(cost)).toContain(shared);
    const unknown = structuredClone(tf) as { resource: Record<string, Record<string, unknown>> };
    unknown.resource.aws_sfn_state_machine = { machine: {} };
    const floor = formatPreviewCost(estimatePreviewCost("preview-pr-7", unknown as TerraformJson, table));
    expect(floor).toMatch(/^at least \$/);
    expect(floor).toContain("not priced: aws_sfn_state_machine.machine");
  });

  it("writes monthly= and daily= for the workflow's comment, and rejects a file that is not a stack", () => {
    const out = join(mkdtempSync(join(tmpdir(), "preview-cost-")), "output");
    execFileSync("npx", ["tsx", "audit/preview-cost.ts", FIXTURE], {
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
});
