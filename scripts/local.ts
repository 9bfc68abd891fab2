/**
 * `npm run local`: the platform in a local AWS sandbox, no AWS account needed. Starts the emulator
 * (moto, patched by emulator/moto_server.py) on a free loopback port, deploys bootstrap and then stage
 * with the real `cdktf deploy` (state in the emulated bucket, locks in the emulated table), prints
 * stage's outputs, and stops the emulator when done or interrupted.
 *
 * Everything it writes is under .sandbox/ (git-ignored), never cdktf.out or the real bootstrap state.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadPlatform } from "../config/load";
import { Naming } from "../config/naming";
import { validate } from "../config/validate";
import { type Emulator, emulatorMissing, startEmulator } from "../emulator/driver";
import { mirrorHoldsProvider, pluginMirror, writeTerraformCliConfig } from "../emulator/terraform-cli-config";
import { errorText } from "../lib/cli";
import { SANDBOX_DIR } from "../lib/local-target";

const ROOT = resolve(__dirname, "..");
const SANDBOX = join(ROOT, SANDBOX_DIR);
const OUTDIR = join(SANDBOX, "cdktf.out");
const STACKS = ["bootstrap", "stage"];

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

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: "inherit" });
    child.on("close", (code) => done(code ?? 1));
  });
}

async function main(): Promise<void> {
  // The configuration first: its error is the same with or without the tools.
  const platform = validate(loadPlatform());
  const missing = terraformMissing() ?? emulatorMissing();
  if (missing) return fail(missing);

  rmSync(SANDBOX, { recursive: true, force: true });
  mkdirSync(SANDBOX, { recursive: true });

  process.on("SIGINT", () => void stop(130));
  process.on("SIGTERM", () => void stop(143));

  emulator = await startEmulator({ accountId: platform.project.accountId, logFile: join(SANDBOX, "moto.log") });
  console.log(`Local AWS emulator on ${emulator.endpoint} (log: .sandbox/moto.log)`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...terraformCliConfig(),
    PLATFORM_LOCAL_ENDPOINT: emulator.endpoint,
    CHECKPOINT_DISABLE: "1",
  };

  // One stack at a time: stage keeps its state in the bucket bootstrap creates.
  for (const stack of STACKS) {
    console.log(`\n== cdktf deploy ${stack} (local)`);
    const code = await run("npx", ["cdktf", "deploy", stack, "--auto-approve", "--skip-provider-lock", "--output", OUTDIR], env);
    if (code !== 0) {
      console.error(`npm run local: deploying ${stack} failed (exit ${code}); the emulator's log is .sandbox/moto.log`);
      return stop(code);
    }
  }

  console.log("\n== stage outputs (local)");
  await run("terraform", [`-chdir=${join(OUTDIR, "stacks", "stage")}`, "output"], env);
  const naming = new Naming(platform.project);
  console.log(
    `\nStage's state is s3://${naming.stateBucket}/${naming.stateKey("stage")} in the emulator; it is gone when the emulator stops.`,
  );
  await stop(0);
}

// A configuration error prints its message alone; a bug prints its stack.
void main().catch((error: unknown) => fail(errorText(error)));
