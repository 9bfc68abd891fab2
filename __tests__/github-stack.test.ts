import { ActionsEnvironmentVariable } from "@cdktf/provider-github/lib/actions-environment-variable";
import { ActionsRepositoryOidcSubjectClaimCustomizationTemplate } from "@cdktf/provider-github/lib/actions-repository-oidc-subject-claim-customization-template";
import { ActionsVariable } from "@cdktf/provider-github/lib/actions-variable";
import { RepositoryEnvironment } from "@cdktf/provider-github/lib/repository-environment";
import { RepositoryEnvironmentDeploymentPolicy } from "@cdktf/provider-github/lib/repository-environment-deployment-policy";
import { RepositoryRuleset } from "@cdktf/provider-github/lib/repository-ruleset";
import { WorkflowRepositoryPermissions } from "@cdktf/provider-github/lib/workflow-repository-permissions";
import { TerraformStack, Testing } from "cdktf";
import { ENVIRONMENT_VARIABLES, PREVIEW_VARIABLES, REPOSITORY_VARIABLES, STACK_VARIABLES, stackVariable } from "../config/github-variables";
import { GITHUB_STACK, Naming } from "../config/naming";
import type { EnvironmentConfig, PlatformConfig } from "../config/types";
import { BootstrapStack } from "../stacks/bootstrap-stack";
import { BOOTSTRAP_LOCAL_STATE } from "../stacks/bootstrap-state-file";
import { GITHUB_ACTIONS_APP_ID, GithubStack } from "../stacks/github-stack";
import { buildSample, oneAccountConfig, sampleConfig } from "./support/sample";
import { parse, resources, type SynthesizedTerraform } from "./support/synth";

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

const config = sampleConfig();
const naming = new Naming(config.project);
const envNames = config.environments.map((e) => e.name);
const platform = buildSample(config);
const synthesized = Testing.synth(platform.github);
const tf = parse(synthesized);
/** The AWS stacks whose variables the repository holds: each account's bootstrap, then each environment. */
const awsStacks = [...Object.keys(platform.bootstraps), ...envNames];
/** The one-account layout, where the github stack reads every value from the one bootstrap's outputs. */
const one = buildSample(oneAccountConfig());
const oneSynthesized = Testing.synth(one.github);
const oneTf = parse(oneSynthesized);
const oneBootstrap = parse(Testing.synth(one.bootstrap));
/** The name of the bootstrap output holding an environment's deploy role ARN, as the bootstrap declares it. */
const deployRoleOutput = (env: string): string => one.bootstrap.outputs.deployRoleArns[env].friendlyUniqueId;

/** Synthesizes the GitHub stack of a changed copy of the shipped configuration. */
function githubWith(change: (c: Mutable<PlatformConfig>) => void): SynthesizedTerraform {
  const c = sampleConfig() as Mutable<PlatformConfig>;
  change(c);
  return parse(Testing.synth(buildSample(c as PlatformConfig).github));
}

const byName = <T extends Record<string, any>>(tf: SynthesizedTerraform, type: string, key: string) =>
  Object.fromEntries(Object.values(resources<T>(tf, type)).map((r) => [r[key], r]));

/** `${data.terraform_remote_state.<id>.outputs.<name>}` → [id, name]. */
function remoteOutput(value: unknown): [string, string] | undefined {
  const m = /^\$\{data\.terraform_remote_state\.([\w-]+)\.outputs\.(\w+)\}$/.exec(String(value));
  return m ? [m[1], m[2]] : undefined;
}

