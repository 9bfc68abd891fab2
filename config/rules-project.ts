/**
 * The rules of the project as a whole, which the schema cannot state: the ones that relate the
 * project's settings to each other and to the environments, and the environments to each other.
 */
import { branchNameProblem } from "./aws";
import { nameProblem, nameRule } from "./aws-names";
import { parseIpv4Cidr, rangesOverlap } from "./cidr";
import { environmentAccount, Naming } from "./naming";
import type { Collector } from "./problems";
import type { PlatformConfig, ProjectConfig } from "./types";

/** The project's rules: its GitHub settings, its accounts and the names its name makes. */
export function validateProject(p: ProjectConfig, c: Collector): void {
  const gh = p.github;
  if (gh.defaultBranch !== undefined) {
    const problem = branchNameProblem(gh.defaultBranch);
    c.check(problem === undefined, "project.github.defaultBranch", gh.defaultBranch, problem ?? "");
  }
  if (gh.existingOidcProviderArn !== undefined) {
    const expected = new Naming(p).oidcProviderArn;
    c.check(
      gh.existingOidcProviderArn === expected,
      "project.github.existingOidcProviderArn",
      gh.existingOidcProviderArn,
      `must be the GitHub OIDC provider of this account, "${expected}"; or leave it unset to create it`,
    );
  }
  c.check(
    (gh.repositoryId === undefined) === (gh.ownerId === undefined),
    "project.github.repositoryId/ownerId",
    { repositoryId: gh.repositoryId, ownerId: gh.ownerId },
    "set both ids (trust by immutable ids; gh api repos/OWNER/REPO --jq '.id, .owner.id' prints them) or neither (trust by owner/name)",
  );
  // Every other account is bootstrapped by a stack of its own, configured once here.
  const listed = new Set<string>();
  for (const [i, account] of (p.accounts ?? []).entries()) {
    const at = `project.accounts[${i}]`;
    c.check(
      account.accountId !== p.accountId,
      `${at}.accountId`,
      account.accountId,
      "is the project's own account, which the bootstrap stack prepares with project.bootstrap; remove the entry",
    );
    c.check(
      !listed.has(account.accountId),
      `${at}.accountId`,
      account.accountId,
      "is listed twice: an account has one bootstrap (one state bucket, lock table, OIDC provider and plan role), " +
        "so its environments share one entry; merge the two",
    );
    listed.add(account.accountId);
    if (account.existingOidcProviderArn !== undefined) {
      const expected = new Naming(p, account.accountId).oidcProviderArn;
      c.check(
        account.existingOidcProviderArn === expected,
        `${at}.existingOidcProviderArn`,
        account.existingOidcProviderArn,
        `must be the GitHub OIDC provider of account ${account.accountId}, "${expected}"; or leave it unset to create it`,
      );
    }
  }
  c.check(
    !p.name.startsWith("xn-") && !p.name.startsWith("sthree-") && !p.name.startsWith("amzn-s3-demo"),
    "project.name",
    p.name,
    "starts with a prefix S3 reserves (xn-, sthree-, amzn-s3-demo-); pick another name",
  );
  for (const { resource, attribute, name } of new Naming(p).projectResourceNames) {
    const rule = nameRule(resource, attribute);
    const problem = rule && nameProblem(rule, name);
    if (rule && problem) {
      c.check(false, "project.name", p.name, `makes the ${rule.what} "${name}", which ${problem}; pick another project name`);
      break;
    }
  }
}

/** Rules between environments: their accounts, names, CIDRs and domains. */
export function validateAcrossEnvironments(config: PlatformConfig, c: Collector): void {
  const envs = config.environments;
  // A bootstrap with no environment would hold a state bucket and roles nothing uses.
  for (const [i, account] of (config.project.accounts ?? []).entries()) {
    c.check(
      envs.some((e) => environmentAccount(config.project, e) === account.accountId),
      `project.accounts[${i}].accountId`,
      account.accountId,
      `hosts no environment: set an environment's accountId to "${account.accountId}", or remove the entry`,
    );
  }
  const seen = new Set<string>();
  for (const e of envs) {
    c.check(!seen.has(e.name), "environments[].name", e.name, "is defined twice; environment names must be unique");
    seen.add(e.name);
  }
  const domains = new Map<string, string>();
  envs.forEach((a, i) => {
    for (const b of envs.slice(i + 1)) {
      // The schema has checked each CIDR: both parse.
      const ra = parseIpv4Cidr(a.network.vpcCidr);
      const rb = parseIpv4Cidr(b.network.vpcCidr);
      if (ra && rb && rangesOverlap(ra, rb)) {
        c.check(
          false,
          `${b.name}.network.vpcCidr`,
          b.network.vpcCidr,
          `overlaps ${a.name}.network.vpcCidr "${a.network.vpcCidr}"; ` +
            "give each environment its own range (needed to peer or connect them later)",
        );
      }
    }
    // One name, one distribution or load balancer: a domain used twice would serve one
    // environment's traffic from another.
    for (const [setting, domain] of [
      ["site.domain.domainName", a.site.domain?.domainName],
      ["loadBalancer.https.domainName", a.loadBalancer.https?.domainName],
    ] as const) {
      if (domain === undefined) continue;
      const first = domains.get(domain);
      c.check(
        first === undefined,
        `${a.name}.${setting}`,
        domain,
        `is already used by ${first}; give each environment and each endpoint its own domain`,
      );
      if (first === undefined) domains.set(domain, `${a.name}.${setting}`);
    }
  });
}
