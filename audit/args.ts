import { resolve } from "node:path";
import { InputError } from "../lib/cli";

/**
 * The directory an audit command writes to: the one `--out <dir>` names, else `defaultDir`; both
 * resolved against the working directory. `example` completes the error of a `--out` with no value.
 */
export function outDirArg(args: readonly string[], defaultDir: string, example: string): string {
  const i = args.indexOf("--out");
  if (i >= 0 && !args[i + 1]) throw new InputError(`--out needs a directory, e.g. --out ${example}`);
  return resolve(i >= 0 ? args[i + 1] : defaultDir);
}
