import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { auditPlatform } from "../audit/audit-app";
import type { Finding, StackReport } from "../audit/engine";
import { formatJson } from "../audit/report";
import { ALL_RULES } from "../audit/rules";
import { productionOwnAccount } from "../audit/rules/isolation";
import { runAudit } from "../audit/run";
import { fail, type Rule } from "../audit/types";
import { platformAccounts } from "../config/naming";
import type { EnvironmentConfig, PlatformConfig } from "../config/types";
import { ONE_ACCOUNT_REASON, oneAccountConfig, riskyProdConfig, sampleConfig } from "./support/sample";

/**
 * The audit on the real app: every stack of the shipped configuration passes every rule, and the
 * exemptions it relies on are the expected ones, each with its reason.
 */
const ROOT = resolve(__dirname, "..");
const config = sampleConfig();
const environment = (name: string): EnvironmentConfig => {
  const found = config.environments.find((e) => e.name === name);
  if (!found) throw new Error(`no environment ${name} in the sample config`);
  return found;
};
// One synth and audit of the shipped config for the whole file; the tests only read it. (Its HCL is
// checked by terraform in audit-terraform-validate.test.ts.)
const { report, stacks } = auditPlatform(config);
/** Each account's bootstrap stack, with the environments it hosts (the shipped config: bootstrap has stage, bootstrap-prod prod). */
const bootstraps = platformAccounts(config).map((a) => ({ name: a.bootstrapStack, environments: a.environments }));
const bootstrapOf = (env: string): string => bootstraps.find((b) => b.environments.includes(env))!.name;

const stack = (name: string): StackReport => {
  const found = report.stacks.find((s) => s.stack === name);
  if (!found) throw new Error(`no stack ${name} in the audit`);
  return found;
};
const findings = (name: string, status: Finding["status"]): Finding[] =>
  stack(name).rules.flatMap((r) => r.findings.filter((f) => f.status === status));
const exemption = (name: string, rule: string, addressPart: string, subject?: string): Finding | undefined =>
  findings(name, "exempt").find((f) => f.rule === rule && f.address.includes(addressPart) && f.subject === subject);

