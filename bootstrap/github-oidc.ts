import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import {
  GITHUB_OIDC_AUDIENCE,
  GITHUB_OIDC_HOST,
  type GithubWorkflowRef,
  githubSubject,
  PULL_REQUEST_REF,
  planEnvironmentName,
} from "../config/naming";
import { type AuditExemption, exemptAll } from "../lib/audit-exemptions";
import { policyJson } from "../lib/policy";

/** A role that GitHub Actions jobs of one repository assume with their OIDC token. */
export interface GithubRoleSpec {
  /** Construct id of the role (a contract: renaming replaces the role). */
  readonly id: string;
  readonly roleName: string;
  readonly description: string;
  /**
   * The context of the token's `sub` claim, exactly, e.g. `environment:stage` or `pull_request`
   * (after `repo:OWNER/REPO:`, or after the ids when `repositoryId` and `ownerId` are given, and
   * before the workflow): one, or a list of which the token must match one (the plan role of an
   * account trusts the plan environment of each environment it hosts). Wildcards are refused.
   */
  readonly subject: string | readonly string[];
  /**
   * The one workflow file, and the ref it runs from, whose jobs may assume the role (the token's
   * `job_workflow_ref`, in its `sub` through the repository's subject template): a job of any other
   * workflow, or of this one on another branch, is refused. The ref is `refs/heads/<branch>`, or
   * PULL_REQUEST_REF (`refs/pull/*\/merge`, the only wildcard accepted) for a pull-request workflow.
   */
  readonly workflow: GithubWorkflowRef;
  /**
   * Further contexts, each in a workflow of its own, that may assume the role too (the preview role:
   * the preview workflow's pull-request jobs, and its reaper on the default branch). Each is checked
   * as `subject` and `workflow` are.
   * @default - none: `subject` in `workflow` only
   */
  readonly alsoTrusted?: readonly { readonly subject: string; readonly workflow: GithubWorkflowRef }[];
  /** Inline permissions policy (JSON). */
  readonly policy: string;
  /**
   * Audit rules the role's trust policy deliberately fails, with the reasons.
   * @default - none
   */
  readonly trustExemptions?: readonly AuditExemption[];
  /**
   * Audit rules the permissions policy deliberately fails (e.g. statements on "*"), with the reasons.
   * @default - none
   */
  readonly policyExemptions?: readonly AuditExemption[];
}

export interface GithubOidcProps {
  /** Organisation or user owning the repository, e.g. `acme`. */
  readonly owner: string;
  /** The repository's name, e.g. `platform`. */
  readonly repo: string;
  /**
   * The repository's numeric id. With `ownerId`, every role trusts
   * `repository_owner_id:<ownerId>:repository_id:<repositoryId>:<subject>`, the sub GitHub issues
   * once the repository's OIDC subject template is set to those claims (the github stack does it):
   * a repository renamed or re-created under the same name cannot assume the roles. Give both or neither.
   * @default - trust by name: `repo:<owner>/<repo>:<subject>`
   */
  readonly repositoryId?: string;
  /**
   * The numeric id of the repository's owner; see `repositoryId`.
   * @default - trust by name
   */
  readonly ownerId?: string;
  /**
   * ARN of the account's existing provider for token.actions.githubusercontent.com.
   * @default - the provider is created here
   */
  readonly existingProviderArn?: string;
  /** The roles to create, each trusting one context of the repository. */
  readonly roles: readonly GithubRoleSpec[];
  /**
   * Longest session a role grants, in seconds.
   * @default - 3600 (one hour)
   */
  readonly maxSessionDurationSeconds?: number;
}

/**
 * GitHub Actions' OIDC trust: the identity provider (or the account's existing one) and one IAM
 * role per job kind, each assumable only by tokens whose audience is sts.amazonaws.com and whose
 * subject names this repository (by name, or by its immutable ids), one GitHub environment or
 * event, and the one workflow file and ref that may use the role. CI holds no AWS keys.
 */
export class GithubOidc extends Construct {
  readonly providerArn: string;
  /** Role ARNs by role spec id. */
  readonly roleArns: Record<string, string> = {};
  readonly roles: Record<string, IamRole> = {};

