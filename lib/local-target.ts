/**
 * Points a stack at a local AWS API emulator (moto) instead of AWS. Only main.ts creates one, from
 * the PLATFORM_LOCAL_ENDPOINT environment variable; everything below receives it as a prop, so the
 * resources and their security settings are the same locally and in AWS.
 */
export interface LocalTarget {
  /** Base URL of the emulator, e.g. `http://127.0.0.1:4566`. */
  readonly endpoint: string;
}

/**
 * Directory (under the repository root, git-ignored) of everything the local sandbox writes: its
 * synth output, the emulator's log and the bootstrap's emulator state file.
 */
export const SANDBOX_DIR = ".sandbox";

/** The emulator's throwaway credentials (moto accepts any; these are its documented defaults). */
export const LOCAL_CREDENTIALS = { accessKey: "test", secretKey: "test" } as const;

/** Reads the local target from a variable map (main.ts passes process.env). */
export function localTargetFrom(env: Record<string, string | undefined>): LocalTarget | undefined {
  const endpoint = env.PLATFORM_LOCAL_ENDPOINT;
  if (endpoint === undefined || endpoint === "") return undefined;
  if (!/^https?:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}\/?$/.test(endpoint)) {
    throw new Error(
      `PLATFORM_LOCAL_ENDPOINT "${endpoint}" is not a loopback URL; use e.g. "http://127.0.0.1:4566", or unset it to deploy to AWS`,
    );
  }
  return { endpoint: endpoint.replace(/\/$/, "") };
}

/**
 * The role the local emulator's credentials assume to act in an account other than the project's
 * (an environment's own account), as an administrator reaches a member account of an AWS
 * organization. moto serves the role's account to the credentials AssumeRole returns, and does not
 * require the role to exist.
 */
export const LOCAL_ACCOUNT_ROLE = "OrganizationAccountAccessRole";

export function localAccountRoleArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:role/${LOCAL_ACCOUNT_ROLE}`;
}