describe("the audit of the real app", () => {
  it("audits every stack the app synthesizes, with the tier from the config", () => {
    expect(Object.fromEntries(report.stacks.map((s) => [s.stack, s.tier]))).toEqual(
      expect.objectContaining({ bootstrap: "shared", stage: "non-production", prod: "production" }),
    );
    expect(report.stacks.map((s) => s.stack).sort()).toEqual(stacks.map((s) => s.name).sort());
  });

  it("passes every rule on every stack", () => {
    const failures = report.stacks.flatMap((s) =>
      findings(s.stack, "fail").map((f) => `${s.stack}: ${f.rule} ${f.address}${f.subject ? ` [${f.subject}]` : ""}: ${f.message}`),
    );
    expect(failures).toEqual([]);
    expect(report.passed).toBe(true);
  });

  it("uses every exemption it declares, and names only rules that exist", () => {
    expect(report.stacks.flatMap((s) => s.exemptionIssues)).toEqual([]);
  });

  it("runs the production-only rules on prod and not on stage", () => {
    const status = (name: string, rule: string) => stack(name).rules.find((r) => r.id === rule)?.status;
    for (const rule of ["RDS-MULTI-AZ", "RDS-DELETION-PROTECTION", "ALB-ACCESS-LOGS", "VPC-NAT-PER-AZ"]) {
      expect([rule, status("prod", rule)]).toEqual([rule, "pass"]);
      expect([rule, status("stage", rule)]).toEqual([rule, "n/a"]);
    }
  });

  it("exempts stage's HTTP-only listener with the reason from the config", () => {
    expect(exemption("stage", "ALB-HTTP-REDIRECTS-TO-HTTPS", "aws_lb_listener.service_http-listener")?.reason).toBe(
      environment("stage").loadBalancer.httpOnlyReason,
    );
  });

  it("exempts prod's HTTP-only listener with its reason and the accepted production risk", () => {
    const prod = environment("prod");
    const accepted = prod.acceptedRisks?.find((r) => r.setting === "loadBalancer.https")?.reason;
    const reason = exemption("prod", "ALB-HTTP-REDIRECTS-TO-HTTPS", "aws_lb_listener.service_http-listener")?.reason;
    expect(reason).toContain(prod.loadBalancer.httpOnlyReason);
    expect(reason).toContain(`accepted risk loadBalancer.https: ${accepted}`);
  });

  it("exempts CloudFront's default certificate, whose TLS policy cannot be set, where no site domain is configured", () => {
    for (const name of ["stage", "prod"]) {
      expect(exemption(name, "CLOUDFRONT-TLS-MINIMUM", "aws_cloudfront_distribution.site_distribution")?.reason).toMatch(
        /minimum_protocol_version cannot be set/,
      );
    }
  });

  it('exempts the statements IAM accepts only on "*", one by one', () => {
    for (const name of ["stage", "prod"]) {
      expect(exemption(name, "IAM-NO-WILDCARD-RESOURCE", "service_execution-policy", "EcrLogin")?.reason).toMatch(
        /ecr:GetAuthorizationToken/,
      );
    }
    for (const env of ["stage", "prod"]) {
      for (const sid of ["RegionalInfrastructure", "ReadCertificates", "WhoAmI"]) {
        expect([sid, exemption(bootstrapOf(env), "IAM-NO-WILDCARD-RESOURCE", `deploy-role-${env}-policy`, sid)?.reason]).toEqual([
          sid,
          expect.any(String),
        ]);
      }
    }
    for (const { name } of bootstraps) {
      expect(exemption(name, "IAM-NO-WILDCARD-RESOURCE", "plan-role-policy", "ReadInfrastructure")?.reason).toMatch(/read-only/);
    }
  });

  it.each(bootstraps.map((b) => [b.name, b.environments]))(
    "exempts %s's read-only plan role's pull_request trust, and not its deploy roles' (%s)",
    (name, environments) => {
      const trust = findings(name, "exempt").filter((f) => f.rule === "IAM-GITHUB-OIDC-TRUST");
      // In the previews' host account, the preview role too: it trusts preview.yml's pull_request jobs (preview-role.test.ts).
      const hostsPreviews = environments.includes(config.previews?.host ?? "");
      expect(trust.map((f) => f.address)).toEqual([
        expect.stringMatching(/^aws_iam_role\.github-oidc_plan-role_/),
        ...(hostsPreviews ? [expect.stringMatching(/^aws_iam_role\.github-oidc_preview-role_/)] : []),
      ]);
      for (const t of trust) expect(t.reason).toMatch(/pull_request/);
      const deploy = findings(name, "pass").filter((f) => f.rule === "IAM-GITHUB-OIDC-TRUST");
      expect(deploy.map((f) => f.message)).toEqual([
        ...environments.map((env) => expect.stringMatching(new RegExp(`repo:acme/platform:environment:${env}\\b`))),
        // The drift role trusts the default branch only: it passes without an exemption.
        expect.stringMatching(/repo:acme\/platform:ref:refs\/heads\/main/),
      ]);
    },
  );

  it("passes the deploy roles' trust by immutable ids when the config gives them, still exempting only the plan and preview roles", () => {
    const byIds: PlatformConfig = {
      ...config,
      project: { ...config.project, github: { ...config.project.github, repositoryId: "700000001", ownerId: "90000002" } },
    };
    const trustRule = ALL_RULES.filter((r) => r.id === "IAM-GITHUB-OIDC-TRUST");
    const audited = auditPlatform(byIds, { rules: trustRule }).report.stacks;
    for (const { name, environments } of bootstraps) {
      const bootstrap = audited.find((s) => s.stack === name)!;
      const found = bootstrap.rules[0].findings;
      expect(found.filter((f) => f.status === "pass").map((f) => f.message)).toEqual([
        ...environments.map((env) =>
          expect.stringMatching(new RegExp(`repository_owner_id:90000002:repository_id:700000001:environment:${env}\\b`)),
        ),
        expect.stringMatching(/repository_owner_id:90000002:repository_id:700000001:ref:refs\/heads\/main/),
      ]);
      expect(found.filter((f) => f.status !== "pass").map((f) => [f.status, f.address])).toEqual([
        ["exempt", expect.stringMatching(/plan-role/)],
        ...(environments.includes(config.previews?.host ?? "") ? [["exempt", expect.stringMatching(/preview-role/)]] : []),
      ]);
      expect(bootstrap.exemptionIssues).toEqual([]);
    }
  });

  it("needs no HTTPS or TLS exemption once an environment has its domains", () => {
    const withDomains: PlatformConfig = {
      ...config,
      environments: config.environments.map((e) =>
        e.name !== "stage"
          ? e
          : {
              ...e,
              loadBalancer: {
                ...e.loadBalancer,
                // Served over HTTPS now: a plain-HTTP reason beside it would be ignored, which validation refuses.
                httpOnlyReason: undefined,
                https: {
                  domainName: "api.stage.example.com",
                  certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
                },
              },
              site: {
                ...e.site,
                domain: {
                  domainName: "www.stage.example.com",
                  certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/1f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
                },
              },
            },
      ),
    };
    const stage = auditPlatform(withDomains).report.stacks.find((s) => s.stack === "stage");
    const status = (rule: string) => stage?.rules.find((r) => r.id === rule)?.status;
    expect(["ALB-HTTP-REDIRECTS-TO-HTTPS", "ALB-TLS-POLICY", "CLOUDFRONT-TLS-MINIMUM"].map(status)).toEqual(["pass", "pass", "pass"]);
    expect(stage?.exemptionIssues).toEqual([]);
    // What stays exempt is each execution role's ECR login, which IAM grants only on "*" (one per workload).
    const exempt = stage!.rules.flatMap((r) => r.findings.filter((f) => f.status === "exempt").map((f) => [r.id, f.reason]));
    expect(exempt.length).toBe(stage?.exemptions);
    expect(exempt.length).toBeGreaterThan(0);
    for (const found of exempt) expect(found).toEqual(["IAM-NO-WILDCARD-RESOURCE", expect.stringContaining("ecr:GetAuthorizationToken")]);
  });

  it("turns the production risks prod accepts in the config into exemptions, with the config's reasons", () => {
    const risky = riskyProdConfig(config);
    const prod = auditPlatform(risky).report.stacks.find((s) => s.stack === "prod");
    const reasons = Object.fromEntries(
      (prod?.rules ?? []).flatMap((r) => r.findings.filter((f) => f.status === "exempt").map((f) => [r.id, f.reason])),
    );
    expect(reasons).toMatchObject({
      "VPC-NAT-PER-AZ": "accepted risk network.natGateways: one NAT gateway until the launch, to save its cost",
      "RDS-MULTI-AZ": "accepted risk database.multiAz: a single-AZ database until the launch",
    });
    expect(prod?.failures).toBe(0);
    expect(prod?.exemptionIssues).toEqual([]);
  });
});