describe("GitHub stack: state, provider, token", () => {
  it("is the stack `cdktf deploy github` names, wired into the platform", () => {
    expect(platform.github).toBeInstanceOf(GithubStack);
    expect(platform.github.node.id).toBe(GITHUB_STACK);
  });

  it("keeps its state in the bootstrap bucket under github/terraform.tfstate, encrypted, with both locks", () => {
    expect(tf.terraform!.backend).toEqual({
      s3: {
        bucket: naming.stateBucket,
        key: "github/terraform.tfstate",
        region: config.project.region,
        encrypt: true,
        kms_key_id: naming.stateKeyAliasArn,
        dynamodb_table: naming.lockTable,
        use_lockfile: true,
      },
    });
  });

  it("configures the GitHub provider with the configured owner only", () => {
    expect(tf.provider!.github).toEqual([{ owner: config.project.github.owner }]);
  });

  it("holds no token or credential anywhere: the provider reads GITHUB_TOKEN itself", () => {
    expect(synthesized).not.toMatch(/token|app_auth|pem_file|secret_key|access_key|password/i);
    expect(synthesized).not.toMatch(/gh[pousr]_[A-Za-z0-9]{20,}|github_pat_/);
  });

  it("needs only the GitHub provider (so the offline validate suite skips it and this file covers it)", () => {
    expect(Object.keys(tf.terraform!.required_providers as object)).toEqual(["github"]);
    expect(tf.resource!).not.toHaveProperty("aws_iam_role");
  });
});

describe("GitHub stack: values come from the bootstrap stack (one account)", () => {
  const tf = oneTf;
  const synthesized = oneSynthesized;
  const bootstrap = oneBootstrap;
  const state = (tf.data as any).terraform_remote_state;

  it("reads the bootstrap state from the local file while bootstrap keeps it there", () => {
    expect(bootstrap.terraform!.backend).toEqual({ local: { path: BOOTSTRAP_LOCAL_STATE } });
    expect(Object.keys(state)).toEqual(["bootstrap"]);
    expect(state.bootstrap.backend).toBe("local");
    expect(state.bootstrap.config).toEqual({ path: BOOTSTRAP_LOCAL_STATE });
  });

  it("reads it from the bucket once bootstrap.stateInBucket moves it there, with the bootstrap's own backend settings", () => {
    const moved = oneAccountConfig() as Mutable<PlatformConfig>;
    moved.project.bootstrap = { ...moved.project.bootstrap, stateInBucket: true };
    const p = buildSample(moved as PlatformConfig);
    const backend = (parse(Testing.synth(p.bootstrap)).terraform!.backend as any).s3;
    const remote = (parse(Testing.synth(p.github)).data as any).terraform_remote_state.bootstrap;
    expect(remote.backend).toBe("s3");
    expect(remote.config.key).toBe("bootstrap/terraform.tfstate");
    const { use_lockfile: _writersOnly, ...readSettings } = backend;
    expect(remote.config).toEqual(readSettings);
  });

  it("sets each environment's AWS_DEPLOY_ROLE_ARN to that environment's bootstrap output, never a literal ARN", () => {
    const vars = Object.values(resources(tf, "github_actions_environment_variable"));
    for (const env of envNames) {
      const deploy = vars.find((v) => v.variable_name === "AWS_DEPLOY_ROLE_ARN" && v.environment.includes(`.environment-${env}.`))!;
      expect(deploy.value).toBe(`\${data.terraform_remote_state.bootstrap.outputs.${deployRoleOutput(env)}}`);
    }
    for (const env of envNames) expect(synthesized).not.toContain(naming.roleArn(naming.deployRoleName(env)));
    expect(synthesized).not.toContain(naming.roleArn(naming.planRoleName));
    expect(synthesized).not.toMatch(/arn:aws:iam::/);
  });

  it("reads only outputs the bootstrap stack declares, and each role output is that environment's role", () => {
    const values = [
      ...Object.values(resources(tf, "github_actions_environment_variable")),
      ...Object.values(resources(tf, "github_actions_variable")),
    ].map((v) => v.value);
    const read = values.map(remoteOutput).filter((r): r is [string, string] => r !== undefined);
    expect([...new Set(read.map(([, name]) => name))].sort()).toEqual(
      // The preview role's ARN too: the shipped config turns previews on (preview-role.test.ts: none without previews).
      [...envNames.map(deployRoleOutput), "plan_role_arn", "drift_role_arn", "state_bucket", "lock_table", "preview_role_arn"].sort(),
    );
    for (const [, name] of read) expect(bootstrap.output).toHaveProperty(name);
    const roles = resources(bootstrap, "aws_iam_role");
    const roleIdNamed = (roleName: string) => Object.entries(roles).find(([, r]) => r.name === roleName)![0];
    for (const env of envNames) {
      expect(bootstrap.output![deployRoleOutput(env)].value).toBe(`\${aws_iam_role.${roleIdNamed(naming.deployRoleName(env))}.arn}`);
    }
    expect(bootstrap.output!.plan_role_arn.value).toBe(`\${aws_iam_role.${roleIdNamed(naming.planRoleName)}.arn}`);
  });

  it("reads the outputs the bootstrap declares under the names it declares them (deploy_role_arn_<env>, plan_role_arn, ...)", () => {
    expect(envNames.map(deployRoleOutput)).toEqual(envNames.map((e) => `deploy_role_arn_${e}`));
    const { outputs } = one.bootstrap;
    expect([outputs.planRoleArn, outputs.driftRoleArn, outputs.stateBucket, outputs.lockTable].map((o) => o.friendlyUniqueId)).toEqual([
      "plan_role_arn",
      "drift_role_arn",
      "state_bucket",
      "lock_table",
    ]);
  });

  it("takes only a BootstrapStack (a stack without its typed outputs does not compile), of the project's account", () => {
    const app = Testing.app();
    const bare = new TerraformStack(app, "bootstrap");
    // @ts-expect-error: a bare TerraformStack has none of the outputs the github stack reads.
    expect(() => new GithubStack(app, "github", { config, bootstrap: bare })).toThrow(/GithubStack bootstrap "bootstrap" prepares account/);
  });

  it("refuses the bootstrap of another account as the project's, and an environment no bootstrap given hosts", () => {
    // The shipped config: prod in an account of its own.
    const two = sampleConfig() as Mutable<PlatformConfig>;
    const app = Testing.app();
    const project = new BootstrapStack(app, "bootstrap", { config: two as PlatformConfig });
    const prod = new BootstrapStack(app, "bootstrap-prod", { config: two as PlatformConfig, accountId: "210987654321" });
    expect(() => new GithubStack(app, "github-a", { config: two as PlatformConfig, bootstrap: prod })).toThrow(
      'GithubStack bootstrap "bootstrap-prod" prepares account 210987654321, not the project\'s 123456789012; ' +
        "pass the project account's bootstrap as bootstrap and the others as accountBootstraps",
    );
    expect(() => new GithubStack(app, "github-b", { config: two as PlatformConfig, bootstrap: project })).toThrow(
      'GithubStack environment "prod" is hosted by 0 of the bootstrap stacks given (bootstrap); pass every account\'s bootstrap once',
    );
    expect(
      () => new GithubStack(app, "github-c", { config: two as PlatformConfig, bootstrap: project, accountBootstraps: [prod] }),
    ).not.toThrow();
  });
});

