import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { contextOptions } from "../audit/audit-app";
import { AuditContext } from "../audit/context";
import { loadPriceTable } from "../audit/cost";
import { auditStack, summarize } from "../audit/engine";
import { formatReviewMarkdown, readBase, review } from "../audit/review";
import { runAudit } from "../audit/run";
import { riskyProdConfig, sampleConfig, synthToDisk } from "./support/sample";

/**
 * The review in audit.md against a base branch: the base is the shipped config synthesized with
 * `cdktf synth`; the pull request takes prod down to one NAT gateway and a single-AZ database,
 * accepting both risks in the config. The reviewer must see two new exemptions, the NAT gateways
 * and the standby leave the diagram, and the cost fall.
 */
const config = sampleConfig();
const base = synthToDisk(config);
const risky = riskyProdConfig(config);
const out = mkdtempSync(join(tmpdir(), "audit-review-"));
let code: number | undefined;
const log = jest.spyOn(console, "log").mockImplementation(() => undefined);
try {
  code = runAudit(risky, out, undefined, join(out, "no-cdktf.out"), base);
} finally {
  log.mockRestore();
}
const md = readFileSync(join(out, "audit.md"), "utf8");
const section = (heading: string): string => {
  const start = md.indexOf(heading);
  const next = md.indexOf("\n### ", start + heading.length);
  return md.slice(start, next < 0 ? undefined : next);
};

describe("npm run audit --base <base branch's cdktf.out>", () => {
  it("passes (both risks are accepted) and writes the SARIF, the cost and a diagram per stack", () => {
    expect(code).toBe(0);
    for (const f of ["audit.sarif", "cost.json", "diagrams/stage.mmd", "diagrams/prod.mmd", "diagrams/bootstrap.mmd"])
      expect([f, existsSync(join(out, f))]).toEqual([f, true]);
  });

  it("prices one more preview of the config (its stack as PREVIEW_PR synthesizes it) in cost.json and audit.md", () => {
    const { preview } = JSON.parse(readFileSync(join(out, "cost.json"), "utf8"));
    expect(preview).toMatchObject({ stack: "preview-pr-1", region: "eu-west-1", notPriced: [] });
    expect(preview.monthly).toBeGreaterThan(0);
    expect(md).toContain(`## One more preview\n\n$${preview.daily.toFixed(2)} a day ($${preview.monthly.toFixed(2)} a month) in eu-west-1`);
  });

  it("says what got less safe: the two new exemptions of prod, with their reasons", () => {
    const lessSafe = md.slice(md.indexOf("## What got less safe"), md.indexOf("## Monthly cost"));
    expect(lessSafe).toMatch(
      /- \*\*new exemption\*\* from RDS-MULTI-AZ on prod: `aws_db_instance\.database_instance_\w+`: .*single-AZ database until the launch/,
    );
    expect(lessSafe).toMatch(
      /- \*\*new exemption\*\* from VPC-NAT-PER-AZ on prod: `aws_vpc\.network_vpc_\w+`: .*one NAT gateway until the launch/,
    );
    expect(lessSafe.match(/^- /gm)).toHaveLength(2);
  });

  it("gives the cost delta: prod falls, stage does not move", () => {
    const cost = JSON.parse(readFileSync(join(out, "cost.json"), "utf8"));
    const delta = (stack: string) => cost.deltas.find((d: { stack: string }) => d.stack === stack);
    expect(delta("stage").delta).toBe(0);
    expect(delta("prod").delta).toBeLessThan(0);
    expect(md).toMatch(/\| prod \| \$\d+\.\d\d \| \$\d+\.\d\d \| \*\*-\$\d+\.\d\d\*\* \|/);
    expect(md).toMatch(/\| stage \| \$(\d+\.\d\d) \| \$\1 \| \*\*\+\$0\.00\*\* \|/);
  });

  it("marks prod's diagram: two NAT gateways removed, the database changed; stage unchanged", () => {
    const prod = section("### prod (changed)");
    expect(prod.match(/class [^\n]+ removed/)?.[0].match(/n_aws_nat_gateway_\w+/g)).toHaveLength(2);
    expect(prod).toContain("~ RDS postgres 16 db.t4g.small<br/>single-AZ");
    expect(section("### stage (unchanged)")).toContain("```mermaid\nflowchart LR\n");
    expect(readFileSync(join(out, "diagrams", "prod.mmd"), "utf8")).toContain("classDef removed");
  });

  it("without a base, shows the cost and the plain diagrams and no comparison", () => {
    const stacks = [...readBase(base, ["bootstrap", "github", "stage", "prod"])].map(([name, tf]) => ({ name, tf }));
    const report = summarize(stacks.map((s) => auditStack(new AuditContext(s.name, s.tf, contextOptions(config, s.name)))));
    const table = loadPriceTable();
    const text = formatReviewMarkdown(review(config, report, stacks, table), table);
    expect(text).not.toContain("What got less safe");
    expect(text).not.toContain("Change against the base branch");
    expect(text).toContain("### prod\n\n```mermaid\nflowchart LR\n");
    expect(text).not.toContain("classDef");
  });
});
