import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { GithubOidc } from "../bootstrap/github-oidc";
import { Naming } from "../config/naming";
import { buildSample, sampleConfig } from "./support/sample";
import { parse, resources } from "./support/synth";

const config = sampleConfig();
const naming = new Naming(config.project);
const tf = parse(Testing.synth(buildSample(config).bootstrap));

type Statement = {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: any;
  Principal?: any;
};

function roleNamed(name: string): { role: any; trust: { Statement: Statement[] }; policy: { Statement: Statement[] } } {
  const roles = resources(tf, "aws_iam_role");
  const [id, role] = Object.entries(roles).find(([, r]) => r.name === name) ?? [];
  if (!role) throw new Error(`no role ${name}`);
  const inline = Object.values(resources(tf, "aws_iam_role_policy")).find((p) => p.role === `\${aws_iam_role.${id}.id}`);
  return { role, trust: JSON.parse(role.assume_role_policy), policy: JSON.parse(inline!.policy) };
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const allows = (policy: { Statement: Statement[] }, action: string): Statement[] =>
  policy.Statement.filter((s) => s.Effect === "Allow" && asList(s.Action).includes(action));

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
  const { role, trust, policy } = roleNamed(`acme-${env}-deploy`);

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

  it("reads and writes only its own state objects", () => {
    const objectStatements = policy.Statement.filter((s) => asList(s.Action).some((a) => /^s3:(Get|Put|Delete)Object/.test(a)));
    expect(objectStatements).toEqual([
      expect.objectContaining({ Effect: "Allow", Resource: `arn:aws:s3:::${naming.stateBucket}/${env}/*` }),
    ]);
  });

  it("takes and releases only its own lock entries", () => {
    expect(allows(policy, "dynamodb:PutItem")).toEqual([
      expect.objectContaining({
        Resource: naming.lockTableArn,
        Condition: {
          "ForAllValues:StringEquals": {
            "dynamodb:LeadingKeys": [
              `${naming.stateBucket}/${env}/terraform.tfstate`,
              `${naming.stateBucket}/${env}/terraform.tfstate-md5`,
            ],
          },
        },
      }),
    ]);
  });

  it("has no Action '*', no AdministratorAccess, and no secret reads", () => {
    const actions = policy.Statement.flatMap((s) => asList(s.Action));
    expect(actions).not.toContain("*");
    expect(JSON.stringify(tf)).not.toContain("AdministratorAccess");
    expect(actions).not.toContain("secretsmanager:GetSecretValue");
    expect(resources(tf, "aws_iam_role_policy_attachment")).toEqual({});
  });

  it("manages only roles under its environment's path and its environment's buckets by exact name", () => {
    expect(allows(policy, "iam:PassRole")).toEqual([
      expect.objectContaining({
        Resource: `arn:aws:iam::123456789012:role/acme/${env}/*`,
        Condition: { StringEquals: { "iam:PassedToService": ["ecs-tasks.amazonaws.com", "vpc-flow-logs.amazonaws.com"] } },
      }),
    ]);
    const buckets = [`acme-${env}-site-123456789012`, `acme-${env}-alb-logs-123456789012`];
    expect(allows(policy, "s3:*")[0].Resource).toEqual(buckets.flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]));
  });

  it("creates roles and writes their policies only with its environment's permissions boundary", () => {
    const boundary = naming.workloadBoundaryArn(env);
    for (const action of ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary"]) {
      expect(allows(policy, action)).toEqual([
        expect.objectContaining({
          Resource: `arn:aws:iam::123456789012:role/acme/${env}/*`,
          Condition: { StringEquals: { "iam:PermissionsBoundary": boundary } },
        }),
      ]);
    }
    // No other way to give a role permissions: managed policies are neither attached nor created.
    const actions = policy.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => asList(s.Action));
    for (const escalation of ["iam:AttachRolePolicy", "iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:*", "iam:Create*", "iam:Put*"]) {
      expect(actions).not.toContain(escalation);
    }
  });

  it("may neither remove a boundary nor change its own role", () => {
    expect(policy.Statement).toEqual(
      expect.arrayContaining([
        { Sid: "KeepBoundaries", Effect: "Deny", Action: "iam:DeleteRolePermissionsBoundary", Resource: "*" },
        { Sid: "NotItself", Effect: "Deny", Action: "iam:*", Resource: `arn:aws:iam::123456789012:role/acme-${env}-deploy` },
      ]),
    );
  });

  it("may not touch resources tagged for another environment, CloudFront and secrets included", () => {
    const deny = policy.Statement.find((s) => s.Sid === "NotOtherEnvironments")!;
    expect(deny.Effect).toBe("Deny");
    expect(deny.Condition.StringNotEquals).toEqual({ "aws:ResourceTag/Environment": env });
    expect(deny.Action).toEqual(expect.arrayContaining(["ec2:*", "rds:*", "cloudfront:*", "secretsmanager:*"]));
  });

  it("allows no ecr:* and no action that sets who else may push or pull", () => {
    const allowed = policy.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => asList(s.Action));
    const ecr = allowed.filter((a) => a.startsWith("ecr:"));
    expect(ecr.length).toBeGreaterThan(10);
    for (const action of ecr)
      expect(action).not.toMatch(/\*|(Set|Delete)RepositoryPolicy|Registry|Replication|PullThroughCache|CreationTemplate|AccountSetting/);
    expect(ecr).not.toContain("ecr:*");
  });

  it("pushes and manages images only in its own environment's repositories", () => {
    const ownRepositories = `arn:aws:ecr:eu-west-1:123456789012:repository/acme-${env}-api`;
    const push = [
      "ecr:InitiateLayerUpload",
      "ecr:UploadLayerPart",
      "ecr:CompleteLayerUpload",
      "ecr:PutImage",
      "ecr:BatchCheckLayerAvailability",
    ];
    const manage = [
      "ecr:CreateRepository",
      "ecr:DeleteRepository",
      "ecr:PutLifecyclePolicy",
      "ecr:PutImageTagMutability",
      "ecr:TagResource",
    ];
    for (const action of [...push, ...manage]) {
      expect([action, allows(policy, action).map((s) => s.Resource)]).toEqual([action, [ownRepositories]]);
    }
    // The registry login names no repository; it is the only ECR grant on "*".
    const onAnything = policy.Statement.filter((s) => s.Effect === "Allow" && asList(s.Resource).includes("*"));
    expect(onAnything.flatMap((s) => asList(s.Action)).filter((a) => a.startsWith("ecr:"))).toEqual(["ecr:GetAuthorizationToken"]);
  });

  it("is denied repository and registry policies, replication and pull-through caches on every repository", () => {
    const deny = policy.Statement.find((s) => s.Sid === "NoRepositoryOrRegistryPolicies")!;
    expect(deny).toMatchObject({ Effect: "Deny", Resource: "*" });
    expect(deny.Condition).toBeUndefined();
    expect(deny.Action).toEqual(
      expect.arrayContaining([
        "ecr:SetRepositoryPolicy",
        "ecr:DeleteRepositoryPolicy",
        "ecr:PutRegistryPolicy",
        "ecr:DeleteRegistryPolicy",
        "ecr:PutReplicationConfiguration",
        "ecr:PutRegistryScanningConfiguration",
        "ecr:CreatePullThroughCacheRule",
      ]),
    );
  });

  it("may not touch an ECR repository tagged for another environment", () => {
    expect(policy.Statement.find((s) => s.Sid === "NotOtherEnvironments")!.Action).toContain("ecr:*");
  });

  it("creates KMS grants only for AWS services acting for it", () => {
    const grant = allows(policy, "kms:CreateGrant");
    expect(grant).toHaveLength(1);
    expect(grant[0].Condition.Bool).toEqual({ "kms:GrantIsForAWSResource": "true" });
  });
});

