import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { auditPlatform, contextOptions } from "../audit/audit-app";
import { AuditContext } from "../audit/context";
import {
  costPricedRule,
  formatCoverageConsole,
  platformCoverage,
  resourceTypeCoverageRule,
  typeCoverage,
  UNCOVERED_TYPES,
} from "../audit/coverage";
import { architecture } from "../audit/diagram";
import { auditStack, summarize } from "../audit/engine";
import { JUDGING_RULES } from "../audit/rules";
import { runAudit } from "../audit/run";
import type { CheckResult, TerraformJson } from "../audit/types";
import { checkRule } from "./support/audit-testing";
import { sampleConfig } from "./support/sample";

/**
 * Coverage by resource type: every type a stack creates is judged by a rule, priced or free in the
 * cost estimate, or drawn, or it fails the audit (COVERAGE-RESOURCE-TYPES); every resource that costs
 * money is priced, or it fails (COVERAGE-COST-PRICED).
 */
const region = "eu-west-1";
const coverageRule = resourceTypeCoverageRule(JUDGING_RULES);

/** A stack with a state machine (a type nothing in the audit knows) beside a bucket (one it knows well). */
const withStateMachine: TerraformJson = {
  provider: { aws: [{ region }] },
  resource: {
    aws_sfn_state_machine: { jobs: { name: "acme-stage-jobs" } },
    aws_s3_bucket: { site: { bucket: "acme-stage-site" } },
    aws_s3_bucket_public_access_block: { site: { bucket: "${aws_s3_bucket.site.id}", block_public_acls: true } },
  },
};
const bySubject = (results: CheckResult[]): Record<string, CheckResult["status"]> =>
  Object.fromEntries(results.map((r) => [r.subject ?? "", r.status]));

describe("COVERAGE-RESOURCE-TYPES", () => {
  it("fails a resource type that no rule judges, the estimate does not price and the diagram folds (a state machine)", () => {
    const results = checkRule(coverageRule, withStateMachine);
    expect(bySubject(results)).toEqual({ aws_sfn_state_machine: "fail", aws_s3_bucket: "pass", aws_s3_bucket_public_access_block: "pass" });
    expect(results.find((r) => r.subject === "aws_sfn_state_machine")?.message).toMatch(
      /no rule judges, the cost estimate does not price and the diagram folds .* UNCOVERED_TYPES \(audit\/coverage\.ts\)/,
    );
  });

  it("fails the stack's audit on it: a failure in the report, so npm run audit exits 1", () => {
    const report = summarize([auditStack(new AuditContext("stage", withStateMachine))]);
    expect(report.passed).toBe(false);
    const failed = report.stacks[0].rules.flatMap((r) => r.findings.filter((f) => f.status === "fail").map((f) => [r.id, f.subject]));
    expect(failed).toEqual(
      expect.arrayContaining([
        ["COVERAGE-RESOURCE-TYPES", "aws_sfn_state_machine"],
        ["COVERAGE-COST-PRICED", "aws_sfn_state_machine.jobs"],
      ]),
    );
  });

  it("passes a type listed as deliberately uncovered, with its reason, and fails the listing once something covers it", () => {
    const listed = resourceTypeCoverageRule(JUDGING_RULES, { aws_sfn_state_machine: "a test state machine", aws_s3_bucket: "stale entry" });
    const results = checkRule(listed, withStateMachine);
    expect(results.find((r) => r.subject === "aws_sfn_state_machine")).toMatchObject({
      status: "pass",
      message: "deliberately uncovered: a test state machine",
    });
    expect(results.find((r) => r.subject === "aws_s3_bucket")).toMatchObject({
      status: "fail",
      message: expect.stringMatching(/listed in UNCOVERED_TYPES .* but is covered .*; remove it there/),
    });
  });

  it("counts a rule as judging a type it reads through the context, not only the types it targets", () => {
    const [pab] = typeCoverage(new AuditContext("x", withStateMachine), JUDGING_RULES).filter(
      (c) => c.type === "aws_s3_bucket_public_access_block",
    );
    // S3-PUBLIC-ACCESS-BLOCK targets aws_s3_bucket and reads the bucket's public access block.
    expect(pab.rules).toContain("S3-PUBLIC-ACCESS-BLOCK");
    expect([pab.cost.free, pab.diagram.shown]).toEqual([1, "folded"]);
  });

  it('says by type what the diagram folds into "more resources", and the diagram points there', () => {
    const coverage = typeCoverage(new AuditContext("x", withStateMachine), JUDGING_RULES);
    expect(Object.fromEntries(coverage.map((c) => [c.type, c.diagram.shown]))).toEqual({
      aws_s3_bucket: "drawn",
      aws_s3_bucket_public_access_block: "folded",
      aws_sfn_state_machine: "folded",
    });
    const other = architecture(withStateMachine).nodes.find((n) => n.id === "other");
    expect(other?.label).toMatch(/^2 more resource\(s\) of 2 type\(s\).*the coverage table of audit\.md/);
  });

  it("ships no stale uncovered type: every entry has a reason", () => {
    for (const [type, reason] of Object.entries(UNCOVERED_TYPES)) expect([type, reason.length > 10]).toEqual([type, true]);
  });
});

