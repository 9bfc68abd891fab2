import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing } from "cdktf";
import { parse as parseYaml } from "yaml";
import { GITHUB_WORKFLOWS, githubRoleWorkflows, githubSubject, PULL_REQUEST_REF } from "../config/github-naming";
import { previewStackId } from "../config/preview-naming";
import { buildSample, sampleConfig } from "./support/sample";
import { bash, fakeCommand, stepNamed } from "./support/workflow-shell";

/**
 * The preview workflows (README "Preview lifecycle"), read as data: preview.yml deploys a pull
 * request's preview and destroys it on close, preview-reaper.yml destroys what is closed or idle.
 * Forks never get a job; only the jobs that assume the preview role (and the attestation) hold an
 * id-token, and they run no npm and check nothing out; destroy synthesizes from the default branch
 * with the same steps in both files; the gate runs before anything is applied; the subjects the
 * preview role trusts are exactly those of the jobs that assume it.
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
  if?: string;
  environment?: unknown;
  permissions?: Record<string, string>;
  needs?: string | string[];
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  env?: Record<string, unknown>;
  strategy?: { matrix?: Record<string, unknown> };
  steps: Step[];
}
interface Workflow {
  on: Record<string, any>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  env?: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const ROOT = join(__dirname, "..");
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");
const PREVIEW = GITHUB_WORKFLOWS.preview;
const REAPER = GITHUB_WORKFLOWS.previewReaper;
const sources = { [PREVIEW]: read(PREVIEW), [REAPER]: read(REAPER) };
const workflows: Record<string, Workflow> = { [PREVIEW]: parseYaml(sources[PREVIEW]), [REAPER]: parseYaml(sources[REAPER]) };
const preview = workflows[PREVIEW];
const reaper = workflows[REAPER];
const jobs = Object.entries(workflows).flatMap(([file, wf]) => Object.entries(wf.jobs).map(([id, job]) => ({ file, id, job, wf })));
const at = (j: { file: string; id: string }) => `${j.file} job ${j.id}`;

const config = sampleConfig();
const github = config.project.github;
const REPO = `${github.owner}/${github.repo}`;
const defaultBranch = github.defaultBranch ?? "main";

const action = (s: Step) => s.uses?.split("@")[0];
const holdsIdToken = (job: Job) => job.permissions?.["id-token"] === "write";
const runLines = (job: Job) => job.steps.flatMap((s) => (s.run ?? "").split("\n").map((l) => l.trim()));
const assumesPreviewRole = (job: Job) =>
  job.steps.some(
    (s) => action(s) === "aws-actions/configure-aws-credentials" && s.with?.["role-to-assume"] === "${{ vars.PREVIEW_ROLE_ARN }}",
  );
const stepIndex = (job: Job, test: (s: Step) => boolean) => job.steps.findIndex(test);
const step = (job: Job, name: string): Step => stepNamed(job, name);

describe("preview workflows: forks, triggers and tokens", () => {
  it("guard every job of preview.yml against forks by the head repository", () => {
    for (const [id, job] of Object.entries(preview.jobs)) {
      expect({ id, guard: job.if?.startsWith("github.event.pull_request.head.repo.full_name == github.repository") }).toEqual({
        id,
        guard: true,
      });
    }
  });

  it("guard every job of the reaper to this repository (not a fork's copy) on the default branch", () => {
    for (const [id, job] of Object.entries(reaper.jobs)) {
      expect({ id, guard: job.if?.startsWith(`github.repository == '${REPO}' && github.ref == 'refs/heads/${defaultBranch}'`) }).toEqual({
        id,
        guard: true,
      });
    }
  });

  it("skip every job where the repository has no preview role (the github stack sets PREVIEW_ROLE_ARN only with previews)", () => {
    for (const j of jobs)
      expect({ job: at(j), skips: j.job.if?.endsWith(" && vars.PREVIEW_ROLE_ARN != ''") }).toEqual({ job: at(j), skips: true });
  });

  it("never run on pull_request_target or workflow_run, nor name them anywhere", () => {
    for (const [file, text] of Object.entries(sources)) {
      const code = text
        .split("\n")
        .filter((l) => !/^\s*#/.test(l))
        .join("\n");
      expect({ file, found: /pull_request_target|workflow_run/.test(code) }).toEqual({ file, found: false });
    }
    expect(Object.keys(preview.on)).toEqual(["pull_request"]);
  });

  it("the reaper runs daily on a schedule (GitHub runs schedules on the default branch), and by hand", () => {
    expect(Object.keys(reaper.on)).toEqual(["schedule", "workflow_dispatch"]);
    expect(reaper.on.schedule).toEqual([{ cron: expect.stringMatching(/^\d+ \d+ \* \* \*$/) }]);
  });

  it("grant nothing at the workflow level, and nothing but contents: read to jobs without a named need", () => {
    for (const wf of Object.values(workflows)) expect(wf.permissions).toEqual({});
    for (const j of jobs) expect({ job: at(j), contents: j.job.permissions?.contents }).toEqual({ job: at(j), contents: "read" });
  });

  it("hold the id-token only in the jobs that assume the preview role, and in the attestation", () => {
    const withToken = jobs.filter((j) => holdsIdToken(j.job)).map(at);
    const assuming = jobs.filter((j) => assumesPreviewRole(j.job)).map(at);
    expect(withToken.sort()).toEqual([...assuming, `${PREVIEW} job attest`].sort());
    expect(assuming.sort()).toEqual(
      [
        `${PREVIEW} job previews`,
        `${PREVIEW} job deploy`,
        `${PREVIEW} job destroy`,
        `${REAPER} job previews`,
        `${REAPER} job destroy`,
      ].sort(),
    );
  });

  it("run no npm, npx, node, checkout or setup action in a job holding the id-token", () => {
    for (const j of jobs.filter((j) => holdsIdToken(j.job))) {
      const found = {
        job: at(j),
        actions: j.job.steps.map(action).filter((a) => a === "actions/checkout" || a?.startsWith("actions/setup-") || a?.startsWith("./")),
        lines: runLines(j.job).filter((l) => /(^|[\s;(|&$])(npm|npx|node|tsx|yarn|pnpm)(\s|$)/.test(l)),
      };
      expect(found).toEqual({ job: at(j), actions: [], lines: [] });
    }
  });

  it("run npm only with install scripts off, in jobs without the id-token", () => {
    for (const j of jobs) {
      for (const l of runLines(j.job).filter((l) => /^npm (ci|install)\b/.test(l))) {
        expect({ job: at(j), l, ok: l.includes("--ignore-scripts") && !holdsIdToken(j.job) }).toEqual({ job: at(j), l, ok: true });
      }
    }
  });

  it("write to the pull request from one job only, the comment, which holds no id-token and runs no checkout", () => {
    const writers = jobs.filter((j) => j.job.permissions?.["pull-requests"] === "write");
    expect(writers.map(at)).toEqual([`${PREVIEW} job comment`]);
    expect(preview.jobs.comment.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    expect(preview.jobs.comment.steps.map(action).filter(Boolean)).toEqual([]);
    expect(reaper.jobs.decide.permissions).toEqual({ contents: "read", "pull-requests": "read" });
  });
});

describe("preview workflows: the subjects the preview role trusts", () => {
  const roleWorkflows = githubRoleWorkflows(github);
  /** What the preview role trusts (PREVIEW-DESIGN.md "Roles"): the preview workflow on pull requests, the reaper on the default branch. */
  const trusted = [
    githubSubject(github, "pull_request", roleWorkflows.preview),
    githubSubject(github, `ref:refs/heads/${defaultBranch}`, roleWorkflows.previewReaper),
  ];
  /** The `sub` GitHub gives a job: its environment, else its event's context; the file's job_workflow_ref at the ref it runs from. */
  function jobSubject(file: string, wf: Workflow, job: Job): string {
    if (job.environment !== undefined) return `environment:${JSON.stringify(job.environment)}`;
    if (Object.keys(wf.on).join() === "pull_request") return githubSubject(github, "pull_request", { file, ref: PULL_REQUEST_REF });
    const ref = /github\.ref == '([^']+)'/.exec(job.if ?? "")?.[1];
    if (!ref) return "(runs on any ref)";
    return githubSubject(github, `ref:${ref}`, { file, ref });
  }

  it("are exactly those of the jobs that assume PREVIEW_ROLE_ARN", () => {
    const subjects = [...new Set(jobs.filter((j) => assumesPreviewRole(j.job)).map((j) => jobSubject(j.file, j.wf, j.job)))];
    expect(subjects.sort()).toEqual([...trusted].sort());
    expect(trusted).toEqual([
      `repo:${REPO}:pull_request:job_workflow_ref:${REPO}/${PREVIEW}@refs/pull/*/merge`,
      `repo:${REPO}:ref:refs/heads/${defaultBranch}:job_workflow_ref:${REPO}/${REAPER}@refs/heads/${defaultBranch}`,
    ]);
  });

  it("no preview job enters a GitHub environment (that would change its subject's context)", () => {
    expect(jobs.filter((j) => j.job.environment !== undefined).map(at)).toEqual([]);
  });

  it("assume the role with role-to-assume from the repository variable, never with keys", () => {
    for (const j of jobs.filter((j) => assumesPreviewRole(j.job))) {
      const assume = j.job.steps.find((s) => action(s) === "aws-actions/configure-aws-credentials")!;
      expect(Object.keys(assume.with!).sort()).toEqual(["aws-region", "role-session-name", "role-to-assume"]);
    }
  });
});

