import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { TerraformStack, Testing } from "cdktf";
import { AuditContext } from "../audit/context";
import { auditStack, summarize } from "../audit/engine";
import { formatConsole, formatJson, formatMarkdown } from "../audit/report";
import {
  ALB_RULES,
  ALL_RULES,
  CLOUDFRONT_RULES,
  COVERAGE_RULES,
  DYNAMODB_RULES,
  ECS_RULES,
  IAM_RULES,
  ISOLATION_RULES,
  MONITORING_RULES,
  QUEUE_RULES,
  RDS_RULES,
  S3_RULES,
  STACK_RULES,
  VPC_RULES,
} from "../audit/rules";
import { synthesizeApp } from "../audit/synth";
import type { TerraformJson } from "../audit/types";
import { exempt, readExemptions } from "../lib/audit-exemptions";
import { escapeHclTemplate, repairConditionBlocks, repairHclStrings, restoreTerraformSettings } from "../lib/hcl";
import { mixedSynthOutputs } from "../lib/synth-output";

describe("rule catalogue", () => {
  it("runs every rule of every family exactly once, under a unique id", () => {
    const families = [
      S3_RULES,
      DYNAMODB_RULES,
      IAM_RULES,
      ISOLATION_RULES,
      VPC_RULES,
      ECS_RULES,
      QUEUE_RULES,
      ALB_RULES,
      RDS_RULES,
      CLOUDFRONT_RULES,
      MONITORING_RULES,
      STACK_RULES,
      COVERAGE_RULES,
    ];
    expect(ALL_RULES.map((r) => r.id)).toEqual(families.flat().map((r) => r.id));
    expect(new Set(ALL_RULES.map((r) => r.id)).size).toBe(ALL_RULES.length);
  });

  it.each(ALL_RULES.map((r) => [r.id, r] as const))("%s has an id, a one-line rationale, control ids and targets", (id, rule) => {
    expect(id).toMatch(/^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$/);
    expect(rule.rationale).toMatch(/^\S.{10,160}$/);
    for (const control of rule.controls) expect(control).toMatch(/^(CKV2?_AWS_\d+|AVD-AWS-\d{4}|[A-Za-z][A-Za-z0-9]*\.\d+)$/);
    expect(rule.appliesTo.length).toBeGreaterThan(0);
  });
});

describe("exempt", () => {
  function bucketStack(): { stack: TerraformStack; bucket: S3Bucket } {
    const app = Testing.app();
    const stack = new TerraformStack(app, "test");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    return { stack, bucket: new S3Bucket(stack, "bucket", { bucket: "b" }) };
  }

  it('records every exemption of a resource under "//", beside cdktf\'s own metadata', () => {
    const { stack, bucket } = bucketStack();
    exempt(bucket, "S3-TLS-ONLY", "a fixture bucket that nothing ever reads");
    exempt(bucket, "IAM-NO-WILDCARD-RESOURCE", "a second exemption on the same bucket", { findings: ["Sid1"] });
    const outdir = Testing.fullSynth(stack);
    const tf = JSON.parse(readFileSync(join(outdir, "stacks", "test", "cdk.tf.json"), "utf8")) as TerraformJson;
    const body = tf.resource?.aws_s3_bucket?.bucket ?? {};
    expect(readExemptions(body)).toEqual([
      { rule: "S3-TLS-ONLY", reason: "a fixture bucket that nothing ever reads" },
      { rule: "IAM-NO-WILDCARD-RESOURCE", reason: "a second exemption on the same bucket", findings: ["Sid1"] },
    ]);
    expect((body["//"] as { metadata: { path: string } }).metadata.path).toBe("test/bucket");
  });

  it("rejects an exemption without a reason", () => {
    const { bucket } = bucketStack();
    expect(() => exempt(bucket, "S3-TLS-ONLY", "  ")).toThrow(/Audit exemption from S3-TLS-ONLY has reason "";.*at least 10 characters/);
  });

  it("rejects an exemption naming no rule id", () => {
    const { bucket } = bucketStack();
    expect(() => exempt(bucket, "tls only", "because it says so")).toThrow(/"tls only" is not a rule id/);
  });

  it("rejects an exemption limited to no findings", () => {
    const { bucket } = bucketStack();
    expect(() => exempt(bucket, "S3-TLS-ONLY", "because it says so", { findings: [] })).toThrow(/name at least one finding/);
  });
});

