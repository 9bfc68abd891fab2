import { ActionsEnvironmentVariable } from "@cdktf/provider-github/lib/actions-environment-variable";
import { ActionsRepositoryOidcSubjectClaimCustomizationTemplate } from "@cdktf/provider-github/lib/actions-repository-oidc-subject-claim-customization-template";
import { ActionsVariable } from "@cdktf/provider-github/lib/actions-variable";
import { DataGithubUser } from "@cdktf/provider-github/lib/data-github-user";
import { GithubProvider } from "@cdktf/provider-github/lib/provider";
import { RepositoryEnvironment } from "@cdktf/provider-github/lib/repository-environment";
import { RepositoryEnvironmentDeploymentPolicy } from "@cdktf/provider-github/lib/repository-environment-deployment-policy";
import { RepositoryRuleset } from "@cdktf/provider-github/lib/repository-ruleset";
import { WorkflowRepositoryPermissions } from "@cdktf/provider-github/lib/workflow-repository-permissions";
import { type TerraformOutput, type TerraformRemoteState, TerraformStack, Token } from "cdktf";
import type { Construct } from "constructs";
import {
  ENVIRONMENT_VARIABLES,
  type EnvironmentVariableName,
  PREVIEW_VARIABLES,
  REPOSITORY_VARIABLES,
  STACK_VARIABLES,
  type StackVariableName,
  stackVariable,
} from "../config/github-variables";
import { GITHUB_STACK, githubSubjectClaimKeys, Naming } from "../config/naming";
import type { EnvironmentConfig, GithubConfig, PlatformConfig } from "../config/types";
import type { LocalTarget } from "../lib/local-target";
import { useRemoteState } from "../lib/s3-backend";
import type { BootstrapStack } from "./bootstrap-stack";
import { addPlanEnvironments } from "./github-plan-environments";

/**
 * The GitHub Actions app's integration id: a required check bound to it is satisfied only by a check
 * run a workflow job reports, never by a commit status anyone with write access can post.
 */
export const GITHUB_ACTIONS_APP_ID = 15368;

export interface GithubStackProps {
  /** The platform's configuration: the repository, its default branch and protection, each environment's reviewers. */
  readonly config: PlatformConfig;
  /**
   * The project account's bootstrap (`bootstrap`), where this stack keeps its state. The values of
   * that account (roles, state bucket, lock table) are read from its state, through the backend it
   * declares (the local file before its state moves into the bucket, the bucket after), so this
   * stack cannot be deployed before it.
   */
  readonly bootstrap: BootstrapStack;
  /**
   * The bootstrap of every other account an environment lives in (`bootstrap-<env>`, README "Two
   * layouts"). Its state is in its own account, out of reach of this stack's credentials (that
   * account's bucket and key), so its roles, bucket and table are the names it derives from the
   * config (BootstrapStack's attributes), never read across accounts.
   * @default - none: every environment lives in the project's account
   */
  readonly accountBootstraps?: readonly BootstrapStack[];
  /**
   * Emulator holding this stack's state (GitHub itself is never emulated).
   * @default - the state bucket in AWS
   */
  readonly local?: LocalTarget;
}

/**
 * The GitHub side of the delivery, deployed with `cdktf deploy github` after every bootstrap by
 * someone whose GITHUB_TOKEN may administer the repository: one GitHub environment per platform
 * environment (its reviewers, deployable from the default branch only, its deploy role ARN and
 * region as environment variables) and its `plan-<env>` environment for pull-request plans, the
 * repository variables pull-request plans and the drift check read (per AWS stack, the plan and
 * drift roles, state bucket and lock table of its account), the default branch's ruleset, a
 * read-only default workflow token that cannot approve pull requests, and the OIDC subject template
 * the bootstrap roles trust (the repository by name or by its numeric ids, the job's context and its
 * workflow file and ref). Every AWS value comes from a bootstrap stack, never typed here. The token
 * is read by the provider from the environment, never from code or config.
 */
