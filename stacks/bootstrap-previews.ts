/**
 * The host account's bootstrap's part of the previews (README "Previews"): the preview role GitHub's
 * preview workflow and its reaper assume, the previews' repository and workload roles (PreviewHosting),
 * the preview role's fence at the state bucket, and their outputs. Only the bootstrap of the account of
 * `previews.host` makes them.
 */
import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { GithubOidc, GithubRoleSpec } from "../bootstrap/github-oidc";
import type { PermissionsContext } from "../bootstrap/permissions";
import { PREVIEW_ROLE_POLICY_EXEMPTIONS, previewRolePolicy } from "../bootstrap/permissions/preview-role";
import { PreviewHosting } from "../bootstrap/preview-hosting";
import type { StateBackend } from "../bootstrap/state-storage";
import { environmentAccount, githubRoleWorkflows } from "../config/naming";
import { PREVIEW_STATE_PREFIX, previewDeployRoleName } from "../config/preview-naming";
import type { PlatformConfig } from "../config/types";

/** Construct id of the preview role in GithubOidc. */
export const PREVIEW_ROLE_ID = "preview-role";

/** The part of the configuration's `previews` the bootstrap reads. */
export type PreviewHostSettings = Pick<NonNullable<PlatformConfig["previews"]>, "host" | "idleDays" | "domain">;

/** The configuration's previews when this account hosts them (the host environment's account), else undefined. */
export function previewsHostedIn(config: PlatformConfig, accountId: string): PreviewHostSettings | undefined {
  const { previews } = config;
  if (!previews) return undefined;
  const host = config.environments.find((e) => e.name === previews.host);
  if (!host) {
    const names = config.environments.map((e) => e.name).join(", ");
    throw new Error(`previews.host "${previews.host}" is not an environment; name one of ${names}`);
  }
  return environmentAccount(config.project, host) === accountId ? previews : undefined;
}

/** The preview role: trusted by the preview workflow's pull-request jobs and by its reaper on the default branch only. */
export function previewRoleSpec(ctx: PermissionsContext, config: PlatformConfig, previews: PreviewHostSettings): GithubRoleSpec {
  const { project } = config;
  const workflows = githubRoleWorkflows(project.github);
  return {
    id: PREVIEW_ROLE_ID,
    roleName: previewDeployRoleName(project.name),
    description: `Deploys and destroys pull requests' previews in ${previews.host}'s account (preview names and tag only)`,
    // GitHub gives a fork's pull request no OIDC token; every job of the workflow also checks the head repository.
    subject: "pull_request",
    workflow: workflows.preview,
    alsoTrusted: [{ subject: `ref:${workflows.previewReaper.ref}`, workflow: workflows.previewReaper }],
    policy: previewRolePolicy(ctx, { project: project.name, host: previews.host, domain: previews.domain }),
    policyExemptions: PREVIEW_ROLE_POLICY_EXEMPTIONS,
    trustExemptions: [
      {
        rule: "IAM-GITHUB-OIDC-TRUST",
        reason: "pull_request runs (refs/pull/*/merge) of preview.yml, fenced to preview names; forks get no token",
      },
    ],
  };
}

/** The previews' repository and workload roles, and the preview role's fence at the state bucket. */
export function addPreviewHosting(
  scope: Construct,
  ctx: PermissionsContext,
  config: PlatformConfig,
  previews: PreviewHostSettings,
): PreviewHosting {
  return new PreviewHosting(scope, "previews", {
    ctx,
    project: config.project.name,
    host: previews.host,
    idleDays: previews.idleDays,
  });
}

/** Whatever IAM grants it later, the preview role reads and writes state objects under `previews/` only. */
export function fencePreviewRole(state: StateBackend, github: GithubOidc, stateBucketArn: string): void {
  state.addToBucketPolicy({
    Sid: "PreviewOnlyPreviewStates",
    Effect: "Deny",
    Principal: { AWS: github.roleArns[PREVIEW_ROLE_ID] },
    Action: ["s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*"],
    NotResource: `${stateBucketArn}/${PREVIEW_STATE_PREFIX}*`,
  });
}

/** The outputs of the previews' part: the preview role and the previews' repository. */
export function previewOutputs(scope: Construct, github: GithubOidc, hosting: PreviewHosting): { previewRoleArn: TerraformOutput } {
  new TerraformOutput(scope, "preview_repository_url", {
    value: hosting.repositoryUrl,
    description: "ECR repository every preview's image is pushed to (`<project>-previews`)",
  });
  return {
    previewRoleArn: new TerraformOutput(scope, "preview_role_arn", {
      value: github.roleArns[PREVIEW_ROLE_ID],
      description: "Role the preview workflow and its reaper assume (pull requests of this repository; preview names only)",
    }),
  };
}