describe("stage cannot reach prod's state", () => {
  const stage = roleNamed("acme-stage-deploy");

  it("has no identity grant on prod/*", () => {
    const resourcesGranted = stage.policy.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => asList(s.Resource));
    expect(resourcesGranted.filter((r) => r.includes("/prod/"))).toEqual([]);
    expect(resourcesGranted).not.toContain(`arn:aws:s3:::${naming.stateBucket}/*`);
  });

  it("is denied by the state bucket's policy any object outside stage/", () => {
    const bucketPolicy = JSON.parse(Object.values(resources(tf, "aws_s3_bucket_policy"))[0].policy);
    const fence = bucketPolicy.Statement.find((s: Statement) => s.Sid === "DeployStageOnlyOwnState");
    expect(fence).toEqual({
      Sid: "DeployStageOnlyOwnState",
      Effect: "Deny",
      Principal: { AWS: expect.stringMatching(/^\$\{aws_iam_role\.github-oidc_deploy-role-stage_\w+\.arn\}$/) },
      Action: ["s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*"],
      NotResource: `arn:aws:s3:::${naming.stateBucket}/stage/*`,
    });
  });
});

describe.each(["stage", "prod"])("workload boundary of %s", (env) => {
  const [, boundary] = Object.entries(resources(tf, "aws_iam_policy")).find(([, p]) => p.name === naming.workloadBoundaryName(env)) ?? [];
  const document: { Statement: Statement[] } = JSON.parse(boundary!.policy);

  it("is a managed policy at the ARN the environment stack and the deploy role name", () => {
    expect(naming.workloadBoundaryArn(env)).toBe(`arn:aws:iam::123456789012:policy/${boundary!.name}`);
  });

  it("allows no IAM, STS or wildcard action, and only in the project's region", () => {
    const allowed = document.Statement.filter((s) => s.Effect === "Allow");
    const actions = allowed.flatMap((s) => asList(s.Action));
    expect(actions.length).toBeGreaterThan(5);
    for (const action of actions) expect(action).not.toMatch(/^(iam|sts|organizations):|\*/);
    const anywhere = allowed.filter((s) => asList(s.Resource).includes("*"));
    for (const s of anywhere) expect(s.Condition.StringEquals["aws:RequestedRegion"]).toBe("eu-west-1");
    const buckets = [`acme-${env}-site-123456789012`, `acme-${env}-alb-logs-123456789012`];
    expect(allows(document, "s3:GetObject")[0].Resource).toEqual(buckets.flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]));
  });

  it("denies whatever is tagged for another environment", () => {
    const deny = document.Statement.find((s) => s.Sid === "NotOtherEnvironments")!;
    expect(deny.Effect).toBe("Deny");
    expect(deny.Condition.StringNotEquals).toEqual({ "aws:ResourceTag/Environment": env });
    expect(deny.Action).toEqual(expect.arrayContaining(["secretsmanager:GetSecretValue", "s3:*"]));
  });
});

