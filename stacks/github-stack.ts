import { ActionsEnvironmentVariable } from "@cdktf/provider-github/lib/actions-environment-variable";
import { ActionsRepositoryOidcSubjectClaimCustomizationTemplate } from "@cdktf/provider-github/lib/actions-repository-oidc-subject-claim-customization-template";
import { ActionsVariable } from "@cdktf/provider-github/lib/actions-variable";
import { BranchProtection } from "@cdktf/provider-github/lib/branch-protection";
import { DataGithubUser } from "@cdktf/provider-github/lib/data-github-user";
import { GithubProvider } from "@cdktf/provider-github/lib/provider";
import { RepositoryEnvironment } from "@cdktf/provider-github/lib/repository-environment";
import { RepositoryEnvironmentDeploymentPolicy } from "@cdktf/provider-github/lib/repository-environment-deployment-policy";
import { WorkflowRepositoryPermissions } from "@cdktf/provider-github/lib/workflow-repository-permissions";
import { type TerraformOutput, type TerraformRemoteState, TerraformStack, Token } from "cdktf";
import type { Construct } from "constructs";
import {
  ENVIRONMENT_VARIABLES,
  type EnvironmentVariableName,
  REPOSITORY_VARIABLES,
  STACK_VARIABLES,
  type StackVariableName,
  stackVariable,
} from "../config/github-variables";
import { GITHUB_ID_SUBJECT_CLAIM_KEYS, GITHUB_STACK, Naming } from "../config/naming";
import type { EnvironmentConfig, GithubConfig, PlatformConfig } from "../config/types";
import type { LocalTarget } from "../lib/local-target";
import { useRemoteState } from "../lib/s3-backend";
import type { BootstrapStack } from "./bootstrap-stack";

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
 * region as environment variables), the repository variables pull-request plans and the drift
 * check read (per AWS stack, the plan and drift roles, state bucket and lock table of its account),
 * the default branch's protection, a read-only default workflow token that cannot approve pull
 * requests, and, when the config gives the repository's numeric ids, the OIDC subject template the
 * bootstrap roles trust. Every AWS value comes from a bootstrap stack, never typed here. The token
 * is read by the provider from the environment, never from code or config.
 */
export class GithubStack extends TerraformStack {
  /** The project account's bootstrap state, read through its own backend. */
  readonly bootstrapState: TerraformRemoteState;
  /** GitHub environments by platform environment name. */
  readonly environments: Record<string, RepositoryEnvironment> = {};
  /** Values of each environment's variables, by environment name then variable name. */
  readonly environmentVariables: Record<string, Record<EnvironmentVariableName, string>> = {};
  /** Values of every repository variable by name: the region, and each stack's (stackVariables). */
  readonly repositoryVariables: Record<string, string> = {};
  /** Values of each AWS stack's variables, by stack name (bootstraps, then environments) then variable. */
  readonly stackVariables: Record<string, Record<StackVariableName, string>> = {};
  /** Protection of the default branch; undefined when `project.github.protectDefaultBranch` is false. */
  readonly branchProtection?: BranchProtection;
  /** The repository's default GITHUB_TOKEN permissions: read-only, and no pull-request approvals. */
  readonly workflowPermissions: WorkflowRepositoryPermissions;
  /**
   * The repository's OIDC subject template (owner id, repository id, context); undefined unless
   * `project.github.repositoryId` and `ownerId` are set, in which case the bootstrap roles trust it.
   */
  readonly oidcSubjectTemplate?: ActionsRepositoryOidcSubjectClaimCustomizationTemplate;

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

    // Per AWS stack, its account's read-only roles, bucket and table: prod's plan and drift jobs must
    // assume prod's account's roles and read its bucket when prod lives in an account of its own.
    this.addRepositoryVariables(github.repo, project.region, [
      ...bootstraps.map((b): [string, BootstrapStack] => [b.node.id, b]),
      ...environments.map((e): [string, BootstrapStack] => [e.name, bootstrapOf(e.name)]),
    ]);

    if (github.protectDefaultBranch) this.branchProtection = this.protectDefaultBranch(github);
    this.workflowPermissions = this.restrictWorkflowToken(github.repo);
    // Opt-in trust by immutable ids (see addOidcSubjectTemplate).
    if (github.repositoryId !== undefined && github.ownerId !== undefined) {
      this.oidcSubjectTemplate = this.addOidcSubjectTemplate(github.repo);
    }
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

  private protectDefaultBranch(github: GithubSettings): BranchProtection {
    return new BranchProtection(this, "default-branch-protection", {
      repositoryId: github.repo,
      pattern: github.defaultBranch,
      // What merges deploys stage at once, and the bootstrap roles and workflows live on this
      // branch: an administrator's merge without review or CI would be an unreviewed release.
      // Break glass is a reviewed change to this stack (or the protection lifted in the open).
      enforceAdmins: true,
      allowsDeletions: false,
      allowsForcePushes: false,
      // strict: a branch must be up to date with the default branch, so the check ran on what merges.
      requiredStatusChecks: [{ strict: true, contexts: [github.requiredCheck] }],
      // CODEOWNERS names project.github.platformOwners for the delivery code (workflows, bootstrap,
      // config, lib): a change to who may deploy what needs one of them.
      requiredPullRequestReviews: [{ requiredApprovingReviewCount: 1, dismissStaleReviews: true, requireCodeOwnerReviews: true }],
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
   * Trust by immutable ids: tokens of this repository then carry
   * repository_owner_id:<id>:repository_id:<id>:<context> as sub, which is what the bootstrap roles
   * trust once deployed with the same ids (deploy this stack first; see README).
   */
  private addOidcSubjectTemplate(repo: string): ActionsRepositoryOidcSubjectClaimCustomizationTemplate {
    return new ActionsRepositoryOidcSubjectClaimCustomizationTemplate(this, "oidc-subject-template", {
      repository: repo,
      useDefault: false,
      includeClaimKeys: [...GITHUB_ID_SUBJECT_CLAIM_KEYS],
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
