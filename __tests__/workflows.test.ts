import { Testing } from "cdktf";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml, parseDocument } from "yaml";
import { ENVIRONMENT_VARIABLES, REPOSITORY_VARIABLES } from "../bootstrap/github-variables";
import { buildSample, sampleConfig } from "./support/platform";
import { parse, resources } from "./support/synth";
import { TERRAFORM_VERSION } from "../lib/terraform-version";

/**
 * The GitHub Actions workflows, read as data (parsed YAML), checked against what the stacks create:
 * the environments the deploy roles trust, the variables the GitHub stack sets, and the rules every
 * job follows (short-lived role credentials only, pinned actions, one deploy per environment).
 */

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}
interface Job {
  name?: string;
  "runs-on"?: string;
  environment?: string | { name: string; url?: string };
  permissions?: Record<string, string>;
  concurrency?: string | { group: string; "cancel-in-progress"?: boolean };
  strategy?: { matrix?: Record<string, unknown> };
  needs?: string | string[];
  env?: Record<string, unknown>;
  steps?: Step[];
  uses?: string;
}
interface Workflow {
  name: string;
  on: Record<string, any>;
  permissions?: Record<string, string>;
  concurrency?: Job["concurrency"];
  env?: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const WORKFLOW_DIR = join(__dirname, "..", ".github", "workflows");
/** Node is package.json's engine; Terraform is lib/terraform-version.ts. */
const NODE_MAJOR = /(\d+)/.exec(JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")).engines.node)![1];

const files = readdirSync(WORKFLOW_DIR).filter((f) => /\.ya?ml$/.test(f));
const sources = Object.fromEntries(files.map((f) => [f, readFileSync(join(WORKFLOW_DIR, f), "utf8")]));
const workflows: Record<string, Workflow> = Object.fromEntries(files.map((f) => [f, parseYaml(sources[f]) as Workflow]));
const jobs = Object.entries(workflows).flatMap(([file, wf]) => Object.entries(wf.jobs).map(([id, job]) => ({ file, id, job, wf })));
const at = (j: { file: string; id: string }) => `${j.file} job ${j.id}`;

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
const runLines = (job: Job): string[] =>
  (job.steps ?? []).flatMap((s) => (s.run ?? "").split("\n").map((l) => l.trim()));
const concurrencyOf = (job: Job, wf: Workflow) => {
  const c = job.concurrency ?? wf.concurrency;
  return typeof c === "string" ? { group: c, "cancel-in-progress": false } : c;
};

/** A `uses:` that names one immutable version: a local action, a full vX.Y.Z tag or a commit SHA. */
function isPinned(uses: string): boolean {
  if (uses.startsWith("./")) return true;
  if (uses.startsWith("docker://")) return /@sha256:[0-9a-f]{64}$/.test(uses);
  return /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})$/.test(uses);
}

// What the stacks create, from their synthesized Terraform.
const config = sampleConfig();
const platform = buildSample(config);
const bootstrap = parse(Testing.synth(platform.bootstrap));
const github = parse(Testing.synth(platform.github));
const subjects = Object.values(resources(bootstrap, "aws_iam_role")).map(
  (r) => JSON.parse(r.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] as string,
);
const trustedEnvironments = subjects.map((s) => /:environment:(.+)$/.exec(s)?.[1]).filter((e): e is string => e !== undefined);
const environmentVariableNames = new Set(Object.values(resources(github, "github_actions_environment_variable")).map((v) => v.variable_name as string));
const repositoryVariableNames = new Set(Object.values(resources(github, "github_actions_variable")).map((v) => v.variable_name as string));
const envNames = config.environments.map((e) => e.name);
const defaultBranch = config.project.github.defaultBranch ?? "main";
const requiredCheck = config.project.github.requiredCheck ?? "test";

const PR = "pull-request.yml";
const STAGE = "deploy-stage.yml";
const PROD = "deploy-prod.yml";

describe("workflow files", () => {
  it("are the pull-request, deploy-stage and deploy-prod workflows, each valid YAML", () => {
    expect(files.sort()).toEqual([STAGE, PROD, PR].sort());
    for (const f of files) {
      const doc = parseDocument(sources[f]);
      expect(doc.errors).toEqual([]);
      expect(doc.warnings).toEqual([]);
    }
  });

  it("run on a pull request, a push to the default branch, and by hand", () => {
    expect(Object.keys(workflows[PR].on)).toEqual(["pull_request"]);
    expect(workflows[STAGE].on).toEqual({ push: { branches: [defaultBranch] } });
    expect(Object.keys(workflows[PROD].on)).toEqual(["workflow_dispatch"]);
    expect(workflows[PROD].on.workflow_dispatch.inputs.image_tag).toMatchObject({ required: false, type: "string" });
  });
});

