/**
 * The commands users run, run as they run them: `main.ts` (what `cdktf synth` / `deploy` execute)
 * and `npm run local`'s script, in child processes.
 *
 * Each command is started when the file is collected and runs in the background, at most two at
 * a time; each test awaits the run it checks. A run is mostly node loading the app (seconds of
 * CPU, even for a command that refuses its input), and one after the other they made this the
 * longest file of the suite.
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { GITHUB_STACK, platformAccounts } from "../config/naming";
import { ConfigError, validate } from "../config/validate";
import { sampleConfig } from "./support/sample";

const ROOT = resolve(__dirname, "..");
/** Every stack main.ts synthesizes from the shipped config: each account's bootstrap, github, each environment. */
const STACKS = [
  ...platformAccounts(sampleConfig()).map((a) => a.bootstrapStack),
  GITHUB_STACK,
  ...sampleConfig().environments.map((e) => e.name),
];
const ENV = { CHECKPOINT_DISABLE: "1", PLATFORM_LOCAL_ENDPOINT: "", IMAGE_TAG: "", IMAGE_DIGEST: "" };

/** How a command ended and what it printed. */
interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Commands queued by `run`, and how many of them are running. */
const queue: (() => void)[] = [];
let running = 0;
/** Two at a time: the machine's two cores, shared with the other jest worker. */
const AT_ONCE = 2;

function next(): void {
  while (running < AT_ONCE && queue.length > 0) {
    running++;
    queue.shift()!();
  }
}

/** Starts a command when a slot is free; resolves when it exits (a failure to start is a status of null). */
function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve) => {
    queue.push(() => {
      let stdout = "";
      let stderr = "";
      let ended = false;
      // Once: a child that fails to start can report both "error" and "close".
      const done = (status: number | null, error?: Error) => {
        if (ended) return;
        ended = true;
        running--;
        resolve({ status, stdout, stderr: error ? `${stderr}${error.message}` : stderr });
        next();
      };
      const child = spawn(command, args, options);
      child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.on("error", (error) => done(null, error));
      child.on("close", (status) => done(status));
    });
    next();
  });
}

/** Runs main.ts the way cdktf.json's `app` does. */
function runMain(env: Record<string, string> = {}, cwd = ROOT): Promise<Run> {
  return run(process.execPath, ["--import", "tsx", "main.ts"], { cwd, env: { ...process.env, ...ENV, ...env } });
}

interface Synth {
  readonly outdir: string;
  readonly stacks: Record<string, any>;
  readonly stderr: string;
}

/** Runs main.ts the way cdktf.json's `app` does, into a fresh output directory; reads back the stacks it wrote. */
async function synthMain(
  env: Record<string, string> = {},
  seed?: (outdir: string) => void,
  outdir = mkdtempSync(join(tmpdir(), "main-synth-")),
): Promise<Synth> {
  seed?.(outdir);
  const result = await runMain({ CDKTF_OUTDIR: outdir, ...env });
  if (result.status !== 0) throw new Error(`main.ts exited ${result.status}: ${result.stderr}`);
  const stacks = Object.fromEntries(
    readdirSync(join(outdir, "stacks")).map((s) => [s, JSON.parse(readFileSync(join(outdir, "stacks", s, "cdk.tf.json"), "utf8"))]),
  );
  return { outdir, stacks, stderr: result.stderr };
}

/**
 * Starts `start` now and returns a getter for its result. The getter is what the tests await; a
 * failure surfaces in the tests that use the result, not as an unhandled rejection.
 */
function started<T>(start: () => Promise<T>): () => Promise<T> {
  const promise = start();
  promise.catch(() => undefined);
  return () => promise;
}

/**
 * A copy of the repository's sources (node_modules linked), for what a user does to their checkout:
 * edit the configuration, run from elsewhere, synthesize into its default cdktf.out.
 */
