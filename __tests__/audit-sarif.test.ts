import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import AjvDraft04 from "ajv-draft-04";
import addFormats from "ajv-formats";
import { TerraformStack } from "cdktf";
import type { Log, Result } from "sarif";
import { auditPlatform } from "../audit/audit-app";
import { AuditContext } from "../audit/context";
import { auditStack, summarize } from "../audit/engine";
import { ALL_RULES } from "../audit/rules";
import { toSarif } from "../audit/sarif";
import { sourceLocation } from "../audit/source";
import { synthesizeApp } from "../audit/synth";
import { Network } from "../constructs/network";
import { exempt } from "../lib/audit-exemptions";
import { sampleConfig } from "./support/sample";

/**
 * SARIF for GitHub code scanning: valid against the OASIS SARIF 2.1.0 schema (draft-04; fixture
 * from oasis-tcs/sarif-spec, sarif-2.1/schema/sarif-schema-2.1.0.json, errata01), one rule per audit
 * rule, and each result on the line of TypeScript that created the failing resource.
 */
const ROOT = resolve(__dirname, "..");
const schema = JSON.parse(readFileSync(join(__dirname, "fixtures", "sarif-schema-2.1.0.json"), "utf8"));
const ajv = new AjvDraft04({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);

/** The 1-based line of the first line of `file` (relative to the repository) that contains `text`. */
function lineOf(file: string, text: string): number {
  const index = readFileSync(join(ROOT, file), "utf8")
    .split("\n")
    .findIndex((l) => l.includes(text));
  if (index < 0) throw new Error(`${text} not in ${file}`);
  return index + 1;
}

// A test app: a bare bucket created here (fails the S3 rules; one exempt), and the product's Network
// with one NAT gateway in a production-tier stack (fails VPC-NAT-PER-AZ in constructs/network.ts).
const [fixture] = synthesizeApp((app) => {
  const stack = new TerraformStack(app, "fixture");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const bucket = new S3Bucket(stack, "bucket", { bucket: "fixture-bucket" }); // SARIF-TEST-BUCKET
  exempt(bucket, "S3-OWNERSHIP-ENFORCED", "a fixture bucket: its object ownership is not under test");
  const flowLogRole = { name: "fx-flow-logs-role", arn: "arn:aws:iam::123456789012:role/fx-flow-logs-role" };
  new Network(stack, "network", {
    namePrefix: "fx",
    vpcCidr: "10.30.0.0/16",
    azCount: 2,
    natGateways: "single",
    flowLogRetentionDays: 30,
    flowLogRole,
  });
});
const fixtureReport = summarize([auditStack(new AuditContext("fixture", fixture.tf, { tier: "production" }))]);
const fixtureLog = toSarif(fixtureReport);
const results = (log: Log, rule: string, address = ""): Result[] =>
  (log.runs[0].results ?? []).filter(
    (r) => r.ruleId === rule && r.locations?.[0].logicalLocations?.[0].fullyQualifiedName?.includes(address),
  );
const location = (r: Result) => r.locations![0].physicalLocation!;

const real = auditPlatform(sampleConfig());
const realLog = toSarif(real.report);

describe("SARIF from the audit", () => {
  it("is valid SARIF 2.1.0, for the real app and for a failing test app", () => {
    for (const log of [realLog, fixtureLog]) {
      const ok = validate(log);
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it("describes every audit rule once, with its rationale, help and controls", () => {
    const rules = realLog.runs[0].tool.driver.rules!;
    expect(rules.map((r) => r.id)).toEqual(ALL_RULES.map((r) => r.id));
    const tls = rules.find((r) => r.id === "S3-TLS-ONLY")!;
    const rule = ALL_RULES.find((r) => r.id === "S3-TLS-ONLY")!;
    expect(tls.shortDescription?.text).toBe(rule.rationale);
    expect(tls.properties?.controls).toEqual(rule.controls);
    for (const control of rule.controls) expect(tls.help?.text).toContain(control);
    expect(tls.help?.markdown).toContain('exempt(resource, "S3-TLS-ONLY"');
  });

  it("points a failure of a resource created in a test at the test's line", () => {
    const [r] = results(fixtureLog, "S3-PUBLIC-ACCESS-BLOCK", "aws_s3_bucket.bucket");
    expect(r.level).toBe("error");
    expect(r.suppressions).toBeUndefined();
    expect(location(r).artifactLocation).toEqual({ uri: "__tests__/audit-sarif.test.ts", uriBaseId: "%SRCROOT%" });
    expect(location(r).region?.startLine).toBe(lineOf("__tests__/audit-sarif.test.ts", "// SARIF-TEST-BUCKET"));
  });

  it("points a failure of a resource a product construct creates at the construct's line", () => {
    const [r] = results(fixtureLog, "VPC-NAT-PER-AZ");
    expect(r.message.text).toMatch(/^fixture: aws_vpc\.network_vpc_\w+: /);
    expect(location(r).artifactLocation?.uri).toBe("constructs/network.ts");
    expect(location(r).region?.startLine).toBe(lineOf("constructs/network.ts", 'new Vpc(this, "vpc"'));
  });

  it("reports an exemption as an in-source suppression with its reason", () => {
    const [r] = results(fixtureLog, "S3-OWNERSHIP-ENFORCED", "aws_s3_bucket.bucket");
    expect(r.suppressions).toEqual([
      { kind: "inSource", status: "accepted", justification: "a fixture bucket: its object ownership is not under test" },
    ]);
  });

  it("has no unsuppressed result for the real app, and locates every real exemption in the product's folders", () => {
    const all = realLog.runs[0].results!;
    expect(all.filter((r) => !r.suppressions)).toEqual([]);
    expect(all.length).toBe(real.report.exemptions);
    for (const r of all) expect(location(r).artifactLocation?.uri).toMatch(/^(constructs|bootstrap|stacks|lib)\/[\w-]+\.ts$/);
  });

  it("gives each finding a fingerprint that does not depend on its line, so a moved resource is no new alert", () => {
    const prints = fixtureLog.runs[0].results!.map((r) => r.partialFingerprints?.["auditFinding/v1"]);
    expect(new Set(prints).size).toBe(prints.length);
  });
});

describe("sourceLocation", () => {
  it("takes the first product frame, then the first repository frame outside node_modules and audit/", () => {
    const root = "/repo";
    const frame = (f: string) => `new X (${f}:12:5)`;
    expect(
      sourceLocation([frame("/repo/node_modules/cdktf/lib/x.ts"), frame("/repo/__tests__/a.test.ts"), frame("/repo/lib/b.ts")], root),
    ).toEqual({
      file: "lib/b.ts",
      line: 12,
      column: 5,
    });
    expect(sourceLocation([frame("/elsewhere/x.ts"), frame("/repo/audit/synth.ts"), frame("/repo/__tests__/a.test.ts")], root)?.file).toBe(
      "__tests__/a.test.ts",
    );
    expect(sourceLocation([], root)).toBeUndefined();
  });
});
