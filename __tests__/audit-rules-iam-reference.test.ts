/**
 * IAM-REFERENCE (audit/rules/iam-reference.ts): every action, resource ARN and condition key of a
 * policy exists in the service authorization reference, and each allowed action can be granted on
 * the statement's resources. One compliant and one non-compliant fixture per kind of mistake.
 */

import { AuditContext } from "../audit/context";
import { auditStack, summarize } from "../audit/engine";
import { iamReference } from "../audit/rules/iam-reference";
import { formatSarif } from "../audit/sarif";
import type { TerraformJson } from "../audit/types";
import { checkRule } from "./support/audit-testing";

const policy = (...statements: unknown[]): string => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const stack = (...statements: unknown[]): TerraformJson => ({
  resource: { aws_iam_role_policy: { deploy: { name: "permissions", role: "r", policy: policy(...statements) } } },
});
const verdicts = (...statements: unknown[]) => checkRule(iamReference, stack(...statements)).map((r) => [r.status, r.subject, r.message]);

const LOGS = "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/acme-stage/*";

describe("IAM-REFERENCE", () => {
  it("passes a statement whose actions, resources and condition keys all exist", () => {
    const results = verdicts(
      { Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [LOGS, `${LOGS}:*`] },
      {
        Sid: "Describe",
        Effect: "Allow",
        Action: "ec2:Describe*",
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestedRegion": "eu-west-1" } },
      },
      {
        Sid: "Pass",
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: "arn:aws:iam::123456789012:role/acme/stage/*",
        Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
      },
      {
        Sid: "Tagged",
        Effect: "Deny",
        Action: "ec2:*",
        Resource: "*",
        Condition: { StringNotEquals: { "ec2:ResourceTag/Environment": "stage" } },
      },
    );
    expect(results.map(([status]) => status)).toEqual(["pass", "pass", "pass", "pass"]);
  });

  it("fails an action IAM does not have (a misspelling, an invented API)", () => {
    expect(verdicts({ Sid: "Cf", Effect: "Allow", Action: ["cloudfront:CreateDistributionWithTags"], Resource: "*" })).toEqual([
      ["fail", "Cf", expect.stringMatching(/action cloudfront:CreateDistributionWithTags does not exist/)],
    ]);
    expect(verdicts({ Sid: "Glob", Effect: "Allow", Action: "ec2:Descibe*", Resource: "*" })[0][2]).toMatch(/ec2:Descibe\* does not exist/);
    expect(verdicts({ Sid: "Svc", Effect: "Allow", Action: "ecz:DescribeVpcs", Resource: "*" })[0][2]).toMatch(/service "ecz"/);
  });

  it('fails an action granted only on ARNs that IAM authorises on "*" (a grant that never applies)', () => {
    const oac = "arn:aws:cloudfront::123456789012:origin-access-control/*";
    expect(verdicts({ Sid: "Oac", Effect: "Allow", Action: "cloudfront:CreateOriginAccessControl", Resource: oac })[0]).toEqual([
      "fail",
      "Oac",
      expect.stringMatching(/CreateOriginAccessControl accepts only Resource "\*"/),
    ]);
    expect(verdicts({ Sid: "Oac", Effect: "Allow", Action: "cloudfront:CreateOriginAccessControl", Resource: "*" })[0][0]).toBe("pass");
  });

  it("fails an action granted on resources of another type, and an ARN of no type of its service", () => {
    expect(
      verdicts({ Sid: "Wrong", Effect: "Allow", Action: "logs:PutLogEvents", Resource: "arn:aws:s3:::acme-stage-site-1/*" })[0][2],
    ).toMatch(/PutLogEvents acts on log-stream, none of/);
    expect(
      verdicts({ Sid: "NoType", Effect: "Allow", Action: "ec2:DescribeVpcs", Resource: "arn:aws:ec2:eu-west-1:1:vpcs/x" })[0][2],
    ).toMatch(/is of no ec2 resource type/);
  });

  it("follows the reference's corrections (logs:DescribeLogGroups is authorised on log-group:*)", () => {
    const groups = "arn:aws:logs:eu-west-1:123456789012:log-group:*";
    expect(verdicts({ Sid: "List", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: groups })[0][0]).toBe("pass");
    expect(verdicts({ Sid: "List", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: LOGS })[0][0]).toBe("fail");
  });

  it("fails a condition key IAM does not have, and accepts an OIDC provider's keys", () => {
    const bad = {
      Sid: "Key",
      Effect: "Allow",
      Action: "ec2:DescribeVpcs",
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestRegion": "x" } },
    };
    expect(verdicts(bad)[0][2]).toMatch(/condition key aws:RequestRegion \(StringEquals\) does not exist/);
    const badService = { ...bad, Condition: { StringEquals: { "iam:PassedToServices": "x" } } };
    expect(verdicts(badService)[0][2]).toMatch(/iam:PassedToServices/);
    const oidc = {
      ...bad,
      Condition: { StringEquals: { "token.actions.githubusercontent.com:sub": "repo:acme/platform:ref:refs/heads/main" } },
    };
    expect(verdicts(oidc)[0][0]).toBe("pass");
  });

  it("reports its failures in SARIF like every rule", () => {
    const context = new AuditContext(
      "fixture",
      stack({ Sid: "Cf", Effect: "Allow", Action: "cloudfront:CreateDistributionWithTags", Resource: "*" }),
    );
    const sarif = JSON.parse(formatSarif(summarize([auditStack(context, [iamReference])]), [iamReference]));
    expect(sarif.runs[0].results).toEqual([expect.objectContaining({ ruleId: "IAM-REFERENCE", level: "error" })]);
  });
});