describe("GitHub stack: environments", () => {
  const all = byName(tf, "github_repository_environment", "environment");
  const environments: Record<string, any> = Object.fromEntries(Object.entries(all).filter(([name]) => !name.startsWith("plan-")));

  it("creates one GitHub environment per platform environment, and its plan-<env> environment, in the configured repository", () => {
    expect(Object.keys(all).sort()).toEqual([...envNames, ...envNames.map((e) => `plan-${e}`)].sort());
    for (const env of envNames) {
      expect(synthesized).toHaveResourceWithProperties(RepositoryEnvironment, {
        repository: config.project.github.repo,
        environment: env,
        can_admins_bypass: false,
      });
    }
  });

  it("names each environment exactly as the deploy role's OIDC subject does", () => {
    // Every account's deploy roles (the plan role's subjects, under StringLike, name plan-<env> environments).
    const subjects = Object.values(platform.bootstraps)
      .flatMap((b) => Object.values(resources(parse(Testing.synth(b)), "aws_iam_role")))
      .map(
        (r) =>
          JSON.parse(r.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] as
            | string
            | undefined,
      )
      .map((sub) => (sub === undefined ? undefined : /:environment:([^:]+)/.exec(sub)?.[1]))
      .filter((e): e is string => e !== undefined);
    expect(Object.keys(environments).sort()).toEqual(subjects.sort());
  });

  it("lets every environment deploy from the default branch only", () => {
    const policies = Object.values(resources(tf, "github_repository_environment_deployment_policy"));
    expect(policies).toHaveLength(envNames.length);
    for (const env of envNames) {
      expect(environments[env].deployment_branch_policy).toEqual({ protected_branches: false, custom_branch_policies: true });
      expect(synthesized).toHaveResourceWithProperties(RepositoryEnvironmentDeploymentPolicy, {
        repository: "platform",
        environment: `\${github_repository_environment.environment-${env}.environment}`,
        branch_pattern: "main",
      });
    }
    for (const p of policies) expect(p).not.toHaveProperty("tag_pattern");
  });

  it("requires prod's reviewers by their GitHub user id, looked up by user name; stage needs none", () => {
    const lookups = (tf.data as any).github_user as Record<string, { username: string }>;
    expect(Object.values(lookups).map((u) => u.username)).toEqual(["acme-release-manager"]);
    const [lookupId] = Object.keys(lookups);
    expect(environments.prod.reviewers).toEqual([{ users: [`\${data.github_user.${lookupId}.id}`] }]);
    expect(environments.prod.prevent_self_review).toBe(true);
    expect(environments.stage).not.toHaveProperty("reviewers");
    expect(environments.stage).not.toHaveProperty("prevent_self_review");
  });

  it("looks each reviewer up once, however many environments they review", () => {
    const shared = githubWith((c) => {
      for (const e of c.environments) (e as Mutable<EnvironmentConfig>).github = { requiredReviewers: ["alice", "bob"] };
    });
    expect(
      Object.values((shared.data as any).github_user)
        .map((u: any) => u.username)
        .sort(),
    ).toEqual(["alice", "bob"]);
    for (const env of Object.values(resources(shared, "github_repository_environment"))) {
      expect(env.reviewers[0].users).toEqual(["${data.github_user.reviewer-alice.id}", "${data.github_user.reviewer-bob.id}"]);
    }
  });

  it("lets the person who starts a deployment approve it when preventSelfReview is false", () => {
    const solo = githubWith((c) => {
      c.project.github = { ...c.project.github, preventSelfReview: false };
      // A production guardrail: off only as prod's accepted risk.
      c.environments = c.environments.map((e) =>
        e.name === "prod"
          ? {
              ...e,
              acceptedRisks: [
                ...(e.acceptedRisks ?? []),
                { setting: "project.github.preventSelfReview", reason: "a team of one, for now" },
              ],
            }
          : e,
      );
    });
    expect(byName(solo, "github_repository_environment", "environment").prod.prevent_self_review).toBe(false);
  });

  it("follows defaultBranch in the deployment policies and the protection", () => {
    const trunk = githubWith((c) => void (c.project.github = { ...c.project.github, defaultBranch: "trunk" }));
    for (const p of Object.values(resources(trunk, "github_repository_environment_deployment_policy"))) {
      expect(p.branch_pattern).toBe("trunk");
    }
    expect(Object.values(resources(trunk, "github_repository_ruleset"))[0]?.conditions.ref_name.include).toEqual(["refs/heads/trunk"]);
  });

  it("gives an added environment its own GitHub environment and variables", () => {
    const withQa = githubWith((c) => {
      const qa = structuredClone(c.environments[0]) as Mutable<EnvironmentConfig>;
      qa.name = "qa";
      qa.network.vpcCidr = "10.30.0.0/16";
      c.environments.push(qa);
    });
    expect(Object.keys(byName(withQa, "github_repository_environment", "environment")).sort()).toEqual(
      ["prod", "qa", "stage", "plan-prod", "plan-qa", "plan-stage"].sort(),
    );
    expect(JSON.stringify(withQa)).toContain("${data.terraform_remote_state.bootstrap.outputs.deploy_role_arn_qa}");
  });
});