describe("an account of its own for production", () => {
  it("passes PRODUCTION-OWN-ACCOUNT for prod, in an account of its own; stage is not production", () => {
    const status = (name: string) => stack(name).rules.find((r) => r.id === productionOwnAccount.id)!;
    expect(status("prod").status).toBe("pass");
    expect(status("prod").findings.map((f) => f.message)).toEqual(["account 210987654321 hosts no other environment"]);
    expect(status("stage").status).toBe("n/a");
  });

  it("in the one-account layout, exempts prod with its accepted risk and lists in audit.md the gaps it is given", () => {
    const out = mkdtempSync(join(tmpdir(), "audit-one-account-"));
    const gaps = [{ action: "ecs:CreateService", resource: "prod's target group", reason: "IAM never sees the parameters" }];
    const log = jest.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      expect(runAudit(oneAccountConfig(), out, [productionOwnAccount], undefined, undefined, gaps)).toBe(0);
      expect(log.mock.calls.map((c) => String(c[0])).join("\n")).toContain(
        `notice: prod shares its AWS account (accepted risk accountId: ${ONE_ACCOUNT_REASON})`,
      );
    } finally {
      log.mockRestore();
    }
    const json = JSON.parse(readFileSync(join(out, "audit.json"), "utf8")) as { stacks: StackReport[] };
    const prod = json.stacks.find((x) => x.stack === "prod")!.rules.find((r) => r.id === productionOwnAccount.id)!;
    expect(prod.findings.map((f) => [f.status, f.message, f.reason])).toEqual([
      [
        "exempt",
        "account 123456789012 also hosts stage; give production an account of its own (accountId and project.accounts)",
        `accepted risk accountId: ${ONE_ACCOUNT_REASON}`,
      ],
    ]);
    const md = readFileSync(join(out, "audit.md"), "utf8");
    expect(md).toContain("## What the one-account fence cannot hold");
    const waiver = `accepted risk accountId: ${ONE_ACCOUNT_REASON}`;
    expect(md).toContain(`**prod** shares its AWS account with another environment (PRODUCTION-OWN-ACCOUNT exempt: ${waiver})`);
    expect(md).toContain("| ecs:CreateService | prod's target group | IAM never sees the parameters |");
  });
});