export class GithubStack extends TerraformStack {
  /** The project account's bootstrap state, read through its own backend. */
  readonly bootstrapState: TerraformRemoteState;
  /** GitHub environments by platform environment name. */
  readonly environments: Record<string, RepositoryEnvironment> = {};
  /** The `plan-<env>` environments pull-request plans run in, by platform environment name (addPlanEnvironments). */
  readonly planEnvironments: Record<string, RepositoryEnvironment>;
  /** Values of each environment's variables, by environment name then variable name. */
  readonly environmentVariables: Record<string, Record<EnvironmentVariableName, string>> = {};
  /** Values of every repository variable by name: the region, and each stack's (stackVariables). */
  readonly repositoryVariables: Record<string, string> = {};
  /** Values of each AWS stack's variables, by stack name (bootstraps, then environments) then variable. */
  readonly stackVariables: Record<string, Record<StackVariableName, string>> = {};
  /** The default branch's ruleset (its protection); undefined when `project.github.protectDefaultBranch` is false. */
  readonly defaultBranchRuleset?: RepositoryRuleset;
  /** The repository's default GITHUB_TOKEN permissions: read-only, and no pull-request approvals. */
  readonly workflowPermissions: WorkflowRepositoryPermissions;
  /**
   * The repository's OIDC subject template: repository (by name, or by ids when `project.github.repositoryId`
   * and `ownerId` are set), context and job_workflow_ref, the subject every bootstrap role trusts.
   */
  readonly oidcSubjectTemplate: ActionsRepositoryOidcSubjectClaimCustomizationTemplate;

  private readonly projectBootstrap: BootstrapStack;

  constructor(scope: Construct, id: string, props: GithubStackProps) {
    super(scope, id);
    const { project, environments } = props.config;
    const github = withDefaults(project.github);
    const naming = new Naming(project);
    const bootstraps = [props.bootstrap, ...(props.accountBootstraps ?? [])];
    const bootstrapOf = bootstrapsByEnvironment(props, bootstraps);

    new GithubProvider(this, "github", { owner: github.owner });
    useRemoteState(this, { naming, region: project.region, stack: GITHUB_STACK, local: props.local });

    // The backend's own description of where its state is: follows the bootstrap's move into the bucket.
    this.bootstrapState = props.bootstrap.ensureBackendExists().getRemoteStateDataSource(this, "bootstrap", props.bootstrap.node.id);
    this.projectBootstrap = props.bootstrap;

    const userId = this.reviewerIds();
    for (const env of environments) {
      this.addEnvironment(env, github, project.region, bootstrapOf(env.name), userId);
    }
    this.planEnvironments = addPlanEnvironments(this, { config: props.config, preventSelfReview: github.preventSelfReview, userId });

    // Per AWS stack, its account's read-only roles, bucket and table: prod's plan and drift jobs must
    // assume prod's account's roles and read its bucket when prod lives in an account of its own.
    this.addRepositoryVariables(github.repo, project.region, [
      ...bootstraps.map((b): [string, BootstrapStack] => [b.node.id, b]),
      ...environments.map((e): [string, BootstrapStack] => [e.name, bootstrapOf(e.name)]),
    ]);

    if (github.protectDefaultBranch) this.defaultBranchRuleset = this.protectDefaultBranch(github);
    this.workflowPermissions = this.restrictWorkflowToken(github.repo);
    this.oidcSubjectTemplate = this.addOidcSubjectTemplate(github);
  }

  /**
   * A reviewer's numeric user id (the API takes ids), looked up once per person however many
   * environments they review.
   */
  private reviewerIds(): (username: string) => number {
    const userIds = new Map<string, number>();
    return (username) => {
      if (!userIds.has(username)) {
        userIds.set(username, Token.asNumber(new DataGithubUser(this, `reviewer-${username}`, { username }).id));
      }
      return userIds.get(username)!;
    };
  }

