import { auditPlatform } from "../audit/audit-app";
import { ALL_RULES } from "../audit/rules";
import { guardrail, PRODUCTION_GUARDRAILS } from "../config/guardrails";
import { environmentAccount } from "../config/naming";
import type { EnvironmentConfig, PlatformConfig } from "../config/types";
import { ConfigError, validate } from "../config/validate";
import { sampleConfig } from "./support/sample";

/**
 * One table of production guardrails (config/guardrails.ts): validation refuses a production
 * environment that breaks one, acceptedRisks waives one by name, the environment stack turns the
 * waiver into the audit exemption, and the audit's production-only rules check the same things.
 */

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };
type Env = Mutable<EnvironmentConfig>;
type Config = Mutable<PlatformConfig>;

/** How to break each guardrail in the shipped prod. */
const BREAK: Record<string, (c: Config, prod: Env) => void> = {
  // Back to the one-account layout: prod in the project's account, with stage.
  accountId: (c, p) => {
    delete p.accountId;
    delete c.project.accounts;
  },
  "database.multiAz": (_c, p) => void (p.database.multiAz = false),
  "database.deletionProtection": (_c, p) => void (p.database.deletionProtection = false),
  "database.backupRetentionDays": (_c, p) => void (p.database.backupRetentionDays = 7),
  "database.performanceInsights": (_c, p) => void (p.database.performanceInsights = false),
  "loadBalancer.deletionProtection": (_c, p) => void (p.loadBalancer.deletionProtection = false),
  "loadBalancer.accessLogs": (_c, p) => void (p.loadBalancer.accessLogs = false),
  "loadBalancer.https": (_c, p) => {
    delete p.loadBalancer.https;
    p.loadBalancer.httpOnlyReason = "no domain for this environment yet";
  },
  "network.natGateways": (_c, p) => void (p.network.natGateways = "single"),
  "monitoring.alarms": (_c, p) => void (p.monitoring.alarms = false),
  "monitoring.subscribers": (_c, p) => void (p.monitoring.subscribers = []),
  "monitoring.thresholds.minRequestsForErrorRate": (_c, p) => void (p.monitoring.thresholds = { minRequestsForErrorRate: 61 }),
  "github.requiredReviewers": (_c, p) => void (p.github.requiredReviewers = []),
  "project.github.preventSelfReview": (c) => void (c.project.github.preventSelfReview = false),
  "project.github.protectDefaultBranch": (c) => void (c.project.github.protectDefaultBranch = false),
};

/** The shipped config with HTTPS set on prod (so no guardrail is waived), then `change` applied. */
function config(change: (c: Config, prod: Env) => void = () => {}): PlatformConfig {
  const c = sampleConfig() as Config;
  const prod = c.environments.find((e) => e.name === "prod") as Env;
  prod.loadBalancer.https = { domainName: "api.example.com", certificateArn: "" };
  delete prod.loadBalancer.httpOnlyReason;
  prod.acceptedRisks = [];
  change(c, prod);
  // A certificate of the account prod ends up in (a change may move it).
  if (prod.loadBalancer.https) {
    const account = environmentAccount(c.project, prod);
    const certificateArn = `arn:aws:acm:eu-west-1:${account}:certificate/0f3c7e9a-1b2c-4d5e-8f90-123456789abc`;
    prod.loadBalancer.https = { ...prod.loadBalancer.https, certificateArn };
  }
  return c as PlatformConfig;
}

