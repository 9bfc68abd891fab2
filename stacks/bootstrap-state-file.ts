/** The bootstrap's own state file, before its state is moved into the bucket (README "Move the bootstrap state"). */
import { BOOTSTRAP_STACK } from "../config/naming";

/** The file holding the bootstrap's own state before it is moved into the bucket. */
export const BOOTSTRAP_STATE_FILE = "terraform.bootstrap.tfstate";
/**
 * The same against the local emulator: a file of its own, so a sandbox run can never read or
 * overwrite the state of the real account's bootstrap.
 */
export const BOOTSTRAP_EMULATOR_STATE_FILE = "terraform.bootstrap.local.tfstate";
/**
 * The bootstrap's local state file: `terraform.bootstrap.tfstate` for the project's account,
 * `terraform.bootstrap-prod.tfstate` for the bootstrap of prod's account (`.local.` before the
 * suffix against the emulator).
 */
export function bootstrapStateFile(stack: string, local: boolean): string {
  const base = local ? BOOTSTRAP_EMULATOR_STATE_FILE : BOOTSTRAP_STATE_FILE;
  return stack === BOOTSTRAP_STACK ? base : base.replace(/^terraform\.bootstrap\./, `terraform.${stack}.`);
}

/** The backend path of the state file when no `localStateDir` is given (relative to the stack's directory). */
export const BOOTSTRAP_LOCAL_STATE = `../../../${BOOTSTRAP_STATE_FILE}`;
/** The same against the local emulator. */
export const BOOTSTRAP_EMULATOR_STATE = `../../../${BOOTSTRAP_EMULATOR_STATE_FILE}`;
