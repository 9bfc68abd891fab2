import { Testing } from "cdktf";
import { buildPlatform } from "../app";
import type { PlatformConfig } from "../config/types";
import { ConfigError, validate } from "../config/validate";
import { stackToHcl } from "../lib/hcl";
import { buildSample, sampleConfig, synthToDisk } from "./support/sample";
import { describeIfAvailable, terraform, terraformMissing } from "./support/terraform";

/**
 * Class 1 of issue 21: free text never becomes Terraform. Terraform reads every string of the JSON
 * as a template, so a `${...}` or `%{...}` the user typed would run at plan time (`file()` reads the
 * CI runner's disk). Every configuration string that reaches the JSON must arrive as the literal
 * text (escaped once, in app.ts), or be refused by the configuration check.
 */

const READ_FILE = '${file("/etc/passwd")}';
const DIRECTIVE = "%{if true}x%{endif}";
const HOSTILE = [READ_FILE, DIRECTIVE];

type Json = Record<string, any>;

/** Every string setting of `value`, as paths, inside lists too. */
function stringPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === "string") return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, [...path, i]));
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => stringPaths(v, [...path, k]));
  return [];
}

function setAt(root: Json, path: (string | number)[], value: unknown): void {
  const parent = path.slice(0, -1).reduce<Json>((node, key) => node[key], root);
  parent[path[path.length - 1]] = value;
}

function getAt(root: Json, path: (string | number)[]): unknown {
  return path.reduce<any>((node, key) => node?.[key], root);
}

/** The sample with every optional free-text setting present, so each is tried too. */
function configWithFreeText(): Json {
  const config = sampleConfig() as Json;
  const [stage, prod] = config.environments;
  config.project.github.requiredCheck = "test";
  stage.nonProductionReason = "a test environment, not production";
  stage.migration = { command: ["sh", "-c", "npm run migrate"] };
  stage.monitoring.subscribers = ["ops@example.com", "https://hooks.example.com/alarms"];
  prod.loadBalancer.httpOnlyReason = "the example configuration owns no domain";
  return config;
}

/** The template parts (interpolations and directives) Terraform would evaluate in `text`. */
function templateParts(text: string): string[] {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith("$${", i) || text.startsWith("%%{", i)) i += 2;
    else if (text.startsWith("${", i) || text.startsWith("%{", i)) parts.push(text.slice(i, text.indexOf("}", i) + 1));
  }
  return parts;
}

/** Every string of a synthesized stack outside cdktf's `"//"` comments, which Terraform does not read. */
function stringsOf(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => (k === "//" ? [] : stringsOf(v)));
  }
  return [];
}

const base = configWithFreeText();
const paths = stringPaths(base);
/** Each string setting with each hostile text appended: whether the configuration check accepts it. */
const tried = paths.flatMap((path) =>
  HOSTILE.map((text) => {
    const config = structuredClone(base);
    setAt(config, path, `${getAt(config, path)}${text}`);
    try {
      validate(config);
      return { path, text, accepted: true as const };
    } catch (error) {
      return { path, text, accepted: false as const, error };
    }
  }),
);
/** Every accepted hostile text at once: one synth shows where each lands. */
const hostile = structuredClone(base);
for (const { path, text, accepted } of tried) {
  if (accepted) setAt(hostile, path, `${getAt(hostile, path)}${text}`);
}

describe("configuration text reaches Terraform as the literal text", () => {
  it("tries every string setting of the configuration, the optional free-text ones included", () => {
    const settings = paths.map((p) => p.join("."));
    expect(settings).toEqual(
      expect.arrayContaining([
        "project.github.requiredCheck",
        "environments.0.nonProductionReason",
        "environments.0.migration.command.2",
        "environments.0.monitoring.subscribers.1",
        "environments.1.acceptedRisks.0.reason",
      ]),
    );
  });

  it("refuses a hostile text with a ConfigError, or accepts it", () => {
    for (const t of tried) {
      if (!t.accepted) expect(t.error).toBeInstanceOf(ConfigError);
    }
  });

  it("accepts template characters where they are plain text (a shell argument, a reason)", () => {
    const accepted = tried.filter((t) => t.accepted).map((t) => t.path.join("."));
    expect(accepted).toEqual(expect.arrayContaining(["environments.0.migration.command.2", "environments.1.acceptedRisks.0.reason"]));
  });

  it("refuses them in a subscriber address, where a literal makes no sense", () => {
    const subscribers = tried.filter((t) => t.path.join(".").includes("subscribers"));
    expect(subscribers.length).toBeGreaterThan(0);
    for (const t of subscribers) expect(t.accepted).toBe(false);
  });

  it("writes every accepted text into the JSON escaped, so Terraform evaluates none of it", () => {
    const platform = buildSample(hostile as PlatformConfig);
    const stacks = [...Object.values(platform.bootstraps), platform.github, ...Object.values(platform.environments)];
    const evaluated = stacks.flatMap((stack) =>
      stringsOf(JSON.parse(Testing.synth(stack))).flatMap((s) =>
        templateParts(s).filter((part) => part.includes("/etc/passwd") || part.startsWith("%{")),
      ),
    );
    expect(evaluated).toEqual([]);
    const stage = JSON.parse(Testing.synth(platform.environments.stage));
    const containers = Object.values<any>(stage.resource.aws_ecs_task_definition).map((t) => JSON.parse(t.container_definitions)[0]);
    const escaped = (text: string) => text.replace(/[$%]\{/g, (start) => `${start[0]}${start}`);
    expect(containers.map((c) => c.command).filter(Boolean)).toContainEqual(
      ["sh", "-c", "npm run migrate"].map((arg) => escaped(`${arg}${READ_FILE}${DIRECTIVE}`)),
    );
  });
});

describe("the HCL form (cdktf synth --hcl)", () => {
  it("keeps the literal escapes as they are: HCL reads $${ and %%{ as the JSON does", () => {
    const app = Testing.app();
    const platform = buildPlatform(app, hostile as PlatformConfig);
    app.synth();
    const hcl = stackToHcl(platform.environments.stage);
    expect(hcl).toContain("npm run migrate$${file(");
    expect(hcl).toContain("%%{if true}x%%{endif}");
    expect(hcl).not.toMatch(/\$\$\$\{|%%%\{/);
  });
});

describeIfAvailable("terraform validate of a stack holding template characters from the configuration", terraformMissing(), () => {
  it("validates stage with the hostile texts (a template left unescaped fails or reads a file)", () => {
    const outdir = synthToDisk(hostile as PlatformConfig);
    const dir = `${outdir}/stacks/stage`;
    expect(terraform(dir, ["init", "-backend=false", "-input=false"]).status).toBe(0);
    const result = JSON.parse(terraform(dir, ["validate", "-json"]).stdout);
    expect(result.diagnostics).toEqual([]);
    expect(result.valid).toBe(true);
  });
});