function checkoutCopy(): string {
  const copy = mkdtempSync(join(tmpdir(), "checkout-"));
  const skip = /^(node_modules|\.git|cdktf\.out|audit\.out|\.sandbox|\.terraform)$/;
  cpSync(ROOT, copy, { recursive: true, filter: (src) => !skip.test(relative(ROOT, src).split("/")[0]) });
  symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"));
  return copy;
}

/** What a stack creates and exposes, without cdktf's metadata (construct paths, which are equal anyway). */
function infrastructure(tf: any) {
  const strip = (v: unknown): unknown => JSON.parse(JSON.stringify(v ?? {}), (k, value) => (k === "//" ? undefined : value));
  return { resource: strip(tf.resource), data: strip(tf.data), output: strip(tf.output) };
}

describe("main.ts", () => {
  const plainRun = started(() =>
    synthMain({}, (outdir) => {
      // What `cdktf synth --hcl` into the same directory leaves behind.
      mkdirSync(join(outdir, "stacks", "stage"), { recursive: true });
      writeFileSync(join(outdir, "stacks", "stage", "cdk.tf"), 'terraform { backend "s3" {} }\n');
    }),
  );
  const taggedRun = started(() => synthMain({ IMAGE_TAG: "0123abc" }));
  const deepRun = started(() => synthMain({}, undefined, join(mkdtempSync(join(tmpdir(), "main-synth-")), "a", "b", "c", "d")));
  const digest = `sha256:${"0123456789abcdef".repeat(4)}`;
  const pinnedRun = started(() => synthMain({ IMAGE_DIGEST: digest }));

  it("synthesizes every stack", async () => {
    expect(STACKS).toEqual(["bootstrap", "bootstrap-prod", "github", "stage", "prod"]);
    const plain = await plainRun();
    for (const stack of STACKS) expect(Object.keys(plain.stacks[stack].resource ?? {}).length).toBeGreaterThan(0);
  });

  it("removes an HCL file a previous synth left, so the next deploy sees one backend", async () => {
    const plain = await plainRun();
    expect(existsSync(join(plain.outdir, "stacks", "stage", "cdk.tf"))).toBe(false);
    expect(existsSync(join(plain.outdir, "stacks", "stage", "cdk.tf.json"))).toBe(true);
  });

  const image = (tf: any) => JSON.parse(Object.values<any>(tf.resource.aws_ecs_task_definition)[0].container_definitions)[0].image;

  it("passes IMAGE_TAG to the environment stacks' task definitions", async () => {
    const tagged = (await taggedRun()).stacks.stage;
    const plain = await plainRun();
    expect(image(tagged)).toMatch(/:0123abc$/);
    expect(image(plain.stacks.stage)).toMatch(/:latest$/);
  });

  it("keeps the bootstrap's state file in the repository root, whatever the output directory's depth", async () => {
    const deep = await deepRun();
    const plain = await plainRun();
    const statePath = (stacks: Record<string, any>) => stacks.bootstrap.terraform.backend.local.path;
    expect(statePath(deep.stacks)).toBe(join(ROOT, "terraform.bootstrap.tfstate"));
    expect(statePath(plain.stacks)).toBe(statePath(deep.stacks));
  });

  it("prints nothing on a normal synth", async () => {
    const plain = await plainRun();
    expect(plain.stderr).toBe("");
  });

  it("passes IMAGE_DIGEST, as CI deploys, to the task definitions of stage and prod", async () => {
    const pinned = (await pinnedRun()).stacks;
    for (const env of ["stage", "prod"]) {
      expect(image(pinned[env])).toMatch(/^\$\{aws_ecr_repository\.\w+\.repository_url\}@sha256:[0-9a-f]{64}$/);
      expect(image(pinned[env]).endsWith(`@${digest}`)).toBe(true);
    }
  });

  describe("refuses a bad release input before synthesizing anything", () => {
    const refused = (env: Record<string, string>) => {
      const outdir = join(mkdtempSync(join(tmpdir(), "main-refused-")), "cdktf.out");
      return { outdir, result: started(() => runMain({ CDKTF_OUTDIR: outdir, ...env })) };
    };
    it.each([
      ["IMAGE_DIGEST", refused({ IMAGE_DIGEST: "abc" }), /^IMAGE_DIGEST "abc" is not an image digest; use "sha256:"/],
      ["IMAGE_TAG", refused({ IMAGE_TAG: "v1 release" }), /^IMAGE_TAG "v1 release" is not a valid image tag/],
      [
        "IMAGE_DIGEST and IMAGE_TAG together",
        refused({ IMAGE_DIGEST: `sha256:${"a".repeat(64)}`, IMAGE_TAG: "0123abc" }),
        /^IMAGE_DIGEST and IMAGE_TAG are both set; .*: unset one$/,
      ],
    ])("%s: one line on stderr naming the variable, exit 1, no cdktf.out", async (_case, { outdir, result: refusedRun }, message) => {
      const result = await refusedRun();
      expect(result.status).toBe(1);
      expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(message)]);
      expect(result.stdout).toBe("");
      expect(existsSync(outdir)).toBe(false);
    });
  });

  describe("refuses an output directory it must not write to (issue 21, class 8)", () => {
    const file = join(mkdtempSync(join(tmpdir(), "main-outdir-")), "a-file");
    writeFileSync(file, "keep me\n");
    const sourceDir = join(ROOT, "config", "cdktf.out");
    const fileRun = started(() => runMain({ CDKTF_OUTDIR: file }));
    const sourceRun = started(() => runMain({ CDKTF_OUTDIR: sourceDir }));
    const rootRun = started(() => runMain({ CDKTF_OUTDIR: ROOT }));
    it.each([
      ["a file", fileRun, /^CDKTF_OUTDIR ".*a-file" is a file, not a directory; name a directory/],
      ["a folder of the sources", sourceRun, /^CDKTF_OUTDIR ".*config\/cdktf\.out" is inside the source tree; use "cdktf\.out"/],
      ["the checkout itself", rootRun, /^CDKTF_OUTDIR ".*" is inside the source tree/],
    ])("%s: one line, exit 1, nothing written", async (_what, refusedRun, message) => {
      const result = await refusedRun();
      expect(result.status).toBe(1);
      expect(result.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(message)]);
      expect(readFileSync(file, "utf8")).toBe("keep me\n");
      expect(existsSync(sourceDir)).toBe(false);
      expect(existsSync(join(ROOT, "stacks", "stage"))).toBe(false);
    });
  });

  describe("with PLATFORM_LOCAL_ENDPOINT (the local sandbox)", () => {
    const localRun = started(() => synthMain({ PLATFORM_LOCAL_ENDPOINT: "http://127.0.0.1:4566" }));

    it("leaves the github stack out (GitHub has no emulator) and says so in one line", async () => {
      const run = await localRun();
      expect(Object.keys(run.stacks).sort()).toEqual(STACKS.filter((s) => s !== "github").sort());
      expect(run.stderr.trimEnd().split("\n")).toEqual([
        expect.stringMatching(/^PLATFORM_LOCAL_ENDPOINT is set: the github stack is left out/),
      ]);
    });

    it("keeps the bootstrap's emulator state under .sandbox/, which npm run local resets", async () => {
      const local = (await localRun()).stacks;
      expect(local.bootstrap.terraform.backend.local.path).toBe(join(ROOT, ".sandbox", "terraform.bootstrap.local.tfstate"));
    });

    it.each(STACKS.filter((s) => s !== "github"))(
      "changes only where %s's provider and backend point, not what it creates",
      async (stack) => {
        const local = (await localRun()).stacks;
        const plain = await plainRun();
        expect(infrastructure(local[stack])).toEqual(infrastructure(plain.stacks[stack]));
        const endpoints = local[stack].provider.aws[0].endpoints;
        expect(endpoints[0].s3).toBe("http://127.0.0.1:4566");
        expect(plain.stacks[stack].provider.aws[0].endpoints).toBeUndefined();
      },
    );
  });
});

