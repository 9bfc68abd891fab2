/**
 * Starts and stops the local AWS emulator: moto, through the project's launcher (emulator/moto_server.py,
 * which applies the patches in emulator/moto_patches/), on a free loopback port. Used by the local
 * sandbox and the e2e tests.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { openSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const LAUNCHER = resolve(__dirname, "moto_server.py");

/** Why the emulator cannot start here, or undefined when it can. */
export function emulatorMissing(): string | undefined {
  const python = spawnSync("python3", ["-c", "import moto.server; print(moto.__version__)"], { encoding: "utf8" });
  if (python.error) return "python3 is not installed (the emulator is moto, a Python package)";
  if (python.status !== 0) return 'moto is not installed for python3: pip install "moto[server]==5.2.1"';
  return undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolvePort(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface Emulator {
  /** e.g. http://127.0.0.1:40123 */
  readonly endpoint: string;
  readonly process: ChildProcess;
  /** Stops the emulator (idempotent); its state is gone with it. */
  stop(): Promise<void>;
}

/**
 * moto's default account: what the emulator's own credentials act as. Credentials that
 * sts:AssumeRole returns for a role in another account act as that account (moto does not require
 * the role to exist), which is how the stacks of an environment in an account of its own reach it.
 */
export const MOTO_DEFAULT_ACCOUNT = "123456789012";

export interface StartOptions {
  /**
   * Account id the emulator's own credentials act as (must be the config's project account: the
   * provider is pinned to it). Any other than MOTO_DEFAULT_ACCOUNT is forced with MOTO_ACCOUNT_ID,
   * which moto then applies to every request, assumed roles included: a multi-account layout needs
   * the project account to be MOTO_DEFAULT_ACCOUNT.
   */
  readonly accountId: string;
  /** Where the emulator's own log goes. @default - a file in the OS temp dir */
  readonly logFile?: string;
  /**
   * File the emulator appends one JSON line to per request it serves (EMULATOR_CALL_LOG; read it with
   * emulator/call-log.ts). @default - no call log
   */
  readonly callLog?: string;
}

function withoutAccount(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { MOTO_ACCOUNT_ID: _, EMULATOR_CALL_LOG: __, ...rest } = env;
  return rest;
}

/** Starts moto with the launcher and waits until it answers. */
export async function startEmulator(options: StartOptions): Promise<Emulator> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const log = openSync(options.logFile ?? join(tmpdir(), `moto-${port}.log`), "a");
  const child = spawn("python3", [LAUNCHER, "-H", "127.0.0.1", "-p", String(port)], {
    env: {
      ...withoutAccount(process.env),
      ...(options.accountId !== MOTO_DEFAULT_ACCOUNT && { MOTO_ACCOUNT_ID: options.accountId }),
      ...(options.callLog !== undefined && { EMULATOR_CALL_LOG: options.callLog }),
    },
    stdio: ["ignore", log, log],
  });
  let exited: number | null | undefined;
  child.on("exit", (code) => (exited = code));

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`the emulator exited with code ${exited} before answering; see its log`);
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the emulator did not answer on ${endpoint} within 60 s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  const stop = () =>
    new Promise<void>((done) => {
      if (exited !== undefined) return done();
      child.once("exit", () => done());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 5000).unref();
    });
  return { endpoint, process: child, stop };
}
