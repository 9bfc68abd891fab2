/**
 * The rules of one environment that its sections' schemas cannot state: those that need the
 * project (account, region, names) or relate two sections, and the production guardrails.
 */
import { certificateProblem } from "./aws";
import { nameProblem, nameRule } from "./aws-names";
import { guardrail, nameSaysProduction, PRODUCTION_GUARDRAILS, PRODUCTION_NAME_WORDS } from "./guardrails";
import { environmentAccount, Naming } from "./naming";
import type { Collector } from "./problems";
import { validateCombinations } from "./rules-combinations";
import type { EnvironmentConfig, ProjectConfig } from "./types";

/** Names environments may not take: stack names and state keys in use, the bootstrap's Environment tag, the state bucket's infix. */
export const RESERVED_ENVIRONMENT_NAMES = ["bootstrap", "github", "shared", "tfstate"] as const;

/**
 * The rules of one environment: its account, names and tier, certificates, guardrails and their waivers.
 * `environments` are all of the platform's (the account guardrail compares them).
 */
export function validateEnvironment(
  p: ProjectConfig,
  e: EnvironmentConfig,
  environments: readonly EnvironmentConfig[],
  c: Collector,
): void {
  const at = (s: string) => `${e.name}.${s}`;
  const naming = Naming.forEnvironment(p, e);
  const accountId = environmentAccount(p, e);

  if (e.accountId !== undefined && e.accountId !== p.accountId) {
    c.check(
      (p.accounts ?? []).some((a) => a.accountId === e.accountId),
      at("accountId"),
      e.accountId,
      `names an account with no bootstrap: add { accountId: "${e.accountId}" } to project.accounts (its bootstrap stack ` +
        `creates the account's state bucket, lock table and ${e.name}'s deploy role), or remove ${e.name}.accountId ` +
        "to deploy to the project's account",
    );
  }

  c.check(
    !(RESERVED_ENVIRONMENT_NAMES as readonly string[]).includes(e.name),
    "environments[].name",
    e.name,
    `is reserved for a stack of its own (${RESERVED_ENVIRONMENT_NAMES.join(", ")}); pick another name`,
  );
  // Every name the project and environment names make, held to AWS's rules for its resource type:
  // one problem per environment (a long prefix breaks many names), naming the first it breaks.
  for (const { resource, attribute, name } of naming.environmentResourceNames(e)) {
    const rule = nameRule(resource, attribute);
    const problem = rule && nameProblem(rule, name);
    if (rule && problem) {
      const reserved = /reserves/.test(problem) && name.startsWith(p.name);
      // A reserved start is the project name's: said once, by the first environment.
      if (reserved && c.problems.some((x) => x.setting === "project.name")) break;
      c.check(
        false,
        reserved ? "project.name" : at("name"),
        reserved ? p.name : e.name,
        `makes the ${rule.what} "${name}", which ${problem}; ` +
          (reserved ? "pick another project name" : `shorten the project name or ${e.name}'s name`),
      );
      break;
    }
  }

  validateCombinations(e, accountId, c, at);

  // Tier: a name that says production gets the production guardrails unless it says why not.
  if (nameSaysProduction(e.name) && e.tier !== "production") {
    c.check(
      (e.nonProductionReason ?? "").trim().length >= 10,
      at("tier"),
      e.tier,
      `must be "production" for an environment named ${e.name} ` +
        `(the name contains ${PRODUCTION_NAME_WORDS.filter((w) => e.name.includes(w)).join(", ")}): ` +
        `its guardrails are waived one by one in acceptedRisks; or set ${e.name}.nonProductionReason ` +
        "to say why it is not production",
    );
  }
  if (e.nonProductionReason !== undefined) {
    c.check(
      e.tier !== "production",
      at("nonProductionReason"),
      e.nonProductionReason,
      'explains a non-production tier, but the tier is "production"; remove it',
    );
  }

  // Certificates: in the environment's account and the region their user takes them from.
  const lb = e.loadBalancer;
  if (lb.https) {
    const problem = certificateProblem(lb.https.certificateArn, p.region, "the load balancer", accountId);
    c.check(problem === undefined, at("loadBalancer.https.certificateArn"), lb.https.certificateArn, problem ?? "");
  }

  // Monitoring against the database
  const d = e.database;
  const free = e.monitoring.thresholds?.databaseFreeStorageGiB;
  if (free !== undefined) {
    c.check(
      free < d.allocatedStorageGiB,
      at("monitoring.thresholds.databaseFreeStorageGiB"),
      free,
      `must be below database.allocatedStorageGiB (${d.allocatedStorageGiB}), or the alarm fires on an empty database; ` +
        `use e.g. ${Math.max(1, Math.floor(d.allocatedStorageGiB / 4))}`,
    );
  }

  // Site
  if (e.site.domain) {
    const problem = certificateProblem(e.site.domain.certificateArn, "us-east-1", "CloudFront", accountId);
    c.check(problem === undefined, at("site.domain.certificateArn"), e.site.domain.certificateArn, problem ?? "");
  }

  // Production guardrails and their waivers
  const waived = new Set<string>();
  for (const [i, risk] of (e.acceptedRisks ?? []).entries()) {
    const rule = guardrail(risk.setting);
    const where = at(`acceptedRisks[${i}].setting`);
    if (!rule) {
      c.check(
        false,
        where,
        risk.setting,
        `is not a production guardrail; use one of ${PRODUCTION_GUARDRAILS.map((g) => g.setting).join(", ")}`,
      );
      continue;
    }
    c.check(!waived.has(risk.setting), where, risk.setting, "is accepted twice; keep one entry");
    waived.add(risk.setting);
    c.check(
      e.tier === "production",
      where,
      risk.setting,
      `waives nothing in a ${e.tier} environment (its guardrails are off); remove the accepted risk`,
    );
    if (e.tier === "production") {
      c.check(
        !rule.holds(e, p, environments),
        where,
        risk.setting,
        "is met, so there is no risk to accept; remove the accepted risk " +
          "(a later change that breaks the guardrail must be reviewed anew)",
      );
    }
  }
  if (e.tier === "production") {
    for (const rule of PRODUCTION_GUARDRAILS) {
      if (waived.has(rule.setting) || rule.holds(e, p, environments)) continue;
      const setting = rule.setting.startsWith("project.") ? rule.setting : at(rule.setting);
      c.check(false, setting, rule.value(e, p), `${rule.requirement}; or list "${rule.setting}" in ${e.name}.acceptedRisks with a reason`);
    }
  }
}
