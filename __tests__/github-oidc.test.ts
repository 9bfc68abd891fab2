/**
 * Who may assume the bootstrap's roles: the GitHub OIDC provider, each role's trust policy (by
 * repository name or immutable ids), the GithubOidc construct's checks, and the bootstrap's outputs.
 * What the roles may do is in bootstrap-permissions.test.ts.
 */
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { GithubOidc } from "../bootstrap/github-oidc";
import { GITHUB_WORKFLOWS, Naming, PULL_REQUEST_REF } from "../config/naming";
import { roleNamed } from "./support/iam";
import { buildSample, sampleConfig } from "./support/sample";
import { parse, resources } from "./support/synth";

const config = sampleConfig();
const naming = new Naming(config.project);
const tf = parse(Testing.synth(buildSample(config).bootstrap));
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
  const { role, trust } = roleNamed(tf, `acme-${env}-deploy`);

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

describe("plan role", () => {
  const { role, trust } = roleNamed(tf, "acme-plan");

  it("is assumable only by pull-request.yml's runs of a pull request in the plan environment of an environment the account hosts", () => {
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
      StringLike: { [SUB]: [planSubject("stage"), planSubject("prod")] },
    });
    expect(role.max_session_duration).toBe(3600);
  });

  it("in two accounts, trusts in each account only the plan environments of what that account hosts", () => {
    const two = sampleConfig() as any;
    two.project.accounts = [{ accountId: "210987654321" }];
    two.environments.find((e: { name: string }) => e.name === "prod").accountId = "210987654321";
    const p = buildSample(two);
    const planOf = (stack: string) => subjectOf(roleNamed(parse(Testing.synth(p.bootstraps[stack])), "acme-plan").role);
    expect(planOf("bootstrap")).toBe(planSubject("stage"));
    expect(planOf("bootstrap-prod")).toBe(planSubject("prod"));
  });

  it("in a project account that hosts no environment, trusts every plan environment (each gated by its reviewers)", () => {
    const apart = sampleConfig() as any;
    apart.project.accounts = [{ accountId: "210987654321" }];
    for (const e of apart.environments) e.accountId = "210987654321";
    const bootstrap = parse(Testing.synth(buildSample(apart).bootstraps.bootstrap));
    expect(subjectOf(roleNamed(bootstrap, "acme-plan").role)).toEqual([planSubject("stage"), planSubject("prod")]);
  });
});

describe("drift role", () => {
  const { trust } = roleNamed(tf, "acme-drift");

  it("is assumable only by drift.yml's jobs on the default branch, not by any other workflow of that branch", () => {
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": `repo:acme/platform:ref:refs/heads/main:${workflowRef(GITHUB_WORKFLOWS.drift)}`,
      },
    });
  });
});

describe("every role GitHub's tokens assume", () => {
  const githubRoles = Object.values(resources(tf, "aws_iam_role")).filter(
    (r) => JSON.parse(r.assume_role_policy).Statement[0].Principal.Federated,
  );

  it("names one workflow file of this repository and its ref in the subject (job_workflow_ref), only a PR's ref wildcarded", () => {
    expect(githubRoles).toHaveLength(4);
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
  const githubRoles = (out: ReturnType<typeof parse>) =>
    Object.values(resources(out, "aws_iam_role")).filter((r) => JSON.parse(r.assume_role_policy).Statement[0].Principal.Federated);
  const subjects = (out: ReturnType<typeof parse>): Record<string, string | string[]> =>
    Object.fromEntries(githubRoles(out).map((r) => [r.name, subjectOf(r)]));
  const deploy = workflowRef(GITHUB_WORKFLOWS.deploy);

  it("trusts owner/name in every role when the config gives no ids", () => {
    expect(config.project.github.repositoryId).toBeUndefined();
    expect(subjects(tf)).toEqual({
      "acme-stage-deploy": `repo:acme/platform:environment:stage:${deploy}`,
      "acme-prod-deploy": `repo:acme/platform:environment:prod:${deploy}`,
      "acme-plan": [planSubject("stage"), planSubject("prod")],
      "acme-drift": `repo:acme/platform:ref:refs/heads/main:${workflowRef(GITHUB_WORKFLOWS.drift)}`,
    });
  });

  it("trusts exactly the ids-based subject in every role, plan role included, when both ids are given", () => {
    const byIds = sampleConfig();
    const github = { ...byIds.project.github, repositoryId: "700000001", ownerId: "90000002" };
    const out = parse(Testing.synth(buildSample({ ...byIds, project: { ...byIds.project, github } }).bootstrap));
    const prefix = "repository_owner_id:90000002:repository_id:700000001";
    expect(subjects(out)).toEqual({
      "acme-stage-deploy": `${prefix}:environment:stage:${deploy}`,
      "acme-prod-deploy": `${prefix}:environment:prod:${deploy}`,
      "acme-plan": [planSubject("stage", prefix), planSubject("prod", prefix)],
      "acme-drift": `${prefix}:ref:refs/heads/main:${workflowRef(GITHUB_WORKFLOWS.drift)}`,
    });
    expect(githubRoles(out)).toHaveLength(4);
    for (const role of githubRoles(out)) {
      const condition = JSON.parse(role.assume_role_policy).Statement[0].Condition;
      const like = role.name === "acme-plan";
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

describe("bootstrap outputs", () => {
  it("describe the bucket, table, key, provider and every role", () => {
    const outputs = tf.output!;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        "deploy_role_arn_prod",
        "deploy_role_arn_stage",
        "drift_role_arn",
        "github_oidc_provider_arn",
        "lock_table",
        "plan_role_arn",
        "state_bucket",
        "state_kms_key_arn",
        "workload_boundary_arn_prod",
        "workload_boundary_arn_stage",
      ].sort(),
    );
    for (const output of Object.values(outputs)) expect(output.description?.length).toBeGreaterThan(20);
  });
});