describe("GitHub stack: plan environments for pull-request plans", () => {
  const planEnvs = (out: SynthesizedTerraform): Record<string, any> =>
    Object.fromEntries(
      Object.entries(byName(out, "github_repository_environment", "environment")).filter(([name]) => name.startsWith("plan-")),
    );
  const reviewerIds = (env: Record<string, any>): string[] => env.reviewers?.[0]?.users ?? [];

  it("in one account, gates every plan with the reviewers of every environment there (the plan role reads all their state)", () => {
    const plans = planEnvs(oneTf);
    expect(Object.keys(plans).sort()).toEqual(["plan-prod", "plan-stage"]);
    for (const env of Object.values(plans)) {
      expect(reviewerIds(env)).toEqual(["${data.github_user.reviewer-acme-release-manager.id}"]);
      expect(env).toMatchObject({ can_admins_bypass: false, prevent_self_review: true, repository: "platform" });
      // Any branch may ask: pull requests come from branches.
      expect(env).not.toHaveProperty("deployment_branch_policy");
    }
    expect(Object.values(resources(oneTf, "github_repository_environment_deployment_policy")).map((p) => p.environment)).not.toContainEqual(
      expect.stringContaining("plan-"),
    );
  });

  it("in two accounts (the shipped layout), gates prod's plan with prod's reviewers and leaves stage's to run at once", () => {
    expect(config.environments.find((e) => e.name === "prod")!.accountId).toBe("210987654321");
    const plans = planEnvs(tf);
    expect(reviewerIds(plans["plan-prod"])).toEqual(["${data.github_user.reviewer-acme-release-manager.id}"]);
    expect(plans["plan-stage"]).not.toHaveProperty("reviewers");
    expect(platform.github.planEnvironments.prod).toBeDefined();
  });
});

