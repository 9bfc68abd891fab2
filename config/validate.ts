import type { core } from "zod";
import { branchNameProblem, POSTGRES_RESERVED_NAMES, rdsInstanceClassProblem, s3BucketNameProblem } from "./aws";
import { parseIpv4Cidr, rangesOverlap } from "./cidr";
import { FARGATE_MEMORY } from "./fargate";
import { guardrail, nameSaysProduction, PRODUCTION_GUARDRAILS, PRODUCTION_NAME_WORDS } from "./guardrails";
import { environmentAccount, Naming } from "./naming";
import { PlatformSchema } from "./schema";
import type { EnvironmentConfig, PlatformConfig, ProjectConfig } from "./types";

export { LOG_RETENTION_DAYS } from "./aws";
export { PRODUCTION_GUARDRAILS } from "./guardrails";

/** One bad setting: where, what it was, and how to fix it. */
export interface ConfigProblem {
  readonly setting: string;
  readonly value: unknown;
  readonly fix: string;
}

/** One problem as a line: the setting, its value and the fix. */
export function formatProblem(p: ConfigProblem): string {
  const json = p.value === undefined ? "(missing)" : JSON.stringify(p.value);
  // A whole block as the value would drown the fix: show its start.
  const value = json.length > 60 ? `${json.slice(0, 57)}...` : json;
  return `${p.setting} ${value} ${p.fix}`;
}

/** Thrown by `validate()` with every problem found, so one run shows them all. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `Invalid platform configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${formatProblem(p)}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Names environments may not take: stack names and state keys in use, the bootstrap's Environment tag, the state bucket's infix. */
export const RESERVED_ENVIRONMENT_NAMES = ["bootstrap", "github", "shared", "tfstate"] as const;

class Collector {
  readonly problems: ConfigProblem[] = [];
  check(ok: boolean, setting: string, value: unknown, fix: string): void {
    if (!ok) this.problems.push({ setting, value, fix });
  }
}

// ---------------------------------------------------------------------------------------------
// The shape: the schema's issues as problems

const ENVIRONMENT_NAME = /^[a-z][a-z0-9]{1,9}$/;

/** The value at a path of the raw input (undefined where the path leaves it). */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (node, key) => (node !== null && typeof node === "object" ? (node as Record<PropertyKey, unknown>)[key] : undefined),
    input,
  );
}

/** `prod.database.multiAz` for a path into an environment with a usable name, else `environments[1].database.multiAz`. */
function settingName(path: readonly PropertyKey[], input: unknown): string {
  let head = "";
  let rest = path;
  if (path[0] === "environments" && typeof path[1] === "number") {
    const name = valueAt(input, ["environments", path[1], "name"]);
    head = typeof name === "string" && ENVIRONMENT_NAME.test(name) && path[2] !== "name" ? name : `environments[${path[1]}]`;
    rest = path.slice(2);
  }
  let out = head;
  for (const key of rest) out += typeof key === "number" ? `[${key}]` : `${out ? "." : ""}${String(key)}`;
  return out || "(the configuration)";
}

/** The closest of `candidates` to `word`, when it is close enough to be a likely typo. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
        previous = current;
      }
    }
    return row[b.length];
  };
  const best = [...candidates].sort((a, b) => distance(word, a) - distance(word, b))[0];
  return best !== undefined && distance(word, best) <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** The settings an object at `path` of the schema may hold. */
function knownKeys(path: readonly PropertyKey[]): string[] {
  let schema: core.$ZodType = PlatformSchema as unknown as core.$ZodType;
  const unwrap = (s: core.$ZodType): core.$ZodType => {
    const def = (s as unknown as { _zod: { def: { type: string; innerType?: core.$ZodType; element?: core.$ZodType } } })._zod.def;
    if ((def.type === "readonly" || def.type === "optional") && def.innerType) return unwrap(def.innerType);
    return s;
  };
  for (const key of path) {
    const def = (
      unwrap(schema) as unknown as { _zod: { def: { type: string; shape?: Record<string, core.$ZodType>; element?: core.$ZodType } } }
    )._zod.def;
    const next = typeof key === "number" ? def.element : def.shape?.[String(key)];
    if (!next) return [];
    schema = next;
  }
  const shape = (unwrap(schema) as unknown as { _zod: { def: { shape?: Record<string, unknown> } } })._zod.def.shape;
  return shape ? Object.keys(shape) : [];
}

