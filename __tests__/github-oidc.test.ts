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
import { GITHUB_WORKFLOWS, Naming, PULL_REQUEST_REF } from "../config/naming";
import { roleNamed } from "./support/iam";
import { buildSample, oneAccountConfig, sampleConfig } from "./support/sample";
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
/** The `job_workflow_ref` part of a subject: the workflow file of this repository, at a ref. */
const workflowRef = (file: string, ref = "refs/heads/main") => `job_workflow_ref:acme/platform/${file}@${ref}`;
const SUB = "token.actions.githubusercontent.com:sub";
/** A GitHub role's subject (or list of subjects), whichever operator holds it. */
const subjectOf = (role: Record<string, any>): string | string[] => {
  const condition = JSON.parse(role.assume_role_policy).Statement[0].Condition;
  return condition.StringEquals[SUB] ?? condition.StringLike?.[SUB];
};
/** A pull request's plan subject for the plan environment of `env`. */
const planSubject = (env: string, repository = "repo:acme/platform") =>
  `${repository}:environment:plan-${env}:${workflowRef(GITHUB_WORKFLOWS.plan, PULL_REQUEST_REF)}`;
/** The roles GitHub's tokens assume in one bootstrap (its workload roles trust AWS services instead). */
const githubRolesOf = (out: ReturnType<typeof parse>) =>
  Object.values(resources(out, "aws_iam_role")).filter((r) => JSON.parse(r.assume_role_policy).Statement[0].Principal.Federated);

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

  it("is assumable only by the reusable deploy's job of this repository in the GitHub environment, on the default branch", () => {
    expect(trust.Statement).toEqual([
      {
        Sid: "GithubActionsOidc",
        Effect: "Allow",
        Principal: { Federated: expect.stringMatching(/^\$\{aws_iam_openid_connect_provider\..+\.arn\}$/) },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": `repo:acme/platform:environment:${env}:${workflowRef(GITHUB_WORKFLOWS.deploy)}`,
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

  it("is assumable only by pull-request.yml's runs of a pull request in the plan environment of an environment the account hosts", () => {
    // The shipped config: one environment per account, so one subject (stage's plan runs without prod's reviewers).
    const hosted = platform.bootstraps[id].environmentNames;
    expect(hosted).toHaveLength(1);
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
      StringLike: { [SUB]: planSubject(hosted[0]) },
    });
    expect(role.max_session_duration).toBe(3600);
  });
});

describe("plan role in the other layouts", () => {
  it('in one account (README "Two layouts"), trusts the plan environment of every environment it hosts', () => {
    const one = buildSample(oneAccountConfig());
    expect(Object.keys(one.bootstraps)).toEqual(["bootstrap"]);
    const { trust } = roleNamed(parse(Testing.synth(one.bootstrap)), "acme-plan");
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
      StringLike: { [SUB]: [planSubject("stage"), planSubject("prod")] },
    });
  });

  it("in a project account that hosts no environment, trusts every plan environment (each gated by its reviewers)", () => {
    const apart = oneAccountConfig() as any;
    apart.project.accounts = [{ accountId: "210987654321" }];
    for (const e of apart.environments) e.accountId = "210987654321";
    const p = buildSample(apart);
    expect(p.bootstraps.bootstrap.environmentNames).toEqual([]);
    const bootstrap = parse(Testing.synth(p.bootstraps.bootstrap));
    expect(subjectOf(roleNamed(bootstrap, "acme-plan").role)).toEqual([planSubject("stage"), planSubject("prod")]);
  });
});

describe.each(Object.keys(bootstraps))("drift role of %s", (id) => {
  const { trust } = roleNamed(bootstraps[id], "acme-drift");

  it("is assumable only by drift.yml's jobs on the default branch, not by any other workflow of that branch", () => {
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": `repo:acme/platform:ref:refs/heads/main:${workflowRef(GITHUB_WORKFLOWS.drift)}`,
      },
    });
  });
});

describe("every role GitHub's tokens assume, in every account", () => {
  const githubRoles = Object.values(bootstraps).flatMap(githubRolesOf);

  it("names one workflow file of this repository and its ref in the subject (job_workflow_ref), only a PR's ref wildcarded", () => {
    // Per account: its environment's deploy role, the plan role and the drift role; in the previews' host account the preview role.
    expect(githubRoles).toHaveLength(3 * Object.keys(bootstraps).length + 1);
    for (const role of githubRoles) {
      for (const sub of [subjectOf(role)].flat()) {
        const m = /:job_workflow_ref:acme\/platform\/(\.github\/workflows\/[\w.-]+\.yml)@(refs\/heads\/main|refs\/pull\/\*\/merge)$/.exec(
          sub,
        );
        expect({ role: role.name, sub, namesWorkflow: m !== null }).toEqual({ role: role.name, sub, namesWorkflow: true });
        expect(sub.replace(PULL_REQUEST_REF, "")).not.toMatch(/[*?]/);
      }
    }
  });
});