describe("GitHub stack: Actions variables", () => {
  it("sets AWS_DEPLOY_ROLE_ARN and AWS_REGION in every environment, and nothing else", () => {
    const vars = Object.values(resources(tf, "github_actions_environment_variable"));
    expect(vars).toHaveLength(envNames.length * Object.keys(ENVIRONMENT_VARIABLES).length);
    for (const env of envNames) {
      const own = vars.filter((v) => v.environment === `\${github_repository_environment.environment-${env}.environment}`);
      expect(own.map((v) => v.variable_name).sort()).toEqual(Object.values(ENVIRONMENT_VARIABLES).sort());
      expect(synthesized).toHaveResourceWithProperties(ActionsEnvironmentVariable, {
        repository: "platform",
        environment: `\${github_repository_environment.environment-${env}.environment}`,
        variable_name: "AWS_REGION",
        value: config.project.region,
      });
    }
  });

  it("sets, for each AWS stack, the plan and drift roles, state bucket and lock table its plan and drift jobs read, and the region", () => {
    const vars = byName(tf, "github_actions_variable", "variable_name");
    const perStack = awsStacks.flatMap((stack) => Object.values(STACK_VARIABLES).map((name) => stackVariable(name, stack)));
    // With the preview role's ARN: the shipped config turns previews on (preview-role.test.ts: none without previews).
    expect(Object.keys(vars).sort()).toEqual(
      [...perStack, ...Object.values(REPOSITORY_VARIABLES), ...Object.values(PREVIEW_VARIABLES)].sort(),
    );
    expect(perStack).toEqual(
      expect.arrayContaining([
        "AWS_PLAN_ROLE_ARN_STAGE",
        "AWS_DRIFT_ROLE_ARN_BOOTSTRAP",
        "TF_LOCK_TABLE_PROD",
        "TF_LOCK_TABLE_BOOTSTRAP_PROD",
      ]),
    );
    expect(synthesized).toHaveResourceWithProperties(ActionsVariable, {
      repository: "platform",
      variable_name: "AWS_REGION",
      value: config.project.region,
    });
  });

  it("in the one-account layout, gives every stack the one bootstrap's outputs", () => {
    const vars = byName(oneTf, "github_actions_variable", "variable_name");
    const stacks = [...Object.keys(one.bootstraps), ...envNames];
    expect(stacks).toEqual(["bootstrap", ...envNames]);
    for (const stack of stacks) {
      expect(vars[stackVariable(STACK_VARIABLES.planRoleArn, stack)].value).toBe(
        "${data.terraform_remote_state.bootstrap.outputs.plan_role_arn}",
      );
      expect(vars[stackVariable(STACK_VARIABLES.driftRoleArn, stack)].value).toBe(
        "${data.terraform_remote_state.bootstrap.outputs.drift_role_arn}",
      );
      expect(vars[stackVariable(STACK_VARIABLES.stateBucket, stack)].value).toBe(
        "${data.terraform_remote_state.bootstrap.outputs.state_bucket}",
      );
      expect(vars[stackVariable(STACK_VARIABLES.lockTable, stack)].value).toBe(
        "${data.terraform_remote_state.bootstrap.outputs.lock_table}",
      );
    }
  });

  it("names a stack's variables by the stack, upper-case, `-` as `_`", () => {
    expect(stackVariable(STACK_VARIABLES.planRoleArn, "stage")).toBe("AWS_PLAN_ROLE_ARN_STAGE");
    expect(stackVariable(STACK_VARIABLES.stateBucket, "bootstrap-prod")).toBe("TF_STATE_BUCKET_BOOTSTRAP_PROD");
    for (const name of Object.keys(byName(tf, "github_actions_variable", "variable_name"))) expect(name).toMatch(/^[A-Z][A-Z0-9_]*$/);
  });

  it("exposes the values it sets, for other constructs and tests", () => {
    expect(Object.keys(platform.github.environmentVariables).sort()).toEqual([...envNames].sort());
    expect(Object.keys(platform.github.stackVariables)).toEqual(awsStacks);
    expect(Object.keys(platform.github.repositoryVariables).sort()).toEqual(
      Object.keys(byName(tf, "github_actions_variable", "variable_name")).sort(),
    );
  });
});

