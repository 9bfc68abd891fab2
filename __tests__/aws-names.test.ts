import { fc } from "@fast-check/jest";
import { Testing } from "cdktf";
import { NAME_RULES, nameProblem, nameRule } from "../config/aws-names";
import { Naming, platformAccounts } from "../config/naming";
import {
  LONGEST_PREVIEW_NUMBER,
  previewBootstrapResourceNames,
  previewHostResourceNames,
  previewResourceNames,
} from "../config/preview-names";
import type { PlatformConfig } from "../config/types";
import { ConfigError, validate } from "../config/validate";
import { buildSample, sampleConfig, workloadsConfig } from "./support/sample";

/**
 * Issue 21, class 2: every name the stacks derive from the project and environment names obeys
 * AWS's rules for its resource type (config/aws-names.ts), and the configuration check refuses a
 * project or environment name that would make one AWS refuses, naming the setting.
 */

/** Attributes that hold a resource's name in the AWS provider. */
const NAME_ATTRIBUTES = ["name", "name_prefix", "bucket", "identifier", "identifier_prefix", "family", "alarm_name", "bucket_prefix"];
const ATTRIBUTES_THAT_ARE_NOT_NAMES = new Set(["aws_db_parameter_group.family"]);

interface Found {
  readonly stack: string;
  readonly resource: string;
  readonly attribute: string;
  readonly name: string;
}

/** Every literal name (no reference) of every AWS resource in every stack of `config`. */
function synthesizedNames(config: PlatformConfig): Found[] {
  // With a preview of the longest pull request number, where the config has previews (issue 23).
  const platform = buildSample(config, { previews: config.previews ? [LONGEST_PREVIEW_NUMBER] : [] });
  const stacks = [...Object.values(platform.bootstraps), ...Object.values(platform.environments), ...Object.values(platform.previews)];
  return stacks.flatMap((stack) => {
    const tf = JSON.parse(Testing.synth(stack));
    return Object.entries<Record<string, Record<string, unknown>>>(tf.resource ?? {}).flatMap(([resource, byId]) =>
      Object.values(byId).flatMap((r) =>
        NAME_ATTRIBUTES.flatMap((attribute) => {
          const name = r[attribute];
          if (typeof name !== "string" || name.includes("${") || ATTRIBUTES_THAT_ARE_NOT_NAMES.has(`${resource}.${attribute}`)) return [];
          return resource.startsWith("aws_") ? [{ stack: stack.node.id, resource, attribute, name }] : [];
        }),
      ),
    );
  });
}

/** The names Naming lists for the whole platform (what the configuration check holds to the rules). */
function listedNames(config: PlatformConfig): Set<string> {
  const out = new Set<string>();
  for (const account of platformAccounts(config)) {
    const naming = new Naming(config.project, account.accountId);
    for (const n of naming.projectResourceNames) out.add(`${n.resource}.${n.attribute} ${n.name}`);
    for (const e of config.environments.filter((env) => account.environments.includes(env.name))) {
      for (const n of naming.environmentResourceNames(e)) out.add(`${n.resource}.${n.attribute} ${n.name}`);
      if (config.previews?.host !== e.name) continue;
      const previews = [
        ...previewHostResourceNames(naming.prefix(e.name)),
        ...previewResourceNames(config.project.name, LONGEST_PREVIEW_NUMBER),
        // The host account's bootstrap: the previews' repository, the preview role, its workload roles and their boundary.
        ...previewBootstrapResourceNames(config.project.name),
      ];
      for (const n of previews) out.add(`${n.resource}.${n.attribute} ${n.name}`);
    }
  }
  return out;
}

/** Names that break their rule, as readable lines (empty when all obey). */
function broken(found: readonly Found[]): string[] {
  return found.flatMap(({ stack, resource, attribute, name }) => {
    const rule = nameRule(resource, attribute);
    if (!rule) return [`${stack}: ${resource}.${attribute} "${name}" has no rule in config/aws-names.ts`];
    const problem = nameProblem(rule, name);
    return problem ? [`${stack}: ${resource}.${attribute} "${name}" ${problem}`] : [];
  });
}

describe("the names in the synthesized stacks", () => {
  // With the workloads beside the API (a worker, a job), so their names are held to AWS's rules too.
  const config = workloadsConfig();
  const found = synthesizedNames(config);

  it("finds names of every kind the table lists", () => {
    const kinds = new Set(found.map((f) => `${f.resource}.${f.attribute}`));
    expect(NAME_RULES.map((r) => `${r.resource}.${r.attribute}`).filter((k) => !kinds.has(k))).toEqual([]);
  });

  it("each obey AWS's rule for their resource type (and every named type has one)", () => {
    expect(broken(found)).toEqual([]);
  });

  it("are each listed by Naming when the project's name is in them, so the configuration check sees them", () => {
    const listed = listedNames(config);
    const missing = found
      .filter((f) => f.name.includes(config.project.name))
      .map((f) => `${f.resource}.${f.attribute} ${f.name}`)
      .filter((key) => !listed.has(key));
    expect(missing).toEqual([]);
  });
});