describe("environments and roles", () => {
  it("the deploy jobs' environments are exactly those the deploy roles' OIDC subjects name", () => {
    const used = jobs.map((j) => envName(j.job)).filter((e): e is string => e !== undefined);
    expect(trustedEnvironments.sort()).toEqual([...envNames].sort());
    expect([...used].sort()).toEqual(trustedEnvironments.sort());
    expect(envName(workflows[STAGE].jobs.deploy)).toBe("stage");
    expect(envName(workflows[PROD].jobs.deploy)).toBe("prod");
  });

  it("a job in an environment assumes that environment's deploy role from its environment variable", () => {
    for (const j of jobs.filter((j) => envName(j.job))) {
      const [assume] = stepsUsing(j.job, "aws-actions/configure-aws-credentials");
      expect(assume?.with?.["role-to-assume"]).toBe(`\${{ vars.${ENVIRONMENT_VARIABLES.deployRoleArn} }}`);
    }
  });

  it("a job without an environment assumes only the plan role, and only on pull_request (the plan role's subject)", () => {
    expect(subjects).toContain(`repo:${config.project.github.owner}/${config.project.github.repo}:pull_request`);
    const planners = jobs.filter((j) => !envName(j.job) && assumesRole(j.job));
    expect(planners.map(at)).toEqual([`${PR} job plan`]);
    for (const j of planners) {
      expect(Object.keys(j.wf.on)).toEqual(["pull_request"]);
      for (const s of stepsUsing(j.job, "aws-actions/configure-aws-credentials")) {
        expect(s.with?.["role-to-assume"]).toBe(`\${{ vars.${REPOSITORY_VARIABLES.planRoleArn} }}`);
      }
    }
  });

  it("plans every configured environment", () => {
    expect(workflows[PR].jobs.plan.strategy?.matrix?.environment).toEqual(envNames);
  });
});

