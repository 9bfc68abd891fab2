/**
 * An AWS account per environment (the shipped config): prod in an account of its own gets a
 * bootstrap of its own, keeps its state in that account's bucket, and no role of one account names
 * another account's state, keys or roles. A production environment that shares an account is
 * refused unless the risk is accepted; the one-account layout, built explicitly with that waiver,
 * keeps its stack ids and names.
 */
import { Testing } from "cdktf";
import { Naming, platformAccounts, workloadRolesOf } from "../config/naming";
import type { PlatformConfig } from "../config/types";
import { validate } from "../config/validate";
import { previewBootstrapRoles } from "./support/previews";
import { buildSample, ONE_ACCOUNT_REASON, oneAccountConfig, sampleConfig } from "./support/sample";
import { parse, resources } from "./support/synth";

const PROD_ACCOUNT = "210987654321";

/** The shipped config, with prod's account's bootstrap settings of its own (state in its bucket, 30 days of versions). */
function twoAccounts(): PlatformConfig {
  const config = sampleConfig() as any;
  config.project.accounts = [{ accountId: PROD_ACCOUNT, bootstrap: { stateInBucket: true, noncurrentVersionExpirationDays: 30 } }];
  return config as PlatformConfig;
}

const config = twoAccounts();
const platform = buildSample(config);
const synth = (stack: keyof typeof platform.bootstraps | string) =>
  parse(Testing.synth(platform.bootstraps[stack] ?? platform.environments[stack] ?? (stack === "github" ? platform.github : undefined)!));
const projectNaming = new Naming(config.project);
const prodNaming = new Naming(config.project, PROD_ACCOUNT);
/** The bootstrap's roles of an environment's workloads, as its config asks for them (a worker, jobs: more roles). */
const workloadRoleNames = (c: PlatformConfig, env: string) =>
  workloadRolesOf(c.environments.find((e) => e.name === env)!).map((r) => `acme-${env}-${r}-role`);