describe("plan role", () => {
  const { role, trust, policy } = roleNamed("acme-plan");

  it("is assumable only from pull requests of this repository", () => {
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:acme/platform:pull_request",
      },
    });
    expect(role.max_session_duration).toBe(3600);
  });

  it("can change no infrastructure: every allowed action outside state and locks is a read", () => {
    const stateAndLock = new Set(["ReadState", "ReadLockEntries", "UseStateKey"]);
    const other = policy.Statement.filter((s) => s.Effect === "Allow" && !stateAndLock.has(s.Sid!)).flatMap((s) => asList(s.Action));
    expect(other.length).toBeGreaterThan(10);
    for (const action of other) expect(action).toMatch(/^[\w-]+:(Describe|Get|List)[\w*]*$/);
    // ec2:Get* would include GetPasswordData and GetConsoleOutput.
    expect(other).not.toContain("ec2:Get*");
    expect(other).not.toContain("secretsmanager:GetSecretValue");
  });

  it("writes nothing to the state bucket or lock table: no state, lockfile or lock item (plans run with -lock=false)", () => {
    for (const action of ["s3:PutObject", "s3:DeleteObject", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"]) {
      expect([action, allows(policy, action)]).toEqual([action, []]);
    }
    const deny = policy.Statement.find((s) => s.Sid === "NoStateOrLockWrites")!;
    expect(deny.Effect).toBe("Deny");
    expect(deny.Action).toEqual(expect.arrayContaining(["s3:PutObject", "s3:DeleteObject", "dynamodb:PutItem", "dynamodb:DeleteItem"]));
    expect(deny.Resource).toEqual([naming.stateBucketArn, `${naming.stateBucketArn}/*`, naming.lockTableArn]);
  });
});

describe("trust by immutable ids (opt-in)", () => {
  const subjects = (out: ReturnType<typeof parse>): Record<string, string> =>
    Object.fromEntries(
      Object.values(resources(out, "aws_iam_role")).map((r) => [
        r.name,
        JSON.parse(r.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"],
      ]),
    );

  it("trusts owner/name in every role when the config gives no ids", () => {
    expect(config.project.github.repositoryId).toBeUndefined();
    expect(subjects(tf)).toEqual({
      "acme-stage-deploy": "repo:acme/platform:environment:stage",
      "acme-prod-deploy": "repo:acme/platform:environment:prod",
      "acme-plan": "repo:acme/platform:pull_request",
      "acme-drift": "repo:acme/platform:ref:refs/heads/main",
    });
  });

  it("trusts exactly the ids-based subject in every role, plan role included, when both ids are given", () => {
    const byIds = sampleConfig();
    const github = { ...byIds.project.github, repositoryId: "700000001", ownerId: "90000002" };
    const out = parse(Testing.synth(buildSample({ ...byIds, project: { ...byIds.project, github } }).bootstrap));
    const prefix = "repository_owner_id:90000002:repository_id:700000001";
    expect(subjects(out)).toEqual({
      "acme-stage-deploy": `${prefix}:environment:stage`,
      "acme-prod-deploy": `${prefix}:environment:prod`,
      "acme-plan": `${prefix}:pull_request`,
      "acme-drift": `${prefix}:ref:refs/heads/main`,
    });
    for (const role of Object.values(resources(out, "aws_iam_role"))) {
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