describe("preview.yml: the deploy", () => {
  const { synth, deploy } = preview.jobs;

  it("builds and attests the image as deploy-stage does, and the deploy verifies it before any credential", () => {
    expect(preview.jobs.build.permissions).toEqual({ contents: "read" });
    expect(preview.jobs.attest.needs).toBe("build");
    const verify = stepIndex(deploy, (s) => s.name === "Verify the image's attestation");
    const assume = stepIndex(deploy, (s) => action(s) === "aws-actions/configure-aws-credentials");
    expect(verify).toBeGreaterThanOrEqual(0);
    expect(verify).toBeLessThan(assume);
    expect(deploy.needs).toEqual(["build", "attest", "synth"]);
    expect(deploy.env?.SIGNER_WORKFLOW).toBe(PREVIEW);
  });

  it("runs the max-active gate before synthesis, and deploys only what the gate let through", () => {
    const gate = stepIndex(synth, (s) => s.id === "gate");
    const synthesize = stepIndex(synth, (s) => /PREVIEW_PR="\$PR" node --import tsx main\.ts/.test(s.run ?? ""));
    expect(synth.steps[gate].run).toBe('npx tsx scripts/previews.ts gate --pr "$PR"');
    expect(synth.steps[gate].env?.PREVIEW_STATE_OBJECTS).toBe("${{ needs.previews.outputs.objects }}");
    expect(gate).toBeGreaterThanOrEqual(0);
    expect(gate).toBeLessThan(synthesize);
    for (const s of synth.steps.slice(gate + 1))
      expect({ step: s.name, if: s.if }).toEqual({ step: s.name, if: "steps.gate.outputs.enabled == 'true'" });
    expect(synth.needs).toEqual(["build", "previews"]);
    expect(deploy.if).toContain("needs.synth.outputs.enabled == 'true'");
    expect(runLines(synth).filter((l) => /\b(terraform|aws|skopeo) /.test(l))).toEqual([]);
  });

  it("synthesizes with PREVIEW_PR and the built digest in a job without id-token, and packs the stack with its sha256", () => {
    expect(synth.permissions).toEqual({ contents: "read" });
    expect(synth.env).toMatchObject({ PR: "${{ github.event.pull_request.number }}", IMAGE_DIGEST: "${{ needs.build.outputs.digest }}" });
    expect(synth.env?.STACK_DIR).toBe("cdktf.out/stacks/preview-pr-${{ github.event.pull_request.number }}");
    expect(step(synth, "Pack the preview's stack").run).toMatch(/sha256sum/);
    expect(deploy.env?.RELEASE_DIGEST).toBe("${{ needs.synth.outputs.digest }}");
  });

  it("prices the preview in the synth job and comments the address and the cost after the deploy", () => {
    expect(step(synth, "Price the preview").run).toBe('npx tsx audit/preview-cost.ts "$STACK_DIR/cdk.tf.json"');
    const comment = preview.jobs.comment;
    expect(comment.needs).toEqual(["synth", "deploy"]);
    expect(comment.env).toMatchObject({
      PREVIEW_URL: "${{ needs.deploy.outputs.url }}",
      MONTHLY: "${{ needs.synth.outputs.monthly }}",
      DAILY: "${{ needs.synth.outputs.daily }}",
    });
    expect(deploy.steps.find((s) => s.id === "outputs")?.run).toContain(".preview_url.value");
  });

  it("comments the address and the cost once, then updates that comment on each push", () => {
    const run = step(preview.jobs.comment, "Comment the preview's address and cost").run!;
    const env = {
      PR: "7",
      PREVIEW_URL: "http://alb.example/pr-7/",
      MONTHLY: "12.34",
      DAILY: "0.41",
      GITHUB_SHA: "abc123",
      GITHUB_REPOSITORY: REPO,
    };
    for (const existing of ["", "991"]) {
      const cwd = mkdtempSync(join(tmpdir(), "preview-comment-"));
      const gh = fakeCommand(cwd, "gh", `if [ "$1 $2" = "api --paginate" ]; then echo "${existing}"; fi`);
      expect(bash(run, { ...env, FAKE: existing }, cwd, gh.bin).status).toBe(0);
      // The body spans lines: the log holds the list call, then the write call and its body.
      const [list, ...rest] = gh.calls();
      const write = rest.join("\n");
      expect(list).toMatch(new RegExp(`^api --paginate repos/${REPO}/issues/7/comments --jq `));
      const method = existing ? `PATCH repos/${REPO}/issues/comments/991` : `POST repos/${REPO}/issues/7/comments`;
      expect(write.startsWith(`api --method ${method} -f body=<!-- preview -->\n`)).toBe(true);
      expect(write).toContain("**Preview** of abc123: http://alb.example/pr-7/");
      expect(write).toContain("about $0.41 a day ($12.34 a month)");
    }
  });

  it("creates the database from the database_setup output before the plan, and pushes to the previews' repository by digest", () => {
    const create = stepIndex(deploy, (s) => s.name === "Create the preview's database");
    const push = stepIndex(deploy, (s) => s.name === "Push the verified image to the previews' repository");
    const plan = stepIndex(deploy, (s) => s.name === "Plan");
    expect(push).toBeLessThan(create);
    expect(create).toBeLessThan(plan);
    expect(deploy.steps[create].run).toMatch(/output -json database_setup/);
    expect(deploy.steps[create].run).toMatch(/command: \.createCommand/);
    expect(deploy.steps[push].run).toMatch(/skopeo copy --preserve-digests "oci:\$LAYOUT" "docker:\/\/\$uri:pr-\$PR-/);
  });

  it("one run per pull request at a time, queued rather than cancelled", () => {
    expect(preview.concurrency).toEqual({ group: "preview-${{ github.event.pull_request.number }}", "cancel-in-progress": false });
    expect(reaper.jobs.destroy.concurrency).toEqual({ group: "preview-${{ matrix.pr }}", "cancel-in-progress": false });
  });

  it("names the config's previews host (PREVIEW_HOST) in both files", () => {
    // The shipped config (config/platform.ts) turns previews on: its host, validated.
    const host = config.previews?.host;
    expect(host).toBeDefined();
    expect(preview.env?.PREVIEW_HOST).toBe(host);
    expect(reaper.env?.PREVIEW_HOST).toBe(host);
  });
});

describe("destroy: from the default branch, the same steps on close and in the reaper", () => {
  it("synthesizes from the default branch, never the pull request's code", () => {
    for (const wf of [preview, reaper]) {
      const checkouts = wf.jobs["synth-destroy"].steps.filter((s) => action(s) === "actions/checkout");
      expect(checkouts.map((s) => s.with)).toEqual([{ ref: defaultBranch, "persist-credentials": false }]);
    }
    expect(preview.jobs["synth-destroy"].if).toContain("github.event.action == 'closed'");
    expect(preview.jobs.destroy.if).toContain("github.event.action == 'closed'");
    for (const id of ["build", "previews", "synth", "deploy", "comment"])
      expect(preview.jobs[id].if).toContain("github.event.action != 'closed'");
  });

  it("runs the very same steps in preview.yml and the reaper: the synthesis, the listing and the destroy", () => {
    for (const id of ["synth-destroy", "destroy", "previews"]) {
      expect({ id, steps: reaper.jobs[id].steps }).toEqual({ id, steps: preview.jobs[id].steps });
    }
    expect(Object.keys(reaper.jobs.destroy.env ?? {}).sort()).toEqual(Object.keys(preview.jobs.destroy.env ?? {}).sort());
    expect(reaper.jobs.destroy.strategy?.matrix?.pr).toBe("${{ fromJSON(needs.decide.outputs.destroy) }}");
    expect(reaper.jobs["synth-destroy"].env?.PRS).toBe("${{ needs.decide.outputs.destroy }}");
  });

  it("drops the database, then destroys the stack, then deletes the images, then the empty state", () => {
    const names = preview.jobs.destroy.steps.map((s) => s.name);
    const order = [
      "Check the Terraform runs nothing but AWS",
      "Assume the preview role",
      "Drop the preview's database",
      "Destroy the preview's stack",
      "Delete the preview's images",
      "Remove the preview's empty state",
    ].map((n) => names.indexOf(n));
    expect(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]))).toBe(true);
    expect(step(preview.jobs.destroy, "Drop the preview's database").run).toMatch(/command: \.dropCommand/);
    expect(step(preview.jobs.destroy, "Destroy the preview's stack").run).toBe(
      'terraform -chdir="$STACK_DIR" destroy -input=false -no-color -auto-approve',
    );
  });

  it("the reaper decides in a job without id-token, from the listing, with GitHub's token", () => {
    const decide = reaper.jobs.decide;
    expect(holdsIdToken(decide)).toBe(false);
    expect(decide.needs).toBe("previews");
    const run = decide.steps.find((s) => s.id === "decide")!;
    expect(run.run).toMatch(/^npx tsx scripts\/previews\.ts reap/);
    expect(run.env).toMatchObject({ PREVIEW_STATE_OBJECTS: "${{ needs.previews.outputs.objects }}", GITHUB_TOKEN: "${{ github.token }}" });
    expect(reaper.jobs["synth-destroy"].if).toContain("needs.decide.outputs.destroy != '[]'");
  });

  it.each([
    ["preview.yml's destroy", () => preview.jobs.destroy],
    ["the reaper's destroy", () => reaper.jobs.destroy],
  ])("%s deletes the pull request's image tags only (pr-<n>-...), by tag: an image another preview shares stays", (_, job) => {
    const cwd = mkdtempSync(join(tmpdir(), "preview-images-"));
    // pr-7 and pr-8 built the same image (one digest, two tags): deleting by digest would take pr-8's too.
    const images = {
      imageIds: [
        { imageTag: "pr-7-abc-111", imageDigest: "sha256:a" },
        { imageTag: "pr-7-def-222", imageDigest: "sha256:b" },
        { imageTag: "pr-70-abc-333", imageDigest: "sha256:c" },
        { imageTag: "pr-8-abc-444", imageDigest: "sha256:a" },
      ],
    };
    const aws = fakeCommand(
      cwd,
      "aws",
      `case "$1 $2" in
  "ecr list-images") echo '${JSON.stringify(images)}' ;;
  "ecr batch-delete-image") echo '[]' ;;
  *) exit 2 ;;
esac`,
    );
    const result = bash(step(job(), "Delete the preview's images").run!, { PR: "7", REPOSITORY: "acme-previews" }, cwd, aws.bin);
    expect(result).toEqual({ status: 0, log: "deleted 2 tag(s) of pr-7 from acme-previews\n" });
    const deletes = aws.calls().filter((c) => c.startsWith("ecr batch-delete-image"));
    const ids = JSON.stringify([{ imageTag: "pr-7-abc-111" }, { imageTag: "pr-7-def-222" }]);
    expect(deletes).toEqual([`ecr batch-delete-image --repository-name acme-previews --image-ids ${ids} --query failures --output json`]);
  });

  describe("the destroy's steps, run with a stand-in terraform and aws", () => {
    const setup = {
      cluster: "arn:aws:ecs:eu-west-1:1:cluster/acme-stage",
      taskDefinition: "arn:aws:ecs:eu-west-1:1:task-definition/acme-pr-7-database:3",
      subnets: ["subnet-1"],
      securityGroups: ["sg-1", "sg-2"],
      createCommand: ["sh", "-c", "create"],
      dropCommand: ["sh", "-c", "drop"],
    };
    /** A directory with stand-in terraform (its database_setup output, or none) and aws (the drop task exits `exit`). */
    function stand(output: unknown, exit = "0") {
      const cwd = mkdtempSync(join(tmpdir(), "preview-destroy-"));
      const terraform = fakeCommand(
        cwd,
        "terraform",
        `case "$2" in
  init) ;;
  output) ${output === undefined ? "echo 'Output \"database_setup\" not found' >&2; exit 1" : `echo '${JSON.stringify(output)}'`} ;;
  state) printf '%s' "$FAKE_LEFT" ;;
  *) exit 2 ;;
esac`,
      );
      const aws = fakeCommand(
        cwd,
        "aws",
        `case "$*" in
  "ecs describe-task-definition"*) echo database ;;
  "ecs run-task"*) echo arn:aws:ecs:eu-west-1:1:task/acme-stage/abc ;;
  *"tasks[0].lastStatus"*) echo STOPPED ;;
  *"tasks[0].containers[0].exitCode"*) echo ${exit} ;;
  "s3api delete-object"*|"dynamodb delete-item"*) ;;
  *) exit 2 ;;
esac`,
      );
      return { cwd, bin: terraform.bin, terraform: terraform.calls, aws: aws.calls };
    }
    const env = { PR: "7", STACK_DIR: "cdktf.out/stacks/preview-pr-7" };
    const drop = step(preview.jobs.destroy, "Drop the preview's database").run!;

    it("runs the state's drop command with the setup task's network, and succeeds when it exits 0", () => {
      const s = stand(setup);
      const result = bash(drop, env, s.cwd, s.bin);
      expect(result.status).toBe(0);
      const run = s.aws().find((c) => c.startsWith("ecs run-task"))!;
      expect(run).toContain(`--task-definition ${setup.taskDefinition}`);
      expect(run).toContain('--overrides {"containerOverrides":[{"name":"database","command":["sh","-c","drop"]}]}');
      expect(run).toContain('"subnets":["subnet-1"],"securityGroups":["sg-1","sg-2"]');
      // The task carries the definition's Environment=preview tag: the preview role may stop only tasks so tagged.
      expect(run).toContain("--propagate-tags TASK_DEFINITION");
      expect(result.log).toContain("the preview's database and login are dropped");
    });

    it("fails, destroying nothing, when the drop exits non-zero", () => {
      const s = stand(setup, "3");
      const result = bash(drop, env, s.cwd, s.bin);
      expect(result.status).toBe(1);
      expect(result.log).toContain("::error::dropping the preview's database exited 3; nothing was destroyed");
    });

    it("skips the drop when the state has no database_setup output (the setup never ran)", () => {
      const s = stand(undefined);
      const result = bash(drop, env, s.cwd, s.bin);
      expect(result).toEqual({ status: 0, log: "the state of pr-7 has no database_setup output: no database was created\n" });
      expect(s.aws()).toEqual([]);
    });

    it("removes the emptied state object and its lock-table digest, and only once the state lists nothing", () => {
      const s = stand(setup);
      const remove = step(preview.jobs.destroy, "Remove the preview's empty state").run!;
      const result = bash(remove, { ...env, TF_STATE_BUCKET: "acme-tfstate", TF_LOCK_TABLE: "acme-tflock" }, s.cwd, s.bin);
      expect(result.status).toBe(0);
      expect(s.aws()).toEqual([
        "s3api delete-object --bucket acme-tfstate --key previews/pr-7/terraform.tfstate",
        'dynamodb delete-item --table-name acme-tflock --key {"LockID":{"S":"acme-tfstate/previews/pr-7/terraform.tfstate-md5"}}',
      ]);
    });

    it("keeps the state, and fails, when the destroy left a resource in it", () => {
      const s = stand(setup);
      const remove = step(preview.jobs.destroy, "Remove the preview's empty state").run!;
      const vars = { ...env, TF_STATE_BUCKET: "acme-tfstate", TF_LOCK_TABLE: "acme-tflock", FAKE_LEFT: "aws_ecs_service.api\n" };
      const result = bash(remove, vars, s.cwd, s.bin);
      expect(result).toEqual({ status: 1, log: "::error::the state of pr-7 still lists 1 resource(s) after the destroy\n" });
      expect(s.aws()).toEqual([]);
    });
  });

  it("refuses a destroy tarball holding anything but preview stacks, before any credential", () => {
    const unpack = step(preview.jobs.destroy, "Check the stacks' digest and unpack them").run!;
    const make = (paths: Record<string, string>) => {
      const cwd = mkdtempSync(join(tmpdir(), "preview-tar-"));
      const src = join(cwd, "src");
      for (const [path, text] of Object.entries(paths)) {
        mkdirSync(join(src, path, ".."), { recursive: true });
        writeFileSync(join(src, path), text);
      }
      mkdirSync(join(cwd, "destroy"));
      spawnSync("tar", ["-cf", join(cwd, "destroy", "destroy.tar"), "-C", src, "cdktf.out"]);
      const digest = spawnSync("sha256sum", [join(cwd, "destroy", "destroy.tar")], { encoding: "utf8" }).stdout.split(" ")[0];
      return bash(unpack, { RELEASE_DIGEST: `sha256:${digest}`, STACK_DIR: "cdktf.out/stacks/preview-pr-7" }, cwd);
    };
    expect(make({ "cdktf.out/stacks/preview-pr-7/cdk.tf.json": "{}" }).status).toBe(0);
    const stage = make({ "cdktf.out/stacks/preview-pr-7/cdk.tf.json": "{}", "cdktf.out/stacks/stage/cdk.tf.json": "{}" });
    expect(stage.status).toBe(1);
    expect(stage.log).toContain("::error::the stacks' tarball holds what it must not");
    const other = make({ "cdktf.out/stacks/preview-pr-8/cdk.tf.json": "{}" });
    expect(other.log).toContain("::error::the stacks' tarball holds no cdktf.out/stacks/preview-pr-7/cdk.tf.json");
  });
});