describe("two accounts: stage in the project's account, prod in its own", () => {
  it("bootstraps each account with a stack of its own: bootstrap and bootstrap-prod", () => {
    expect(Object.keys(platform.bootstraps)).toEqual(["bootstrap", "bootstrap-prod"]);
    expect(platformAccounts(config).map((a) => [a.accountId, a.environments, a.bootstrapStack])).toEqual([
      ["123456789012", ["stage"], "bootstrap"],
      [PROD_ACCOUNT, ["prod"], "bootstrap-prod"],
    ]);
  });

  it("gives each account its own bucket, lock table, OIDC provider, plan and drift roles, and only its environments' deploy roles", () => {
    const project = synth("bootstrap");
    const prod = synth("bootstrap-prod");
    const bucketOf = (tf: ReturnType<typeof parse>) => Object.values(resources(tf, "aws_s3_bucket")).map((b) => b.bucket);
    expect(bucketOf(project)).toEqual([projectNaming.stateBucket]);
    expect(bucketOf(prod)).toEqual([prodNaming.stateBucket]);
    expect(prodNaming.stateBucket).toBe(`acme-tfstate-${PROD_ACCOUNT}-eu-west-1`);
    const roleNames = (tf: ReturnType<typeof parse>) =>
      Object.values(resources(tf, "aws_iam_role"))
        .map((r) => r.name)
        .sort();
    const workload = (env: string) => workloadRoleNames(config, env);
    // The previews' roles in stage's account only (the shipped config's previews.host).
    const previews = (envs: string[], account: string) => previewBootstrapRoles(config, envs, account).map((r) => r.name);
    expect(previews(["stage"], platform.bootstraps.bootstrap.accountId)).toHaveLength(4);
    expect(roleNames(project)).toEqual(
      ["acme-drift", "acme-plan", "acme-stage-deploy", ...workload("stage"), ...previews(["stage"], "1")].sort(),
    );
    expect(roleNames(prod)).toEqual(
      ["acme-drift", "acme-plan", "acme-prod-deploy", ...workload("prod"), ...previews(["prod"], "1")].sort(),
    );
    expect(Object.keys(resources(prod, "aws_iam_openid_connect_provider"))).toHaveLength(1);
    expect(prod.output!.deploy_role_arn_prod).toBeDefined();
    expect(prod.output!.deploy_role_arn_stage).toBeUndefined();
    expect(project.output!.deploy_role_arn_prod).toBeUndefined();
  });

  it("names no other account anywhere in a bootstrap: its roles cannot reach another account's state, keys or roles", () => {
    expect(JSON.stringify(synth("bootstrap-prod"))).not.toContain("123456789012");
    expect(JSON.stringify(synth("bootstrap"))).not.toContain(PROD_ACCOUNT);
  });

  it("pins every stack's provider to its own account", () => {
    const allowed = (stack: string) => (synth(stack).provider!.aws[0] as any).allowed_account_ids;
    expect(allowed("bootstrap")).toEqual(["123456789012"]);
    expect(allowed("stage")).toEqual(["123456789012"]);
    expect(allowed("bootstrap-prod")).toEqual([PROD_ACCOUNT]);
    expect(allowed("prod")).toEqual([PROD_ACCOUNT]);
  });

  it("keeps each environment's state in its own account's bucket, and the github stack's in the project's", () => {
    const backend = (stack: string) => (synth(stack).terraform!.backend as any).s3;
    expect(backend("stage")).toMatchObject({
      bucket: projectNaming.stateBucket,
      key: "stage/terraform.tfstate",
      kms_key_id: projectNaming.stateKeyAliasArn,
    });
    expect(backend("prod")).toMatchObject({
      bucket: prodNaming.stateBucket,
      key: "prod/terraform.tfstate",
      kms_key_id: prodNaming.stateKeyAliasArn,
    });
    expect(backend("github")).toMatchObject({ bucket: projectNaming.stateBucket, key: "github/terraform.tfstate" });
    // The prod account's settings apply to its bootstrap: state in its own bucket, its own retention.
    expect(backend("bootstrap-prod")).toMatchObject({ bucket: prodNaming.stateBucket, key: "bootstrap-prod/terraform.tfstate" });
    expect((synth("bootstrap").terraform!.backend as any).local).toBeDefined();
  });

  it("gives each environment its own account's deploy role: stage's read from bootstrap, prod's derived for prod's account", () => {
    const github = synth("github");
    // Only the project account's state: bootstrap-prod's is in prod's bucket, under prod's key.
    expect(Object.keys((github.data as any).terraform_remote_state)).toEqual(["bootstrap"]);
    const values = Object.values(resources(github, "github_actions_environment_variable")).map((v) => [v.environment, v.value]);
    const role = (env: string) =>
      values.find(([e, v]) => e.includes(`environment-${env}`) && /deploy_role_arn|-deploy$/.test(String(v)))?.[1];
    expect(role("stage")).toBe("${data.terraform_remote_state.bootstrap.outputs.deploy_role_arn_stage}");
    expect(role("prod")).toBe(prodNaming.roleArn(prodNaming.deployRoleName("prod")));
  });

  it("gives each stack's plan and drift jobs the roles, bucket and table of the stack's account", () => {
    const vars = Object.fromEntries(
      Object.values(resources(synth("github"), "github_actions_variable")).map((v) => [v.variable_name, v.value as string]),
    );
    for (const stack of ["bootstrap-prod", "prod"]) {
      const suffix = stack.toUpperCase().replace("-", "_");
      expect(vars[`AWS_PLAN_ROLE_ARN_${suffix}`]).toBe(prodNaming.roleArn(prodNaming.planRoleName));
      expect(vars[`AWS_DRIFT_ROLE_ARN_${suffix}`]).toBe(prodNaming.roleArn(prodNaming.driftRoleName));
      expect(vars[`TF_STATE_BUCKET_${suffix}`]).toBe(prodNaming.stateBucket);
      expect(vars[`TF_LOCK_TABLE_${suffix}`]).toBe(prodNaming.lockTable);
    }
    for (const stack of ["bootstrap", "stage"]) {
      expect(vars[`AWS_PLAN_ROLE_ARN_${stack.toUpperCase()}`]).toBe("${data.terraform_remote_state.bootstrap.outputs.plan_role_arn}");
      expect(vars[`TF_STATE_BUCKET_${stack.toUpperCase()}`]).toBe("${data.terraform_remote_state.bootstrap.outputs.state_bucket}");
    }
  });

  it("each bootstrap's typed attributes name what it creates in its own account", () => {
    for (const [stack, b] of Object.entries(platform.bootstraps)) {
      const tf = synth(stack);
      const naming = new Naming(config.project, b.accountId);
      const roleArns = Object.values(resources(tf, "aws_iam_role")).map((r) => `arn:aws:iam::${b.accountId}:role${r.path ?? "/"}${r.name}`);
      const workloadRoleArns = Object.values(b.workloadRoleArns).flatMap((byRole) => Object.values(byRole));
      const rolesOf = (env: string) => workloadRolesOf(config.environments.find((e) => e.name === env)!);
      const expected = b.environmentNames.flatMap((env) => rolesOf(env).map((r) => naming.workloadRoleArn(env, r)));
      expect(workloadRoleArns.sort()).toEqual(expected.sort());
      const previews = previewBootstrapRoles(config, b.environmentNames, b.accountId).map((r) => r.arn);
      expect(roleArns.sort()).toEqual(
        [b.planRoleArn, b.driftRoleArn, ...Object.values(b.deployRoleArns), ...workloadRoleArns, ...previews].sort(),
      );
      if (previews.length > 0) expect(previews[0]).toBe(b.previewRoleArn);
      expect(Object.keys(b.deployRoleArns)).toEqual(b.environmentNames);
      expect(Object.values(resources(tf, "aws_s3_bucket")).map((r) => r.bucket)).toEqual([b.stateBucket]);
      expect(Object.values(resources(tf, "aws_dynamodb_table")).map((r) => r.name)).toEqual([b.lockTable]);
      expect([b.stateBucket, b.region]).toEqual([naming.stateBucket, config.project.region]);
      expect((tf.provider!.aws[0] as any).allowed_account_ids).toEqual([b.accountId]);
    }
    expect(platform.bootstraps["bootstrap-prod"].planRoleArn).toBe(`arn:aws:iam::${PROD_ACCOUNT}:role/acme-plan`);
  });

  it("names prod's deterministic role and boundary ARNs in prod's account", () => {
    expect(prodNaming.roleArn(prodNaming.deployRoleName("prod"))).toBe(`arn:aws:iam::${PROD_ACCOUNT}:role/acme-prod-deploy`);
    expect(prodNaming.workloadBoundaryArn("prod")).toBe(`arn:aws:iam::${PROD_ACCOUNT}:policy/acme-prod-workload-boundary`);
    // prod's workload roles are bootstrap-prod's, with prod's boundary; the prod stack runs as them in prod's account.
    const bootstrap = synth("bootstrap-prod");
    const boundaries = Object.entries(resources(bootstrap, "aws_iam_policy"));
    const workloadRoles = Object.values(resources(bootstrap, "aws_iam_role")).filter((r) => r.permissions_boundary !== undefined);
    expect(workloadRoles.map((r) => r.name).sort()).toEqual(workloadRoleNames(config, "prod").sort());
    for (const role of workloadRoles) {
      const [, boundary] = boundaries.find(([id]) => role.permissions_boundary === `\${aws_iam_policy.${id}.arn}`)!;
      expect(`arn:aws:iam::${PROD_ACCOUNT}:policy/${boundary.name}`).toBe(prodNaming.workloadBoundaryArn("prod"));
    }
    const read = Object.values((synth("prod").data?.aws_iam_role ?? {}) as Record<string, { name: string }>).map((r) => r.name);
    expect(read.sort()).toEqual(workloadRoles.map((r) => r.name).sort());
  });
});

