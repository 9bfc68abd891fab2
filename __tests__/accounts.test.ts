/**
 * An AWS account per environment (opt-in): prod in an account of its own gets a bootstrap of its
 * own, keeps its state in that account's bucket, and no role of one account names another
 * account's state, keys or roles. The one-account layout (the shipped config) keeps its stack ids
 * and names.
 */
import { Testing } from "cdktf";
import { Naming, platformAccounts } from "../config/naming";
import type { PlatformConfig } from "../config/types";
import { buildSample, sampleConfig } from "./support/sample";
import { parse, resources } from "./support/synth";

const PROD_ACCOUNT = "210987654321";

/** The shipped config with prod moved to an account of its own. */
function twoAccounts(): PlatformConfig {
  const config = sampleConfig() as any;
  config.project.accounts = [{ accountId: PROD_ACCOUNT, bootstrap: { stateInBucket: true, noncurrentVersionExpirationDays: 30 } }];
  config.environments[1].accountId = PROD_ACCOUNT;
  return config as PlatformConfig;
}

const config = twoAccounts();
const platform = buildSample(config);
const synth = (stack: keyof typeof platform.bootstraps | string) =>
  parse(Testing.synth(platform.bootstraps[stack] ?? platform.environments[stack] ?? (stack === "github" ? platform.github : undefined)!));
const projectNaming = new Naming(config.project);
const prodNaming = new Naming(config.project, PROD_ACCOUNT);

describe("two accounts: stage in the project's account, prod in its own", () => {
  it("bootstraps each account with a stack of its own: bootstrap and bootstrap-prod", () => {
    expect(Object.keys(platform.bootstraps)).toEqual(["bootstrap", "bootstrap-prod"]);
    expect(platformAccounts(config).map((a) => [a.accountId, a.environments, a.bootstrapStack])).toEqual([
      ["123456789012", ["stage"], "bootstrap"],
      [PROD_ACCOUNT, ["prod"], "bootstrap-prod"],
    ]);
  });

  it("gives each account its own state bucket, lock table, OIDC provider, plan and drift roles and only its own environments' deploy roles", () => {
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
    expect(roleNames(project)).toEqual(["acme-drift", "acme-plan", "acme-stage-deploy"]);
    expect(roleNames(prod)).toEqual(["acme-drift", "acme-plan", "acme-prod-deploy"]);
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

  it("reads each environment's role ARN in the github stack from the bootstrap of its account", () => {
    const github = synth("github");
    const remote = (github.data as any).terraform_remote_state;
    expect(Object.keys(remote).sort()).toEqual(["bootstrap", "bootstrap-prod"].sort());
    const values = Object.values(resources(github, "github_actions_environment_variable")).map((v) => [v.environment, v.value]);
    const role = (env: string) => values.find(([e, v]) => e.includes(`environment-${env}`) && String(v).includes("deploy_role_arn"))?.[1];
    expect(role("stage")).toContain("data.terraform_remote_state.bootstrap.outputs.deploy_role_arn_stage");
    expect(role("prod")).toContain("data.terraform_remote_state.bootstrap-prod.outputs.deploy_role_arn_prod");
  });

  it("names prod's deterministic role and boundary ARNs in prod's account", () => {
    expect(prodNaming.roleArn(prodNaming.deployRoleName("prod"))).toBe(`arn:aws:iam::${PROD_ACCOUNT}:role/acme-prod-deploy`);
    expect(prodNaming.workloadBoundaryArn("prod")).toBe(`arn:aws:iam::${PROD_ACCOUNT}:policy/acme-prod-workload-boundary`);
    const prod = synth("prod");
    const roles = Object.values(resources(prod, "aws_iam_role"));
    for (const role of roles) expect(role.permissions_boundary).toBe(prodNaming.workloadBoundaryArn("prod"));
  });
});

describe("one account (the shipped config)", () => {
  const one = buildSample(sampleConfig());
  it("keeps a single bootstrap named bootstrap, hosting every environment", () => {
    expect(Object.keys(one.bootstraps)).toEqual(["bootstrap"]);
    const roles = Object.values(resources(parse(Testing.synth(one.bootstrap)), "aws_iam_role"))
      .map((r) => r.name)
      .sort();
    expect(roles).toEqual(["acme-drift", "acme-plan", "acme-prod-deploy", "acme-stage-deploy"]);
  });
});
