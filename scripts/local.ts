/**
 * `npm run local`: the platform in a local AWS sandbox, no AWS account needed. Starts the emulator
 * (moto, patched by emulator/moto_server.py) on a free loopback port, synthesizes the stacks for it
 * (main.ts with PLATFORM_LOCAL_ENDPOINT), then deploys, with the real Terraform, the bootstrap of
 * each account and the environments asked for (`--env`, default stage): state in the emulated
 * buckets, locks in the emulated tables. Prints one line per stack and phase and the environments'
 * outputs once at the end; the commands' own output goes to .sandbox/local.log. Stops the emulator
 * when done or interrupted. `--help` prints the usage (scripts/local-plan.ts) and does nothing else.
 *
 * Everything it writes is under .sandbox/ (git-ignored), never cdktf.out or the real bootstrap state.
 */
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadPlatform } from "../config/load";
import { Naming } from "../config/naming";
import { validate } from "../config/validate";
import { type Emulator, emulatorMissing, startEmulator } from "../emulator/driver";
import { mirrorHoldsProvider, pluginMirror, writeTerraformCliConfig } from "../emulator/terraform-cli-config";
import { errorText } from "../lib/cli";
import { SANDBOX_DIR } from "../lib/local-target";
import { LOCAL_USAGE, localPlan, parseLocalArgs } from "./local-plan";

const ROOT = resolve(__dirname, "..");
const SANDBOX = join(ROOT, SANDBOX_DIR);
const OUTDIR = join(SANDBOX, "cdktf.out");
/** The full output of every command this run starts. */
const LOG = join(SANDBOX, "local.log");
const SHOWN_LOG = `${SANDBOX_DIR}/local.log`;

/** The emulator this run started, stopped on every way out (done, failure, Ctrl-C). */
let emulator: Emulator | undefined;

async function stop(code: number): Promise<never> {
  await emulator?.stop();
  process.exit(code);
}

async function fail(message: string): Promise<never> {
  console.error(`npm run local: ${message}`);
  return stop(1);
}

function terraformMissing(): string | undefined {
  const result = spawnSync("terraform", ["version"], { encoding: "utf8" });
  return result.error ? "terraform is not installed (https://developer.hashicorp.com/terraform/install, >= 1.10)" : undefined;
}

/** On a machine with a provider mirror (offline), point Terraform at it; otherwise use the registry. */
function terraformCliConfig(): Record<string, string> {
  const configured = process.env.TF_CLI_CONFIG_FILE;
  if (configured && existsSync(configured)) return {};
  const mirror = pluginMirror();
  if (!mirrorHoldsProvider(mirror)) return configured ? { TF_CLI_CONFIG_FILE: "" } : {};
  return { TF_CLI_CONFIG_FILE: writeTerraformCliConfig(join(SANDBOX, "terraform.rc"), mirror) };
}

/** Runs a command with its output appended to the log; resolves with its exit code. */
function logged(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  appendFileSync(LOG, `\n$ ${[command, ...args].join(" ")}\n`);
  const fd = openSync(LOG, "a");
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", fd, fd] });
    child.on("error", () => done(127));
    child.on("close", (code) => done(code ?? 1));
  });
}

/** The last line of the log that says what went wrong (Terraform's "Error: ..."), or "". */
function lastErrorLine(from: number): string {
  const lines = readFileSync(LOG, "utf8").slice(from).split("\n");
  return (
    lines
      .reverse()
      .find((line) => /^\s*(│\s*)?Error:/.test(line))
      ?.replace(/^\s*(│\s*)?/, "") ?? ""
  );
}

/**
 * One phase of one stack as one line: `<stack>  <phase> ... done (12 s)`; on a failure the run
 * stops with one line that names the stack, the phase, Terraform's error and the log.
 */
async function phase(stack: string, name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const started = Date.now();
  const from = readFileSync(LOG, "utf8").length;
  process.stdout.write(`${stack.padEnd(16)} ${name.padEnd(6)} ...`);
  const code = await logged(command, args, env);
  const seconds = Math.round((Date.now() - started) / 1000);
  process.stdout.write(code === 0 ? ` done (${seconds} s)\n` : " failed\n");
  if (code !== 0) {
    const error = lastErrorLine(from);
    await fail(
      `${stack} ${name} failed (exit ${code})${error ? `: ${error}` : ""}; the full log is ${SHOWN_LOG}, the emulator's .sandbox/moto.log`,
    );
  }
}

/** An environment's outputs as `terraform output` prints them. */
function outputs(stack: string, env: NodeJS.ProcessEnv): string {
  const result = spawnSync("terraform", [`-chdir=${join(OUTDIR, "stacks", stack)}`, "output", "-no-color"], {
    cwd: ROOT,
    env,
    encoding: "utf8",
  });
  appendFileSync(LOG, `\n$ terraform output (${stack})\n${result.stdout}${result.stderr}`);
  return result.status === 0 ? result.stdout.trimEnd() : `(terraform output failed; see ${SHOWN_LOG})`;
}

async function main(): Promise<void> {
  const args = parseLocalArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(LOCAL_USAGE);
    return;
  }
  // The configuration first: its error is the same with or without the tools.
  const platform = validate(loadPlatform());
  const plan = localPlan(platform, args.envs);
  const missing = terraformMissing() ?? emulatorMissing();
  if (missing) return fail(missing);

  rmSync(SANDBOX, { recursive: true, force: true });
  mkdirSync(SANDBOX, { recursive: true });
  appendFileSync(LOG, `npm run local: ${plan.stacks.map((s) => s.stack).join(", ")}\n`);

  process.on("SIGINT", () => void stop(130));
  process.on("SIGTERM", () => void stop(143));

  emulator = await startEmulator({ accountId: platform.project.accountId, logFile: join(SANDBOX, "moto.log") });
  console.log(`Local AWS emulator on ${emulator.endpoint}; full log: ${SHOWN_LOG}, the emulator's: ${SANDBOX_DIR}/moto.log`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...terraformCliConfig(),
    PLATFORM_LOCAL_ENDPOINT: emulator.endpoint,
    CDKTF_OUTDIR: OUTDIR,
    IMAGE_TAG: "",
    IMAGE_DIGEST: "",
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
  };

  await phase("all stacks", "synth", process.execPath, ["--import", "tsx", join(ROOT, "main.ts")], env);
  // One stack at a time: an environment keeps its state in the bucket its account's bootstrap creates.
  for (const { stack } of plan.stacks) {
    const chdir = `-chdir=${join(OUTDIR, "stacks", stack)}`;
    await phase(stack, "init", "terraform", [chdir, "init", "-input=false", "-no-color"], env);
    await phase(stack, "apply", "terraform", [chdir, "apply", "-auto-approve", "-input=false", "-no-color"], env);
  }

  for (const name of plan.envs) {
    const naming = Naming.forEnvironment(platform.project, platform.environments.find((e) => e.name === name)!);
    console.log(`\n== ${name} outputs (local)\n${outputs(name, env)}`);
    console.log(`State: s3://${naming.stateBucket}/${naming.stateKey(name)} in the emulator (account ${naming.accountId}).`);
  }
  console.log("\nEverything above is gone when the emulator stops (now).");
  await stop(0);
}

// A configuration or input error prints its message alone; a bug prints its stack.
void main().catch((error: unknown) => fail(errorText(error)));
