/**
 * Who may assume the bootstrap's roles: the GitHub OIDC provider, each role's trust policy (by
 * repository name or immutable ids), the GithubOidc construct's checks, and the bootstrap's outputs.
 * What the roles may do is in bootstrap-permissions.test.ts.
 */
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import type { Platform } from "../app";
import { GithubOidc } from "../bootstrap/github-oidc";
import { Naming } from "../config/naming";
import { roleNamed } from "./support/iam";
import { buildSample, sampleConfig } from "./support/sample";
import { parse, resources } from "./support/synth";

const config = sampleConfig();
const naming = new Naming(config.project);
const platform = buildSample(config);
/** The project account's bootstrap. */
const tf = parse(Testing.synth(platform.bootstrap));
/** Every account's bootstrap (the shipped config: `bootstrap` for stage's account, `bootstrap-prod` for prod's), by stack id. */
const bootstrapsOf = (p: Platform): Record<string, ReturnType<typeof parse>> =>
  Object.fromEntries(Object.entries(p.bootstraps).map(([id, b]) => [id, parse(Testing.synth(b))]));
const bootstraps = bootstrapsOf(platform);
/** The bootstrap of the account an environment deploys to. */
const bootstrapOf = (env: string) =>
  bootstraps[Object.keys(platform.bootstraps).find((id) => platform.bootstraps[id].environmentNames.includes(env))!];

describe("GitHub OIDC provider", () => {
  it("trusts token.actions.githubusercontent.com for the sts.amazonaws.com audience", () => {
    expect(JSON.stringify(tf)).toContain("token.actions.githubusercontent.com");
    const provider = Object.values(resources(tf, "aws_iam_openid_connect_provider"));
    expect(provider).toHaveLength(1);
    expect(provider[0]).toMatchObject({
      url: "https://token.actions.githubusercontent.com",
      client_id_list: ["sts.amazonaws.com"],
    });
  });

  it("reuses the account's existing provider when the config names it", () => {
    const reuse = sampleConfig();
    const withArn = {
      ...reuse,
      project: { ...reuse.project, github: { ...reuse.project.github, existingOidcProviderArn: naming.oidcProviderArn } },
    };
    const out = parse(Testing.synth(buildSample(withArn).bootstrap));
    expect(resources(out, "aws_iam_openid_connect_provider")).toEqual({});
    const trust = JSON.parse(Object.values(resources(out, "aws_iam_role"))[0].assume_role_policy);
    expect(trust.Statement[0].Principal).toEqual({ Federated: naming.oidcProviderArn });
  });
});

describe.each(["stage", "prod"])("deploy role of %s", (env) => {
  const { role, trust } = roleNamed(bootstrapOf(env), `acme-${env}-deploy`);

  it("is assumable only by jobs of this repository in the GitHub environment, with exact conditions", () => {
    expect(trust.Statement).toEqual([
      {
        Sid: "GithubActionsOidc",
        Effect: "Allow",
        Principal: { Federated: expect.stringMatching(/^\$\{aws_iam_openid_connect_provider\..+\.arn\}$/) },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": `repo:acme/platform:environment:${env}`,
          },
        },
      },
    ]);
    expect(role.assume_role_policy).not.toMatch(/StringLike|\*/);
  });

  it("grants sessions of one hour at most", () => {
    expect(role.max_session_duration).toBe(3600);
  });
});

describe.each(Object.keys(bootstraps))("plan role of %s", (id) => {
  const { role, trust } = roleNamed(bootstraps[id], "acme-plan");

  it("is assumable only from pull requests of this repository", () => {
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:acme/platform:pull_request",
      },
    });
    expect(role.max_session_duration).toBe(3600);
  });
});