describe('GitHub stack: an environment in an account of its own (README "Two layouts")', () => {
  // The shipped layout, with prod's bootstrap state moved into its own account's bucket.
  const two = sampleConfig() as Mutable<PlatformConfig>;
  const PROD_ACCOUNT = two.environments.find((e) => e.name === "prod")!.accountId!;
  two.project.accounts = [{ accountId: PROD_ACCOUNT, bootstrap: { stateInBucket: true } }];
  const p = buildSample(two as PlatformConfig);
  const gh = parse(Testing.synth(p.github));
  const vars = byName(gh, "github_actions_variable", "variable_name");
  const prodNaming = new Naming(config.project, PROD_ACCOUNT);
  const prodBootstrap = parse(Testing.synth(p.bootstraps["bootstrap-prod"]));

  it("gives prod and bootstrap-prod the plan and drift roles, state bucket and lock table of prod's account", () => {
    for (const stack of ["prod", "bootstrap-prod"]) {
      expect({
        stack,
        plan: vars[stackVariable(STACK_VARIABLES.planRoleArn, stack)].value,
        drift: vars[stackVariable(STACK_VARIABLES.driftRoleArn, stack)].value,
        bucket: vars[stackVariable(STACK_VARIABLES.stateBucket, stack)].value,
        table: vars[stackVariable(STACK_VARIABLES.lockTable, stack)].value,
      }).toEqual({
        stack,
        plan: `arn:aws:iam::${PROD_ACCOUNT}:role/acme-plan`,
        drift: `arn:aws:iam::${PROD_ACCOUNT}:role/acme-drift`,
        bucket: `acme-tfstate-${PROD_ACCOUNT}-eu-west-1`,
        table: prodNaming.lockTable,
      });
    }
    const deploy = Object.values(resources(gh, "github_actions_environment_variable")).find(
      (v) => v.variable_name === ENVIRONMENT_VARIABLES.deployRoleArn && v.environment.includes(".environment-prod."),
    )!;
    expect(deploy.value).toBe(`arn:aws:iam::${PROD_ACCOUNT}:role/acme-prod-deploy`);
  });

  it("names exactly what bootstrap-prod creates there: its roles, bucket and table", () => {
    const roles = Object.values(resources(prodBootstrap, "aws_iam_role"));
    const roleArn = (r: Record<string, any>) => `arn:aws:iam::${PROD_ACCOUNT}:role${r.path ?? "/"}${r.name}`;
    const b = p.bootstraps["bootstrap-prod"];
    for (const arn of [b.planRoleArn, b.driftRoleArn, b.deployRoleArns.prod]) expect(roles.map(roleArn)).toContain(arn);
    expect(Object.values(resources(prodBootstrap, "aws_s3_bucket")).map((r) => r.bucket)).toEqual([b.stateBucket]);
    expect(Object.values(resources(prodBootstrap, "aws_dynamodb_table")).map((r) => r.name)).toEqual([b.lockTable]);
    expect((prodBootstrap.provider!.aws[0] as any).allowed_account_ids).toEqual([PROD_ACCOUNT]);
  });

  it("keeps stage and bootstrap on the project account's bootstrap state, and reads no state across accounts", () => {
    for (const stack of ["stage", "bootstrap"]) {
      expect(vars[stackVariable(STACK_VARIABLES.planRoleArn, stack)].value).toBe(
        "${data.terraform_remote_state.bootstrap.outputs.plan_role_arn}",
      );
      expect(vars[stackVariable(STACK_VARIABLES.stateBucket, stack)].value).toBe(
        "${data.terraform_remote_state.bootstrap.outputs.state_bucket}",
      );
    }
    expect(Object.keys((gh.data as any).terraform_remote_state)).toEqual(["bootstrap"]);
    expect(JSON.stringify(gh)).not.toContain("bootstrap-prod/terraform.tfstate");
  });
});