describe("deploy.yml: the previews' database admin task", () => {
  const deploy = (parseYaml(read(GITHUB_WORKFLOWS.deploy)) as Workflow).jobs.deploy;
  const admin = step(deploy, "Run the previews' database admin task");

  it("runs after the migration and before the plan, where the stack has the previews_database_admin output", () => {
    const i = deploy.steps.indexOf(admin);
    expect(i).toBeGreaterThan(stepIndex(deploy, (s) => s.name === "Run the database migration"));
    expect(i).toBeLessThan(stepIndex(deploy, (s) => s.name === "Plan"));
    expect(admin.run).toMatch(/output -json previews_database_admin/);
  });

  it("does nothing, and says so, for an environment that hosts no previews", () => {
    const cwd = mkdtempSync(join(tmpdir(), "previews-admin-"));
    mkdirSync(join(cwd, "cdktf.out/stacks/prod"), { recursive: true });
    writeFileSync(join(cwd, "cdktf.out/stacks/prod/cdk.tf.json"), JSON.stringify({ output: { api_url: { value: "x" } } }));
    const result = bash(admin.run!, { STACK_DIR: "cdktf.out/stacks/prod", ENVIRONMENT: "prod" }, cwd);
    expect(result).toEqual({
      status: 0,
      log: "prod hosts no previews (previews.host names another environment, or there is no previews)\n",
    });
  });
});