describe("trust by immutable ids (opt-in)", () => {
  // The roles GitHub's tokens assume (the bootstrap's workload roles trust AWS services instead).
  // Across every account's bootstrap, by "<stack>/<role>": each account has its own plan and drift role.
  const subjects = (all: Record<string, ReturnType<typeof parse>>): Record<string, string | string[]> =>
    Object.fromEntries(Object.entries(all).flatMap(([id, out]) => githubRolesOf(out).map((r) => [`${id}/${r.name}`, subjectOf(r)])));
  const deploy = workflowRef(GITHUB_WORKFLOWS.deploy);
  const drift = workflowRef(GITHUB_WORKFLOWS.drift);
  /** The preview role's two subjects (the shipped config turns previews on, hosted by stage): preview.yml's pull requests, the reaper. */
  const preview = (prefix: string) => [
    `${prefix}:pull_request:${workflowRef(GITHUB_WORKFLOWS.preview, PULL_REQUEST_REF)}`,
    `${prefix}:ref:refs/heads/main:${workflowRef(GITHUB_WORKFLOWS.previewReaper)}`,
  ];

  it("trusts owner/name in every role when the config gives no ids", () => {
    expect(config.project.github.repositoryId).toBeUndefined();
    expect(subjects(bootstraps)).toEqual({
      "bootstrap/acme-stage-deploy": `repo:acme/platform:environment:stage:${deploy}`,
      "bootstrap/acme-plan": planSubject("stage"),
      "bootstrap/acme-drift": `repo:acme/platform:ref:refs/heads/main:${drift}`,
      "bootstrap/acme-preview": preview("repo:acme/platform"),
      "bootstrap-prod/acme-prod-deploy": `repo:acme/platform:environment:prod:${deploy}`,
      "bootstrap-prod/acme-plan": planSubject("prod"),
      "bootstrap-prod/acme-drift": `repo:acme/platform:ref:refs/heads/main:${drift}`,
    });
  });

  it("trusts exactly the ids-based subject in every role, plan role included, when both ids are given", () => {
    const byIds = sampleConfig();
    const github = { ...byIds.project.github, repositoryId: "700000001", ownerId: "90000002" };
    const out = bootstrapsOf(buildSample({ ...byIds, project: { ...byIds.project, github } }));
    const prefix = "repository_owner_id:90000002:repository_id:700000001";
    expect(subjects(out)).toEqual({
      "bootstrap/acme-stage-deploy": `${prefix}:environment:stage:${deploy}`,
      "bootstrap/acme-plan": planSubject("stage", prefix),
      "bootstrap/acme-drift": `${prefix}:ref:refs/heads/main:${drift}`,
      "bootstrap/acme-preview": preview(prefix),
      "bootstrap-prod/acme-prod-deploy": `${prefix}:environment:prod:${deploy}`,
      "bootstrap-prod/acme-plan": planSubject("prod", prefix),
      "bootstrap-prod/acme-drift": `${prefix}:ref:refs/heads/main:${drift}`,
    });
    // Every one of them, in every account, by its condition's operators too.
    for (const role of Object.values(out).flatMap(githubRolesOf)) {
      const condition = JSON.parse(role.assume_role_policy).Statement[0].Condition;
      // The plan role and the preview role trust a pull request's ref (refs/pull/*/merge): StringLike.
      const like = role.name === "acme-plan" || role.name === "acme-preview";
      expect(Object.keys(condition)).toEqual(like ? ["StringEquals", "StringLike"] : ["StringEquals"]);
      expect(condition.StringEquals["token.actions.githubusercontent.com:aud"]).toBe("sts.amazonaws.com");
      expect(JSON.stringify(subjectOf(role))).not.toMatch(/repo:/);
      if (!like) expect(role.assume_role_policy).not.toMatch(/\*/);
    }
  });
});

describe("GithubOidc construct", () => {
  const stackWithProvider = (): TerraformStack => {
    const stack = new TerraformStack(Testing.app(), "t");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    return stack;
  };
  const workflow = { file: ".github/workflows/deploy.yml", ref: "refs/heads/main" };
  const role = { id: "r", roleName: "r", description: "d", subject: "environment:stage", workflow, policy: "{}" };

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
    ).toThrow(/subject "repository_owner_id:90000002:repository_id:700000001:environment:\*:job_workflow_ref:[^"]+" contains a wildcard/);
  });

  it("rejects a role that trusts no subject", () => {
    expect(
      () => new GithubOidc(stackWithProvider(), "oidc", { owner: "acme", repo: "platform", roles: [{ ...role, subject: [] }] }),
    ).toThrow('GithubOidc role r trusts no subject; name one context, e.g. "environment:stage"');
  });

  it("rejects a wildcard subject", () => {
    const stack = new TerraformStack(Testing.app(), "t");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    expect(
      () =>
        new GithubOidc(stack, "oidc", {
          owner: "acme",
          repo: "platform",
          roles: [{ ...role, subject: "environment:*" }],
        }),
    ).toThrow(/contains a wildcard; name one repository and one environment/);
  });

  it.each([
    [{ file: ".github/workflows/*.yml", ref: "refs/heads/main" }, /workflow file "\.github\/workflows\/\*\.yml" is not a workflow file/],
    [{ file: "deploy.yml", ref: "refs/heads/main" }, /workflow file "deploy\.yml" is not a workflow file; name one, e\.g\./],
    [{ file: ".github/workflows/deploy.yml", ref: "refs/heads/*" }, /workflow ref "refs\/heads\/\*" is neither one branch/],
    [{ file: ".github/workflows/deploy.yml", ref: "refs/tags/v1" }, /workflow ref "refs\/tags\/v1" is neither one branch/],
    [{ file: ".github/workflows/deploy.yml", ref: "" }, /workflow ref "" is neither one branch .* use e\.g\. "refs\/heads\/main"/],
  ])("rejects the workflow %j: a role trusts one workflow file at one branch (or any pull request)", (bad, message) => {
    expect(
      () => new GithubOidc(stackWithProvider(), "oidc", { owner: "acme", repo: "platform", roles: [{ ...role, workflow: bad }] }),
    ).toThrow(message);
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
        // Where the account hosts the previews' host (the shipped config: stage), the preview role and repository.
        ...(hosted.includes(config.previews?.host ?? "") ? ["preview_role_arn", "preview_repository_url"] : []),
      ].sort(),
    );
    for (const output of Object.values(outputs)) expect(output.description?.length).toBeGreaterThan(20);
  });
});