  constructor(scope: Construct, id: string, props: GithubOidcProps) {
    super(scope, id);
    const maxSession = props.maxSessionDurationSeconds ?? 3600;
    if ((props.repositoryId === undefined) !== (props.ownerId === undefined)) {
      throw new Error(
        `GithubOidc repositoryId ${JSON.stringify(props.repositoryId)} and ownerId ${JSON.stringify(props.ownerId)}: ` +
          "give both (trust by immutable ids) or neither (trust by owner/name)",
      );
    }

    this.providerArn =
      props.existingProviderArn ??
      new IamOpenidConnectProvider(this, "provider", {
        url: `https://${GITHUB_OIDC_HOST}`,
        clientIdList: [GITHUB_OIDC_AUDIENCE],
        // IAM no longer checks thumbprints for this provider (it trusts GitHub's CA), but the API
        // still takes the list; these are GitHub's published intermediate thumbprints.
        thumbprintList: ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"],
      }).arn;

    for (const spec of props.roles) {
      const contexts: readonly string[] = typeof spec.subject === "string" ? [spec.subject] : spec.subject;
      if (contexts.length === 0)
        throw new Error(`GithubOidc role ${spec.id} trusts no subject; name one context, e.g. "environment:stage"`);
      const trusts = [...contexts.map((subject) => ({ subject, workflow: spec.workflow })), ...(spec.alsoTrusted ?? [])];
      const subs = trusts.map(({ subject, workflow }) => githubSubject(props, subject, workflow));
      for (const { workflow } of trusts) checkWorkflow({ id: spec.id, workflow });
      for (const [i, sub] of subs.entries()) {
        // The names as well: with ids they leave the repository part, but a wildcard there is still a mistake.
        const fixed = githubSubject(props, trusts[i].subject, { ...trusts[i].workflow, ref: "" });
        if ([fixed, props.owner, props.repo].some((part) => /[*?]/.test(part))) {
          throw new Error(
            `GithubOidc role ${spec.id} subject "${sub}" contains a wildcard; ` +
              `name one repository and one environment, e.g. "environment:stage"`,
          );
        }
      }
      const sub = subs.length === 1 ? subs[0] : subs;
      // StringLike only for the pull-request ref's number; everything else is matched exactly.
      // (With several, a pull request's among them, all are StringLike: the others hold no wildcard, checkWorkflow refuses one.)
      const subOperator = trusts.some(({ workflow }) => workflow.ref === PULL_REQUEST_REF) ? "StringLike" : "StringEquals";
      const role = new IamRole(this, spec.id, {
        name: spec.roleName,
        description: spec.description,
        maxSessionDuration: maxSession,
        assumeRolePolicy: policyJson({
          Sid: "GithubActionsOidc",
          Effect: "Allow",
          Principal: { Federated: this.providerArn },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition:
            subOperator === "StringEquals"
              ? { StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE, [`${GITHUB_OIDC_HOST}:sub`]: sub } }
              : { StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE }, StringLike: { [`${GITHUB_OIDC_HOST}:sub`]: sub } },
        }),
      });
      const policy = new IamRolePolicy(this, `${spec.id}-policy`, { name: "permissions", role: role.id, policy: spec.policy });
      exemptAll(role, spec.trustExemptions);
      exemptAll(policy, spec.policyExemptions);
      this.roles[spec.id] = role;
      this.roleArns[spec.id] = role.arn;
    }
  }
}

/**
 * The contexts an account's plan role trusts: the plan environment of each environment it hosts,
 * or, for the project's account when it hosts none, of every environment (each gated by its reviewers).
 */
export function planRoleContexts(hosted: readonly string[], all: readonly { readonly name: string }[]): string[] {
  return (hosted.length > 0 ? hosted : all.map((e) => e.name)).map((e) => `environment:${planEnvironmentName(e)}`);
}

/** A role's workflow: a file under .github/workflows/, run from one branch, or from any pull request's merge ref. */
function checkWorkflow(spec: Pick<GithubRoleSpec, "id" | "workflow">): void {
  const { file, ref } = spec.workflow;
  if (!/^\.github\/workflows\/[A-Za-z0-9._-]+\.ya?ml$/.test(file)) {
    throw new Error(
      `GithubOidc role ${spec.id} workflow file "${file}" is not a workflow file; name one, e.g. ".github/workflows/deploy.yml"`,
    );
  }
  if (ref !== PULL_REQUEST_REF && !/^refs\/heads\/[^*?\s:@]+$/.test(ref)) {
    throw new Error(
      `GithubOidc role ${spec.id} workflow ref "${ref}" is neither one branch (refs/heads/<branch>, no wildcard) ` +
        `nor "${PULL_REQUEST_REF}"; use e.g. "refs/heads/main"`,
    );
  }
}
