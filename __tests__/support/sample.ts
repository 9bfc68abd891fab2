import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Testing } from "cdktf";
import { buildPlatform, type Platform, type PlatformOptions } from "../../app";
import { cheaperProd } from "../../audit/docs";
import { platform } from "../../config/platform";
import { PREVIEW_WORKLOAD_ROLES, previewDeployRoleName, previewRolePath, previewWorkloadRoleName } from "../../config/preview-naming";
import type { PlatformConfig } from "../../config/types";

/** The shipped configuration, deep-copied so a test can change it without touching others. */
export function sampleConfig(): PlatformConfig {
  return structuredClone(platform) as PlatformConfig;
}

/**
 * The shipped configuration with a queue worker and a nightly job in stage and prod (issue 22), as
 * config/platform.ts is to have them once the end-to-end suite's IAM proof covers their calls.
 */
export function workloadsConfig(config: PlatformConfig = sampleConfig()): PlatformConfig {
  const worker = (minCount: number, maxCount: number, oldestMessageAlarmSeconds: number) => ({
    command: ["npm", "run", "worker"],
    cpu: 256,
    memoryMiB: 512,
    minCount,
    maxCount,
    messagesPerTask: 100,
    maxReceiveCount: 5,
    visibilityTimeoutSeconds: 60,
    oldestMessageAlarmSeconds,
  });
  const nightly = { name: "nightly", schedule: "cron(0 3 * * ? *)", command: ["npm", "run", "nightly"] };
  const workloads: Record<string, object> = {
    stage: { worker: worker(1, 2, 900), jobs: [nightly] },
    prod: { worker: worker(2, 6, 600), jobs: [{ ...nightly, retries: 3 }] },
  };
  return { ...config, environments: config.environments.map((e) => ({ ...e, ...workloads[e.name] })) };
}

/** Why the one-account layout's prod shares its account, as its accepted risk says. */
export const ONE_ACCOUNT_REASON = "a trial platform in one account: stage and prod are fenced by IAM only, which the audit lists";

/**
 * The shipped configuration in the one-account layout (README "Two layouts"): no accountId anywhere
 * and no other account, every environment in the project's account, prod's sharing of it accepted
 * as a production risk with its reason.
 */
export function oneAccountConfig(config: PlatformConfig = sampleConfig()): PlatformConfig {
  const { accounts: _accounts, ...project } = config.project;
  return {
    ...config,
    project,
    environments: config.environments.map(({ accountId: _accountId, ...e }) =>
      e.tier !== "production"
        ? e
        : { ...e, acceptedRisks: [...(e.acceptedRisks ?? []), { setting: "accountId", reason: ONE_ACCOUNT_REASON }] },
    ),
  };
}

/** Builds the whole platform in a fresh in-memory app. */
export function buildSample(config: PlatformConfig = sampleConfig(), options: PlatformOptions = {}): Platform {
  return buildPlatform(Testing.app(), config, options);
}

/**
 * Synthesizes the whole platform to `<new temp dir>/cdktf.out`, laid out like a checkout (the
 * bootstrap's local state file lands in the temp dir, as it would in the repository root).
 * Returns the cdktf.out directory.
 */
export function synthToDisk(config: PlatformConfig = sampleConfig(), options: PlatformOptions = {}): string {
  const outdir = join(mkdtempSync(join(tmpdir(), "platform-synth-")), "cdktf.out");
  const app = new App({ outdir, skipValidation: false });
  buildPlatform(app, config, options);
  app.synth();
  return outdir;
}

/**
 * The shipped configuration with prod on one NAT gateway and a single-AZ database, both accepted as
 * production risks with their reasons: a change a reviewer must see as "less safe" (the one the README shows).
 */
export function riskyProdConfig(config: PlatformConfig = sampleConfig()): PlatformConfig {
  return cheaperProd(config);
}

/**
 * The roles the bootstrap of the account hosting previews adds (none where `previews` is off): the
 * preview role and the previews' workload roles, by name or, with `accountId`, by ARN.
 */
export function previewRoleNames(config: PlatformConfig): string[] {
  if (!config.previews) return [];
  const project = config.project.name;
  return [previewDeployRoleName(project), ...PREVIEW_WORKLOAD_ROLES.map((r) => previewWorkloadRoleName(project, r))];
}
export function previewRoleArns(config: PlatformConfig, accountId: string): string[] {
  if (!config.previews) return [];
  const project = config.project.name;
  return [
    `arn:aws:iam::${accountId}:role/${previewDeployRoleName(project)}`,
    ...PREVIEW_WORKLOAD_ROLES.map((r) => `arn:aws:iam::${accountId}:role${previewRolePath(project)}${previewWorkloadRoleName(project, r)}`),
  ];
}
