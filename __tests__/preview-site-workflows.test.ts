/**
 * A preview's static site in the workflows (README "Previews"): preview.yml's synth job builds it as
 * deploy.yml builds the host's and packs it with the stack; the deploy uploads it under
 * `previews/pr-<n>/` of the host's site bucket and the comment gives its address; both destroys delete
 * every version under that prefix; deploy.yml's own upload leaves `previews/` alone. The steps run as
 * GitHub runs them (bash -eo pipefail), with a stand-in terraform, and with the real AWS CLI against the
 * emulator (moto) where the S3 semantics are the property under test.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { GITHUB_WORKFLOWS } from "../config/github-naming";
import { previewSitePrefix } from "../config/preview-naming";
import { type Emulator, emulatorMissing, startEmulator } from "../emulator/driver";
import { describeIfAvailable } from "./support/terraform";
import { bash, fakeCommand, stepNamed } from "./support/workflow-shell";

interface Step {
  name?: string;
  id?: string;
  if?: string;
  run?: string;
  env?: Record<string, string>;
}
interface Job {
  env?: Record<string, string>;
  outputs?: Record<string, string>;
  needs?: string | string[];
  steps: Step[];
}
const ROOT = join(__dirname, "..");
const workflow = (file: string): { jobs: Record<string, Job> } => parseYaml(readFileSync(join(ROOT, file), "utf8"));
const preview = workflow(GITHUB_WORKFLOWS.preview);
const reaper = workflow(GITHUB_WORKFLOWS.previewReaper);
const deployYml = workflow(GITHUB_WORKFLOWS.deploy);
const step = (job: Job, name: string): Step => stepNamed(job, name);
const index = (job: Job, name: string) => job.steps.findIndex((s) => s.name === name);

const SITE_BUCKET = "acme-stage-site-123456789012";
const outputs = (prefix = previewSitePrefix(7)) => ({
  site_bucket: { value: SITE_BUCKET },
  site_prefix: { value: prefix },
  site_url: { value: "https://d111111abcdef8.cloudfront.net/previews/pr-7/index.html" },
});

describe("preview.yml: the site is built as deploy.yml builds the host's, and travels in the tarball", () => {
  const { synth, deploy } = preview.jobs;

  it("builds with deploy.yml's very script, named after the pull request, before packing the stack and the site", () => {
    const build = step(synth, "Build the frontend (PLACEHOLDER)");
    expect(build.run).toBe(step(deployYml.jobs.synth, "Build the frontend (PLACEHOLDER)").run);
    expect(build.env).toEqual({ ENVIRONMENT: "pr-${{ github.event.pull_request.number }}", COMMIT_SHA: "${{ github.sha }}" });
    expect(build.if).toBe("steps.gate.outputs.enabled == 'true'");
    expect(synth.env?.SITE_DIR).toBe(deployYml.jobs.synth.env?.SITE_DIR);
    expect(index(synth, "Build the frontend (PLACEHOLDER)")).toBeLessThan(index(synth, "Pack the preview's stack"));
    expect(step(synth, "Pack the preview's stack").run).toMatch(/release\.tar" "\$STACK_DIR" "\$SITE_DIR"\n/);
    expect(deploy.env?.SITE_DIR).toBe(synth.env?.SITE_DIR);
  });

  it("unpacks only the stack and the site: anything else in the tarball is refused before any credential", () => {
    const unpack = step(deploy, "Check the release digest and unpack it").run!;
    const make = (paths: Record<string, string>) => {
      const cwd = mkdtempSync(join(tmpdir(), "preview-site-tar-"));
      const src = join(cwd, "src");
      for (const [path, text] of Object.entries(paths)) {
        mkdirSync(join(src, path, ".."), { recursive: true });
        writeFileSync(join(src, path), text);
      }
      mkdirSync(join(cwd, "release"));
      spawnSync("tar", ["-cf", join(cwd, "release", "release.tar"), "-C", src, ...Object.keys(paths)]);
      const digest = spawnSync("sha256sum", [join(cwd, "release", "release.tar")], { encoding: "utf8" }).stdout.split(" ")[0];
      return bash(unpack, { RELEASE_DIGEST: `sha256:${digest}`, STACK_DIR: "cdktf.out/stacks/preview-pr-7", SITE_DIR: "site-dist" }, cwd);
    };
    const stack = { "cdktf.out/stacks/preview-pr-7/cdk.tf.json": "{}" };
    expect(make({ ...stack, "site-dist/index.html": "<p>pr-7</p>" }).status).toBe(0);
    const other = make({ ...stack, "site-dist/index.html": "x", "elsewhere/run.sh": "x" });
    expect(other.status).toBe(1);
    expect(other.log).toContain("::error::the release holds what it must not (a link, a path outside");
    expect(other.log).toContain("elsewhere/run.sh");
  });
});

describe("preview.yml: the deploy uploads the site under previews/pr-<n>/ and comments its address", () => {
  const { deploy, comment } = preview.jobs;
  const upload = step(deploy, "Upload the preview's site");

  /** A directory with stand-in terraform (the stack's outputs) and aws. */
  function stand(stackOutputs: object) {
    const cwd = mkdtempSync(join(tmpdir(), "preview-site-upload-"));
    const terraform = fakeCommand(cwd, "terraform", `echo '${JSON.stringify(stackOutputs)}'`);
    const aws = fakeCommand(cwd, "aws", "");
    writeFileSync(join(cwd, "summary.md"), "");
    writeFileSync(join(cwd, "output.txt"), "");
    const env = {
      PR: "7",
      STACK_DIR: "cdktf.out/stacks/preview-pr-7",
      SITE_DIR: "site-dist",
      GITHUB_OUTPUT: join(cwd, "output.txt"),
      GITHUB_STEP_SUMMARY: join(cwd, "summary.md"),
    };
    return { cwd, bin: terraform.bin, aws: aws.calls, env, output: () => readFileSync(join(cwd, "output.txt"), "utf8") };
  }

  it("runs after the apply, syncs the site to its prefix with --delete, and outputs its address for the comment", () => {
    expect(index(deploy, "Upload the preview's site")).toBeGreaterThan(index(deploy, "Deploy"));
    const s = stand(outputs());
    const result = bash(upload.run!, s.env, s.cwd, s.bin);
    expect(result).toEqual({ status: 0, log: "" });
    expect(s.aws()).toEqual([`s3 sync site-dist s3://${SITE_BUCKET}/previews/pr-7/ --delete --cache-control no-cache --only-show-errors`]);
    expect(s.output()).toBe("site_url=https://d111111abcdef8.cloudfront.net/previews/pr-7/index.html\n");
    expect(deploy.outputs?.site_url).toBe("${{ steps.site.outputs.site_url }}");
  });

  it("uploads nothing when the stack's prefix is not this pull request's", () => {
    for (const prefix of ["previews/pr-8/", "", "previews/"]) {
      const s = stand(outputs(prefix));
      const result = bash(upload.run!, s.env, s.cwd, s.bin);
      expect(result.status).toBe(1);
      expect(result.log).toContain("::error::the stack's site outputs");
      expect(s.aws()).toEqual([]);
    }
  });

  it("comments the site's address beside the API's", () => {
    expect(comment.env).toMatchObject({ SITE_URL: "${{ needs.deploy.outputs.site_url }}" });
    const cwd = mkdtempSync(join(tmpdir(), "preview-site-comment-"));
    const gh = fakeCommand(cwd, "gh", "");
    const env = {
      PR: "7",
      PREVIEW_URL: "http://alb.example/pr-7/",
      SITE_URL: "https://d111111abcdef8.cloudfront.net/previews/pr-7/index.html",
      MONTHLY: "12.34",
      DAILY: "0.41",
      GITHUB_SHA: "abc123",
      GITHUB_REPOSITORY: "acme/platform",
    };
    expect(bash(step(comment, "Comment the preview's address and cost").run!, env, cwd, gh.bin).status).toBe(0);
    expect(gh.calls().join("\n")).toContain(
      "**Preview** of abc123: http://alb.example/pr-7/\nSite: https://d111111abcdef8.cloudfront.net/previews/pr-7/index.html\n",
    );
  });
});

