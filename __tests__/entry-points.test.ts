/**
 * The commands users run, run as they run them: `main.ts` (what `cdktf synth` / `deploy` execute)
 * and `npm run local`'s script, in child processes.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "..");
const STACKS = ["bootstrap", "github", "stage", "prod"];

/** Runs main.ts the way cdktf.json's `app` does, writing to `outdir`; variables a test does not set are unset. */
function runMain(outdir: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ["--import", "tsx", "main.ts"], {
    cwd: ROOT,
    encoding: "utf8",
    env: {
      ...process.env,
      CDKTF_OUTDIR: outdir,
      CHECKPOINT_DISABLE: "1",
      PLATFORM_LOCAL_ENDPOINT: "",
      IMAGE_TAG: "",
      IMAGE_DIGEST: "",
      ...env,
    },
  });
}

/** Runs main.ts into a fresh output directory and reads every stack it wrote. */
function synthMain(env: Record<string, string> = {}, seed?: (outdir: string) => void): { outdir: string; stacks: Record<string, any> } {
  const outdir = mkdtempSync(join(tmpdir(), "main-synth-"));
  seed?.(outdir);
  const result = runMain(outdir, env);
  if (result.status !== 0) throw new Error(`main.ts exited ${result.status}: ${result.stderr}`);
  const stacks = Object.fromEntries(
    STACKS.map((s) => [s, JSON.parse(readFileSync(join(outdir, "stacks", s, "cdk.tf.json"), "utf8"))]),
  );
  return { outdir, stacks };
}

/** What a stack creates and exposes, without cdktf's metadata (construct paths, which are equal anyway). */
function infrastructure(tf: any) {
  const strip = (v: unknown): unknown => JSON.parse(JSON.stringify(v ?? {}), (k, value) => (k === "//" ? undefined : value));
  return { resource: strip(tf.resource), data: strip(tf.data), output: strip(tf.output) };
}

describe("main.ts", () => {
  const plain = synthMain({}, (outdir) => {
    // What `cdktf synth --hcl` into the same directory leaves behind.
    mkdirSync(join(outdir, "stacks", "stage"), { recursive: true });
    writeFileSync(join(outdir, "stacks", "stage", "cdk.tf"), 'terraform { backend "s3" {} }\n');
  });

  it("synthesizes every stack", () => {
    for (const stack of STACKS) expect(Object.keys(plain.stacks[stack].resource ?? {}).length).toBeGreaterThan(0);
  });

  it("removes an HCL file a previous synth left, so the next deploy sees one backend", () => {
    expect(existsSync(join(plain.outdir, "stacks", "stage", "cdk.tf"))).toBe(false);
    expect(existsSync(join(plain.outdir, "stacks", "stage", "cdk.tf.json"))).toBe(true);
  });

  const image = (tf: any) => JSON.parse(Object.values<any>(tf.resource.aws_ecs_task_definition)[0].container_definitions)[0].image;

  it("passes IMAGE_TAG to the environment stacks' task definitions", () => {
    const tagged = synthMain({ IMAGE_TAG: "0123abc" }).stacks.stage;
    expect(image(tagged)).toMatch(/:0123abc$/);
    expect(image(plain.stacks.stage)).toMatch(/:latest$/);
  });

  it("passes IMAGE_DIGEST, as CI deploys, to the task definitions of stage and prod", () => {
    const digest = `sha256:${"0123456789abcdef".repeat(4)}`;
    const pinned = synthMain({ IMAGE_DIGEST: digest }).stacks;
    for (const env of ["stage", "prod"]) {
      expect(image(pinned[env])).toMatch(/^\$\{aws_ecr_repository\.\w+\.repository_url\}@sha256:[0-9a-f]{64}$/);
      expect(image(pinned[env]).endsWith(`@${digest}`)).toBe(true);
    }
  });

  describe("refuses a bad release input before synthesizing anything", () => {
    it.each([
      ["IMAGE_DIGEST", { IMAGE_DIGEST: "abc" }, /^IMAGE_DIGEST "abc" is not an image digest; use "sha256:"/],
      ["IMAGE_TAG", { IMAGE_TAG: "v1 release" }, /^IMAGE_TAG "v1 release" is not a valid image tag/],
      [
        "IMAGE_DIGEST and IMAGE_TAG together",
        { IMAGE_DIGEST: `sha256:${"a".repeat(64)}`, IMAGE_TAG: "0123abc" },
        /^IMAGE_DIGEST and IMAGE_TAG are both set; .*: unset one$/,
      ],
    ])("%s: one line on stderr naming the variable, exit 1, no cdktf.out", (_case, env, message) => {
      const outdir = join(mkdtempSync(join(tmpdir(), "main-refused-")), "cdktf.out");
      const result = runMain(outdir, env);
      expect(result.status).toBe(1);
      expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(message)]);
      expect(result.stdout).toBe("");
      expect(existsSync(outdir)).toBe(false);
    });
  });

  describe("with PLATFORM_LOCAL_ENDPOINT (the local sandbox)", () => {
    const local = synthMain({ PLATFORM_LOCAL_ENDPOINT: "http://127.0.0.1:4566" }).stacks;

    it.each(STACKS.filter((s) => s !== "github"))("changes only where %s's provider and backend point, not what it creates", (stack) => {
      expect(infrastructure(local[stack])).toEqual(infrastructure(plain.stacks[stack]));
      const endpoints = local[stack].provider.aws[0].endpoints;
      expect(endpoints[0].s3).toBe("http://127.0.0.1:4566");
      expect(plain.stacks[stack].provider.aws[0].endpoints).toBeUndefined();
    });
  });
});

describe("npm run local", () => {
  /** A directory for PATH holding only node (and what a test writes into it). */
  function pathWithNodeOnly(): string {
    const dir = mkdtempSync(join(tmpdir(), "path-"));
    symlinkSync(process.execPath, join(dir, "node"));
    return dir;
  }

  const runLocal = (path: string) =>
    spawnSync(process.execPath, ["--import", "tsx", "scripts/local.ts"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, PATH: path } });

  it("says in one line that terraform is missing, and exits 1", () => {
    const result = runLocal(pathWithNodeOnly());
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^npm run local: terraform is not installed/)]);
  });

  it("says in one line that python3 (the emulator) is missing, and exits 1", () => {
    const path = pathWithNodeOnly();
    // A stand-in terraform: only `terraform version` is asked before the emulator check.
    writeFileSync(join(path, "terraform"), "#!/bin/sh\necho Terraform v1.11.4\n", { mode: 0o755 });
    const result = runLocal(path);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^npm run local: python3 is not installed/)]);
  });
});