/**
 * Terraform makes the preview's login secret and the previews' admin secret empty (no role reads a secret
 * back): the step that runs each database task first puts {"username", "password"} with a generated
 * password when the secret has no current version, and never reads a value.
 */
describe("the secrets Terraform makes empty get their first value from the workflow, never read back", () => {
  const secretArn = "arn:aws:secretsmanager:eu-west-1:1:secret:acme-pr-7/database-AbCdEf";
  /** A directory with the stack's cdk.tf.json, stand-in terraform (its `output`) and aws (the secret's versions `versions`). */
  function stand(stackDir: string, outputName: string, output: Record<string, unknown>, versions: unknown) {
    const cwd = mkdtempSync(join(tmpdir(), "preview-secret-"));
    mkdirSync(join(cwd, stackDir), { recursive: true });
    const tf = { output: { [outputName]: { value: { taskDefinition: "${aws_ecs_task_definition.setup.arn}" } } } };
    writeFileSync(join(cwd, stackDir, "cdk.tf.json"), JSON.stringify(tf));
    const terraform = fakeCommand(
      cwd,
      "terraform",
      `case "$2" in init|apply) ;; output) echo '${JSON.stringify(output)}' ;; *) exit 2 ;; esac`,
    );
    const put = join(cwd, "put");
    const aws = fakeCommand(
      cwd,
      "aws",
      `case "$*" in
  "secretsmanager describe-secret"*) echo '${JSON.stringify(versions)}' ;;
  "secretsmanager put-secret-value"*)
    for a in "$@"; do case "$a" in file://*)
      cp "\${a#file://}" ${JSON.stringify(`${put}.json`)}; stat -c %a "\${a#file://}" > ${JSON.stringify(`${put}.mode`)} ;; esac; done ;;
  "ecs describe-task-definition"*) echo database ;;
  "ecs run-task"*) echo arn:aws:ecs:eu-west-1:1:task/acme-stage/abc ;;
  *"tasks[0].lastStatus"*) echo STOPPED ;;
  *"tasks[0].containers[0].exitCode"*) echo 0 ;;
  *) exit 2 ;;
esac`,
    );
    const read = (ext: string) => {
      try {
        return readFileSync(`${put}.${ext}`, "utf8");
      } catch {
        return undefined;
      }
    };
    return { cwd, bin: terraform.bin, aws: aws.calls, put: () => read("json"), mode: () => read("mode")?.trim() };
  }
  const setup = {
    cluster: "arn:aws:ecs:eu-west-1:1:cluster/acme-stage",
    taskDefinition: "arn:aws:ecs:eu-west-1:1:task-definition/acme-pr-7-database:3",
    subnets: ["subnet-1"],
    securityGroups: ["sg-1"],
    createCommand: ["sh", "-c", "create"],
    dropCommand: ["sh", "-c", "drop"],
    secretArn,
    username: "pr_7",
  };
  const admin = {
    cluster: "arn:aws:ecs:eu-west-1:1:cluster/acme-stage",
    taskDefinition: "arn:aws:ecs:eu-west-1:1:task-definition/acme-stage-previews-db-admin:2",
    subnets: ["subnet-1"],
    securityGroups: ["sg-1"],
    secretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:acme-stage-previews-db-admin-AbCdEf",
    username: "previews_admin",
  };
  const deployJob = (parseYaml(read(GITHUB_WORKFLOWS.deploy)) as Workflow).jobs.deploy;
  const cases: { name: string; run: string; stackDir: string; outputName: string; output: typeof admin; env: Record<string, string> }[] = [
    {
      name: "preview.yml's database setup",
      run: step(preview.jobs.deploy, "Create the preview's database").run!,
      stackDir: "cdktf.out/stacks/preview-pr-7",
      outputName: "database_setup",
      output: setup,
      env: { PR: "7", STACK_DIR: "cdktf.out/stacks/preview-pr-7" },
    },
    {
      name: "deploy.yml's previews' database admin task",
      run: step(deployJob, "Run the previews' database admin task").run!,
      stackDir: "cdktf.out/stacks/stage",
      outputName: "previews_database_admin",
      output: admin,
      env: { STACK_DIR: "cdktf.out/stacks/stage", ENVIRONMENT: "stage", COMMIT_SHA: "0123456789abcdef" },
    },
  ];

  it.each(cases)("$name: an empty secret gets {username, password} (generated, 64 hex), written 0600 and removed", (c) => {
    const s = stand(c.stackDir, c.outputName, c.output, null);
    const result = bash(c.run, c.env, s.cwd, s.bin);
    expect(result.status).toBe(0);
    const secretCalls = s.aws().filter((l) => l.startsWith("secretsmanager"));
    expect(secretCalls).toEqual([
      `secretsmanager describe-secret --secret-id ${c.output.secretArn} --query VersionIdsToStages --output json`,
      `secretsmanager put-secret-value --secret-id ${c.output.secretArn} --secret-string file://${s.cwd}/secret-value.json`,
    ]);
    const value = JSON.parse(s.put()!);
    expect(value).toEqual({ username: c.output.username, password: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(s.mode()).toBe("600");
    expect(result.log).not.toContain(value.password);
    // The value is not left on the runner, and the task ran after it was put.
    expect(() => readFileSync(join(s.cwd, "secret-value.json"))).toThrow();
    const calls = s.aws();
    expect(calls.findIndex((l) => l.startsWith("secretsmanager put-secret-value"))).toBeLessThan(
      calls.findIndex((l) => l.startsWith("ecs run-task")),
    );
  });

  it.each(cases)("$name: a secret that has its value is left alone, and no value is ever read", (c) => {
    const s = stand(c.stackDir, c.outputName, c.output, { b1a2: ["AWSCURRENT"] });
    const result = bash(c.run, c.env, s.cwd, s.bin);
    expect(result.status).toBe(0);
    expect(s.aws().filter((l) => l.startsWith("secretsmanager"))).toEqual([
      `secretsmanager describe-secret --secret-id ${c.output.secretArn} --query VersionIdsToStages --output json`,
    ]);
    expect(s.put()).toBeUndefined();
    expect(s.aws().some((l) => /get-secret-value/.test(l))).toBe(false);
  });

  it("a secret whose only version is not current (AWSPREVIOUS only) gets a value", () => {
    const c = cases[0];
    const s = stand(c.stackDir, c.outputName, c.output, { old: ["AWSPREVIOUS"] });
    expect(bash(c.run, c.env, s.cwd, s.bin).status).toBe(0);
    expect(JSON.parse(s.put()!).username).toBe("pr_7");
  });

  it("no workflow reads a secret's value (get-secret-value appears nowhere)", () => {
    for (const file of [PREVIEW, REAPER, GITHUB_WORKFLOWS.deploy])
      expect({ file, reads: /get-secret-value/.test(read(file)) }).toEqual({ file, reads: false });
  });
});

/**
 * The targeted apply before a database task must hold everything its output reads, data sources
 * included: without them Terraform skips the output (the e2e found `terraform output database_setup`
 * empty after the preview's targeted apply: its subnets and cluster are data sources of the host's).
 */
describe("the targeted apply before a database task includes the output's data sources", () => {
  const previewStack = JSON.parse(Testing.synth(buildSample(sampleConfig(), { previews: [7] }).previews![previewStackId(7)])) as {
    output: Record<string, { value: unknown; depends_on?: string[] }>;
  };

  it("preview.yml's create step targets each data source database_setup reads, as data.<type>.<name>", () => {
    const cwd = mkdtempSync(join(tmpdir(), "preview-targets-"));
    const stackDir = "cdktf.out/stacks/preview-pr-7";
    mkdirSync(join(cwd, stackDir), { recursive: true });
    writeFileSync(join(cwd, stackDir, "cdk.tf.json"), JSON.stringify(previewStack));
    // Terraform stops the step after the targeted apply (its output is not what this test is about).
    const terraform = fakeCommand(cwd, "terraform", `case "$2" in init|apply) ;; *) exit 3 ;; esac`);
    bash(step(preview.jobs.deploy, "Create the preview's database").run!, { PR: "7", STACK_DIR: stackDir }, cwd, terraform.bin);
    const apply = terraform.calls().find((l) => l.includes(" apply "))!;
    const read = JSON.stringify(previewStack.output.database_setup.value).match(/data\.aws_[a-z0-9_]+\.[A-Za-z0-9_-]+/g) ?? [];
    expect(read.length).toBeGreaterThan(0);
    for (const address of new Set(read)) expect(apply.split(" ")).toContain(`-target=${address}`);
  });
});