describe("destroy: the site goes with the preview, in preview.yml and the reaper alike", () => {
  const destroy = preview.jobs.destroy;
  const remove = step(destroy, "Delete the preview's site");

  it("is one of the destroy's steps in both files, before the empty state is removed", () => {
    expect(step(reaper.jobs.destroy, "Delete the preview's site")).toEqual(remove);
    expect(index(destroy, "Delete the preview's site")).toBeGreaterThan(index(destroy, "Destroy the preview's stack"));
    expect(index(destroy, "Delete the preview's site")).toBeLessThan(index(destroy, "Remove the preview's empty state"));
  });

  it("refuses, deleting nothing, when the default branch's stack names no site bucket", () => {
    const cwd = mkdtempSync(join(tmpdir(), "preview-site-destroy-"));
    mkdirSync(join(cwd, "cdktf.out/stacks/preview-pr-7"), { recursive: true });
    writeFileSync(join(cwd, "cdktf.out/stacks/preview-pr-7/cdk.tf.json"), JSON.stringify({ output: {} }));
    const aws = fakeCommand(cwd, "aws", "exit 2");
    const result = bash(remove.run!, { PR: "7", STACK_DIR: "cdktf.out/stacks/preview-pr-7" }, cwd, aws.bin);
    expect(result.status).toBe(1);
    expect(result.log).toContain("has no site_bucket output naming a bucket");
    expect(aws.calls()).toEqual([]);
  });
});