describe("main.ts run as a user runs it", () => {
  const copy = checkoutCopy();
  // `node --import tsx` resolves tsx from the working directory; from elsewhere, name tsx's loader.
  const tsxLoader = (root: string): string => {
    const exported = JSON.parse(readFileSync(join(root, "node_modules", "tsx", "package.json"), "utf8")).exports["."];
    return pathToFileURL(join(root, "node_modules", "tsx", typeof exported === "string" ? exported : exported.import)).href;
  };

  const cwd = mkdtempSync(join(tmpdir(), "elsewhere-"));
  const elsewhereRun = started(() => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...ENV };
    delete env.CDKTF_OUTDIR;
    return run(process.execPath, ["--import", tsxLoader(copy), join(copy, "main.ts")], { cwd, env });
  });
  const endpointRun = started(() =>
    runMain({
      PLATFORM_LOCAL_ENDPOINT: "http://example.com:4566",
      CDKTF_OUTDIR: mkdtempSync(join(tmpdir(), "main-synth-")),
    }),
  );

  it("works from another working directory: the output goes to the repository's cdktf.out, nothing to the working directory", async () => {
    const result = await elsewhereRun();
    expect([result.status, result.stderr]).toEqual([0, ""]);
    expect(readdirSync(cwd)).toEqual([]);
    const bootstrap = JSON.parse(readFileSync(join(copy, "cdktf.out", "stacks", "bootstrap", "cdk.tf.json"), "utf8"));
    expect(bootstrap.terraform.backend.local.path).toBe(join(copy, "terraform.bootstrap.tfstate"));
  });

  it("prints an environment variable's error as its message alone, once, and exits 1", async () => {
    const result = await endpointRun();
    expect(result.status).toBe(1);
    expect(result.stderr.trimEnd().split("\n")).toEqual([
      expect.stringMatching(/^PLATFORM_LOCAL_ENDPOINT "http:\/\/example\.com:4566" is not a loopback URL; use e\.g\./),
    ]);
    expect(result.stdout).toBe("");
  });

  describe("with an invalid configuration", () => {
    const broken = checkoutCopy();
    const platformTs = join(broken, "config", "platform.ts");
    writeFileSync(platformTs, readFileSync(platformTs, "utf8").replace('vpcCidr: "10.10.0.0/16"', 'vpcCidr: "10.10.0.0/33"'));
    const expected = (() => {
      const config = sampleConfig() as any;
      config.environments.find((e: any) => e.network.vpcCidr === "10.10.0.0/16").network.vpcCidr = "10.10.0.0/33";
      try {
        validate(config);
      } catch (error) {
        if (error instanceof ConfigError) return error.message;
      }
      throw new Error("the edited configuration should be invalid");
    })();

    const brokenOutdir = join(mkdtempSync(join(tmpdir(), "main-synth-")), "cdktf.out");
    const brokenRun = started(() => runMain({ CDKTF_OUTDIR: brokenOutdir }, broken));
    // npm run local takes no --out (it refuses options it does not know).
    const script = (path: string, args = ["--out", mkdtempSync(join(tmpdir(), "script-out-"))]) =>
      started(() =>
        run(process.execPath, ["--import", "tsx", path, ...args], {
          cwd: broken,
          env: { ...process.env, ...ENV, BENCH_RUNS: "1" },
        }),
      );
    // cdktf 0.21 shows what the app prints twice on a failure: as it arrives, and again in its summary.
    const cdktfRun = started(() =>
      run(join(ROOT, "node_modules", ".bin", "cdktf"), ["synth", "--output", mkdtempSync(join(tmpdir(), "cdktf-synth-"))], {
        cwd: broken,
        env: { ...process.env, ...ENV, TF_CLI_CONFIG_FILE: "/dev/null" },
      }),
    );

    it("prints only the validator's message, each problem on its own line, exits 1, and writes no output", async () => {
      const outdir = brokenOutdir;
      const result = await brokenRun();
      expect(result.status).toBe(1);
      expect(existsSync(outdir)).toBe(false);
      expect(expected).toMatch(/stage\.network\.vpcCidr "10\.10\.0\.0\/33"/);
      expect(result.stderr.trimEnd().split("\n")).toEqual(expected.split("\n"));
      expect(result.stdout).toBe("");
    });

    it.each([
      ["npm run audit", script("audit/run.ts"), ""],
      ["npm run synth:hcl", script("audit/synth-hcl.ts"), ""],
      ["npm run bench", script("scripts/bench.ts"), ""],
      ["npm run local", script("scripts/local.ts", []), "npm run local: "],
    ])("%s prints only the validator's message and exits 1", async (_, scriptRun, prefix) => {
      const result = await scriptRun();
      expect(result.status).toBe(1);
      expect(result.stderr.trimEnd().split("\n")).toEqual(`${prefix}${expected}`.split("\n"));
    });

    it("prints it once under `cdktf synth` (in cdktf's summary of the app's output), with no stack trace; exit 1", async () => {
      const result = await cdktfRun();
      const output = `${result.stdout}${result.stderr}`;
      expect(result.status).toBe(1);
      const summary = output.slice(output.indexOf("Command output on stderr:"));
      expect(summary.split("Invalid platform configuration").length - 1).toBe(1);
      expect(summary).not.toMatch(/Command output on stdout/);
      expect(output).not.toMatch(/\n\s+at .*\.ts:\d+/);
    });
  });
});

