/**
 * What `npm run local` deploys, from its arguments and the configuration: pure functions, so the
 * command line is tested without starting the emulator.
 */
import { platformAccounts } from "../config/naming";
import type { PlatformConfig } from "../config/types";
import { InputError } from "../lib/cli";

export const LOCAL_USAGE = `Usage: npm run local [-- --env <name>[,<name>...]]

Deploys the platform into a local AWS emulator (moto) with the real Terraform: no AWS account,
nothing leaves the machine. Each environment brings the bootstrap of its account (an environment
in an account of its own is reached through sts:AssumeRole, as in AWS). Prints one line per stack
and phase, then the environments' outputs; stops the emulator when done or interrupted.

Options:
  --env <names>  environments to deploy, comma-separated (default: stage), e.g. --env stage,prod
  --help, -h     print this help and do nothing

Everything it writes is under .sandbox/ (reset on each run): the full log in .sandbox/local.log,
the emulator's in .sandbox/moto.log.
`;

export type LocalArgs = { readonly help: true } | { readonly help: false; readonly envs?: readonly string[] };

/** The command line of `npm run local` (after `--`). @throws InputError for an unknown or incomplete option */
export function parseLocalArgs(argv: readonly string[]): LocalArgs {
  if (argv.includes("--help") || argv.includes("-h")) return { help: true };
  let envs: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = arg === "--env" ? argv[++i] : arg.startsWith("--env=") ? arg.slice("--env=".length) : undefined;
    if (arg !== "--env" && value === undefined) {
      throw new InputError(`unknown option ${JSON.stringify(arg)}; npm run local -- --help lists the options`);
    }
    if (value === undefined || value.startsWith("-") || value.trim() === "") {
      throw new InputError("--env needs environment names, e.g. --env prod or --env stage,prod");
    }
    envs = [...(envs ?? []), ...value.split(",").map((name) => name.trim())];
  }
  return { help: false, envs };
}

/** A stack to deploy and what it is. */
export interface LocalStack {
  readonly stack: string;
  readonly kind: "bootstrap" | "environment";
}

/**
 * The environments to deploy (`envs`, default stage, else the first) and the stacks, in order:
 * the bootstrap of each account that hosts one of them, then the environments in config order.
 * @throws InputError for a name that is not an environment of the configuration
 */
export function localPlan(config: PlatformConfig, envs?: readonly string[]): { envs: string[]; stacks: LocalStack[] } {
  const names = config.environments.map((e) => e.name);
  const chosen = envs ?? [names.includes("stage") ? "stage" : names[0]];
  for (const name of chosen) {
    if (!names.includes(name)) {
      throw new InputError(`--env ${JSON.stringify(name)} is not an environment of config/platform.ts; use one of ${names.join(", ")}`);
    }
  }
  const ordered = names.filter((name) => chosen.includes(name));
  const bootstraps = platformAccounts(config)
    .filter((account) => account.environments.some((name) => ordered.includes(name)))
    .map((account): LocalStack => ({ stack: account.bootstrapStack, kind: "bootstrap" }));
  return { envs: ordered, stacks: [...bootstraps, ...ordered.map((stack): LocalStack => ({ stack, kind: "environment" }))] };
}