describe("the rules that guard each stack's purpose", () => {
  // A rule that silently stops applying (e.g. after a rename) shows as n/a; these must really pass.
  it.each([
    [
      "bootstrap",
      [
        "S3-STATE-BUCKET-VERSIONING",
        "S3-PUBLIC-ACCESS-BLOCK",
        "S3-TLS-ONLY",
        "DYNAMODB-PITR",
        "DYNAMODB-DELETION-PROTECTION",
        "IAM-GITHUB-OIDC-TRUST",
        "IAM-SERVICE-ROLE-BOUNDARY",
        "IAM-DEPLOY-ROLE-NO-ROLE-CREATION",
      ],
    ],
    [
      "stage",
      [
        "VPC-FLOW-LOGS",
        "ECS-NO-PUBLIC-IP",
        "ECS-CIRCUIT-BREAKER-ROLLBACK",
        "ALB-DROP-INVALID-HEADERS",
        "RDS-ENCRYPTED",
        "RDS-FORCE-SSL",
        "CLOUDFRONT-ORIGIN-ACCESS-CONTROL",
      ],
    ],
    ["prod", ["VPC-NAT-PER-AZ", "RDS-MULTI-AZ", "RDS-PERFORMANCE-INSIGHTS", "ALB-ACCESS-LOGS", "ALB-DELETION-PROTECTION"]],
  ])("%s passes its key rules on real resources (not n/a)", (name, rules) => {
    const passed = (rule: string) =>
      stack(name)
        .rules.find((r) => r.id === rule)
        ?.findings.filter((f) => f.status === "pass").length ?? 0;
    const summary = (rule: string) => [rule, stack(name).rules.find((r) => r.id === rule)?.status, passed(rule) > 0];
    expect(rules.map(summary)).toEqual(rules.map((rule) => [rule, expect.stringMatching(/^(pass|exempt)$/), true]));
  });
});

describe("npm run audit", () => {
  it("exits 1 and writes a failed report when any rule fails", () => {
    const out = mkdtempSync(join(tmpdir(), "audit-fail-"));
    const alwaysFails: Rule = {
      id: "TEST-ALWAYS-FAILS",
      rationale: "a rule no stack can pass",
      controls: [],
      appliesTo: ["stack"],
      check: () => fail("fails on purpose"),
    };
    const log = jest.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      expect(runAudit(config, out, [alwaysFails])).toBe(1);
    } finally {
      log.mockRestore();
    }
    const json = JSON.parse(readFileSync(join(out, "audit.json"), "utf8")) as { passed: boolean; failures: number };
    expect([json.passed, json.failures]).toEqual([false, report.stacks.length]);
  });

  it("audits what it synthesizes, never cdktf.out: a stale, tampered one changes nothing but a warning", () => {
    const stale = mkdtempSync(join(tmpdir(), "stale-cdktf-out-"));
    const stage = join(stale, "stacks", "stage");
    mkdirSync(stage, { recursive: true });
    // A stage that would fail many rules (an unencrypted, unversioned, public bucket), with an old HCL file beside it.
    writeFileSync(join(stage, "cdk.tf.json"), JSON.stringify({ resource: { aws_s3_bucket: { open: { bucket: "wide-open" } } } }));
    writeFileSync(join(stage, "cdk.tf"), 'terraform {\n  backend "s3" {}\n}\n');
    const out = mkdtempSync(join(tmpdir(), "audit-stale-"));
    const log = jest.spyOn(console, "log").mockImplementation(() => undefined);
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      expect(runAudit(config, out, undefined, stale)).toBe(report.passed ? 0 : 1);
      expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
        expect.stringMatching(/stacks\/stage holds both cdk\.tf and cdk\.tf\.json \(not audited: the audit synthesizes its own\)/),
      ]);
    } finally {
      log.mockRestore();
      warn.mockRestore();
    }
    expect(JSON.parse(readFileSync(join(out, "audit.json"), "utf8"))).toEqual(JSON.parse(formatJson(report)));
    // Prod has an account of its own: nothing the one-account fence cannot hold to list.
    expect(readFileSync(join(out, "audit.md"), "utf8")).not.toContain("one-account fence");
  });

  const cdktfOut = join(ROOT, "cdktf.out", "stacks");
  const hclInCdktfOut = (): string[] =>
    existsSync(cdktfOut) ? readdirSync(cdktfOut).filter((s) => existsSync(join(cdktfOut, s, "cdk.tf"))) : [];

  it("writes audit.json, audit.md and hcl/<stack>/cdk.tf to its own directory, never to cdktf.out, and exits with the result", () => {
    const out = mkdtempSync(join(tmpdir(), "audit-run-"));
    const before = hclInCdktfOut();
    const run = spawnSync(join(ROOT, "node_modules", ".bin", "tsx"), ["audit/run.ts", "--out", out], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, CHECKPOINT_DISABLE: "1" },
    });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(report.passed ? 0 : 1);
    expect(run.stdout).toMatch(/== stage \(non-production\)/);
    const json = JSON.parse(readFileSync(join(out, "audit.json"), "utf8")) as { passed: boolean; failures: number };
    expect([json.passed, json.failures]).toEqual([report.passed, report.failures]);
    expect(readFileSync(join(out, "audit.md"), "utf8")).toMatch(/^# Audit of the synthesized Terraform/);
    for (const s of stacks) expect(readdirSync(join(out, "hcl", s.name))).toEqual(["cdk.tf"]);
    expect(hclInCdktfOut()).toEqual(before);
  });
});
