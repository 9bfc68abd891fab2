import { buildPlatform, type PlatformOptions } from "../app";
import { environmentAccount, Naming } from "../config/naming";
import type { PlatformConfig } from "../config/types";
import { AuditContext, type AuditContextOptions } from "./context";
import { type AuditReport, auditStack, summarize } from "./engine";
import { ALL_RULES } from "./rules";
import { type SynthesizedStack, synthesizeApp } from "./synth";
import type { Rule } from "./types";

/**
 * What the rules need to know about a stack from the configuration: its tier (an environment's
 * `tier`; `shared` for the bootstrap and other non-environment stacks), the state bucket's name
 * the GitHub repository OIDC trust must name, and the accounts of the other environments.
 */
export function contextOptions(config: PlatformConfig, stackName: string): AuditContextOptions {
  const { project } = config;
  return {
    tier: config.environments.find((e) => e.name === stackName)?.tier ?? "shared",
    stateBucketName: new Naming(project).stateBucket,
    githubRepository: `${project.github.owner}/${project.github.repo}`,
    otherEnvironmentAccounts: Object.fromEntries(
      config.environments.filter((e) => e.name !== stackName).map((e) => [e.name, environmentAccount(project, e)]),
    ),
    ...(project.github.repositoryId !== undefined &&
      project.github.ownerId !== undefined && {
        githubRepositoryIds: { ownerId: project.github.ownerId, repositoryId: project.github.repositoryId },
      }),
  };
}

export interface PlatformAuditOptions {
  /**
   * Options the platform is built with (the audit checks the AWS target, not the local emulator).
   * @default - AWS, default image tag
   */
  readonly platform?: PlatformOptions;
  /**
   * Render each stack as HCL too.
   * @default - false
   */
  readonly hcl?: boolean;
  /**
   * Rules to run.
   * @default - every rule
   */
  readonly rules?: readonly Rule[];
}

/** Synthesizes every stack of the platform from the configuration and audits each one. */
export function auditPlatform(
  config: PlatformConfig,
  options: PlatformAuditOptions = {},
): { report: AuditReport; stacks: SynthesizedStack[] } {
  const stacks = synthesizeApp((app) => buildPlatform(app, config, options.platform), { hcl: options.hcl });
  const reports = stacks.map((s) => auditStack(new AuditContext(s.name, s.tf, contextOptions(config, s.name)), options.rules ?? ALL_RULES));
  return { report: summarize(reports), stacks };
}