describe("COVERAGE-COST-PRICED", () => {
  it("fails each resource that costs money and is not priced, and passes a fully priced or free stack", () => {
    expect(
      checkRule(costPricedRule, withStateMachine)
        .filter((r) => r.status === "fail")
        .map((r) => r.subject),
    ).toEqual(["aws_sfn_state_machine.jobs"]);
    const free: TerraformJson = { provider: { aws: [{ region }] }, resource: { aws_default_route_table: { t: {} } } };
    expect(checkRule(costPricedRule, free).map((r) => r.status)).toEqual(["pass"]);
  });
});

describe("coverage of the shipped stacks", () => {
  const config = sampleConfig();
  const { report, stacks } = auditPlatform(config, { rules: [coverageRule, costPricedRule] });

  it.each(["bootstrap", "github", "stage", "prod"])("%s: every resource type is covered and every resource priced or free", (name) => {
    const stack = report.stacks.find((s) => s.stack === name);
    const failed = (stack?.rules ?? []).flatMap((r) =>
      r.findings.filter((f) => f.status === "fail").map((f) => `${f.subject}: ${f.message}`),
    );
    expect(failed).toEqual([]);
    expect(stack?.rules.map((r) => r.status)).toEqual(["pass", "pass"]);
  });

  it("reports every type of every stack once, with the rules, cost and diagram that cover it", () => {
    const coverage = platformCoverage(
      stacks.map((s) => new AuditContext(s.name, s.tf, contextOptions(config, s.name))),
      JUDGING_RULES,
    );
    const types = [...new Set(stacks.flatMap((s) => Object.keys(s.tf.resource ?? {})))].sort();
    expect(coverage.map((c) => c.type)).toEqual(types);
    // Every service of every stack is priced: the API's, and the worker's where one is configured.
    const ecsServices = stacks.reduce((n, s) => n + Object.keys(s.tf.resource?.aws_ecs_service ?? {}).length, 0);
    expect(ecsServices).toBeGreaterThanOrEqual(2);
    expect(coverage.find((c) => c.type === "aws_ecs_service")).toMatchObject({
      stacks: expect.arrayContaining(["stage", "prod"]),
      rules: expect.arrayContaining(["ECS-NO-PUBLIC-IP", "MONITORING-PRODUCTION-ALARMS"]),
      cost: { priced: ecsServices, notPriced: 0 },
      diagram: { shown: "drawn" },
    });
    expect(formatCoverageConsole(coverage)).toMatch(/\naws_ecs_service +priced +drawn +ECS-/);
  });
});

describe("npm run audit", () => {
  it("exits 1 when the coverage rule fails, and writes coverage.json and the coverage table", () => {
    const out = mkdtempSync(join(tmpdir(), "audit-coverage-"));
    const log = jest.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      // A stale listing is the failure the shipped stacks can show: aws_vpc is drawn, so listing it fails.
      expect(runAudit(sampleConfig(), out, [resourceTypeCoverageRule(JUDGING_RULES, { aws_vpc: "stale entry" })])).toBe(1);
      expect(log.mock.calls.map((c) => String(c[0])).join("\n")).toMatch(/== Coverage by resource type/);
    } finally {
      log.mockRestore();
    }
    const coverage = JSON.parse(readFileSync(join(out, "coverage.json"), "utf8")) as { type: string }[];
    expect(coverage.map((c) => c.type)).toContain("aws_vpc");
    expect(readFileSync(join(out, "audit.md"), "utf8")).toMatch(/## Coverage by resource type[\s\S]*\| `aws_vpc` \|/);
  });
});