describe("GitHub stack: default branch protection", () => {
  /** The one ruleset that protects the default branch, as synthesized. */
  const rulesetOf = (out: SynthesizedTerraform): Record<string, any> => {
    const all = Object.values(resources(out, "github_repository_ruleset"));
    return all.length === 1 ? all[0] : { count: all.length };
  };
  const rules = rulesetOf(tf).rules ?? {};
  const pullRequest = rules.pull_request ?? {};
  const checks = rules.required_status_checks ?? {};

  it("is an active ruleset on the default branch that nobody bypasses, administrators included", () => {
    expect(synthesized).toHaveResourceWithProperties(RepositoryRuleset, {
      repository: "platform",
      target: "branch",
      enforcement: "active",
      conditions: { ref_name: { include: ["refs/heads/main"], exclude: [] } },
    });
    expect(Object.keys(resources(tf, "github_repository_ruleset"))).toEqual(["default-branch-ruleset"]);
    expect(rulesetOf(tf).bypass_actors).toBeUndefined();
    expect(resources(tf, "github_branch_protection")).toEqual({});
    expect(platform.github.defaultBranchRuleset).toBeDefined();
  });

  it("forbids deleting and force-pushing the branch", () => {
    expect(rules).toMatchObject({ deletion: true, non_fast_forward: true });
  });

  it("requires a code owner's approval, dismissed by a new push, and the last push approved by someone other than its pusher", () => {
    expect(pullRequest).toEqual({
      required_approving_review_count: 1,
      dismiss_stale_reviews_on_push: true,
      require_code_owner_review: true,
      require_last_push_approval: true,
      required_review_thread_resolution: false,
    });
  });

  it("requires the CI check from the GitHub Actions app only (a status anyone can post does not count), on an up-to-date branch", () => {
    expect(GITHUB_ACTIONS_APP_ID).toBe(15368);
    expect(checks).toEqual({
      strict_required_status_checks_policy: true,
      required_check: [{ context: "test", integration_id: 15368 }],
    });
  });

  it("requires the check named by requiredCheck, bound to the same app", () => {
    const ci = githubWith((c) => void (c.project.github = { ...c.project.github, requiredCheck: "ci" }));
    expect(rulesetOf(ci).rules?.required_status_checks?.required_check).toEqual([{ context: "ci", integration_id: 15368 }]);
  });

  it("protects the configured default branch", () => {
    const trunk = githubWith((c) => void (c.project.github = { ...c.project.github, defaultBranch: "trunk" }));
    expect(rulesetOf(trunk).conditions?.ref_name?.include).toEqual(["refs/heads/trunk"]);
  });

  it("leaves the branch unprotected when protectDefaultBranch is false", () => {
    const open = githubWith((c) => {
      c.project.github = { ...c.project.github, protectDefaultBranch: false };
      // A production guardrail: off only as prod's accepted risk.
      c.environments = c.environments.map((e) =>
        e.name === "prod"
          ? {
              ...e,
              acceptedRisks: [
                ...(e.acceptedRisks ?? []),
                { setting: "project.github.protectDefaultBranch", reason: "a team of one, for now" },
              ],
            }
          : e,
      );
    });
    expect(resources(open, "github_repository_ruleset")).toEqual({});
    expect(Object.keys(resources(open, "github_repository_environment"))).toHaveLength(2 * envNames.length);
  });
});

