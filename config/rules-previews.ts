/**
 * The rules of the `previews` section (config/schema-previews.ts) that need the environments and the
 * project: the host exists and is not production, no environment takes the previews' name, a domain
 * needs the host's HTTPS listener and a certificate it can use, the host's database can confine the
 * previews' admin login, and every name previews make is one AWS accepts.
 */
import { certificateProblem } from "./aws";
import { nameProblem, nameRule } from "./aws-names";
import { environmentAccount, Naming } from "./naming";
import { LONGEST_PREVIEW_NUMBER, previewBootstrapResourceNames, previewHostResourceNames, previewResourceNames } from "./preview-names";
import type { Collector } from "./problems";
import type { PlatformConfig } from "./types";

/** The environment name previews' names start with (`<project>-pr-<n>`): no environment may take it. */
export const PREVIEWS_RESERVED_NAME = "pr";

/**
 * PostgreSQL 16 is the first where a CREATEROLE login manages only the roles it created; before, it
 * could grant itself any non-superuser role, the host's master login's included.
 */
export const PREVIEWS_MIN_POSTGRES = 16;

/** The previews' rules, when the config has a `previews` section. */
export function validatePreviews(config: PlatformConfig, c: Collector): void {
  const previews = config.previews;
  if (!previews) return;
  const { project, environments } = config;
  for (const e of environments) {
    c.check(
      e.name !== PREVIEWS_RESERVED_NAME,
      "environments[].name",
      e.name,
      `is the prefix of every preview's names (${project.name}-pr-<n>); pick another name, or remove previews`,
    );
  }
  const host = environments.find((e) => e.name === previews.host);
  if (!host) {
    c.check(false, "previews.host", previews.host, `names no environment; use one of ${environments.map((e) => e.name).join(", ")}`);
    return;
  }
  c.check(
    host.tier !== "production",
    "previews.host",
    previews.host,
    "is a production environment: a pull request's code would run in its account, VPC and database server; " +
      "host previews in a non-production environment such as stage",
  );
  const major = Number(host.database.engineVersion.split(".")[0]);
  c.check(
    major >= PREVIEWS_MIN_POSTGRES,
    "previews.host",
    previews.host,
    `has PostgreSQL ${host.database.engineVersion}; the previews' admin login needs ${PREVIEWS_MIN_POSTGRES} or later ` +
      `(before, CREATEROLE reaches every role); raise ${host.name}.database.engineVersion or remove previews`,
  );
  if (previews.domain) {
    c.check(
      host.loadBalancer.https !== undefined,
      "previews.domain",
      previews.domain.name,
      `needs ${host.name}.loadBalancer.https (the previews' host-header rules are on its HTTPS listener); ` +
        "set it, or remove previews.domain to reach previews by path",
    );
    const problem = certificateProblem(
      previews.domain.certificateArn,
      project.region,
      "the load balancer",
      environmentAccount(project, host),
    );
    c.check(problem === undefined, "previews.domain.certificateArn", previews.domain.certificateArn, problem ?? "");
  }
  const hostPrefix = Naming.forEnvironment(project, host).prefix(host.name);
  const names = [
    ...previewResourceNames(project.name, LONGEST_PREVIEW_NUMBER),
    ...previewHostResourceNames(hostPrefix),
    ...previewBootstrapResourceNames(project.name),
  ];
  for (const { resource, attribute, name } of names) {
    const rule = nameRule(resource, attribute);
    const problem = rule && nameProblem(rule, name);
    // A name the environments' check already refused for the project's name is said once.
    if (rule && problem && !c.problems.some((x) => x.setting === "project.name")) {
      c.check(
        false,
        "project.name",
        project.name,
        `makes the ${rule.what} "${name}" for previews, which ${problem}; pick another project name`,
      );
      break;
    }
  }
}
