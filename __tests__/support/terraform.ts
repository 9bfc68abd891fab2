import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { mirroredProviderDir, pluginMirror, writeTerraformCliConfig } from "../../emulator/terraform-cli-config";

/** Where the offline AWS provider lives; TF_PLUGIN_MIRROR overrides it. */
export const PLUGIN_MIRROR = pluginMirror();
const AWS_PLUGIN = mirroredProviderDir(PLUGIN_MIRROR);

export function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Why terraform cannot run here, or undefined when it can. */
export function terraformMissing(): string | undefined {
  if (!findOnPath("terraform")) return "terraform is not on PATH";
  if (!existsSync(AWS_PLUGIN)) return `no AWS provider mirror at ${AWS_PLUGIN} (set TF_PLUGIN_MIRROR)`;
  return undefined;
}

/**
 * `describe` for suites that need a real tool: where it is missing they print one line and skip,
 * except under CI=true, where a missing tool fails the run instead of passing silently.
 */
export function describeIfAvailable(name: string, missing: string | undefined, body: () => void): void {
  if (missing === undefined) {
    describe(name, body);
  } else if (process.env.CI === "true") {
    describe(name, () => {
      it("has what it needs under CI", () => {
        throw new Error(`${name}: ${missing}; CI must provide it`);
      });
    });
  } else {
    // One plain line (console.log under jest adds a header and a stack location).
    process.stdout.write(`skipping "${name}": ${missing}\n`);
    describe.skip(name, body);
  }
}

let cliConfig: string | undefined;

/** A Terraform CLI config that installs the AWS provider from the local mirror only (no network). */
export function terraformCliConfig(): string {
  if (cliConfig) return cliConfig;
  cliConfig = writeTerraformCliConfig(join(mkdtempSync(join(tmpdir(), "tf-cli-")), "terraform.rc"), PLUGIN_MIRROR);
  return cliConfig;
}

export interface TerraformResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment terraform runs with in tests: offline CLI config, no telemetry, no prompts. */
export function terraformEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TF_CLI_CONFIG_FILE: terraformCliConfig(),
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    ...extra,
  };
}

export function terraform(cwd: string, args: string[], extraEnv: Record<string, string> = {}): TerraformResult {
  const result = spawnSync("terraform", [...args, "-no-color"], {
    cwd,
    env: terraformEnv(extraEnv),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

/** Runs terraform without blocking the event loop, so independent stacks can apply in parallel. */
export function terraformAsync(cwd: string, args: string[], extraEnv: Record<string, string> = {}): Promise<TerraformResult> {
  return new Promise((resolve) => {
    const child = spawn("terraform", [...args, "-no-color"], { cwd, env: terraformEnv(extraEnv) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}
