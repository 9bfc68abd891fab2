import { existsSync, statSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { ConfigError } from "../config/validate";

/**
 * A mistake in what a command was given (an environment variable, an argument), as opposed to a
 * bug: printed as its message alone. Thrown with a message that names the input, the bad value and
 * the fix, like every configuration check.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

/**
 * True for an error the user fixes by changing the configuration or the command's input: a
 * `ConfigError` from the config validator (recognised by name too, in case two copies of the module
 * are loaded) or an `InputError`.
 */
export function isUserError(error: unknown): error is Error {
  return error instanceof ConfigError || error instanceof InputError || (error instanceof Error && error.name === "ConfigError");
}

/** What to print for an error: the message alone for a user error, the stack for anything else (a bug). */
export function errorText(error: unknown): string {
  if (isUserError(error)) return error.message;
  // A bug's stack in TypeScript lines, even where the command turned source maps off for speed
  // (V8 formats an error's stack when it is first read).
  process.setSourceMapsEnabled(true);
  return error instanceof Error ? (error.stack ?? String(error)) : String(error);
}

/**
 * Runs `read` (what a command reads from its environment or arguments) and turns any error it
 * throws into an `InputError`, so the user sees the message and not a stack trace.
 */
export function readInput<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (isUserError(error)) throw error;
    throw new InputError(error instanceof Error ? error.message : String(error));
  }
}

export interface RunCommandOptions {
  /**
   * Put before each printed error, e.g. `"npm run audit: "`.
   * @default - nothing
   */
  readonly prefix?: string;
  /**
   * Where the error goes.
   * @default - standard error
   */
  readonly write?: (text: string) => void;
}

/**
 * Runs a command's body. On an error prints `errorText` once (each problem of a configuration error
 * on its own line) and sets the exit code to 1; otherwise sets the exit code the body returns.
 */
export function runCommand(body: () => unknown, options: RunCommandOptions = {}): void {
  const write = options.write ?? ((text: string) => process.stderr.write(text));
  try {
    const code = body();
    if (typeof code === "number") process.exitCode = code;
  } catch (error) {
    write(`${options.prefix ?? ""}${errorText(error)}\n`);
    process.exitCode = 1;
  }
}

/** Top-level entries of a checkout that hold no source: where synth output may go. */
const OUTPUT_PLACES = new Set(["cdktf.out", "audit.out", ".sandbox"]);

/**
 * The output directory a command was given (`setting` names where it came from, e.g.
 * `CDKTF_OUTDIR`), resolved; refused in one line when it is a file, or the checkout itself or a
 * folder of its sources (`root`), which a synth would litter and a later `git add` pick up.
 * @throws InputError naming the setting, the value and the fix
 */
export function outputDirectory(setting: string, dir: string, root: string): string {
  const resolved = resolve(dir);
  if (existsSync(resolved) && !statSync(resolved).isDirectory()) {
    throw new InputError(`${setting} ${JSON.stringify(dir)} is a file, not a directory; name a directory, e.g. "cdktf.out"`);
  }
  const inside = relative(root, resolved);
  const first = inside.split(sep)[0];
  if (inside === "" || (!inside.startsWith("..") && !isAbsolute(inside) && !OUTPUT_PLACES.has(first))) {
    throw new InputError(
      `${setting} ${JSON.stringify(dir)} is inside the source tree; use "cdktf.out" (the default) or a directory outside the checkout`,
    );
  }
  return resolved;
}