const policy = (...statements: unknown[]): string => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const onEverything = (sid: string): unknown => ({ Sid: sid, Effect: "Allow", Action: "ec2:DescribeInstances", Resource: "*" });
const withExemptions = (body: Record<string, unknown>, exemptions: unknown[]): Record<string, unknown> => ({
  ...body,
  "//": { metadata: { path: "test/x" }, audit_exemptions: exemptions },
});

describe("auditStack", () => {
  const listener = {
    load_balancer_arn: "${aws_lb.alb.arn}",
    protocol: "HTTP",
    port: 80,
    default_action: [{ type: "forward", target_group_arn: "${aws_lb_target_group.tg.arn}" }],
  };
  const httpOnly = (exemptions: unknown[]): TerraformJson => ({
    resource: {
      aws_lb: { alb: { load_balancer_type: "application", drop_invalid_header_fields: true } },
      aws_lb_listener: { http: withExemptions(listener, exemptions) },
    },
  });

  it("turns a failure the resource is exempted from into an exemption with its reason", () => {
    const report = auditStack(
      new AuditContext("stage", httpOnly([{ rule: "ALB-HTTP-REDIRECTS-TO-HTTPS", reason: "no domain for this test environment" }])),
      ALB_RULES,
    );
    const rule = report.rules.find((r) => r.id === "ALB-HTTP-REDIRECTS-TO-HTTPS");
    expect(rule?.status).toBe("exempt");
    expect(rule?.findings).toEqual([
      expect.objectContaining({
        status: "exempt",
        address: "aws_lb_listener.http",
        constructPath: "test/x",
        reason: "no domain for this test environment",
      }),
    ]);
    expect(report.failures).toBe(0);
    expect(report.exemptions).toBe(1);
  });

  it("fails the same listener without the exemption", () => {
    const report = auditStack(new AuditContext("stage", httpOnly([])), ALB_RULES);
    expect(report.rules.find((r) => r.id === "ALB-HTTP-REDIRECTS-TO-HTTPS")?.status).toBe("fail");
    expect(report.failures).toBe(1);
  });

  it("exempts only the named findings, so a statement added later is still audited", () => {
    const tf: TerraformJson = {
      resource: {
        aws_iam_role_policy: {
          p: withExemptions({ policy: policy(onEverything("Known"), onEverything("AddedLater")) }, [
            { rule: "IAM-NO-WILDCARD-RESOURCE", reason: "describe calls accept only *", findings: ["Known"] },
          ]),
        },
      },
    };
    const findings = auditStack(new AuditContext("s", tf), IAM_RULES).rules.find((r) => r.id === "IAM-NO-WILDCARD-RESOURCE")?.findings;
    expect(findings?.map((f) => [f.subject, f.status])).toEqual([
      ["Known", "exempt"],
      ["AddedLater", "fail"],
    ]);
  });

  it("reports an exemption whose rule passes, or whose findings match nothing, as unused", () => {
    const tf: TerraformJson = {
      resource: {
        aws_iam_role_policy: {
          p: withExemptions({ policy: policy(onEverything("Known")) }, [
            { rule: "IAM-NO-WILDCARD-ACTION", reason: "stale: the policy names its actions now" },
            { rule: "IAM-NO-WILDCARD-RESOURCE", reason: "describe calls accept only *", findings: ["Known", "Gone"] },
          ]),
        },
      },
    };
    const report = auditStack(new AuditContext("s", tf), IAM_RULES);
    expect(report.exemptionIssues).toEqual([
      expect.objectContaining({
        problem: "unused",
        rule: "IAM-NO-WILDCARD-ACTION",
        detail: expect.stringMatching(/does not fail on aws_iam_role_policy\.p/),
      }),
      expect.objectContaining({
        problem: "unused",
        rule: "IAM-NO-WILDCARD-RESOURCE",
        detail: expect.stringMatching(/^Gone of aws_iam_role_policy\.p/),
      }),
    ]);
    expect(report.failures).toBe(0);
    expect(summarize([report]).unusedExemptions).toBe(2);
  });

  it("fails an exemption naming a rule that does not exist", () => {
    const report = auditStack(
      new AuditContext("stage", httpOnly([{ rule: "ALB-HTTPS-EVERYWHERE", reason: "a typo in the rule id" }])),
      ALB_RULES,
    );
    expect(report.exemptionIssues).toEqual([expect.objectContaining({ problem: "unknown-rule", rule: "ALB-HTTPS-EVERYWHERE" })]);
    expect(report.failures).toBe(2);
  });

  it("reads exemptions of providers and of the stack itself", () => {
    const tf = {
      "//": { audit_exemptions: [{ rule: "NO-LITERAL-SECRETS", reason: "the emulator's documented dummy key" }] },
      provider: {
        aws: [withExemptions({ region: "eu-west-1" }, [{ rule: "PROVIDER-DEFAULT-TAGS", reason: "a fixture provider without tags" }])],
      },
      output: { key: { value: "-----BEGIN PRIVATE KEY-----" } },
    } as TerraformJson;
    const report = auditStack(new AuditContext("s", tf), STACK_RULES);
    expect(report.rules.map((r) => [r.id, r.status])).toEqual([
      ["PROVIDER-DEFAULT-TAGS", "exempt"],
      ["NO-LITERAL-SECRETS", "exempt"],
    ]);
  });
});

