import { isAbsolute, join } from "node:path";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { GithubOidc, type GithubRoleSpec, planRoleContexts } from "../bootstrap/github-oidc";
import {
  DEPLOY_ROLE_POLICY_EXEMPTIONS,
  deployRolePolicy,
  type PermissionsContext,
  PLAN_ROLE_POLICY_EXEMPTIONS,
  planRolePolicy,
  WORKLOAD_BOUNDARY_EXEMPTIONS,
  workloadBoundaryPolicy,
} from "../bootstrap/permissions";
import { StateBackend } from "../bootstrap/state-storage";
import { WorkloadRoles } from "../bootstrap/workload-roles";
import { environmentAccount, githubRoleWorkflows, Naming, type WorkloadRole, workloadRolesOf } from "../config/naming";
import { previewDeployRoleName } from "../config/preview-naming";
import type { AccountConfig, EnvironmentConfig, PlatformConfig, ProjectConfig } from "../config/types";
import { exemptAll } from "../lib/audit-exemptions";
import { platformAwsProvider } from "../lib/aws-provider";
import type { LocalTarget } from "../lib/local-target";
import { useRemoteState } from "../lib/s3-backend";
import { addPreviewHosting, fencePreviewRole, previewOutputs, previewRoleSpec, previewsHostedIn } from "./bootstrap-previews";
import { bootstrapStateFile } from "./bootstrap-state-file";

export interface BootstrapStackProps {
  readonly config: PlatformConfig;
  /**
   * The account this stack prepares: its state bucket, lock table, OIDC provider, plan role, and
   * the deploy roles of the environments it hosts (their `accountId`). Any other account than the
   * project's must be listed in `project.accounts`, whose entry gives its settings.
   * @default - the project's account
   */
  readonly accountId?: string;
  /**
   * Emulator to deploy to instead of AWS.
   * @default - AWS
   */
  readonly local?: LocalTarget;
  /**
   * Absolute directory of the bootstrap's local state file (`terraform.bootstrap.tfstate`, or
   * `terraform.bootstrap.local.tfstate` against the emulator) while its state is not in the bucket.
   * main.ts passes one, so that `cdktf synth --output <any dir>` keeps the state in one place.
   * @default - `../../..` relative to the stack's directory in the output: the repository root only
   *   for an output directory directly in it (deterministic, for tests)
   */
  readonly localStateDir?: string;
}

/**
 * The outputs another stack reads from a bootstrap's state, by what they hold: a reader names the
 * property, so a renamed output is a compile error there, not an unknown attribute at plan time.
 */
export interface BootstrapOutputs {
  readonly stateBucket: TerraformOutput;
  readonly lockTable: TerraformOutput;
  readonly stateKmsKeyArn: TerraformOutput;
  readonly githubOidcProviderArn: TerraformOutput;
  /** Each hosted environment's deploy role ARN, by environment name. */
  readonly deployRoleArns: Readonly<Record<string, TerraformOutput>>;
  /** Each hosted environment's workload permissions boundary ARN, by environment name. */
  readonly workloadBoundaryArns: Readonly<Record<string, TerraformOutput>>;
  readonly planRoleArn: TerraformOutput;
  readonly driftRoleArn: TerraformOutput;
  /** The preview role's ARN, in the account hosting previews only (stacks/bootstrap-previews.ts). */
  readonly previewRoleArn?: TerraformOutput;
}

/** Construct id of the plan role in GithubOidc (and the suffix of its output). */
export const PLAN_ROLE_ID = "plan-role";
export const DRIFT_ROLE_ID = "drift-role";
export const deployRoleId = (environment: string): string => `deploy-role-${environment}`;

/**
 * Deployed once per account, with an administrator's credentials: the state bucket, its key and
 * lock table, the GitHub Actions OIDC trust with one deploy role per environment plus the
 * read-only plan role, and each environment's workload roles and their boundary. Every other
 * stack and CI depend on what this creates.
 */