describe("main.ts with a broken configuration file (issue 21, class 5)", () => {
  /** A checkout whose config/platform.ts is edited by `edit`, and main.ts's run in it. */
  const broken = (edit: (text: string) => string) => {
    const copy = checkoutCopy();
    const file = join(copy, "config", "platform.ts");
    writeFileSync(file, edit(readFileSync(file, "utf8")));
    const outdir = join(mkdtempSync(join(tmpdir(), "main-broken-")), "cdktf.out");
    return { outdir, result: started(() => runMain({ CDKTF_OUTDIR: outdir }, copy)) };
  };
  it.each([
    [
      "a syntax error",
      broken((text) => text.replace('name: "stage",', 'name: "stage"')),
      /^ {2}- config\/platform\.ts line \d+:\d+ does not parse: Expected "}" but found "tier"; fix the syntax/,
    ],
    [
      "a renamed export",
      broken((text) => text.replace("export const platform:", "export const platfrom:")),
      /^ {2}- config\/platform\.ts \(exports platfrom\) does not export "platform"/,
    ],
    [
      "a BigInt",
      broken((text) => text.replace("cpu: 256,", "cpu: 256n,")),
      /^ {2}- stage\.service\.cpu 256n is a BigInt; write 256 without the n/,
    ],
  ])("%s: the file or setting in one line, no stack trace, exit 1, no output", async (_what, { outdir, result: brokenRun }, line) => {
    const result = await brokenRun();
    expect(result.status).toBe(1);
    expect(result.stderr.trimEnd().split("\n")).toEqual(["Invalid platform configuration (1 problem):", expect.stringMatching(line)]);
    expect(result.stdout).toBe("");
    expect(existsSync(outdir)).toBe(false);
  });
});