describe("report", () => {
  const tf: TerraformJson = {
    resource: {
      aws_lb: { alb: { load_balancer_type: "application", drop_invalid_header_fields: false } },
      aws_lb_listener: {
        http: withExemptions({ load_balancer_arn: "${aws_lb.alb.arn}", protocol: "HTTP", default_action: [{ type: "forward" }] }, [
          { rule: "ALB-HTTP-REDIRECTS-TO-HTTPS", reason: "no domain | yet" },
        ]),
      },
    },
  };
  const report = summarize([auditStack(new AuditContext("stage", tf, { tier: "non-production" }), ALB_RULES)]);

  it("prints a table per stack with each rule's controls, failures and exemption reasons", () => {
    const text = formatConsole(report);
    expect(text).toMatch(/== stage \(non-production\): 1 failure\(s\), 1 exemption\(s\)/);
    expect(text).toMatch(/ALB-DROP-INVALID-HEADERS\s+ELB\.4, CKV_AWS_131, AVD-AWS-0052\s+FAIL \(0 pass, 1 fail\)/);
    expect(text).toMatch(/FAIL aws_lb\.alb: passes invalid header fields on/);
    expect(text).toMatch(/exempt aws_lb_listener\.http: no domain \| yet/);
    expect(text).toMatch(/ALB-DELETION-PROTECTION\s+ELB\.6, CKV_AWS_150\s+n\/a/);
    expect(text).toMatch(/^FAIL: 1 failure\(s\), 1 exemption\(s\)/m);
  });

  it("writes markdown with every control id and escaped table cells", () => {
    const md = formatMarkdown(report);
    expect(md).toMatch(/^\*\*FAIL\*\*/m);
    expect(md).toContain(
      "| ALB-HTTP-REDIRECTS-TO-HTTPS | ELB.1, CKV_AWS_2, CKV2_AWS_20, AVD-AWS-0054 | exempt (0 pass, 1 exempt) | exempt " +
        "`aws_lb_listener.http`: no domain \\| yet |",
    );
    expect(md).toContain("| S3-PUBLIC-ACCESS-BLOCK | aws_s3_bucket |");
  });

  it("writes JSON with the findings and the rule catalogue", () => {
    const json = JSON.parse(formatJson(report)) as { passed: boolean; rules: { id: string }[]; stacks: { stack: string }[] };
    expect(json.passed).toBe(false);
    expect(json.stacks.map((s) => s.stack)).toEqual(["stage"]);
    expect(json.rules.map((r) => r.id)).toEqual(ALL_RULES.map((r) => r.id));
  });
});

