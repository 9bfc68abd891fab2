import { ActionsEnvironmentVariable } from "@cdktf/provider-github/lib/actions-environment-variable";
import { ActionsRepositoryOidcSubjectClaimCustomizationTemplate } from "@cdktf/provider-github/lib/actions-repository-oidc-subject-claim-customization-template";
import { ActionsVariable } from "@cdktf/provider-github/lib/actions-variable";
import { BranchProtection } from "@cdktf/provider-github/lib/branch-protection";
import { DataGithubUser } from "@cdktf/provider-github/lib/data-github-user";
import { GithubProvider } from "@cdktf/provider-github/lib/provider";
import { RepositoryEnvironment } from "@cdktf/provider-github/lib/repository-environment";
import { RepositoryEnvironmentDeploymentPolicy } from "@cdktf/provider-github/lib/repository-environment-deployment-policy";
import { WorkflowRepositoryPermissions } from "@cdktf/provider-github/lib/workflow-repository-permissions";
import { TerraformOutput, type TerraformRemoteState, TerraformStack, Token } from "cdktf";
import type { Construct } from "constructs";
import {
  ENVIRONMENT_VARIABLES,
  type EnvironmentVariableName,
  REPOSITORY_VARIABLES,
  type RepositoryVariableName,
} from "../config/github-variables";
import { GITHUB_ID_SUBJECT_CLAIM_KEYS, GITHUB_STACK, Naming } from "../config/naming";
import type { PlatformConfig } from "../config/types";
import type { LocalTarget } from "../lib/local-target";
import { useRemoteState } from "../lib/s3-backend";

export interface GithubStackProps {
  /** The platform's configuration: the repository, its default branch and protection, each environment's reviewers. */
  readonly config: PlatformConfig;
  /**
   * The bootstrap stack. Its role ARNs, state bucket and lock table are read from its state (its
   * `deploy_role_arn_<env>`, `plan_role_arn`, `state_bucket` and `lock_table` outputs) through the
   * backend it declares: the local file before its state moves into the bucket, the bucket after.
   */
  readonly bootstrap: TerraformStack;
  /**
   * The bootstrap of each environment's account, by environment name, when it is not `bootstrap`
   * (an environment in an account of its own): the environment's deploy role ARN is read from its
   * `deploy_role_arn_<env>` output, through that stack's backend.
   * @default - every environment's role is read from `bootstrap`
   */
  readonly environmentBootstraps?: Readonly<Record<string, TerraformStack>>;
  /**
   * Emulator holding this stack's state (GitHub itself is never emulated).
   * @default - the state bucket in AWS
   */
  readonly local?: LocalTarget;
}

/** Bootstrap output holding an environment's deploy role ARN (declared in BootstrapStack). */
export const deployRoleOutput = (environment: string): string => `deploy_role_arn_${environment}`;

/**
 * The GitHub side of the delivery, deployed with `cdktf deploy github` after bootstrap by someone
 * whose GITHUB_TOKEN may administer the repository: one GitHub environment per platform
 * environment (its reviewers, deployable from the default branch only, its deploy role ARN and
 * region as environment variables), the repository variables pull-request plans read, the
 * default branch's protection, a read-only default workflow token that cannot approve pull
 * requests, and, when the config gives the repository's numeric ids, the OIDC subject template the
 * bootstrap roles trust. Every AWS value is read from the bootstrap stack's state, never typed
 * here. The token is read by the provider from the environment, never from code or config.
 */
export class GithubStack extends TerraformStack {
  /** The bootstrap stack's state, read through its own backend. */
  readonly bootstrapState: TerraformRemoteState;
  /** GitHub environments by platform environment name. */
  readonly environments: Record<string, RepositoryEnvironment> = {};
  /** Values of each environment's variables, by environment name then variable name. */
  readonly environmentVariables: Record<string, Record<EnvironmentVariableName, string>> = {};
  /** Values of the repository variables by name. */
  readonly repositoryVariables: Record<RepositoryVariableName, string>;
  /** Protection of the default branch; undefined when `project.github.protectDefaultBranch` is false. */
  readonly branchProtection?: BranchProtection;
  /** The repository's default GITHUB_TOKEN permissions: read-only, and no pull-request approvals. */
  readonly workflowPermissions: WorkflowRepositoryPermissions;
  /**
   * The repository's OIDC subject template (owner id, repository id, context); undefined unless
   * `project.github.repositoryId` and `ownerId` are set, in which case the bootstrap roles trust it.
   */
  readonly oidcSubjectTemplate?: ActionsRepositoryOidcSubjectClaimCustomizationTemplate;