function problemsOfShape(issues: readonly core.$ZodIssue[], input: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      const known = knownKeys(issue.path);
      for (const key of issue.keys) {
        const guess = closest(key, known);
        problems.push({
          setting: settingName([...issue.path, key], input),
          value: valueAt(input, [...issue.path, key]),
          fix: `is not a setting${guess ? `; did you mean "${guess}"?` : ""} Remove it or fix its name (settings here: ${known.join(", ")})`,
        });
      }
      continue;
    }
    const value = valueAt(input, issue.path);
    const setting = settingName(issue.path, input);
    if (value === undefined && issue.code === "invalid_type") {
      problems.push({ setting, value, fix: "must be set: add it (config/schema.ts documents every setting)" });
    } else if (issue.code === "invalid_type" && /^Invalid input/.test(issue.message)) {
      problems.push({
        setting,
        value,
        fix: `must be ${issue.expected === "object" ? "an object of settings" : `a ${issue.expected}`}, not ${Array.isArray(value) ? "a list" : `a ${typeof value}`}`,
      });
    } else {
      problems.push({ setting, value, fix: issue.message });
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// The rules: what the shape cannot say

/** `a.b.c.d/n` with no leading zeros (Terraform's cidrsubnet refuses "010"): the strict form AWS and Terraform take. */
const STRICT_CIDR = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\/(\d{1,2})$/;

/** Why an ACM certificate ARN does not fit, or undefined. */
function certificateProblem(arn: string, accountId: string, region: string, why: string): string | undefined {
  const match = /^arn:([a-z-]+):acm:([a-z0-9-]+):(\d{12}):certificate\/[0-9a-f-]{36}$/.exec(arn);
  if (!match) return `must be an ACM certificate ARN in ${region}; use e.g. "arn:aws:acm:${region}:${accountId}:certificate/<id>"`;
  const [, partition, arnRegion, account] = match;
  if (partition !== "aws") return `is in partition ${partition}; this platform deploys to the aws partition`;
  if (arnRegion !== region)
    return `must be an ACM certificate ARN in ${region} (${why} uses certificates from ${region} only), not ${arnRegion}`;
  if (account !== accountId)
    return `belongs to account ${account}; use a certificate of the environment's account ${accountId} (a load balancer or distribution cannot use another account's)`;
  return undefined;
}

function validateProject(p: ProjectConfig, c: Collector): void {
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
      "is listed twice: an account has one bootstrap (one state bucket, lock table, OIDC provider and plan role), so its environments share one entry; merge the two",
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
  const stateBucketProblem = s3BucketNameProblem(new Naming(p).stateBucket);
  c.check(
    stateBucketProblem === undefined,
    "project.name",
    p.name,
    `makes the state bucket name "${new Naming(p).stateBucket}", which ${stateBucketProblem}`,
  );
}

function validateEnvironment(p: ProjectConfig, e: EnvironmentConfig, c: Collector): void {
  const at = (s: string) => `${e.name}.${s}`;
  const naming = Naming.forEnvironment(p, e);
  const accountId = environmentAccount(p, e);

  if (e.accountId !== undefined && e.accountId !== p.accountId) {
    c.check(
      (p.accounts ?? []).some((a) => a.accountId === e.accountId),
      at("accountId"),
      e.accountId,
      `names an account with no bootstrap: add { accountId: "${e.accountId}" } to project.accounts (its bootstrap stack creates the account's state bucket, lock table and ${e.name}'s deploy role), or remove ${e.name}.accountId to deploy to the project's account`,
    );
  }

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
  for (const bucket of [naming.siteBucket(e.name), naming.albLogBucket(e.name)]) {
    const problem = s3BucketNameProblem(bucket);
    c.check(
      problem === undefined,
      at("name"),
      e.name,
      `makes the bucket name "${bucket}", which ${problem}; shorten the project or environment name`,
    );
  }

  // Tier: a name that says production gets the production guardrails unless it says why not.
  if (nameSaysProduction(e.name) && e.tier !== "production") {
    c.check(
      (e.nonProductionReason ?? "").trim().length >= 10,
      at("tier"),
      e.tier,
      `must be "production" for an environment named ${e.name} (the name contains ${PRODUCTION_NAME_WORDS.filter((w) => e.name.includes(w)).join(", ")}): ` +
        `its guardrails are waived one by one in acceptedRisks; or set ${e.name}.nonProductionReason to say why it is not production`,
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

  // Network
  const n = e.network;
  const range = STRICT_CIDR.test(n.vpcCidr) ? parseIpv4Cidr(n.vpcCidr) : undefined;
  c.check(range !== undefined, at("network.vpcCidr"), n.vpcCidr, 'is not a valid IPv4 CIDR; use e.g. "10.10.0.0/16"');
  if (range) {
    c.check(range.aligned, at("network.vpcCidr"), n.vpcCidr, 'has host bits set; use the network address, e.g. "10.10.0.0/16"');
    c.check(
      range.prefixLength >= 16 && range.prefixLength <= 22,
      at("network.vpcCidr"),
      n.vpcCidr,
      'must be a /16 to /22 (AWS allows /16 at most; subnets are carved 16 to a VPC); use e.g. "10.10.0.0/16"',
    );
  }

  // Service
  const s = e.service;
  const memories = FARGATE_MEMORY[s.cpu];
  if (memories) {
    c.check(
      memories.includes(s.memoryMiB),
      at("service.memoryMiB"),
      s.memoryMiB,
      `is not a Fargate memory size for ${s.cpu} CPU units; use one of ${memories.join(", ")}`,
    );
  }
  c.check(s.maxCount >= s.minCount, at("service.maxCount"), s.maxCount, `must be a whole number from minCount (${s.minCount}) to 100`);
  c.check(
    s.maxCount < s.minCount || (s.desiredCount >= s.minCount && s.desiredCount <= s.maxCount),
    at("service.desiredCount"),
    s.desiredCount,
    `must lie within the autoscaling bounds minCount..maxCount (${s.minCount}..${s.maxCount})`,
  );

  // Load balancer
  const lb = e.loadBalancer;
  if (lb.https) {
    const problem = certificateProblem(lb.https.certificateArn, accountId, p.region, "the load balancer");
    c.check(problem === undefined, at("loadBalancer.https.certificateArn"), lb.https.certificateArn, problem ?? "");
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
  const classProblem = rdsInstanceClassProblem(d.instanceClass);
  c.check(classProblem === undefined, at("database.instanceClass"), d.instanceClass, classProblem ?? "");
  c.check(
    d.maxAllocatedStorageGiB > d.allocatedStorageGiB,
    at("database.maxAllocatedStorageGiB"),
    d.maxAllocatedStorageGiB,
    `must be larger than allocatedStorageGiB (${d.allocatedStorageGiB}) for storage autoscaling; use e.g. ${d.allocatedStorageGiB * 5}`,
  );
  c.check(
    !POSTGRES_RESERVED_NAMES.has(d.databaseName),
    at("database.databaseName"),
    d.databaseName,
    'is a name PostgreSQL or RDS reserves; use e.g. "app"',
  );

  // Monitoring
  const free = e.monitoring.thresholds?.databaseFreeStorageGiB;
  if (free !== undefined) {
    c.check(
      free < d.allocatedStorageGiB,
      at("monitoring.thresholds.databaseFreeStorageGiB"),
      free,
      `must be below database.allocatedStorageGiB (${d.allocatedStorageGiB}), or the alarm fires on an empty database; use e.g. ${Math.max(1, Math.floor(d.allocatedStorageGiB / 4))}`,
    );
  }
  const seenSubscribers = new Set<string>();
  e.monitoring.subscribers.forEach((s, i) => {
    c.check(
      !seenSubscribers.has(s.toLowerCase()),
      at(`monitoring.subscribers[${i}]`),
      s,
      "is listed twice; keep one entry (AWS keeps one subscription per address)",
    );
    seenSubscribers.add(s.toLowerCase());
  });

  // Site
  if (e.site.domain) {
    const problem = certificateProblem(e.site.domain.certificateArn, accountId, "us-east-1", "CloudFront");
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
        !rule.holds(e, p),
        where,
        risk.setting,
        "is met, so there is no risk to accept; remove the accepted risk (a later change that breaks the guardrail must be reviewed anew)",
      );
    }
  }
  if (e.tier === "production") {
    for (const rule of PRODUCTION_GUARDRAILS) {
      if (waived.has(rule.setting) || rule.holds(e, p)) continue;
      const setting = rule.setting.startsWith("project.") ? rule.setting : at(rule.setting);
      c.check(false, setting, rule.value(e, p), `${rule.requirement}; or list "${rule.setting}" in ${e.name}.acceptedRisks with a reason`);
    }
  }
}

function validateAcrossEnvironments(config: PlatformConfig, c: Collector): void {
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
      const ra = STRICT_CIDR.test(a.network.vpcCidr) ? parseIpv4Cidr(a.network.vpcCidr) : undefined;
      const rb = STRICT_CIDR.test(b.network.vpcCidr) ? parseIpv4Cidr(b.network.vpcCidr) : undefined;
      if (ra && rb && rangesOverlap(ra, rb)) {
        c.check(
          false,
          `${b.name}.network.vpcCidr`,
          b.network.vpcCidr,
          `overlaps ${a.name}.network.vpcCidr "${a.network.vpcCidr}"; give each environment its own range (needed to peer or connect them later)`,
        );
      }
    }
    // One name, one distribution or load balancer: a domain used twice would serve one environment's traffic from another.
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

/**
 * Checks the whole configuration before any stack is built: first its shape against the schema
 * (types, ranges, unknown keys), then the rules that relate settings. Throws one ConfigError that
 * lists every bad setting with its value and the fix; returns the config when it is valid.
 */
export function validate(input: unknown): PlatformConfig {
  const parsed = PlatformSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(problemsOfShape(parsed.error.issues, input));
  const config = input as PlatformConfig;
  const c = new Collector();
  validateProject(config.project, c);
  for (const e of config.environments) validateEnvironment(config.project, e, c);
  validateAcrossEnvironments(config, c);
  if (c.problems.length > 0) throw new ConfigError(c.problems);
  return config;
}
