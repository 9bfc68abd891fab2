/**
 * The two account layouts (README "Two layouts") built explicitly from the shipped configuration, so
 * the IAM proofs hold whichever one config/platform.ts ships, and the synthesized stacks of each.
 */
import { Testing } from "cdktf";
import type { SynthesizedStack } from "../../audit/iam/resolve";
import { guardrail } from "../../config/guardrails";
import type { PlatformConfig } from "../../config/types";
import { buildSample, sampleConfig } from "./sample";

/** prod's account in the two-account layout. */
export const PROD_ACCOUNT = "210987654321";

/**
 * Every environment in the project's account: no accountId anywhere, no other account. Where a
 * production environment sharing an account is a guardrail, prod accepts it as a risk.
 */
export function oneAccountLayout(config: PlatformConfig = sampleConfig()): PlatformConfig {
  const { accounts: _accounts, ...project } = config.project;
  const accepted = guardrail("accountId") !== undefined;
  return {
    ...config,
    project,
    environments: config.environments.map(({ accountId: _accountId, ...e }) =>
      e.tier === "production" && accepted
        ? { ...e, acceptedRisks: [...(e.acceptedRisks ?? []), { setting: "accountId", reason: "the IAM fence test's one-account layout" }] }
        : e,
    ),
  };
}

/** prod in an account of its own (PROD_ACCOUNT, listed in project.accounts), stage in the project's. */
export function twoAccountLayout(config: PlatformConfig = sampleConfig()): PlatformConfig {
  const { accounts: _accounts, ...project } = config.project;
  return {
    ...config,
    project: { ...project, accounts: [{ accountId: PROD_ACCOUNT }] },
    environments: config.environments.map(({ accountId: _accountId, ...e }) =>
      e.name === "prod"
        ? { ...e, accountId: PROD_ACCOUNT, acceptedRisks: (e.acceptedRisks ?? []).filter((r) => r.setting !== "accountId") }
        : e,
    ),
  };
}

/** A layout's synthesized stacks: each account's bootstrap (by stack id, with its account) and each environment. */
export interface SynthesizedLayout {
  readonly config: PlatformConfig;
  readonly region: string;
  readonly bootstraps: Record<string, { readonly account: string; readonly stack: SynthesizedStack }>;
  /** Each environment's stack, with the account it deploys to. */
  readonly environments: Record<string, { readonly account: string; readonly stack: SynthesizedStack }>;
}

export function synthesizeLayout(config: PlatformConfig): SynthesizedLayout {
  const platform = buildSample(config);
  const parse = (s: Parameters<typeof Testing.synth>[0]) => JSON.parse(Testing.synth(s)) as SynthesizedStack;
  return {
    config,
    region: config.project.region,
    bootstraps: Object.fromEntries(Object.entries(platform.bootstraps).map(([id, b]) => [id, { account: b.accountId, stack: parse(b) }])),
    environments: Object.fromEntries(
      Object.entries(platform.environments).map(([name, e]) => [
        name,
        { account: config.environments.find((c) => c.name === name)?.accountId ?? config.project.accountId, stack: parse(e) },
      ]),
    ),
  };
}