  constructor(scope: Construct, id: string, props: GithubStackProps) {
    super(scope, id);
    const { project, environments } = props.config;
    const { owner, repo } = project.github;
    const defaultBranch = project.github.defaultBranch ?? "main";
    const protectDefaultBranch = project.github.protectDefaultBranch ?? true;
    const requiredCheck = project.github.requiredCheck ?? "test";
    const preventSelfReview = project.github.preventSelfReview ?? true;
    const naming = new Naming(project);

    // A renamed bootstrap output would otherwise surface only at plan time, as an unknown attribute.
    const states = new Map<TerraformStack, TerraformRemoteState>();
    const bootstrapOutput = (name: string, bootstrap: TerraformStack = props.bootstrap): string => {
      if (!(bootstrap.node.tryFindChild(name) instanceof TerraformOutput)) {
        throw new Error(
          `GithubStack bootstrap "${bootstrap.node.id}" declares no output "${name}"; ` +
            `pass the BootstrapStack, which outputs ${deployRoleOutput("<env>")}, plan_role_arn, state_bucket and lock_table`,
        );
      }
      // Each bootstrap's state once, read through that stack's own backend (its account's bucket or its local file).
      if (!states.has(bootstrap)) {
        states.set(bootstrap, bootstrap.ensureBackendExists().getRemoteStateDataSource(this, bootstrap.node.id, bootstrap.node.id));
      }
      return states.get(bootstrap)!.getString(name);
    };

    new GithubProvider(this, "github", { owner });
    useRemoteState(this, { naming, region: project.region, stack: GITHUB_STACK, local: props.local });

    // The backend's own description of where its state is: follows the bootstrap's move into the bucket.
    this.bootstrapState = props.bootstrap.ensureBackendExists().getRemoteStateDataSource(this, "bootstrap", props.bootstrap.node.id);
    states.set(props.bootstrap, this.bootstrapState);

    // One lookup per person, however many environments they review: the API takes numeric user ids.
    const userIds = new Map<string, number>();
    const userId = (username: string): number => {
      if (!userIds.has(username)) {
        userIds.set(username, Token.asNumber(new DataGithubUser(this, `reviewer-${username}`, { username }).id));
      }
      return userIds.get(username)!;
    };

    for (const env of environments) {
      const reviewers = env.github.requiredReviewers.map(userId);
      const environment = new RepositoryEnvironment(this, `environment-${env.name}`, {
        repository: repo,
        environment: env.name,
        // Approvals and branch rules hold for administrators too: they change them here, in review.
        canAdminsBypass: false,
        ...(reviewers.length > 0 && { reviewers: [{ users: reviewers }], preventSelfReview }),
        deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
      });
      // Only what reached the default branch deploys: a job on another branch never gets this
      // environment, so it never gets a token the environment's deploy role trusts.
      new RepositoryEnvironmentDeploymentPolicy(this, `environment-${env.name}-default-branch`, {
        repository: repo,
        environment: environment.environment,
        branchPattern: defaultBranch,
      });

      const values: Record<EnvironmentVariableName, string> = {
        [ENVIRONMENT_VARIABLES.deployRoleArn]: bootstrapOutput(deployRoleOutput(env.name), props.environmentBootstraps?.[env.name]),
        [ENVIRONMENT_VARIABLES.region]: project.region,
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

    this.repositoryVariables = {
      [REPOSITORY_VARIABLES.planRoleArn]: bootstrapOutput("plan_role_arn"),
      [REPOSITORY_VARIABLES.driftRoleArn]: bootstrapOutput("drift_role_arn"),
      [REPOSITORY_VARIABLES.stateBucket]: bootstrapOutput("state_bucket"),
      [REPOSITORY_VARIABLES.lockTable]: bootstrapOutput("lock_table"),
      [REPOSITORY_VARIABLES.region]: project.region,
    };
    for (const [name, value] of Object.entries(this.repositoryVariables)) {
      new ActionsVariable(this, `repository-${name}`, { repository: repo, variableName: name, value });
    }

    if (protectDefaultBranch) {
      this.branchProtection = new BranchProtection(this, "default-branch-protection", {
        repositoryId: repo,
        pattern: defaultBranch,
        // What merges deploys stage at once, and the bootstrap roles and workflows live on this
        // branch: an administrator's merge without review or CI would be an unreviewed release.
        // Break glass is a reviewed change to this stack (or the protection lifted in the open).
        enforceAdmins: true,
        allowsDeletions: false,
        allowsForcePushes: false,
        // strict: a branch must be up to date with the default branch, so the check ran on what merges.
        requiredStatusChecks: [{ strict: true, contexts: [requiredCheck] }],
        // CODEOWNERS names project.github.platformOwners for the delivery code (workflows, bootstrap,
        // config, lib): a change to who may deploy what needs one of them.
        requiredPullRequestReviews: [{ requiredApprovingReviewCount: 1, dismissStaleReviews: true, requireCodeOwnerReviews: true }],
      });
    }

    // A workflow's token may read the repository and nothing more unless the workflow asks for
    // more, and a workflow can never approve a pull request (which would stand in for a reviewer).
    this.workflowPermissions = new WorkflowRepositoryPermissions(this, "workflow-permissions", {
      repository: repo,
      defaultWorkflowPermissions: "read",
      canApprovePullRequestReviews: false,
    });

    // Opt-in trust by immutable ids: tokens of this repository then carry
    // repository_owner_id:<id>:repository_id:<id>:<context> as sub, which is what the bootstrap roles
    // trust once deployed with the same ids (deploy this stack first; see README).
    if (project.github.repositoryId !== undefined && project.github.ownerId !== undefined) {
      this.oidcSubjectTemplate = new ActionsRepositoryOidcSubjectClaimCustomizationTemplate(this, "oidc-subject-template", {
        repository: repo,
        useDefault: false,
        includeClaimKeys: [...GITHUB_ID_SUBJECT_CLAIM_KEYS],
      });
    }
  }
}
