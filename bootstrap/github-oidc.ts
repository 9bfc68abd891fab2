import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { AuditExemption, exemptAll } from "../audit/exemptions";
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST } from "../config/naming";
import { policyJson } from "../lib/policy";

/** A role that GitHub Actions jobs of one repository assume with their OIDC token. */
export interface GithubRoleSpec {
  /** Construct id of the role (a contract: renaming replaces the role). */
  readonly id: string;
  readonly roleName: string;
  readonly description: string;
  /**
   * What the token's `sub` claim must be after `repo:OWNER/REPO:`, exactly, e.g. `environment:stage`
   * or `pull_request`. Wildcards are refused.
   */
  readonly subject: string;
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
  readonly owner: string;
  readonly repo: string;
  /**
   * ARN of the account's existing provider for token.actions.githubusercontent.com.
   * @default - the provider is created here
   */
  readonly existingProviderArn?: string;
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
 * subject names this repository and one GitHub environment or event. CI holds no AWS keys.
 */
export class GithubOidc extends Construct {
  readonly providerArn: string;
  /** Role ARNs by role spec id. */
  readonly roleArns: Record<string, string> = {};
  readonly roles: Record<string, IamRole> = {};

  constructor(scope: Construct, id: string, props: GithubOidcProps) {
    super(scope, id);
    const maxSession = props.maxSessionDurationSeconds ?? 3600;

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
      if (/[*?]/.test(spec.subject) || /[*?]/.test(props.owner) || /[*?]/.test(props.repo)) {
        throw new Error(
          `GithubOidc role ${spec.id} subject "repo:${props.owner}/${props.repo}:${spec.subject}" contains a wildcard; ` +
            `name one repository and one environment, e.g. "environment:stage"`,
        );
      }
      const role = new IamRole(this, spec.id, {
        name: spec.roleName,
        description: spec.description,
        maxSessionDuration: maxSession,
        assumeRolePolicy: policyJson({
          Sid: "GithubActionsOidc",
          Effect: "Allow",
          Principal: { Federated: this.providerArn },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
              [`${GITHUB_OIDC_HOST}:sub`]: `repo:${props.owner}/${props.repo}:${spec.subject}`,
            },
          },
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
