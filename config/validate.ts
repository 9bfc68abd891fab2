import { parseIpv4Cidr, rangesOverlap } from "../lib/cidr";
import { FARGATE_MEMORY } from "../lib/fargate";
import { Naming } from "./naming";
import { EnvironmentConfig, PlatformConfig, ProjectConfig } from "./types";

/** One bad setting: where, what it was, and how to fix it. */
export interface ConfigProblem {
  readonly setting: string;
  readonly value: unknown;
  readonly fix: string;
}

/** Thrown by `validate()` with every problem found, so one run shows them all. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `Invalid platform configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p.setting} ${JSON.stringify(p.value)} ${p.fix}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Environment names that promise production: such an environment must have the production tier. */
const PRODUCTION_NAMES = ["prod", "production", "prd", "live"];

/** Names environments may not take: stack names and state keys in use, the bootstrap's Environment tag, the state bucket's infix. */
export const RESERVED_ENVIRONMENT_NAMES = ["bootstrap", "github", "shared", "tfstate"] as const;

/** Values CloudWatch Logs accepts for retention_in_days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/**
 * Production guardrails: what a `tier: "production"` environment must have, unless it lists the
 * setting in `acceptedRisks` with a reason.
 */
export const PRODUCTION_GUARDRAILS: Record<string, { holds: (e: EnvironmentConfig) => boolean; fix: string }> = {
  "database.multiAz": { holds: (e) => e.database.multiAz, fix: "must be true in production (a standby survives an AZ outage)" },
  "database.deletionProtection": {
    holds: (e) => e.database.deletionProtection,
    fix: "must be true in production (a destroy must not drop the database)",
  },
  "database.backupRetentionDays": {
    holds: (e) => e.database.backupRetentionDays >= 14,
    fix: "must be at least 14 in production; use e.g. 30",
  },
  "loadBalancer.deletionProtection": {
    holds: (e) => e.loadBalancer.deletionProtection,
    fix: "must be true in production",
  },
  "loadBalancer.accessLogs": { holds: (e) => e.loadBalancer.accessLogs, fix: "must be true in production" },
  "network.natGateways": {
    holds: (e) => e.network.natGateways === "perAz",
    fix: 'must be "perAz" in production (one NAT gateway is a single point of failure)',
  },
  "loadBalancer.https": {
    holds: (e) => e.loadBalancer.https !== undefined,
    fix: "must be set in production: serve the API over HTTPS with a domain and an ACM certificate",
  },
  "github.requiredReviewers": {
    holds: (e) => e.github.requiredReviewers.length > 0,
    fix: "must name at least one reviewer in production, so a deployment needs an approval",
  },
};

