/** The IAM section of `npm run audit` (audit/iam/role-report.ts): granted, used, and the fence's cross-environment writes. */

import { buildPlatform } from "../app";
import { ONE_ACCOUNT_CROSS_ENVIRONMENT_WRITES } from "../audit/iam/one-account-writes";
import { formatIamReport, iamReport, type RecordedCall } from "../audit/iam/role-report";
import { synthesizeApp } from "../audit/synth";
import { oneAccountLayout, twoAccountLayout } from "./support/iam-layouts";

const synth = (config: ReturnType<typeof oneAccountLayout>) => synthesizeApp((app) => buildPlatform(app, config));

describe("the audit's IAM section", () => {
  const config = oneAccountLayout();
  const stacks = synth(config);
  const call = (action: string): RecordedCall => ({
    stack: "stage",
    phase: "apply",
    account: config.project.accountId,
    region: "eu-west-1",
    action,
    resource: "*",
  });

  it("counts each role's granted actions, expanded by the reference, less those denied outright", () => {
    const report = iamReport(config, stacks);
    const stage = report.roles.find((r) => r.role === "acme-stage-deploy");
    expect(stage?.granted).toEqual(expect.arrayContaining(["ec2:CreateVpc", "ecs:UpdateService", "ec2:DescribeVpcs"]));
    // Not granted since the families replaced ec2:*; denied outright by NoAccountLevelSettings.
    expect(stage?.granted).not.toContain("ec2:ModifyVpcBlockPublicAccessOptions");
    expect(stage?.granted).not.toContain("ec2:EnableEbsEncryptionByDefault");
    expect(stage?.used).toBeUndefined();
  });

  it("shows what a recorded deploy used, and what it used that no statement grants", () => {
    const report = iamReport(
      config,
      stacks,
      [call("ec2:CreateVpc"), call("ec2:CreateVpc"), call("sqs:CreateQueue")],
      "recorded-calls.json",
    );
    const stage = report.roles.find((r) => r.role === "acme-stage-deploy");
    expect(stage?.used).toEqual(["ec2:CreateVpc", "sqs:CreateQueue"]);
    expect(formatIamReport(report)).toMatch(
      /acme-stage-deploy \(123456789012\): \d+ granted, 2 used, \d+ granted but unused; used, not granted: sqs:CreateQueue/,
    );
  });

  it("lists the one-account layout's cross-environment writes with their reasons, and none with an account each", () => {
    const shared = formatIamReport(iamReport(config, stacks));
    for (const w of ONE_ACCOUNT_CROSS_ENVIRONMENT_WRITES) expect(shared).toContain(`${w.action} on ${w.kind}: ${w.reason}`);
    expect(shared).toContain("ecs:CreateService and ecs:UpdateService parameters (not seen by IAM)");
    const separate = twoAccountLayout();
    expect(formatIamReport(iamReport(separate, synth(separate)))).toContain("none: every environment has an account of its own");
  });
});