describe("the npm scripts with a configuration file that does not parse (issue 21, class 5)", () => {
  const copy = checkoutCopy();
  const file = join(copy, "config", "platform.ts");
  writeFileSync(file, readFileSync(file, "utf8").replace('name: "stage",', 'name: "stage"'));
  const script = (path: string, args: string[]) =>
    started(() =>
      run(process.execPath, ["--import", "tsx", path, ...args], { cwd: copy, env: { ...process.env, ...ENV, BENCH_RUNS: "1" } }),
    );
  const out = () => mkdtempSync(join(tmpdir(), "script-out-"));
  it.each([
    ["npm run audit", script("audit/run.ts", ["--out", out()]), ""],
    ["npm run synth:hcl", script("audit/synth-hcl.ts", ["--out", out()]), ""],
    ["npm run docs", script("audit/docs.ts", ["--check"]), ""],
    ["npm run bench", script("scripts/bench.ts", ["--out", out()]), ""],
    ["npm run local", script("scripts/local.ts", []), "npm run local: "],
  ])("%s rejects it: the file and line in one line, no stack trace, exit 1", async (_, scriptRun, prefix) => {
    const result = await scriptRun();
    expect(result.status).toBe(1);
    expect(result.stderr.trimEnd().split("\n")).toEqual([
      `${prefix}Invalid platform configuration (1 problem):`,
      expect.stringMatching(/^ {2}- config\/platform\.ts line \d+:\d+ does not parse: Expected "}" but found "tier"; fix the syntax/),
    ]);
  });
});

