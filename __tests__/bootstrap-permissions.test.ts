/**
 * What the bootstrap's roles may do (bootstrap/permissions/): each environment's deploy role, the
 * state fence between environments, the workload boundary, and the read-only plan role. Who may
 * assume the roles is in github-oidc.test.ts.
 */
import { Testing } from "cdktf";
import { BOUNDARY_IAM_EXCEPTION } from "../bootstrap/permissions/deploy-role-workloads";
import { Naming } from "../config/naming";
import { allows, asList, managedPolicyNamed, ROLE_AND_TRUST_CHANGES, roleNamed, type Statement } from "./support/iam";
import { buildSample, oneAccountConfig, sampleConfig } from "./support/sample";
import { parse, resources, type SynthesizedTerraform } from "./support/synth";

const config = sampleConfig();
const platform = buildSample(config);
const synthesized = new Map<string, SynthesizedTerraform>();
/**
 * The bootstrap of the account an environment deploys to (the shipped config: stage's is
 * `bootstrap`, prod's `bootstrap-prod`), synthesized once, and the names in that account.
 */
function bootstrapOf(env: string): { tf: SynthesizedTerraform; naming: Naming } {
  const [id, stack] = Object.entries(platform.bootstraps).find(([, b]) => b.environmentNames.includes(env))!;
  if (!synthesized.has(id)) synthesized.set(id, parse(Testing.synth(stack)));
  return { tf: synthesized.get(id)!, naming: new Naming(config.project, stack.accountId) };
}

describe.each(["stage", "prod"])("deploy role of %s", (env) => {
  const { tf, naming } = bootstrapOf(env);
  const { policy } = roleNamed(tf, `acme-${env}-deploy`);

  it("reads and writes only its own state objects", () => {
    const objectStatements = policy.Statement.filter(
      (s) => asList(s.Action).some((a) => /^s3:(Get|Put|Delete)Object/.test(a)) && JSON.stringify(s.Resource).includes(naming.stateBucket),
    );
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
        Resource: `arn:aws:iam::${naming.accountId}:role/acme/${env}/*`,
        Condition: { StringEquals: { "iam:PassedToService": ["ecs-tasks.amazonaws.com", "vpc-flow-logs.amazonaws.com"] } },
      }),
      // Issue 22: the scheduled jobs' schedules name the environment's scheduler role, handed to the scheduler only.
      expect.objectContaining({
        Resource: `arn:aws:iam::${naming.accountId}:role/acme/${env}/acme-${env}-scheduler-role`,
        Condition: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
      }),
    ]);
    const buckets = [`acme-${env}-site-${naming.accountId}`, `acme-${env}-alb-logs-${naming.accountId}`];
    const own = policy.Statement.find((s) => s.Sid === "OwnBuckets")!;
    expect(own.Resource).toEqual(buckets.flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]));
    // The buckets' actions one by one (STORAGE_FAMILY), not s3:*: no ACLs, access points, object lock or replication.
    expect(asList(own.Action)).toEqual(expect.arrayContaining(["s3:CreateBucket", "s3:PutBucketPolicy", "s3:PutObject"]));
    expect(asList(own.Action)).not.toEqual(expect.arrayContaining(["s3:*"]));
    expect(asList(own.Action).filter((a) => /Acl|AccessPoint|ObjectLock|Replication$/.test(a) && !a.startsWith("s3:Get"))).toEqual([]);
  });

  it("writes its workload roles' inline policies only while they carry its environment's permissions boundary", () => {
    const boundary = naming.workloadBoundaryArn(env);
    for (const action of ["iam:PutRolePolicy", "iam:DeleteRolePolicy"]) {
      expect(allows(policy, action)).toEqual([
        expect.objectContaining({
          Resource: `arn:aws:iam::${naming.accountId}:role/acme/${env}/*`,
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

  it("creates, deletes and re-trusts no role, removes no boundary, and may not change its own role", () => {
    const denied = policy.Statement.find((s) => s.Sid === "NoRoleCreationOrTrust")!;
    expect(denied).toMatchObject({ Effect: "Deny", Resource: "*" });
    expect(denied.Condition).toBeUndefined();
    expect(denied.Action).toEqual(expect.arrayContaining([...ROLE_AND_TRUST_CHANGES]));
    expect(policy.Statement).toEqual(
      expect.arrayContaining([
        { Sid: "NotItself", Effect: "Deny", Action: "iam:*", Resource: `arn:aws:iam::${naming.accountId}:role/acme-${env}-deploy` },
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
    const ownRepositories = `arn:aws:ecr:eu-west-1:${naming.accountId}:repository/acme-${env}-api`;
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

describe("stage cannot reach prod's state in the one-account layout, where they share the state bucket", () => {
  const one = oneAccountConfig();
  const naming = new Naming(one.project);
  const tf = parse(Testing.synth(buildSample(one).bootstrap));
  const stage = roleNamed(tf, "acme-stage-deploy");

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
  const { tf, naming } = bootstrapOf(env);
  const { policy: boundary, document } = managedPolicyNamed(tf, naming.workloadBoundaryName(env));

  it("is a managed policy at the ARN the environment stack and the deploy role name", () => {
    expect(naming.workloadBoundaryArn(env)).toBe(`arn:aws:iam::${naming.accountId}:policy/${boundary.name}`);
  });

  it("allows no IAM, STS or wildcard action, and only in the project's region", () => {
    const allowed = document.Statement.filter((s) => s.Effect === "Allow");
    // The one exception (issue 22): EventBridge Scheduler hands the scheduled jobs' two roles to ECS, and nothing else.
    const passJobRoles = allowed.filter((s) => s.Sid === BOUNDARY_IAM_EXCEPTION);
    expect(passJobRoles).toEqual([
      expect.objectContaining({
        Action: "iam:PassRole",
        Resource: [
          `arn:aws:iam::${naming.accountId}:role/acme/${env}/acme-${env}-jobs-execution-role`,
          `arn:aws:iam::${naming.accountId}:role/acme/${env}/acme-${env}-jobs-task-role`,
        ],
        Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
      }),
    ]);
    const actions = allowed.filter((s) => s.Sid !== BOUNDARY_IAM_EXCEPTION).flatMap((s) => asList(s.Action));
    expect(actions.length).toBeGreaterThan(5);
    for (const action of actions) expect(action).not.toMatch(/^(iam|sts|organizations):|\*/);
    const anywhere = allowed.filter((s) => asList(s.Resource).includes("*"));
    for (const s of anywhere) expect(s.Condition.StringEquals["aws:RequestedRegion"]).toBe("eu-west-1");
    const buckets = [`acme-${env}-site-${naming.accountId}`, `acme-${env}-alb-logs-${naming.accountId}`];
    expect(allows(document, "s3:GetObject")[0].Resource).toEqual(buckets.flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]));
  });

  it("denies whatever is tagged for another environment", () => {
    const deny = document.Statement.find((s) => s.Sid === "NotOtherEnvironments")!;
    expect(deny.Effect).toBe("Deny");
    expect(deny.Condition.StringNotEquals).toEqual({ "aws:ResourceTag/Environment": env });
    expect(deny.Action).toEqual(expect.arrayContaining(["secretsmanager:GetSecretValue", "s3:*"]));
  });
});

describe.each(Object.keys(platform.bootstraps))("plan role of %s", (id) => {
  const { tf, naming } = bootstrapOf(platform.bootstraps[id].environmentNames[0]);
  const { policy } = roleNamed(tf, "acme-plan");

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