describe("trust by immutable ids (opt-in)", () => {
  // The roles GitHub's tokens assume (the bootstrap's workload roles trust AWS services instead).
  // Across every account's bootstrap: each has its own plan and drift role.
  const githubRoles = (all: Record<string, ReturnType<typeof parse>>) =>
    Object.values(all)
      .flatMap((out) => Object.values(resources(out, "aws_iam_role")))
      .filter((r) => JSON.parse(r.assume_role_policy).Statement[0].Principal.Federated);
  const subjects = (all: Record<string, ReturnType<typeof parse>>): Record<string, string> =>
    Object.fromEntries(
      githubRoles(all).map((r) => [
        r.name,
        JSON.parse(r.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"],
      ]),
    );

  it("trusts owner/name in every role when the config gives no ids", () => {
    expect(config.project.github.repositoryId).toBeUndefined();
    expect(subjects(bootstraps)).toEqual({
      "acme-stage-deploy": "repo:acme/platform:environment:stage",
      "acme-prod-deploy": "repo:acme/platform:environment:prod",
      "acme-plan": "repo:acme/platform:pull_request",
      "acme-drift": "repo:acme/platform:ref:refs/heads/main",
    });
  });

  it("trusts exactly the ids-based subject in every role, plan role included, when both ids are given", () => {
    const byIds = sampleConfig();
    const github = { ...byIds.project.github, repositoryId: "700000001", ownerId: "90000002" };
    const out = bootstrapsOf(buildSample({ ...byIds, project: { ...byIds.project, github } }));
    const prefix = "repository_owner_id:90000002:repository_id:700000001";
    expect(subjects(out)).toEqual({
      "acme-stage-deploy": `${prefix}:environment:stage`,
      "acme-prod-deploy": `${prefix}:environment:prod`,
      "acme-plan": `${prefix}:pull_request`,
      "acme-drift": `${prefix}:ref:refs/heads/main`,
    });
    // Every one of them: a role of a second account trusting owner/name would hide behind its twin's name above.
    for (const role of githubRoles(out)) {
      const condition = JSON.parse(role.assume_role_policy).Statement[0].Condition;
      expect(Object.keys(condition)).toEqual(["StringEquals"]);
      expect(condition.StringEquals["token.actions.githubusercontent.com:aud"]).toBe("sts.amazonaws.com");
      expect(role.assume_role_policy).not.toMatch(/repo:|\*/);
    }
  });
});

describe("GithubOidc construct", () => {
  const stackWithProvider = (): TerraformStack => {
    const stack = new TerraformStack(Testing.app(), "t");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    return stack;
  };
  const role = { id: "r", roleName: "r", description: "d", subject: "environment:stage", policy: "{}" };

  it("rejects only one of repositoryId and ownerId", () => {
    expect(
      () => new GithubOidc(stackWithProvider(), "oidc", { owner: "acme", repo: "platform", repositoryId: "700000001", roles: [role] }),
    ).toThrow(/repositoryId "700000001" and ownerId undefined: give both \(trust by immutable ids\) or neither/);
  });

  it("rejects a wildcard subject when trusting by ids too", () => {
    const ids = { repositoryId: "700000001", ownerId: "90000002" };
    expect(
      () =>
        new GithubOidc(stackWithProvider(), "oidc", {
          owner: "acme",
          repo: "platform",
          ...ids,
          roles: [{ ...role, subject: "environment:*" }],
        }),
    ).toThrow(/subject "repository_owner_id:90000002:repository_id:700000001:environment:\*" contains a wildcard/);
  });

  it("rejects a wildcard subject", () => {
    const stack = new TerraformStack(Testing.app(), "t");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    expect(
      () =>
        new GithubOidc(stack, "oidc", {
          owner: "acme",
          repo: "platform",
          roles: [{ id: "r", roleName: "r", description: "d", subject: "environment:*", policy: "{}" }],
        }),
    ).toThrow(/contains a wildcard; name one repository and one environment/);
  });

  it("creates the provider when no existing one is given", () => {
    const stack = new TerraformStack(Testing.app(), "t");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    new GithubOidc(stack, "oidc", { owner: "acme", repo: "platform", roles: [] });
    expect(Testing.synth(stack)).toHaveResourceWithProperties(IamOpenidConnectProvider, {
      client_id_list: ["sts.amazonaws.com"],
    });
  });
});

describe.each(Object.keys(bootstraps))("outputs of %s", (id) => {
  it("describe the bucket, table, key, provider, and the roles of every environment of its account", () => {
    const outputs = bootstraps[id].output!;
    const hosted = platform.bootstraps[id].environmentNames;
    expect(hosted.length).toBeGreaterThan(0);
    expect(Object.keys(outputs).sort()).toEqual(
      [
        ...hosted.flatMap((env) => [`deploy_role_arn_${env}`, `workload_boundary_arn_${env}`]),
        "drift_role_arn",
        "github_oidc_provider_arn",
        "lock_table",
        "plan_role_arn",
        "state_bucket",
        "state_kms_key_arn",
      ].sort(),
    );
    for (const output of Object.values(outputs)) expect(output.description?.length).toBeGreaterThan(20);
  });
});