describe("the npm scripts' input errors", () => {
  const script = (path: string, args: string[], env: Record<string, string> = {}) =>
    started(() => run(process.execPath, ["--import", "tsx", path, ...args], { cwd: ROOT, env: { ...process.env, ...ENV, ...env } }));

  it.each([
    ["npm run audit", script("audit/run.ts", ["--out"]), /^--out needs a directory/],
    [
      "npm run audit",
      script("audit/run.ts", ["--base", "no-such-dir"]),
      /^--base no-such-dir has no stacks\/ directory; pass the output of "cdktf synth --output no-such-dir"/,
    ],
    ["npm run synth:hcl", script("audit/synth-hcl.ts", ["--out"]), /^--out needs a directory/],
    ["npm run bench", script("scripts/bench.ts", [], { BENCH_RUNS: "none" }), /^BENCH_RUNS "none" is not a positive whole number/],
  ])("%s says what is wrong in one line and exits 1", async (_, scriptRun, message) => {
    const result = await scriptRun();
    expect(result.status).toBe(1);
    expect(result.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(message)]);
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
    started(() => run(process.execPath, ["--import", "tsx", "scripts/local.ts"], { cwd: ROOT, env: { ...process.env, PATH: path } }));

  const noTerraform = runLocal(pathWithNodeOnly());
  const noPython = (() => {
    const path = pathWithNodeOnly();
    // A stand-in terraform: only `terraform version` is asked before the emulator check.
    writeFileSync(join(path, "terraform"), "#!/bin/sh\necho Terraform v1.11.4\n", { mode: 0o755 });
    return runLocal(path);
  })();

  // --help must not reach the reset of .sandbox/ (it used to deploy): a file put there survives it.
  const marker = join(ROOT, ".sandbox", `help-marker-${process.pid}`);
  mkdirSync(join(ROOT, ".sandbox"), { recursive: true });
  writeFileSync(marker, "");
  const withArgs = (args: string[]) =>
    started(() => run(process.execPath, ["--import", "tsx", "scripts/local.ts", ...args], { cwd: ROOT, env: { ...process.env, ...ENV } }));
  const helpRun = withArgs(["--help"]);
  const unknownRun = withArgs(["--force"]);
  const unknownEnvRun = withArgs(["--env", "qa"]);

  it("prints its help for --help and does nothing else (issue 21, class 8)", async () => {
    const result = await helpRun();
    expect([result.status, result.stderr]).toEqual([0, ""]);
    expect(result.stdout).toMatch(/^Usage: npm run local \[-- --env <name>/);
    expect(existsSync(marker)).toBe(true);
    rmSync(marker);
  });

  it.each([
    ["an unknown option", unknownRun, /^npm run local: unknown option "--force"; npm run local -- --help lists the options$/],
    ["an unknown environment", unknownEnvRun, /^npm run local: --env "qa" is not an environment of config\/platform\.ts; use one of /],
  ])("refuses %s in one line and exits 1", async (_what, refusedRun, message) => {
    const result = await refusedRun();
    expect(result.status).toBe(1);
    expect(result.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(message)]);
  });

  it("says in one line that terraform is missing, and exits 1", async () => {
    const result = await noTerraform();
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^npm run local: terraform is not installed/)]);
  });

  it("says in one line that python3 (the emulator) is missing, and exits 1", async () => {
    const result = await noPython();
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^npm run local: python3 is not installed/)]);
  });
});