describe("deploy.yml: the host's own upload", () => {
  it("excludes previews/*, so its --delete never reaches the previews' sites", () => {
    expect(step(deployYml.jobs.deploy, "Upload the frontend").run).toBe(
      `aws s3 sync "$SITE_DIR" "s3://$SITE_BUCKET" --delete --exclude 'previews/*' --only-show-errors`,
    );
  });
});

describeIfAvailable("the site steps with the AWS CLI against the emulator", emulatorMissing(), () => {
  let emulator: Emulator;
  let env: Record<string, string>;
  const aws = (...args: string[]) => {
    const result = spawnSync("aws", args, { env: { ...process.env, ...env }, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`aws ${args.join(" ")}: ${result.stderr}`);
    return result.stdout;
  };
  const put = (key: string, body = key) => aws("s3api", "put-object", "--bucket", SITE_BUCKET, "--key", key, "--body", write(body));
  let scratch: string;
  const write = (text: string) => {
    const file = join(scratch, `body-${Math.random().toString(36).slice(2)}`);
    writeFileSync(file, text);
    return file;
  };
  const keys = () =>
    JSON.parse(aws("s3api", "list-objects-v2", "--bucket", SITE_BUCKET, "--output", "json")).Contents?.map((o: any) => o.Key) ?? [];
  const versions = (prefix: string) => {
    const listed = JSON.parse(aws("s3api", "list-object-versions", "--bucket", SITE_BUCKET, "--prefix", prefix, "--output", "json"));
    return [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].map((v: any) => v.Key);
  };

  beforeAll(async () => {
    emulator = await startEmulator({ accountId: "123456789012" });
    scratch = mkdtempSync(join(tmpdir(), "preview-site-moto-"));
    env = {
      AWS_ENDPOINT_URL: emulator.endpoint,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_DEFAULT_REGION: "eu-west-1",
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      // The AWS CLI may be a pyenv shim, which finds its Python from these.
      HOME: process.env.HOME ?? scratch,
      ...(process.env.PYENV_ROOT && { PYENV_ROOT: process.env.PYENV_ROOT }),
    };
    aws("s3api", "create-bucket", "--bucket", SITE_BUCKET, "--create-bucket-configuration", "LocationConstraint=eu-west-1");
    aws("s3api", "put-bucket-versioning", "--bucket", SITE_BUCKET, "--versioning-configuration", "Status=Enabled");
  }, 90_000);
  afterAll(async () => {
    await emulator?.stop();
  });

  it("a deploy of the host replaces its own files and keeps every preview's", () => {
    for (const key of ["index.html", "old.js", "previews/pr-7/index.html", "previews/pr-8/app.js"]) put(key);
    const cwd = mkdtempSync(join(tmpdir(), "host-upload-"));
    mkdirSync(join(cwd, "site-dist"));
    writeFileSync(join(cwd, "site-dist", "index.html"), "new");
    const run = step(deployYml.jobs.deploy, "Upload the frontend").run!;
    expect(bash(run, { ...env, SITE_DIR: "site-dist", SITE_BUCKET }, cwd)).toEqual({ status: 0, log: "" });
    expect(keys().sort()).toEqual(["index.html", "previews/pr-7/index.html", "previews/pr-8/app.js"]);
    // Without the exclusion the same sync deletes them: the test can fail.
    const unguarded = run.replace(" --exclude 'previews/*'", "");
    expect(bash(unguarded, { ...env, SITE_DIR: "site-dist", SITE_BUCKET }, cwd).status).toBe(0);
    expect(keys()).toEqual(["index.html"]);
  });

  it("a preview's upload and destroy touch its own prefix only, and the destroy leaves no version behind", () => {
    for (const key of ["index.html", "previews/pr-70/index.html", "previews/pr-7/stale.js"]) put(key);
    const cwd = mkdtempSync(join(tmpdir(), "preview-upload-"));
    mkdirSync(join(cwd, "site-dist/assets"), { recursive: true });
    writeFileSync(join(cwd, "site-dist/index.html"), "pr-7");
    writeFileSync(join(cwd, "site-dist/assets/app.js"), "js");
    const terraform = fakeCommand(cwd, "terraform", `echo '${JSON.stringify(outputs())}'`);
    writeFileSync(join(cwd, "out.txt"), "");
    const upload = step(preview.jobs.deploy, "Upload the preview's site").run!;
    const deployEnv = {
      ...env,
      PR: "7",
      STACK_DIR: "x",
      SITE_DIR: "site-dist",
      GITHUB_OUTPUT: join(cwd, "out.txt"),
      GITHUB_STEP_SUMMARY: "/dev/null",
    };
    expect(bash(upload, deployEnv, cwd, terraform.bin).status).toBe(0);
    expect(bash(upload, deployEnv, cwd, terraform.bin).status).toBe(0);
    expect(keys().sort()).toEqual(["index.html", "previews/pr-7/assets/app.js", "previews/pr-7/index.html", "previews/pr-70/index.html"]);
    const head = JSON.parse(aws("s3api", "head-object", "--bucket", SITE_BUCKET, "--key", "previews/pr-7/index.html", "--output", "json"));
    expect(head.CacheControl).toBe("no-cache");
    // stale.js is now a delete marker over a noncurrent version: the destroy takes both.
    expect(versions("previews/pr-7/")).toContain("previews/pr-7/stale.js");

    mkdirSync(join(cwd, "cdktf.out/stacks/preview-pr-7"), { recursive: true });
    const stack = { output: { site_bucket: { value: SITE_BUCKET } } };
    writeFileSync(join(cwd, "cdktf.out/stacks/preview-pr-7/cdk.tf.json"), JSON.stringify(stack));
    const remove = step(preview.jobs.destroy, "Delete the preview's site").run!;
    const result = bash(remove, { ...env, PR: "7", STACK_DIR: "cdktf.out/stacks/preview-pr-7" }, cwd);
    expect(result.status).toBe(0);
    expect(result.log).toMatch(new RegExp(`^deleted \\d+ version\\(s\\) of the site of pr-7 from s3://${SITE_BUCKET}/previews/pr-7/\\n$`));
    expect(versions("previews/pr-7/")).toEqual([]);
    expect(keys().sort()).toEqual(["index.html", "previews/pr-70/index.html"]);
    // Run again (a retried destroy): nothing left, nothing else touched.
    expect(bash(remove, { ...env, PR: "7", STACK_DIR: "cdktf.out/stacks/preview-pr-7" }, cwd).log).toContain("deleted 0 version(s)");
    expect(keys().sort()).toEqual(["index.html", "previews/pr-70/index.html"]);
  });
});