const REGION = /^(us|eu|ap|sa|ca|me|af|il|mx)(-gov|-iso[a-z]?)?-(north|south|east|west|central|northeast|southeast|northwest|southwest)-\d$/;
const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const GITHUB_REPO = /^[A-Za-z0-9._-]{1,100}$/;
/** A CODEOWNERS owner: `@user` or `@org/team`. */
const CODE_OWNER = /^@[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(?:\/[A-Za-z0-9._-]{1,100})?$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

class Collector {
  readonly problems: ConfigProblem[] = [];
  check(ok: boolean, setting: string, value: unknown, fix: string): void {
    if (!ok) this.problems.push({ setting, value, fix });
  }
}

const isInt = (v: unknown, min: number, max: number): boolean =>
  typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;

function validateProject(p: ProjectConfig, c: Collector): void {
  c.check(
    /^[a-z][a-z0-9-]{1,18}[a-z0-9]$/.test(p.name) && !p.name.includes("--") && !p.name.startsWith("xn-"),
    "project.name",
    p.name,
    'must be 3-20 lowercase letters, digits or single hyphens, starting with a letter (it prefixes S3 bucket names); use e.g. "acme-platform"',
  );
  c.check(/^\d{12}$/.test(p.accountId), "project.accountId", p.accountId, 'must be the 12-digit AWS account id; use e.g. "123456789012"');
  c.check(REGION.test(p.region), "project.region", p.region, 'is not an AWS region name; use e.g. "eu-west-1"');
  // 20 characters of name keep the state bucket name (<name>-tfstate-<account>-<region>) within S3's 63.
  const gh = p.github;
  c.check(GITHUB_OWNER.test(gh?.owner ?? ""), "project.github.owner", gh?.owner, 'must be a GitHub user or organisation name; use e.g. "acme"');
  c.check(
    GITHUB_REPO.test(gh?.repo ?? "") && gh.repo !== "." && gh.repo !== "..",
    "project.github.repo",
    gh?.repo,
    'must be a GitHub repository name (letters, digits, ".", "-", "_"); use e.g. "platform"',
  );
  if (gh?.defaultBranch !== undefined) {
    c.check(
      /^[A-Za-z0-9._/-]{1,200}$/.test(gh.defaultBranch) && !gh.defaultBranch.includes(".."),
      "project.github.defaultBranch",
      gh.defaultBranch,
      'must be a plain branch name without wildcards; use e.g. "main"',
    );
  }
  if (gh?.existingOidcProviderArn !== undefined) {
    const expected = new Naming(p).oidcProviderArn;
    c.check(
      gh.existingOidcProviderArn === expected,
      "project.github.existingOidcProviderArn",
      gh.existingOidcProviderArn,
      `must be the GitHub OIDC provider of this account, "${expected}"; or leave it unset to create it`,
    );
  }
  const owners = gh?.platformOwners;
  c.check(
    Array.isArray(owners) && owners.length > 0,
    "project.github.platformOwners",
    owners,
    'must name at least one code owner of the platform; use e.g. ["@acme/platform-owners"]',
  );
  for (const owner of Array.isArray(owners) ? owners : []) {
    c.check(
      CODE_OWNER.test(owner),
      "project.github.platformOwners",
      owner,
      'is not a GitHub user ("@name") or team ("@org/team"); use e.g. "@acme/platform-owners"',
    );
  }
  for (const key of ["repositoryId", "ownerId"] as const) {
    const id = gh?.[key];
    if (id !== undefined) {
      c.check(
        typeof id === "string" && /^[1-9][0-9]{0,19}$/.test(id),
        `project.github.${key}`,
        id,
        `must be the numeric id as a string of digits; find it with gh api repos/OWNER/REPO --jq ${key === "ownerId" ? ".owner.id" : ".id"}`,
      );
    }
  }
  c.check(
    (gh?.repositoryId === undefined) === (gh?.ownerId === undefined),
    "project.github.repositoryId/ownerId",
    { repositoryId: gh?.repositoryId, ownerId: gh?.ownerId },
    "set both ids (trust by immutable ids; gh api repos/OWNER/REPO --jq '.id, .owner.id' prints them) or neither (trust by owner/name)",
  );
  if (gh?.requiredCheck !== undefined) {
    c.check(gh.requiredCheck.trim() !== "", "project.github.requiredCheck", gh.requiredCheck, 'must name the CI job; use e.g. "test"');
  }
  const days = p.bootstrap?.noncurrentVersionExpirationDays;
  if (days !== undefined) {
    c.check(isInt(days, 1, 3650), "project.bootstrap.noncurrentVersionExpirationDays", days, "must be a whole number of days from 1 to 3650; use e.g. 90");
  }
}

function validateEnvironment(p: ProjectConfig, e: EnvironmentConfig, c: Collector): void {
  const at = (s: string) => `${e.name}.${s}`;
  const naming = new Naming(p);

  c.check(/^[a-z][a-z0-9]{1,9}$/.test(e.name), "environments[].name", e.name, 'must be 2-10 lowercase letters or digits, starting with a letter; use e.g. "stage"');
  c.check(
    !(RESERVED_ENVIRONMENT_NAMES as readonly string[]).includes(e.name),
    "environments[].name",
    e.name,
    `is reserved for a stack of its own (${RESERVED_ENVIRONMENT_NAMES.join(", ")}); pick another name`,
  );
  const prefix = naming.prefix(e.name);
  c.check(
    prefix.length <= 24,
    at("name"),
    e.name,
    `makes the resource prefix "${prefix}" ${prefix.length} characters long; load balancer names allow 32, so keep project and environment names within 24 together`,
  );
  c.check(e.tier === "production" || e.tier === "non-production", at("tier"), e.tier, 'must be "production" or "non-production"');

  // Network
  const n = e.network;
  const range = parseIpv4Cidr(n.vpcCidr);
  c.check(range !== undefined, at("network.vpcCidr"), n.vpcCidr, 'is not a valid IPv4 CIDR; use e.g. "10.10.0.0/16"');
  if (range) {
    c.check(range.aligned, at("network.vpcCidr"), n.vpcCidr, "has host bits set; use the network address, e.g. \"10.10.0.0/16\"");
    c.check(
      range.prefixLength >= 16 && range.prefixLength <= 22,
      at("network.vpcCidr"),
      n.vpcCidr,
      'must be a /16 to /22 (AWS allows /16 at most; subnets are carved 16 to a VPC); use e.g. "10.10.0.0/16"',
    );
  }
  c.check(isInt(n.azCount, 2, 4), at("network.azCount"), n.azCount, "must be 2, 3 or 4 (a load balancer and a multi-AZ database need two AZs)");
  c.check(n.natGateways === "single" || n.natGateways === "perAz", at("network.natGateways"), n.natGateways, 'must be "single" or "perAz"');
  c.check((LOG_RETENTION_DAYS as readonly number[]).includes(n.flowLogRetentionDays), at("network.flowLogRetentionDays"), n.flowLogRetentionDays, `must be one of CloudWatch's retention values (${LOG_RETENTION_DAYS.join(", ")})`);

  // Service
  const s = e.service;
  const memories = FARGATE_MEMORY[s.cpu];
  c.check(memories !== undefined, at("service.cpu"), s.cpu, "must be a Fargate CPU size: 256, 512, 1024, 2048 or 4096");
  if (memories) {
    c.check(memories.includes(s.memoryMiB), at("service.memoryMiB"), s.memoryMiB, `is not a Fargate memory size for ${s.cpu} CPU units; use one of ${memories.join(", ")}`);
  }
  c.check(isInt(s.minCount, 1, 100), at("service.minCount"), s.minCount, "must be a whole number from 1 to 100");
  c.check(isInt(s.maxCount, 1, 100) && s.maxCount >= s.minCount, at("service.maxCount"), s.maxCount, `must be a whole number from minCount (${s.minCount}) to 100`);
  c.check(
    isInt(s.desiredCount, 0, 100) && s.desiredCount >= s.minCount && s.desiredCount <= s.maxCount,
    at("service.desiredCount"),
    s.desiredCount,
    `must lie within the autoscaling bounds minCount..maxCount (${s.minCount}..${s.maxCount})`,
  );
  c.check(isInt(s.cpuTargetPercent, 10, 90), at("service.cpuTargetPercent"), s.cpuTargetPercent, "must be a whole percentage from 10 to 90; use e.g. 60");
  c.check((LOG_RETENTION_DAYS as readonly number[]).includes(s.logRetentionDays), at("service.logRetentionDays"), s.logRetentionDays, `must be one of CloudWatch's retention values (${LOG_RETENTION_DAYS.join(", ")})`);
  c.check(isInt(s.keepImages, 1, 1000), at("service.keepImages"), s.keepImages, "must be a whole number from 1 to 1000; use e.g. 20");

  // Load balancer
  const lb = e.loadBalancer;
  if (lb.https) {
    c.check(DOMAIN.test(lb.https.domainName), at("loadBalancer.https.domainName"), lb.https.domainName, 'is not a domain name; use e.g. "api.example.com"');
    const acm = new RegExp(`^arn:aws[a-z-]*:acm:${p.region}:\\d{12}:certificate/[0-9a-f-]{36}$`);
    c.check(acm.test(lb.https.certificateArn), at("loadBalancer.https.certificateArn"), lb.https.certificateArn, `must be an ACM certificate ARN in ${p.region} (the load balancer's region)`);
  } else {
    c.check(
      (lb.httpOnlyReason ?? "").trim().length >= 10,
      at("loadBalancer.httpOnlyReason"),
      lb.httpOnlyReason,
      "must say why this environment serves plain HTTP (no https domain is configured); or set loadBalancer.https",
    );
  }

  // Database
  const d = e.database;
  const major = /^(\d+)(\.\d+)?$/.exec(d.engineVersion);
  c.check(major !== null && Number(major[1]) >= 13, at("database.engineVersion"), d.engineVersion, 'must be a supported PostgreSQL version (13 or newer, "major" or "major.minor"); use e.g. "16.4"');
  c.check(/^db\.[a-z0-9]+\.[a-z0-9]+$/.test(d.instanceClass), at("database.instanceClass"), d.instanceClass, 'is not an RDS instance class; use e.g. "db.t4g.micro"');
  c.check(isInt(d.allocatedStorageGiB, 20, 65536), at("database.allocatedStorageGiB"), d.allocatedStorageGiB, "must be a whole number of GiB from 20 to 65536");
  c.check(
    isInt(d.maxAllocatedStorageGiB, 21, 65536) && d.maxAllocatedStorageGiB > d.allocatedStorageGiB,
    at("database.maxAllocatedStorageGiB"),
    d.maxAllocatedStorageGiB,
    `must be larger than allocatedStorageGiB (${d.allocatedStorageGiB}) for storage autoscaling; use e.g. ${d.allocatedStorageGiB * 5}`,
  );
  c.check(isInt(d.backupRetentionDays, 7, 35), at("database.backupRetentionDays"), d.backupRetentionDays, "must be a whole number of days from 7 to 35");
  c.check(/^[a-z][a-z0-9_]{0,62}$/.test(d.databaseName) && d.databaseName !== "postgres", at("database.databaseName"), d.databaseName, 'must be a lowercase identifier other than "postgres"; use e.g. "app"');

  // Site
  c.check(["PriceClass_100", "PriceClass_200", "PriceClass_All"].includes(e.site.priceClass), at("site.priceClass"), e.site.priceClass, 'must be "PriceClass_100", "PriceClass_200" or "PriceClass_All"');
  if (e.site.domain) {
    c.check(DOMAIN.test(e.site.domain.domainName), at("site.domain.domainName"), e.site.domain.domainName, 'is not a domain name; use e.g. "www.example.com"');
    c.check(
      /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]{36}$/.test(e.site.domain.certificateArn),
      at("site.domain.certificateArn"),
      e.site.domain.certificateArn,
      "must be an ACM certificate ARN in us-east-1 (CloudFront only uses certificates from us-east-1)",
    );
  }

  // GitHub
  for (const reviewer of e.github.requiredReviewers) {
    c.check(GITHUB_OWNER.test(reviewer), at("github.requiredReviewers"), reviewer, "is not a GitHub user name");
  }
  c.check(e.github.requiredReviewers.length <= 6, at("github.requiredReviewers"), e.github.requiredReviewers, "may list at most 6 reviewers (GitHub's limit)");

  // Production guardrails and their waivers
  const accepted = new Map((e.acceptedRisks ?? []).map((r) => [r.setting, r.reason]));
  for (const risk of e.acceptedRisks ?? []) {
    c.check(
      risk.setting in PRODUCTION_GUARDRAILS,
      at("acceptedRisks[].setting"),
      risk.setting,
      `is not a production guardrail; use one of ${Object.keys(PRODUCTION_GUARDRAILS).join(", ")}`,
    );
    c.check((risk.reason ?? "").trim().length >= 10, at(`acceptedRisks[${risk.setting}].reason`), risk.reason, "must say why the risk is accepted (10 characters or more)");
  }
  // The guardrails follow the tier; a name that says production may not quietly opt out of them.
  c.check(
    !PRODUCTION_NAMES.includes(e.name) || e.tier === "production",
    at("tier"),
    e.tier,
    `must be "production" for an environment named ${e.name} (its guardrails are waived one by one in acceptedRisks, with reasons), or rename the environment`,
  );
  if (e.tier === "production") {
    for (const [setting, rule] of Object.entries(PRODUCTION_GUARDRAILS)) {
      if (accepted.has(setting)) continue;
      const value = setting.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], e);
      c.check(rule.holds(e), at(setting), value, `${rule.fix}; or list "${setting}" in ${e.name}.acceptedRisks with a reason`);
    }
  }
}