describe("HCL repair", () => {
  it('puts back the terraform block\'s required_version, which cdktf renders as `0 = "required_version"`', () => {
    const raw = ["terraform {", '  0 = "required_version"', "}"].join("\n");
    expect(restoreTerraformSettings(raw, { required_version: ">= 1.10.0" })).toBe(
      ["terraform {", '  required_version = ">= 1.10.0"', "}"].join("\n"),
    );
    expect(restoreTerraformSettings(raw, {})).toBe(raw);
  });

  it("escapes the quotes cdktf leaves raw in strings with interpolations, and keeps the interpolations", () => {
    const raw = 'policy = "{"Resource":"${aws_s3_bucket.b.arn}/*","Net":"${cidrsubnet("10.0.0.0/16", 4, 1)}"}"';
    expect(repairHclStrings(raw)).toBe(
      'policy = "{\\"Resource\\":\\"${aws_s3_bucket.b.arn}/*\\",\\"Net\\":\\"${cidrsubnet("10.0.0.0/16", 4, 1)}\\"}"',
    );
  });

  it("leaves strings cdktf escaped itself, and heredocs, alone", () => {
    const text = ['name = "plain \\"quoted\\""', "script = <<EOF", '"${x}" "y"', "EOF"].join("\n");
    expect(repairHclStrings(text)).toBe(text);
  });

  it("quotes tokens rendered bare and unquotes references in depends_on", () => {
    const text = ["reviewers = [", "  ${data.github_user.a.id}", "]", "depends_on = [", '  "aws_iam_role.r",', "]"].join("\n");
    expect(repairHclStrings(text)).toBe(
      ["reviewers = [", '  "${data.github_user.a.id}"', "]", "depends_on = [", "  aws_iam_role.r,", "]"].join("\n"),
    );
  });

  it("writes a lifecycle's postconditions as blocks, which cdktf renders as a list Terraform refuses", () => {
    const raw = [
      "lifecycle {",
      "  postcondition = [",
      "{",
      'condition = "${length(self.names) >= 2}"',
      'error_message = "too few"',
      "},",
      "]",
      "}",
    ].join("\n");
    expect(repairConditionBlocks(raw)).toBe(
      ["lifecycle {", "postcondition {", 'condition = "${length(self.names) >= 2}"', 'error_message = "too few"', "}", "}"].join("\n"),
    );
  });

  it("unquotes a resource's provider reference, which cdktf renders as a string", () => {
    expect(repairHclStrings(['  provider = "aws.us_east_1"', '  name = "aws.us_east_1"'].join("\n"))).toBe(
      ["  provider = aws.us_east_1", '  name = "aws.us_east_1"'].join("\n"),
    );
  });

  it("escapes backslashes and template directives outside interpolations", () => {
    expect(escapeHclTemplate('a\\b %{x} ${f("}")}')).toBe('a\\\\b %%{x} ${f("}")}');
  });
});

describe("synthesizeApp", () => {
  it("rejects a run with SYNTH_HCL_OUTPUT set, which would make cdktf write HCL instead of JSON", () => {
    const saved = process.env.SYNTH_HCL_OUTPUT;
    process.env.SYNTH_HCL_OUTPUT = "true";
    try {
      expect(() => synthesizeApp(() => undefined)).toThrow(/SYNTH_HCL_OUTPUT is set.*unset it/);
    } finally {
      if (saved === undefined) delete process.env.SYNTH_HCL_OUTPUT;
      else process.env.SYNTH_HCL_OUTPUT = saved;
    }
  });
});

describe("mixedSynthOutputs", () => {
  it("finds stack directories holding both cdk.tf and cdk.tf.json", () => {
    const outdir = mkdtempSync(join(tmpdir(), "mixed-synth-"));
    for (const [stack, files] of [
      ["mixed", ["cdk.tf", "cdk.tf.json"]],
      ["json", ["cdk.tf.json"]],
    ] as const) {
      mkdirSync(join(outdir, "stacks", stack), { recursive: true });
      for (const f of files) writeFileSync(join(outdir, "stacks", stack, f), "{}");
    }
    expect(mixedSynthOutputs(outdir)).toEqual([join(outdir, "stacks", "mixed")]);
    expect(mixedSynthOutputs(join(outdir, "missing"))).toEqual([]);
  });
});