describe("the naming rules, one compliant and one refused name each", () => {
  it.each<[string, string, string, string, RegExp]>([
    ["aws_lb", "name", "acme-stage-api", "internal-stage-api", /starts with "internal-"/],
    ["aws_lb", "name", "a".repeat(32), "a".repeat(33), /33 characters long; a load balancer name allows 1 to 32/],
    ["aws_lb", "name", "acme-api", "acme-api-", /takes letters, digits and hyphens, not starting or ending/],
    ["aws_lb_target_group", "name", "a".repeat(32), "a".repeat(33), /allows 1 to 32/],
    ["aws_security_group", "name", "acme-stage-db", "sg-stage-db", /starts with "sg-"/],
    ["aws_s3_bucket", "bucket", "acme-stage-site", "acme-stage-site-s3alias", /ends with "-s3alias"/],
    ["aws_s3_bucket", "bucket", "acme-site", "Acme-site", /lowercase/],
    ["aws_db_instance", "identifier", "acme-stage-db", "acme--db", /"--"/],
    ["aws_db_instance", "identifier", "acme-db", "1acme-db", /starting with a letter/],
    ["aws_db_parameter_group", "name_prefix", `${"a".repeat(229)}`, `${"a".repeat(230)}`, /26 characters AWS appends/],
    ["aws_db_subnet_group", "name", "acme-db", "default", /AWS reserves/],
    ["aws_iam_role", "name", "a".repeat(64), "a".repeat(65), /an IAM role name allows 1 to 64/],
    ["aws_kms_alias", "name", "alias/acme-tfstate", "alias/aws/acme", /starts with "alias\/aws\/"/],
    ["aws_sns_topic", "name", "acme-alarms", "acme.alarms.fifo", /takes letters, digits/],
    ["aws_cloudwatch_log_group", "name", "/ecs/acme/api", "aws/acme", /starts with "aws\/"/],
    ["aws_ecr_repository", "name", "acme-stage-api", "acme--api", /separated by single/],
    ["aws_cloudfront_origin_access_control", "name", "a".repeat(64), "a".repeat(65), /allows 1 to 64/],
  ])("%s.%s: accepts %j, refuses %j", (resource, attribute, good, bad, why) => {
    const rule = nameRule(resource, attribute)!;
    expect(nameProblem(rule, good)).toBeUndefined();
    expect(nameProblem(rule, bad)).toMatch(why);
  });
});

describe("the configuration check refuses names that make a name AWS refuses", () => {
  const problems = (change: (c: any) => void) => {
    const config = sampleConfig() as any;
    change(config);
    try {
      validate(config);
      return [];
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return error.problems.map((p) => `${p.setting} ${p.fix}`);
    }
  };

  it.each<[string, (c: any) => void, RegExp]>([
    [
      "a project named internal (load balancer names)",
      (c) => void (c.project.name = "internal"),
      /^project\.name makes the load balancer name "internal-stage-api", which starts with "internal-"/,
    ],
    [
      "a project named sg-team (security group names)",
      (c) => void (c.project.name = "sg-team"),
      /^project\.name makes the security group name "sg-team-stage-db", which starts with "sg-"/,
    ],
    [
      "a prefix too long for the load balancer and target group",
      (c) => {
        c.project.name = "acme-platform-team-x";
        c.environments[0].name = "stagingabc";
        c.previews.host = "stagingabc";
      },
      /^stagingabc\.name makes the load balancer name "acme-platform-team-x-stagingabc-api", which is 35 characters long; .*; shorten/,
    ],
  ])("%s", (_what, change, expected) => {
    expect(problems(change)).toEqual([expect.stringMatching(expected)]);
  });

  it("accepts the longest prefix whose names AWS accepts: 28 characters (a load balancer name is <prefix>-api, 32 at most)", () => {
    expect(
      problems((c) => {
        c.project.name = "acme-platform-team";
        c.environments[0].name = "stagingab";
        c.previews.host = "stagingab";
      }),
    ).toEqual([]);
  });
});

describe("generated project and environment names (property)", () => {
  const projectName = fc.stringMatching(/^[a-z][a-z0-9-]{1,18}[a-z0-9]$/).filter((n) => !n.includes("--"));
  const envName = fc.stringMatching(/^[a-z][a-z0-9]{1,9}$/);

  it("either validate, and then every synthesized name obeys AWS's rules, or are refused naming the name setting", () => {
    fc.assert(
      fc.property(projectName, envName, (project, env) => {
        const config = sampleConfig() as any;
        config.project.name = project;
        config.environments[0].name = env;
        config.previews.host = env;
        let accepted = true;
        try {
          validate(config);
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          accepted = false;
          for (const p of error.problems)
            expect(p.setting).toMatch(/^(project\.name|environments\[\d\]\.name|environments\[\]\.name|\w+\.(name|tier))$/);
        }
        if (accepted) expect(broken(synthesizedNames(config))).toEqual([]);
      }),
      { numRuns: 6, seed: 21 },
    );
  });
});