describe("GitHub stack: the workflows' own powers", () => {
  it("makes the default workflow token read-only and unable to approve pull requests", () => {
    expect(synthesized).toHaveResourceWithProperties(WorkflowRepositoryPermissions, {
      repository: "platform",
      default_workflow_permissions: "read",
      can_approve_pull_request_reviews: false,
    });
    expect(Object.keys(resources(tf, "github_workflow_repository_permissions"))).toEqual(["workflow-permissions"]);
  });

  it("keeps the token read-only when the default branch is left unprotected", () => {
    const open = githubWith((c) => {
      c.project.github = { ...c.project.github, protectDefaultBranch: false };
      // A production guardrail: off only as prod's accepted risk.
      c.environments = c.environments.map((e) =>
        e.name === "prod"
          ? {
              ...e,
              acceptedRisks: [
                ...(e.acceptedRisks ?? []),
                { setting: "project.github.protectDefaultBranch", reason: "a team of one, for now" },
              ],
            }
          : e,
      );
    });
    expect(Object.values(resources(open, "github_workflow_repository_permissions"))).toEqual([
      expect.objectContaining({ default_workflow_permissions: "read", can_approve_pull_request_reviews: false }),
    ]);
  });
});

describe("GitHub stack: OIDC subject template", () => {
  it("names the repository, the job's context and its workflow file and ref (job_workflow_ref), which the roles trust", () => {
    expect(config.project.github.repositoryId).toBeUndefined();
    expect(synthesized).toHaveResourceWithProperties(ActionsRepositoryOidcSubjectClaimCustomizationTemplate, {
      repository: "platform",
      use_default: false,
      include_claim_keys: ["repo", "context", "job_workflow_ref"],
    });
    expect(Object.keys(resources(tf, "github_actions_repository_oidc_subject_claim_customization_template"))).toEqual([
      "oidc-subject-template",
    ]);
    expect(platform.github.oidcSubjectTemplate).toBeDefined();
  });

  it("names the repository by owner id and repository id instead when both ids are given", () => {
    const byIds = Testing.synth(
      buildSample({
        ...config,
        project: { ...config.project, github: { ...config.project.github, repositoryId: "700000001", ownerId: "90000002" } },
      }).github,
    );
    expect(byIds).toHaveResourceWithProperties(ActionsRepositoryOidcSubjectClaimCustomizationTemplate, {
      repository: "platform",
      use_default: false,
      include_claim_keys: ["repository_owner_id", "repository_id", "context", "job_workflow_ref"],
    });
  });
});