function problemsOf(c: PlatformConfig): string[] {
  try {
    validate(c);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.setting}: ${p.fix}`);
    throw e;
  }
}

describe("the production guardrail table", () => {
  it("names an audit rule for every production-only rule of the audit", () => {
    const named = new Set(PRODUCTION_GUARDRAILS.map((g) => g.auditRule));
    const productionOnly = ALL_RULES.filter((r) => r.productionOnly).map((r) => r.id);
    expect(productionOnly.length).toBeGreaterThanOrEqual(7);
    expect(productionOnly.filter((id) => !named.has(id))).toEqual([]);
  });

  it("names only audit rules that exist, and says why when a guardrail has none", () => {
    const ids = new Set(ALL_RULES.map((r) => r.id));
    for (const g of PRODUCTION_GUARDRAILS) {
      if (g.auditRule !== undefined) expect([g.setting, ids.has(g.auditRule)]).toEqual([g.setting, true]);
      else expect([g.setting, (g.notAudited ?? "").length > 20]).toEqual([g.setting, true]);
    }
  });

  it("checks every production-only audit rule's property in production only, except HTTPS, which every tier is audited for", () => {
    // The reverse direction: a guardrail's audit rule is production-only, or (HTTPS) audited in every
    // tier, where a non-production environment records its httpOnlyReason as the exemption.
    const productionOnly = new Set(ALL_RULES.filter((r) => r.productionOnly).map((r) => r.id));
    const everyTier = PRODUCTION_GUARDRAILS.filter((g) => g.auditRule !== undefined && !productionOnly.has(g.auditRule)).map(
      (g) => g.setting,
    );
    expect(everyTier).toEqual(["loadBalancer.https"]);
  });

  it("leaves unaudited only the GitHub settings, which no AWS stack holds, and the 5xx alarm's request floor", () => {
    const unaudited = PRODUCTION_GUARDRAILS.filter((g) => g.auditRule === undefined).map((g) => g.setting);
    expect(unaudited.length).toBeGreaterThan(0);
    for (const setting of unaudited) expect(setting).toMatch(/^((project\.)?github\.|monitoring\.thresholds\.minRequestsForErrorRate$)/);
  });

  it("rejects a production 5xx request floor above one request a second, which keeps the rollback alarm blind (issue 21, class 6)", () => {
    const floor = (n: number) =>
      config((_c, p) => void (p.monitoring.thresholds = { ...p.monitoring.thresholds, minRequestsForErrorRate: n }));
    expect(problemsOf(floor(60))).toEqual([]);
    const blind = /^prod\.monitoring\.thresholds\.minRequestsForErrorRate: must be at most 60 in production .*api5xxRatePercent.*rolls/;
    expect(problemsOf(floor(5000))).toEqual([expect.stringMatching(blind)]);
  });

  it("has a way to break each guardrail in this test, so every one is exercised", () => {
    expect(Object.keys(BREAK).sort()).toEqual(PRODUCTION_GUARDRAILS.map((g) => g.setting).sort());
  });

  it("accepts the shipped prod with HTTPS and no accepted risk", () => {
    expect(problemsOf(config())).toEqual([]);
  });

  it.each(PRODUCTION_GUARDRAILS.map((g) => [g.setting]))("refuses a production environment that breaks %s, naming it", (setting) => {
    const problems = problemsOf(config(BREAK[setting]));
    const named = setting.startsWith("project.") ? setting : `prod.${setting}`;
    expect(problems).toEqual([`${named}: ${guardrail(setting)!.requirement}; or list "${setting}" in prod.acceptedRisks with a reason`]);
  });

  it.each(PRODUCTION_GUARDRAILS.map((g) => [g.setting]))(
    "accepts %s broken when it is listed in acceptedRisks with a reason",
    (setting) => {
      const waived = config((c, prod) => {
        BREAK[setting](c, prod);
        prod.acceptedRisks = [{ setting, reason: "a reason written down for the review" }];
      });
      expect(problemsOf(waived)).toEqual([]);
    },
  );

  it.each(PRODUCTION_GUARDRAILS.map((g) => [g.setting]))(
    "refuses a waiver of %s while the guardrail holds (remove the accepted risk)",
    (setting) => {
      const stale = config((_c, prod) => void (prod.acceptedRisks = [{ setting, reason: "once true, since fixed" }]));
      expect(problemsOf(stale)).toEqual([
        `prod.acceptedRisks[0].setting: is met, so there is no risk to accept; remove the accepted risk (a later change that ` +
          `breaks the guardrail must be reviewed anew)`,
      ]);
    },
  );

  it("refuses a waiver in a non-production environment, where it waives nothing", () => {
    const c = config((cfg) => {
      (cfg.environments[0] as Env).acceptedRisks = [{ setting: "database.multiAz", reason: "stage is cheap on purpose" }];
    });
    expect(problemsOf(c)).toEqual([
      expect.stringMatching(/^stage\.acceptedRisks\[0\]\.setting: waives nothing in a non-production environment/),
    ]);
  });
});

describe("production by name", () => {
  it.each([["prod2"], ["prodeu"], ["live"], ["preprod"], ["eprd"]])("makes %s production-tier unless it says why not", (name) => {
    // stage renamed, and the previews it hosts with it.
    const rename = (cfg: Config) => {
      (cfg.environments[0] as Env).name = name;
      if (cfg.previews) cfg.previews = { ...cfg.previews, host: name };
    };
    const c = config(rename);
    expect(problemsOf(c)).toEqual([
      expect.stringMatching(new RegExp(`^${name}\\.tier: must be "production" for an environment named ${name}`)),
    ]);
    const explained = config((cfg) => {
      rename(cfg);
      const env = cfg.environments[0] as Env;
      env.nonProductionReason = "a copy of prod's shape for load tests, holding no real data";
    });
    expect(problemsOf(explained)).toEqual([]);
  });
});

describe("validation and the audit agree", () => {
  // One synth for both cases: the shipped prod, and a prod that breaks every audited guardrail and waives each.
  const audited = PRODUCTION_GUARDRAILS.filter((g) => g.auditRule !== undefined);
  const waivedAll = config((c, prod) => {
    for (const g of audited) BREAK[g.setting](c, prod);
    prod.acceptedRisks = audited.map((g) => ({ setting: g.setting, reason: `accepted in this test: ${g.setting}` }));
  });

  it("a prod that validation accepts with waivers fails no audit rule; each waived guardrail's rule is exempt, with the reason", () => {
    expect(problemsOf(waivedAll)).toEqual([]);
    const { report } = auditPlatform(waivedAll, { rules: ALL_RULES.filter((r) => audited.some((g) => g.auditRule === r.id)) });
    const prod = report.stacks.find((s) => s.stack === "prod")!;
    for (const g of audited) {
      const rule = prod.rules.find((r) => r.id === g.auditRule)!;
      expect([g.setting, rule.status]).toEqual([g.setting, "exempt"]);
      expect(rule.findings.some((f) => f.status === "exempt" && (f.reason ?? "").includes(`accepted in this test: ${g.setting}`))).toBe(
        true,
      );
    }
    expect(prod.failures).toBe(0);
  });

  it("refuses prod without Performance Insights before the audit would fail it", () => {
    // The defect: validation passed it, `npm run audit` failed it, and it could not be waived.
    expect(problemsOf(config((_c, prod) => void (prod.database.performanceInsights = false)))).toEqual([
      expect.stringMatching(/^prod\.database\.performanceInsights: must be true in production/),
    ]);
  });
});