  /**
   * One platform environment's GitHub environment: its reviewers, deployable from the default branch
   * only, and its variables (the deploy role of its account, the region).
   */
  private addEnvironment(
    env: EnvironmentConfig,
    github: GithubSettings,
    region: string,
    host: BootstrapStack,
    userId: (username: string) => number,
  ): void {
    const { repo } = github;
    const reviewers = env.github.requiredReviewers.map(userId);
    const environment = new RepositoryEnvironment(this, `environment-${env.name}`, {
      repository: repo,
      environment: env.name,
      // Approvals and branch rules hold for administrators too: they change them here, in review.
      canAdminsBypass: false,
      ...(reviewers.length > 0 && { reviewers: [{ users: reviewers }], preventSelfReview: github.preventSelfReview }),
      deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
    });
    // Only what reached the default branch deploys: a job on another branch never gets this
    // environment, so it never gets a token the environment's deploy role trusts.
    new RepositoryEnvironmentDeploymentPolicy(this, `environment-${env.name}-default-branch`, {
      repository: repo,
      environment: environment.environment,
      branchPattern: github.defaultBranch,
    });

    const values: Record<EnvironmentVariableName, string> = {
      [ENVIRONMENT_VARIABLES.deployRoleArn]: this.accountValue(host, host.outputs.deployRoleArns[env.name], host.deployRoleArns[env.name]),
      [ENVIRONMENT_VARIABLES.region]: region,
    };
    for (const [name, value] of Object.entries(values)) {
      new ActionsEnvironmentVariable(this, `environment-${env.name}-${name}`, {
        repository: repo,
        environment: environment.environment,
        variableName: name,
        value,
      });
    }
    this.environments[env.name] = environment;
    this.environmentVariables[env.name] = values;
  }

  /**
   * The default branch's ruleset. No bypass actor: it holds for administrators too (what merges
   * deploys stage at once, and the bootstrap roles and workflows live on this branch); break glass
   * is a reviewed change to this stack, or the ruleset disabled in the open (the audit log shows it).
   */
  private protectDefaultBranch(github: GithubSettings): RepositoryRuleset {
    return new RepositoryRuleset(this, "default-branch-ruleset", {
      repository: github.repo,
      name: `protect ${github.defaultBranch}`,
      target: "branch",
      enforcement: "active",
      conditions: { refName: { include: [`refs/heads/${github.defaultBranch}`], exclude: [] } },
      rules: {
        deletion: true,
        nonFastForward: true,
        pullRequest: {
          requiredApprovingReviewCount: 1,
          dismissStaleReviewsOnPush: true,
          // CODEOWNERS gives every path an owner (`*`, project.github.platformOwners).
          requireCodeOwnerReview: true,
          // Someone other than the last pusher approves what merges: a writer who pushes to an
          // approved pull request (a Dependabot one, say) needs a new approval from someone else.
          requireLastPushApproval: true,
          requiredReviewThreadResolution: false,
        },
        requiredStatusChecks: {
          // A branch must be up to date with the default branch, so the check ran on what merges.
          strictRequiredStatusChecksPolicy: true,
          // Bound to the GitHub Actions app: a commit status named `test` posted through the API
          // by anyone with write access does not satisfy it.
          requiredCheck: [{ context: github.requiredCheck, integrationId: GITHUB_ACTIONS_APP_ID }],
        },
      },
    });
  }

  /**
   * A workflow's token may read the repository and nothing more unless the workflow asks for
   * more, and a workflow can never approve a pull request (which would stand in for a reviewer).
   */
  private restrictWorkflowToken(repo: string): WorkflowRepositoryPermissions {
    return new WorkflowRepositoryPermissions(this, "workflow-permissions", {
      repository: repo,
      defaultWorkflowPermissions: "read",
      canApprovePullRequestReviews: false,
    });
  }

  /**
   * The subject every bootstrap role trusts: tokens of this repository carry
   * `<repository>:<context>:job_workflow_ref:<owner>/<repo>/<workflow file>@<ref>` as sub, the
   * repository by name or, when the config gives them, by its immutable ids (githubSubject). Until
   * this is applied, GitHub's default sub matches no role (deploy this stack after the bootstraps; README).
   */
  private addOidcSubjectTemplate(github: GithubSettings): ActionsRepositoryOidcSubjectClaimCustomizationTemplate {
    return new ActionsRepositoryOidcSubjectClaimCustomizationTemplate(this, "oidc-subject-template", {
      repository: github.repo,
      useDefault: false,
      includeClaimKeys: [...githubSubjectClaimKeys(github)],
    });
  }