export class BootstrapStack extends TerraformStack {
  readonly stateBackend: StateBackend;
  readonly github: GithubOidc;
  /** The account this stack prepares. */
  readonly accountId: string;
  /** The environments whose deploy roles it creates (those in its account). */
  readonly environmentNames: readonly string[];
  /** The region of its resources (the project's). */
  readonly region: string;
  // The names and ARNs below are plain strings derived from the config (Naming with this account),
  // known without reading its state: what a stack in another account names them by.
  /** Name of the account's state bucket, `<project>-tfstate-<account>-<region>`. */
  readonly stateBucket: string;
  /** Name of the account's state lock table. */
  readonly lockTable: string;
  /** ARN of the account's read-only plan role (trusted for pull_request tokens of the repository). */
  readonly planRoleArn: string;
  /** ARN of the account's read-only drift role (trusted for tokens of the default branch). */
  readonly driftRoleArn: string;
  /** ARN of the preview role, where this account hosts the previews (previewDeployRoleName). */
  readonly previewRoleArn?: string;
  /** ARN of each hosted environment's deploy role (trusted for that GitHub environment), by environment name. */
  readonly deployRoleArns: Readonly<Record<string, string>>;
  /** ARN of each hosted environment's workload roles (Naming.workloadRoleArn), by environment name and role. */
  readonly workloadRoleArns: Readonly<Record<string, Readonly<Partial<Record<WorkloadRole, string>>>>>;
  /** Its outputs, for a stack that reads them from its state (see BootstrapOutputs). */
  readonly outputs: BootstrapOutputs;
  /** Each hosted environment's workload roles, by environment name. */
  readonly workloadRoles: Readonly<Record<string, WorkloadRoles>>;

  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id);
    // A relative directory would again depend on where the output goes (the defect this prop removes).
    if (props.localStateDir !== undefined && !isAbsolute(props.localStateDir)) {
      const fix = "pass e.g. the repository root (main.ts's directory)";
      throw new Error(`BootstrapStack localStateDir "${props.localStateDir}" is not an absolute path; ${fix}`);
    }
    const { project } = props.config;
    const accountId = props.accountId ?? project.accountId;
    const account = accountSettings(project, accountId);
    // Only the environments this account hosts: no role here can act on another account.
    const environments = props.config.environments.filter((e) => environmentAccount(project, e) === accountId);
    const naming = new Naming(project, accountId);
    this.accountId = accountId;
    this.environmentNames = environments.map((e) => e.name);
    this.region = project.region;
    this.stateBucket = naming.stateBucket;
    this.lockTable = naming.lockTable;
    this.planRoleArn = naming.roleArn(naming.planRoleName);
    this.driftRoleArn = naming.roleArn(naming.driftRoleName);
    this.deployRoleArns = Object.fromEntries(environments.map((e) => [e.name, naming.roleArn(naming.deployRoleName(e.name))]));
    this.workloadRoleArns = Object.fromEntries(
      environments.map((e) => [e.name, Object.fromEntries(workloadRolesOf(e).map((r) => [r, naming.workloadRoleArn(e.name, r)]))]),
    );

    this.useProviderAndBackend(id, props, naming, account);
    this.stateBackend = new StateBackend(this, "state", {
      bucketName: naming.stateBucket,
      lockTableName: naming.lockTable,
      keyAlias: naming.stateKeyAlias,
      noncurrentVersionExpirationDays: account.bootstrap?.noncurrentVersionExpirationDays,
    });
    const ctx: PermissionsContext = { naming, accountId, region: project.region, stateKeyArn: this.stateBackend.kmsKeyArn };
    const workload = this.addWorkloadRoles(ctx, environments);
    this.workloadRoles = workload.roles;
    const previews = previewsHostedIn(props.config, accountId);
    const previewHosting = previews && addPreviewHosting(this, ctx, props.config, previews);
    this.github = this.addGithubOidc(ctx, props.config, account, previews && previewRoleSpec(ctx, props.config, previews));
    this.fenceDeployRoles(naming);
    if (previewHosting) fencePreviewRole(this.stateBackend, this.github, naming.stateBucketArn);
    this.previewRoleArn = previews && naming.roleArn(previewDeployRoleName(project.name));
    const outputs = this.declareOutputs(workload.boundaries);
    this.outputs = previewHosting ? { ...outputs, ...previewOutputs(this, this.github, previewHosting) } : outputs;
  }

  /** The AWS provider, and the backend: the state bucket once the state is moved there, a local file until then. */
  private useProviderAndBackend(id: string, props: BootstrapStackProps, naming: Naming, account: AccountSettings): void {
    const { project } = props.config;
    platformAwsProvider(this, "aws", { project, accountId: this.accountId, environment: "shared", stack: id, local: props.local });
    // Against the emulator the bucket is new on every run, so the state always starts in a file.
    if (account.bootstrap?.stateInBucket && !props.local) {
      useRemoteState(this, { naming, region: project.region, stack: id, local: props.local });
    } else {
      // Chicken and egg: the bucket does not exist on the first deploy. README: "Move the bootstrap state".
      const file = bootstrapStateFile(id, props.local !== undefined);
      new LocalBackend(this, { path: props.localStateDir ? join(props.localStateDir, file) : `../../../${file}` });
    }
  }

  /**
   * Each hosted environment's workload roles, created here so that no deploy role creates a role or writes a trust, and
   * their permissions boundary: the ceiling of every workload role, with which only its deploy role writes their policies.
   */
  private addWorkloadRoles(ctx: PermissionsContext, environments: readonly EnvironmentConfig[]) {
    const { naming, region } = ctx;
    const boundaries = this.environmentNames.map((environment) => {
      const boundary = new IamPolicy(this, `workload-boundary-${environment}`, {
        name: naming.workloadBoundaryName(environment),
        // Unchanged since the environment stacks created the roles: a new description replaces the policy.
        description: `Permissions boundary of every IAM role the ${environment} stack creates`,
        policy: workloadBoundaryPolicy(ctx, environment),
      });
      exemptAll(boundary, WORKLOAD_BOUNDARY_EXEMPTIONS);
      return { environment, boundary };
    });
    const roles = boundaries.map(({ environment, boundary }) => {
      const kinds = workloadRolesOf(environments.find((e) => e.name === environment) ?? {});
      const roleProps = { environment, naming, region, permissionsBoundaryArn: boundary.arn, kinds };
      return [environment, new WorkloadRoles(this, `workload-roles-${environment}`, roleProps)] as const;
    });
    return { boundaries, roles: Object.fromEntries(roles) };
  }

  /** The GitHub Actions OIDC trust: a deploy role per hosted environment, the plan role and the drift role. */
  private addGithubOidc(ctx: PermissionsContext, config: PlatformConfig, account: AccountSettings, preview?: GithubRoleSpec): GithubOidc {
    const { project, environments } = config;
    const { naming } = ctx;
    const workflows = githubRoleWorkflows(project.github);
    const deployRoles: GithubRoleSpec[] = this.environmentNames.map((environment) => ({
      id: deployRoleId(environment),
      roleName: naming.deployRoleName(environment),
      description: `Deploys ${environment} from GitHub Actions jobs in the ${environment} environment`,
      subject: `environment:${environment}`,
      workflow: workflows.deploy,
      policy: deployRolePolicy(ctx, environment, { exclusiveAccount: this.environmentNames.length === 1 }),
      policyExemptions: DEPLOY_ROLE_POLICY_EXEMPTIONS,
    }));
    return new GithubOidc(this, "github-oidc", {
      owner: project.github.owner,
      repo: project.github.repo,
      // Trust by ids only after `cdktf deploy github` set the subject template (README).
      repositoryId: project.github.repositoryId,
      ownerId: project.github.ownerId,
      existingProviderArn: account.existingOidcProviderArn,
      roles: [
        ...deployRoles,
        {
          id: PLAN_ROLE_ID,
          roleName: naming.planRoleName,
          description: "Plans every stack (read-only) from pull-request workflows",
          subject: planRoleContexts(this.environmentNames, environments),
          workflow: workflows.plan,
          policy: planRolePolicy(ctx),
          policyExemptions: PLAN_ROLE_POLICY_EXEMPTIONS,
          trustExemptions: [
            {
              rule: "IAM-GITHUB-OIDC-TRUST",
              reason: "read-only plan role: pull_request runs (refs/pull/*/merge) of pull-request.yml in plan-<env> environments",
            },
          ],
        },
        {
          // drift.yml on the default branch, with the plan role's read-only policy (a role of its own).
          id: DRIFT_ROLE_ID,
          roleName: naming.driftRoleName,
          description: "Plans every stack (read-only) from the scheduled drift check on the default branch",
          subject: `ref:${workflows.drift.ref}`,
          workflow: workflows.drift,
          policy: planRolePolicy(ctx),
          policyExemptions: PLAN_ROLE_POLICY_EXEMPTIONS,
        },
        ...(preview ? [preview] : []),
      ],
    });
  }

  /** Fences each deploy role into its own state prefix at the bucket too, whatever IAM grants it later. */
  private fenceDeployRoles(naming: Naming): void {
    for (const e of this.environmentNames) {
      this.stateBackend.addToBucketPolicy({
        Sid: `Deploy${e.charAt(0).toUpperCase()}${e.slice(1)}OnlyOwnState`,
        Effect: "Deny",
        Principal: { AWS: this.github.roleArns[deployRoleId(e)] },
        Action: ["s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*"],
        NotResource: `${naming.stateBucketArn}/${e}/*`,
      });
    }
  }

  /** Declares the outputs (their ids are the names a reader of the state finds), in their usual order. */
  private declareOutputs(workloadBoundaries: { environment: string; boundary: IamPolicy }[]): BootstrapOutputs {
    const output = (id: string, value: string, description: string) => new TerraformOutput(this, id, { value, description });
    const { roleArns, providerArn } = this.github;
    return {
      stateBucket: output("state_bucket", this.stateBackend.bucketName, "S3 bucket holding every stack's Terraform state"),
      lockTable: output("lock_table", this.stateBackend.lockTableName, "DynamoDB table holding Terraform state locks"),
      stateKmsKeyArn: output("state_kms_key_arn", this.stateBackend.kmsKeyArn, "KMS key encrypting the state bucket and the lock table"),
      githubOidcProviderArn: output("github_oidc_provider_arn", providerArn, "IAM OIDC provider trusted for GitHub Actions tokens"),
      deployRoleArns: Object.fromEntries(
        this.environmentNames.map((e) => [
          e,
          output(
            `deploy_role_arn_${e}`,
            roleArns[deployRoleId(e)],
            `Role GitHub Actions assumes to deploy ${e} (jobs in the ${e} environment only)`,
          ),
        ]),
      ),
      workloadBoundaryArns: Object.fromEntries(
        workloadBoundaries.map(({ environment, boundary }) => [
          environment,
          output(
            `workload_boundary_arn_${environment}`,
            boundary.arn,
            `Permissions boundary every IAM role of the ${environment} stack carries`,
          ),
        ]),
      ),
      planRoleArn: output("plan_role_arn", roleArns[PLAN_ROLE_ID], "Read-only role GitHub Actions assumes to plan from pull requests"),
      driftRoleArn: output(
        "drift_role_arn",
        roleArns[DRIFT_ROLE_ID],
        "Read-only role the scheduled drift check assumes (default branch only)",
      ),
    };
  }
}

/** The settings of an account's bootstrap: the project's, or the account's entry in project.accounts. */
type AccountSettings = Pick<AccountConfig, "bootstrap" | "existingOidcProviderArn">;

function accountSettings(project: ProjectConfig, accountId: string): AccountSettings {
  const account =
    accountId === project.accountId
      ? { bootstrap: project.bootstrap, existingOidcProviderArn: project.github.existingOidcProviderArn }
      : project.accounts?.find((a) => a.accountId === accountId);
  if (!account) {
    const fix = `add { accountId: "${accountId}" } there, or omit accountId for the project's account`;
    throw new Error(`BootstrapStack accountId "${accountId}" is not listed in project.accounts; ${fix}`);
  }
  return account;
}