/**
 * Checks the whole configuration before any stack is built and throws one ConfigError that lists
 * every bad setting with its value and the fix. Returns the config unchanged when it is valid.
 */
export function validate(config: PlatformConfig): PlatformConfig {
  const c = new Collector();
  validateProject(config.project, c);
  c.check(config.environments.length > 0, "environments", [], "must define at least one environment; add e.g. stage");
  const seen = new Set<string>();
  for (const e of config.environments) {
    c.check(!seen.has(e.name), "environments[].name", e.name, "is defined twice; environment names must be unique");
    seen.add(e.name);
    validateEnvironment(config.project, e, c);
  }
  const envs = config.environments;
  envs.forEach((a, i) => {
    for (const b of envs.slice(i + 1)) {
      const ra = parseIpv4Cidr(a.network.vpcCidr);
      const rb = parseIpv4Cidr(b.network.vpcCidr);
      if (ra && rb && rangesOverlap(ra, rb)) {
        c.check(false, `${b.name}.network.vpcCidr`, b.network.vpcCidr, `overlaps ${a.name}.network.vpcCidr "${a.network.vpcCidr}"; give each environment its own range (needed to peer or connect them later)`);
      }
    }
  });
  if (c.problems.length > 0) throw new ConfigError(c.problems);
  return config;
}