describe("the shipped config", () => {
  it("puts prod in an account of its own and stage in the project's", () => {
    expect(platformAccounts(sampleConfig()).map((a) => [a.accountId, a.environments, a.bootstrapStack])).toEqual([
      ["123456789012", ["stage"], "bootstrap"],
      [PROD_ACCOUNT, ["prod"], "bootstrap-prod"],
    ]);
  });
});

describe("a production environment sharing an account", () => {
  /** The shipped config with stage and prod in one account, and prod's accepted risks replaced by `risks`. */
  const shared = (risks: { setting: string; reason: string }[] = []): PlatformConfig => {
    const one = oneAccountConfig();
    return {
      ...one,
      environments: one.environments.map((e) =>
        e.name !== "prod" ? e : { ...e, acceptedRisks: [...(e.acceptedRisks ?? []).filter((r) => r.setting !== "accountId"), ...risks] },
      ),
    };
  };

  it("rejects prod in the project's account with stage, naming the setting, the shared account and the fix", () => {
    let error: unknown;
    try {
      validate(shared());
    } catch (e) {
      error = e;
    }
    const lines = String((error as Error).message).split("\n");
    expect(lines).toEqual(["Invalid platform configuration (1 problem):", expect.stringMatching(/^ {2}- prod\.accountId "123456789012" /)]);
    expect(lines[1]).toMatch(/is another environment's account too: production needs an account of its own /);
    expect(lines[1]).toMatch(/add \{ accountId: "<that account>" \} to project\.accounts /);
    expect(lines[1]).toMatch(/; or list "accountId" in prod\.acceptedRisks with a reason$/);
  });

  it("rejects stage moved into prod's own account: the account is shared either way", () => {
    const config = sampleConfig() as any;
    config.environments[0].accountId = PROD_ACCOUNT;
    expect(() => validate(config)).toThrow(/prod\.accountId "210987654321" is another environment's account too/);
  });

  it("accepts the one-account layout when prod's acceptedRisks names accountId with a reason", () => {
    expect(validate(shared([{ setting: "accountId", reason: ONE_ACCOUNT_REASON }]))).toBeDefined();
    expect(validate(oneAccountConfig())).toBeDefined();
  });

  it("rejects that accepted risk once prod has an account of its own (nothing left to accept)", () => {
    const config = sampleConfig() as any;
    config.environments[1].acceptedRisks = [...config.environments[1].acceptedRisks, { setting: "accountId", reason: ONE_ACCOUNT_REASON }];
    expect(() => validate(config)).toThrow(/prod\.acceptedRisks\[1\]\.setting "accountId" is met, so there is no risk to accept/);
  });
});

describe("one account (built explicitly: no accountId anywhere, prod's sharing accepted)", () => {
  const one = buildSample(oneAccountConfig());
  it("keeps a single bootstrap named bootstrap, hosting every environment", () => {
    expect(Object.keys(one.bootstraps)).toEqual(["bootstrap"]);
    const roles = Object.values(resources(parse(Testing.synth(one.bootstrap)), "aws_iam_role"))
      .map((r) => r.name)
      .sort();
    const workload = ["prod", "stage"].flatMap((env) => workloadRoleNames(oneAccountConfig(), env));
    const previews = previewBootstrapRoles(oneAccountConfig(), ["prod", "stage"], "1").map((r) => r.name);
    expect(roles).toEqual(["acme-drift", "acme-plan", "acme-prod-deploy", "acme-stage-deploy", ...workload, ...previews].sort());
  });
});
