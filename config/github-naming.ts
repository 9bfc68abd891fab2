/**
 * The GitHub side of the names: the OIDC audience and host, the repository's subject template, the
 * workflow files each role trusts, and the `sub` claim a job's token carries. Split from naming.ts,
 * which re-exports it, so each file holds one concern.
 */
import type { GithubConfig } from "./types";

/** The audience GitHub's OIDC tokens carry when aws-actions/configure-aws-credentials asks for them. */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

/**
 * Claim keys of the repository's OIDC subject template, which the github stack always sets: the
 * repository (by name, or by its immutable ids when the config gives them), the job's context
 * (`environment:<name>`, `pull_request` or `ref:<ref>`) and the workflow file and ref the job is
 * defined in (`job_workflow_ref`: for a reusable workflow, the called file, not its caller).
 */
export const GITHUB_SUBJECT_CLAIM_KEYS = ["repo", "context", "job_workflow_ref"] as const;
export const GITHUB_ID_SUBJECT_CLAIM_KEYS = ["repository_owner_id", "repository_id", "context", "job_workflow_ref"] as const;

/** The subject template's claim keys for this repository: by ids when the config gives both, by name otherwise. */
export function githubSubjectClaimKeys(github: Pick<GithubConfig, "repositoryId" | "ownerId">): readonly string[] {
  return github.repositoryId !== undefined && github.ownerId !== undefined ? GITHUB_ID_SUBJECT_CLAIM_KEYS : GITHUB_SUBJECT_CLAIM_KEYS;
}

/** The workflow files whose jobs assume the bootstrap's roles (each role trusts exactly one). */
export const GITHUB_WORKFLOWS = {
  /** The reusable deploy (its environment job assumes the deploy role; callers' files are not in the claim). */
  deploy: ".github/workflows/deploy.yml",
  /** The scheduled drift check. */
  drift: ".github/workflows/drift.yml",
  /** The pull-request workflow's plan job. */
  plan: ".github/workflows/pull-request.yml",
  /** A pull request's preview: deploy on open and push, destroy on close (its jobs assume the preview role). */
  preview: ".github/workflows/preview.yml",
  /** The scheduled reaper of previews whose pull request is closed or idle (the preview role, default branch). */
  previewReaper: ".github/workflows/preview-reaper.yml",
} as const;

/**
 * The ref of a pull request's run (`refs/pull/<number>/merge`): the one wildcard a trust may hold,
 * in the workflow's ref only, for the plan role (every pull request has its own number).
 */
export const PULL_REQUEST_REF = "refs/pull/*/merge";

/** A workflow file and the ref it must run from, as `job_workflow_ref` names them. */
export interface GithubWorkflowRef {
  /** Path in the repository, e.g. `.github/workflows/deploy.yml`. */
  readonly file: string;
  /** `refs/heads/<branch>`, or PULL_REQUEST_REF. */
  readonly ref: string;
}

/**
 * The workflow and ref each bootstrap role trusts: deploys and the drift check from the default
 * branch only, plans from any pull request.
 */
export function githubRoleWorkflows(github: Pick<GithubConfig, "defaultBranch">): Record<keyof typeof GITHUB_WORKFLOWS, GithubWorkflowRef> {
  const defaultRef = `refs/heads/${github.defaultBranch ?? "main"}`;
  return {
    deploy: { file: GITHUB_WORKFLOWS.deploy, ref: defaultRef },
    drift: { file: GITHUB_WORKFLOWS.drift, ref: defaultRef },
    plan: { file: GITHUB_WORKFLOWS.plan, ref: PULL_REQUEST_REF },
    preview: { file: GITHUB_WORKFLOWS.preview, ref: PULL_REQUEST_REF },
    previewReaper: { file: GITHUB_WORKFLOWS.previewReaper, ref: defaultRef },
  };
}

/**
 * The GitHub environment a pull request's plan of `environment` runs in: its reviewers (those of
 * every environment in the same AWS account) approve before the job gets a token the account's plan
 * role accepts.
 */
export function planEnvironmentName(environment: string): string {
  return `plan-${environment}`;
}

/**
 * The `sub` claim GitHub puts in a job's OIDC token for `context` (e.g. `environment:stage`,
 * `pull_request`) in `workflow`, under the repository's subject template (githubSubjectClaimKeys):
 * `repo:<owner>/<repo>:<context>:job_workflow_ref:<owner>/<repo>/<file>@<ref>`, or with
 * `repository_owner_id:<id>:repository_id:<id>` for the repository when the config gives the ids.
 */
export function githubSubject(
  github: Pick<GithubConfig, "owner" | "repo" | "repositoryId" | "ownerId">,
  context: string,
  workflow: GithubWorkflowRef,
): string {
  const repository =
    github.repositoryId !== undefined && github.ownerId !== undefined
      ? `repository_owner_id:${github.ownerId}:repository_id:${github.repositoryId}`
      : `repo:${github.owner}/${github.repo}`;
  return `${repository}:${context}:job_workflow_ref:${github.owner}/${github.repo}/${workflow.file}@${workflow.ref}`;
}