  /** A value of the project's account from its bootstrap's state; another account's by the name its bootstrap derives. */
  private accountValue(bootstrap: BootstrapStack, output: TerraformOutput, derived: string): string {
    return bootstrap === this.projectBootstrap ? this.bootstrapState.getString(output.friendlyUniqueId) : derived;
  }

  /** The repository variables: each stack's (named by stackVariable) from the bootstrap of its account, then the region. */
  private addRepositoryVariables(repo: string, region: string, stacks: [string, BootstrapStack][]): void {
    for (const [stack, b] of stacks) {
      this.stackVariables[stack] = {
        [STACK_VARIABLES.planRoleArn]: this.accountValue(b, b.outputs.planRoleArn, b.planRoleArn),
        [STACK_VARIABLES.driftRoleArn]: this.accountValue(b, b.outputs.driftRoleArn, b.driftRoleArn),
        [STACK_VARIABLES.stateBucket]: this.accountValue(b, b.outputs.stateBucket, b.stateBucket),
        [STACK_VARIABLES.lockTable]: this.accountValue(b, b.outputs.lockTable, b.lockTable),
      };
      for (const [name, value] of Object.entries(this.stackVariables[stack])) {
        this.repositoryVariables[stackVariable(name as StackVariableName, stack)] = value;
      }
      if (b.previewRoleArn && b.outputs.previewRoleArn) {
        this.repositoryVariables[PREVIEW_VARIABLES.roleArn] = this.accountValue(b, b.outputs.previewRoleArn, b.previewRoleArn);
      }
    }
    this.repositoryVariables[REPOSITORY_VARIABLES.region] = region;
    for (const [name, value] of Object.entries(this.repositoryVariables)) {
      new ActionsVariable(this, `repository-${name}`, { repository: repo, variableName: name, value });
    }
  }
}

/** `project.github` with the defaults its schema documents applied. */
type GithubSettings = GithubConfig &
  Required<Pick<GithubConfig, "defaultBranch" | "protectDefaultBranch" | "requiredCheck" | "preventSelfReview">>;

function withDefaults(github: GithubConfig): GithubSettings {
  return {
    ...github,
    defaultBranch: github.defaultBranch ?? "main",
    protectDefaultBranch: github.protectDefaultBranch ?? true,
    requiredCheck: github.requiredCheck ?? "test",
    preventSelfReview: github.preventSelfReview ?? true,
  };
}

/**
 * The bootstrap hosting each environment, checked: the first must be the project account's, and
 * every environment must be hosted by exactly one of them.
 */
function bootstrapsByEnvironment(props: GithubStackProps, bootstraps: BootstrapStack[]): (environment: string) => BootstrapStack {
  const { project, environments } = props.config;
  if (props.bootstrap.accountId !== project.accountId) {
    throw new Error(
      `GithubStack bootstrap "${props.bootstrap.node.id}" prepares account ${props.bootstrap.accountId}, ` +
        `not the project's ${project.accountId}; ` +
        "pass the project account's bootstrap as bootstrap and the others as accountBootstraps",
    );
  }
  const byEnvironment = new Map<string, BootstrapStack>();
  for (const e of environments) {
    const hosts = bootstraps.filter((b) => b.environmentNames.includes(e.name));
    if (hosts.length !== 1) {
      throw new Error(
        `GithubStack environment "${e.name}" is hosted by ${hosts.length} of the bootstrap stacks given ` +
          `(${bootstraps.map((b) => b.node.id).join(", ")}); pass every account's bootstrap once (app.ts builds one per account)`,
      );
    }
    byEnvironment.set(e.name, hosts[0]);
  }
  return (environment) => byEnvironment.get(environment)!;
}