describe("variables", () => {
  const used = new Set(Object.values(workflows).flatMap((wf) => contextNames(wf, "vars")));

  it("the GitHub stack creates exactly the variables the names module lists", () => {
    expect([...environmentVariableNames].sort()).toEqual(Object.values(ENVIRONMENT_VARIABLES).sort());
    expect([...repositoryVariableNames].sort()).toEqual(Object.values(REPOSITORY_VARIABLES).sort());
  });

  it("the workflows read exactly the variables the GitHub stack creates", () => {
    expect([...used].sort()).toEqual([...new Set([...environmentVariableNames, ...repositoryVariableNames])].sort());
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
    for (const j of jobs) expect(j.job.permissions).toBeDefined();
  });

  it("give every job contents: read, and write only id-token", () => {
    const allowed: Record<string, string[]> = { contents: ["read"], "id-token": ["write"], actions: ["read"] };
    for (const j of jobs) {
      expect(j.job.permissions!.contents).toBe("read");
      for (const [scope, level] of Object.entries(j.job.permissions!)) {
        expect({ job: at(j), scope, allowed: allowed[scope]?.includes(level) ?? false }).toEqual({ job: at(j), scope, allowed: true });
      }
    }
  });

  it("never assume a role without id-token: write, and ask for id-token only where a role is assumed", () => {
    const assuming = jobs.filter((j) => assumesRole(j.job)).map(at);
    const withToken = jobs.filter((j) => j.job.permissions?.["id-token"] === "write").map(at);
    expect(assuming.length).toBeGreaterThan(0);
    expect(withToken).toEqual(assuming);
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

  it("accepts full version tags and commit SHAs, rejects floating refs", () => {
    expect(isPinned("actions/checkout@v4.2.2")).toBe(true);
    expect(isPinned("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683")).toBe(true);
    expect(isPinned("actions/checkout@v4")).toBe(false);
    expect(isPinned("actions/checkout@v4.2")).toBe(false);
    expect(isPinned("actions/checkout@main")).toBe(false);
    expect(isPinned("actions/checkout")).toBe(false);
  });

  it("every uses: names one version", () => {
    expect(uses.length).toBeGreaterThan(10);
    expect(uses.filter((u) => !isPinned(u))).toEqual([]);
  });

  it("one action, one version, across the workflows", () => {
    const versions = new Map<string, Set<string>>();
    for (const u of uses) versions.set(action(u)!, (versions.get(action(u)!) ?? new Set()).add(u));
    for (const [name, v] of versions) expect({ name, versions: [...v] }).toEqual({ name, versions: [[...v][0]] });
  });
});

describe("concurrency", () => {
  const deploys = jobs.filter((j) => envName(j.job));

  it("puts every deploy in its environment's group, queued rather than cancelled", () => {
    for (const j of deploys) {
      const c = concurrencyOf(j.job, j.wf);
      expect(c?.group).toBe(`deploy-${envName(j.job)}`);
      expect(c?.["cancel-in-progress"]).toBe(false);
    }
  });

  it("one group per environment, the same for every run", () => {
    const groups = deploys.map((j) => concurrencyOf(j.job, j.wf)!.group);
    expect(new Set(groups).size).toBe(deploys.length);
    for (const g of groups) expect(expressions(g)).toEqual([]);
  });
});

describe("tool versions", () => {
  it("set up Terraform 1.11.4 without the stdout wrapper wherever terraform or cdktf runs", () => {
    for (const j of jobs) {
      const runsTerraform = runLines(j.job).some((l) => /\b(terraform|cdktf)\b/.test(l));
      const setups = stepsUsing(j.job, "hashicorp/setup-terraform");
      if (runsTerraform) expect({ job: at(j), setups: setups.length }).toEqual({ job: at(j), setups: 1 });
      for (const s of setups) expect(s.with).toMatchObject({ terraform_version: TERRAFORM_VERSION, terraform_wrapper: false });
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

  it("plans the uploaded Terraform without taking the lock, and writes the plan to the job summary", () => {
    const plan = pr.jobs.plan;
    expect(plan.needs).toBe("synth");
    expect(stepsUsing(plan, "actions/download-artifact")).toHaveLength(1);
    const lines = runLines(plan);
    expect(lines.some((l) => /terraform .*\bplan\b.*-lock=false/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes('>> "$GITHUB_STEP_SUMMARY"'))).toBe(true);
  });
});

describe("deploy workflows", () => {
  const stage = workflows[STAGE].jobs.deploy;
  const prod = workflows[PROD].jobs.deploy;

  it("deploy their environment with the image tagged by commit SHA", () => {
    for (const [job, env] of [
      [stage, "stage"],
      [prod, "prod"],
    ] as const) {
      expect(job.env?.ENVIRONMENT).toBe(env);
      expect(job.env?.STACK_DIR).toBe(`cdktf.out/stacks/${env}`);
      expect(runLines(job)).toContain('npx cdktf deploy "$ENVIRONMENT" --auto-approve --no-color');
    }
    expect(stage.env?.IMAGE_TAG).toBe("${{ github.sha }}");
    expect(prod.env?.IMAGE_TAG).toBe("${{ inputs.image_tag || github.sha }}");
  });

  it("stage builds and pushes the image; prod only promotes what stage built", () => {
    expect(runLines(stage).some((l) => l.startsWith("docker build"))).toBe(true);
    expect(runLines(stage).some((l) => l.startsWith('docker push "$image"'))).toBe(true);
    expect(runLines(prod).some((l) => l.startsWith("docker build"))).toBe(false);
    expect(runLines(prod).some((l) => l.includes("--workflow deploy-stage.yml"))).toBe(true);
  });

  it("prod checks out and deploys the commit it was given", () => {
    const [checkout] = stepsUsing(prod, "actions/checkout");
    expect(checkout.with?.ref).toBe("${{ env.IMAGE_TAG }}");
    const names = (prod.steps ?? []).map((s) => s.name);
    expect(names.indexOf("Check the image tag is a commit SHA")).toBe(0);
  });

  it("smoke-check the API's /health and the site after publishing the frontend", () => {
    for (const job of [stage, prod]) {
      const names = (job.steps ?? []).map((s) => s.name);
      const order = ["Deploy", "Wait for the new tasks to serve", "Build the frontend (PLACEHOLDER)", "Upload the frontend", "Invalidate CloudFront", "Smoke-check the API and the site"];
      const positions = order.map((n) => names.indexOf(n));
      expect(positions.every((p) => p >= 0)).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      const smoke = job.steps!.find((s) => s.name === "Smoke-check the API and the site")!;
      expect(smoke.run).toContain('"${API_URL%/}/health"');
      expect(smoke.run).toContain('"${SITE_URL%/}/"');
    }
  });

  it("read only outputs the environment stacks declare, and the one image repository each has", () => {
    const readOutputs = stage.steps!.find((s) => s.name === "Read the stack outputs")!.run!;
    const names = /for key in ([\w ]+); do/.exec(readOutputs)![1].split(" ");
    expect(names).toEqual(expect.arrayContaining(["api_url", "site_url", "site_bucket", "cloudfront_distribution_id"]));
    for (const env of envNames) {
      const tf = parse(Testing.synth(platform.environments[env]));
      for (const name of names) expect({ env, name, declared: name in tf.output! }).toEqual({ env, name, declared: true });
      expect(Object.keys(resources(tf, "aws_ecr_repository"))).toHaveLength(1);
    }
  });

  it("share the same steps from the deploy on, so stage tests what prod runs", () => {
    const tail = (job: Job) => job.steps!.slice(job.steps!.findIndex((s) => s.name === "Deploy"));
    expect(tail(prod)).toEqual(tail(stage));
    expect(tail(stage).length).toBeGreaterThanOrEqual(7);
  });
});
