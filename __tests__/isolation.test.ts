/**
 * The fence inside one account (issue 13), asserted on the synthesized policies and stacks of the
 * one-account layout (stage and prod in one account, its risk accepted): each leak found in the
 * shared-account layout has a test here that failed before the fix.
 */
import { Testing } from "cdktf";
import { DEPLOY_ROLE_SERVICE_WILDCARDS, WORKLOAD_UNTAGGABLE_EXCEPTIONS } from "../bootstrap/permissions";
import { Naming, workloadRolesOf } from "../config/naming";
import type { PlatformConfig } from "../config/types";
import { stackToHcl } from "../lib/hcl";
import { asList, managedPolicyNamed, type PolicyDocument, ROLE_AND_TRUST_CHANGES, roleNamed } from "./support/iam";
import { buildSample, oneAccountConfig, sampleConfig, workloadsConfig } from "./support/sample";
import { parse, resources, type SynthesizedTerraform } from "./support/synth";

/** True when an IAM pattern (with `*` and `?`) matches a value. */
const glob = (pattern: string, value: string): boolean =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "i",
  ).test(value);

// With the workloads beside the API (a worker, a job), so every kind of workload role is fenced.
const config = oneAccountConfig(workloadsConfig());
const platform = buildSample(config);
const naming = new Naming(config.project);
const bootstrap = parse(Testing.synth(platform.bootstrap));
const stacks: Record<string, SynthesizedTerraform> = Object.fromEntries(
  Object.entries(platform.environments).map(([name, stack]) => [name, parse(Testing.synth(stack))]),
);

const rolePolicy = (tf: SynthesizedTerraform, roleName: string): PolicyDocument => roleNamed(tf, roleName).policy;
/** The Allow statements whose action patterns match this action. */
const allowsAction = (doc: PolicyDocument, action: string) =>
  doc.Statement.filter((s) => s.Effect === "Allow" && asList(s.Action).some((a) => glob(a, action)));
const deniesOnAnything = (doc: PolicyDocument, action: string): boolean =>
  doc.Statement.some(
    (s) => s.Effect === "Deny" && asList(s.Resource).includes("*") && !s.Condition && asList(s.Action).some((a) => glob(a, action)),
  );

describe.each(["stage", "prod"])("deploy role of %s", (env) => {
  const policy = rolePolicy(bootstrap, naming.deployRoleName(env));

  describe("CloudWatch Logs", () => {
    it("holds no logs:* and manages log groups only by its environment's names", () => {
      expect(policy.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => asList(s.Action))).not.toContain("logs:*");
      for (const action of ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:TagResource"]) {
        expect([action, allowsAction(policy, action).flatMap((s) => asList(s.Resource))]).toEqual([
          action,
          naming.logGroupArns(env, "eu-west-1"),
        ]);
      }
      // Not the prod database's log group, not Container Insights of another cluster.
      const other = env === "stage" ? "prod" : "stage";
      const foreign = `arn:aws:logs:eu-west-1:123456789012:log-group:/aws/rds/instance/acme-${other}-db/postgresql`;
      expect(
        allowsAction(policy, "logs:DeleteLogGroup")
          .flatMap((s) => asList(s.Resource))
          .some((r) => glob(r, foreign)),
      ).toBe(false);
    });

    it("covers every log group the environment stack creates", () => {
      const names = Object.values(resources(stacks[env], "aws_cloudwatch_log_group")).map((g) => g.name as string);
      expect(names).toEqual(
        expect.arrayContaining([`/aws/rds/instance/acme-${env}-db/postgresql`, `/ecs/acme-${env}/api`, `/vpc/acme-${env}/flow-logs`]),
      );
      const patterns = naming.logGroupArns(env, "eu-west-1");
      for (const name of names) {
        const arn = `arn:aws:logs:eu-west-1:123456789012:log-group:${name}`;
        expect([name, patterns.some((p) => glob(p, arn))]).toEqual([name, true]);
      }
    });

    it.each([
      "logs:PutAccountPolicy",
      "logs:PutDestination",
      "logs:PutDestinationPolicy",
      "logs:PutResourcePolicy",
      "logs:PutDataProtectionPolicy",
      "logs:PutSubscriptionFilter",
      "logs:CreateLogDelivery",
    ])("is denied %s on everything", (action) => expect(deniesOnAnything(policy, action)).toBe(true));
  });

  it.each([
    "ecs:PutAccountSetting",
    "ecs:PutAccountSettingDefault",
    "ec2:EnableEbsEncryptionByDefault",
    "ec2:DisableEbsEncryptionByDefault",
    "ec2:ModifyEbsDefaultKmsKeyId",
    "ec2:EnableSerialConsoleAccess",
    "ec2:DisableImageBlockPublicAccess",
    "ec2:DisableSnapshotBlockPublicAccess",
    "ec2:ModifyInstanceMetadataDefaults",
    "ecr:PutRegistryScanningConfiguration",
    "ecr:PutReplicationConfiguration",
    "ecr:PutRegistryPolicy",
  ])("is denied the account-level setting %s", (action) => {
    expect(deniesOnAnything(policy, action)).toBe(true);
  });

  describe("CloudFront", () => {
    it("holds no cloudfront:* and changes only distributions tagged for its environment", () => {
      expect(policy.Statement.flatMap((s) => (s.Effect === "Allow" ? asList(s.Action) : []))).not.toContain("cloudfront:*");
      for (const action of ["cloudfront:UpdateDistribution", "cloudfront:DeleteDistribution", "cloudfront:CreateInvalidation"]) {
        expect(allowsAction(policy, action)).toEqual([
          expect.objectContaining({
            Resource: "arn:aws:cloudfront::123456789012:distribution/*",
            Condition: { StringEquals: { "aws:ResourceTag/Environment": env } },
          }),
        ]);
      }
      expect(allowsAction(policy, "cloudfront:CreateDistribution")[0].Condition).toEqual({
        StringEquals: { "aws:RequestTag/Environment": env },
      });
    });

    it("may not rewrite the untaggable origin access controls and policies in a shared account", () => {
      for (const action of [
        "cloudfront:UpdateOriginAccessControl",
        "cloudfront:UpdateResponseHeadersPolicy",
        "cloudfront:UpdateCachePolicy",
      ]) {
        expect(allowsAction(policy, action)).toEqual([]);
        expect(deniesOnAnything(policy, action)).toBe(true);
      }
      for (const s of allowsAction(policy, "cloudfront:DeleteResponseHeadersPolicy")) {
        expect(
          asList(s.Resource).every((r) =>
            /^arn:aws:cloudfront::123456789012:(origin-access-control|response-headers-policy|cache-policy)\/\*$/.test(r),
          ),
        ).toBe(true);
      }
    });
  });

  it("passes the roles it manages only to the environment's services", () => {
    expect(allowsAction(policy, "iam:PassRole")[0].Condition).toEqual({
      StringEquals: { "iam:PassedToService": ["ecs-tasks.amazonaws.com", "vpc-flow-logs.amazonaws.com"] },
    });
  });
});

it("keeps no logs or CloudFront wildcard among the deploy role's whole-service grants", () => {
  expect(DEPLOY_ROLE_SERVICE_WILDCARDS.map((w) => w.service)).not.toEqual(expect.arrayContaining(["logs"]));
  expect(DEPLOY_ROLE_SERVICE_WILDCARDS.map((w) => w.service)).not.toContain("cloudfront");
});

it("lets a prod deploy role in an account of its own (the shipped layout) update its site's untaggable CloudFront objects", () => {
  const two = buildSample(sampleConfig());
  const prod = rolePolicy(parse(Testing.synth(two.bootstraps["bootstrap-prod"])), "acme-prod-deploy");
  expect(allowsAction(prod, "cloudfront:UpdateResponseHeadersPolicy")).toHaveLength(1);
  expect(deniesOnAnything(prod, "cloudfront:UpdateResponseHeadersPolicy")).toBe(false);
});

describe.each(["stage", "prod"])("workload boundary of %s", (env) => {
  const { document } = managedPolicyNamed(bootstrap, naming.workloadBoundaryName(env));

  it('is a positive fence: every Allow on "*" needs the environment\'s tag, account and region, but the untaggable exceptions', () => {
    const onAnything = document.Statement.filter((s) => s.Effect === "Allow" && asList(s.Resource).includes("*"));
    for (const s of onAnything) {
      if (s.Sid === "UntaggableExceptions") {
        expect(asList(s.Action)).toEqual(WORKLOAD_UNTAGGABLE_EXCEPTIONS.flatMap((e) => e.actions));
        expect(s.Condition).toEqual({ StringEquals: { "aws:RequestedRegion": "eu-west-1" } });
        continue;
      }
      expect(s.Condition.StringEquals).toEqual({
        "aws:ResourceTag/Environment": env,
        "aws:ResourceAccount": "123456789012",
        "aws:RequestedRegion": "eu-west-1",
      });
    }
    expect(onAnything.map((s) => s.Sid).sort()).toEqual(["OwnTaggedResources", "UntaggableExceptions"]);
  });

  it("does not allow reading an untagged secret or another environment's repository", () => {
    const secretStatements = allowsAction(document, "secretsmanager:GetSecretValue");
    for (const s of secretStatements) expect(s.Condition).toBeDefined();
    const other = env === "stage" ? "prod" : "stage";
    const pulls = allowsAction(document, "ecr:BatchGetImage").flatMap((s) => asList(s.Resource));
    expect(pulls.some((r) => glob(r, `arn:aws:ecr:eu-west-1:123456789012:repository/acme-${other}-api`))).toBe(false);
  });
});

describe("project-name collisions", () => {
  // Project "acme" with stage, and project "acme-stage" with prod, in one account.
  const neighbour = oneAccountConfig() as any;
  neighbour.project.name = "acme-stage";
  const other = buildSample(neighbour as PlatformConfig);
  const neighbourArns = [
    // The neighbour's workload roles (its bootstrap's roles but the GitHub ones).
    ...Object.values(resources(parse(Testing.synth(other.bootstrap)), "aws_iam_role"))
      .filter((r) => r.path !== undefined)
      .map((r) => `arn:aws:iam::123456789012:role${r.path}${r.name}`),
    "arn:aws:iam::123456789012:role/acme-stage-prod-deploy",
    "arn:aws:s3:::acme-stage-prod-site-123456789012",
    "arn:aws:s3:::acme-stage-prod-site-123456789012/index.html",
    "arn:aws:ecr:eu-west-1:123456789012:repository/acme-stage-prod-api",
  ];
  const stagePolicy = rolePolicy(bootstrap, naming.deployRoleName("stage"));

  it("grants acme's stage deploy role nothing on the roles, buckets or repositories of a project named acme-stage", () => {
    const named = stagePolicy.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => asList(s.Resource).filter((r) => r !== "*"));
    const reachable = neighbourArns.filter((arn) => named.some((pattern) => glob(pattern, arn)));
    expect(reachable).toEqual([]);
  });

  it("puts every workload role of an environment under /<project>/<env>/", () => {
    for (const env of ["stage", "prod"]) {
      const roles = workloadRoles(bootstrap, env);
      expect(roles.map((r) => r.name).sort()).toEqual(expectedRoles(env).sort());
      for (const role of roles) expect(role.path).toBe(`/acme/${env}/`);
    }
  });
});

/** The bootstrap's roles named for an environment's workloads (`acme-<env>-...-role`). */
function workloadRoles(tf: SynthesizedTerraform, env: string): any[] {
  return Object.values(resources(tf, "aws_iam_role")).filter((r) => r.name.startsWith(`acme-${env}-`) && r.name.endsWith("-role"));
}

/** The workload roles an environment's config asks the bootstrap for (a worker, jobs: more roles). */
function expectedRoles(env: string): string[] {
  return workloadRolesOf(config.environments.find((e) => e.name === env)!).map((r) => `acme-${env}-${r}-role`);
}

/** The workload roles' names, their one trusted service and the source ARN pattern they require, if any. */
const WORKLOAD_ROLES: [string, string, string | undefined][] = [
  ["api-execution-role", "ecs-tasks.amazonaws.com", undefined],
  ["api-task-role", "ecs-tasks.amazonaws.com", undefined],
  ["flow-logs-role", "vpc-flow-logs.amazonaws.com", "arn:aws:ec2:eu-west-1:123456789012:vpc-flow-log/*"],
  ["worker-execution-role", "ecs-tasks.amazonaws.com", undefined],
  ["worker-task-role", "ecs-tasks.amazonaws.com", undefined],
  ["jobs-execution-role", "ecs-tasks.amazonaws.com", undefined],
  ["jobs-task-role", "ecs-tasks.amazonaws.com", undefined],
  ["scheduler-role", "scheduler.amazonaws.com", "arn:aws:scheduler:eu-west-1:123456789012:schedule/default/acme-ENV-*"],
];

// IAM has no condition key on the trust policy CreateRole and UpdateAssumeRolePolicy write: a deploy
// role that may create roles may create one any account can assume. The bootstrap creates them instead.
describe.each(["stage", "prod"])("workload roles of %s: the bootstrap's, never a deploy role's (issue 13)", (env) => {
  const policy = rolePolicy(bootstrap, naming.deployRoleName(env));
  const tf = stacks[env];
  const roleArn = (r: { path: string; name: string }) => `arn:aws:iam::123456789012:role${r.path}${r.name}`;

  it.each(ROLE_AND_TRUST_CHANGES)("the deploy role may not %s: no Allow matches it, a Deny on every resource does", (action) => {
    expect(allowsAction(policy, action)).toEqual([]);
    expect(deniesOnAnything(policy, action)).toBe(true);
  });

  it("the environment stack creates no IAM role, managed policy or attachment", () => {
    for (const type of ["aws_iam_role", "aws_iam_policy", "aws_iam_role_policy_attachment", "aws_iam_policy_attachment"]) {
      expect([type, resources(tf, type)]).toEqual([type, {}]);
    }
  });

  it.each(WORKLOAD_ROLES)("the bootstrap's %s trusts exactly %s of this account and carries the boundary", (suffix, service, pattern) => {
    const arn = pattern?.replace("ENV", env);
    const role = workloadRoles(bootstrap, env).find((r) => r.name === `acme-${env}-${suffix}`);
    const [boundaryId] = Object.entries(resources(bootstrap, "aws_iam_policy")).find(
      ([, p]) => p.name === `acme-${env}-workload-boundary`,
    )!;
    expect(role.permissions_boundary).toBe(`\${aws_iam_policy.${boundaryId}.arn}`);
    expect(role.path).toBe(`/acme/${env}/`);
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([
      {
        Sid: "ServiceOfThisAccount",
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": "123456789012" },
          ...(arn && { ArnLike: { "aws:SourceArn": arn } }),
        },
      },
    ]);
    expect([role.inline_policy, role.managed_policy_arns]).toEqual([undefined, undefined]);
  });

  it("the environment stack runs as, and writes policies into, exactly the bootstrap's roles, which its deploy role may do", () => {
    const roles = workloadRoles(bootstrap, env);
    // Each a reference to a data source reading the role by name: a plan fails until the bootstrap created it.
    const read = (reference: string, attribute: string): string => {
      const id = new RegExp(`^\\$\\{data\\.aws_iam_role\\.([\\w-]+)\\.${attribute}\\}$`).exec(reference)?.[1];
      return ((tf.data?.aws_iam_role ?? {}) as Record<string, { name: string }>)[id ?? "none"]?.name;
    };
    const used = [
      ...Object.values(resources(tf, "aws_ecs_task_definition")).flatMap((t) => [t.execution_role_arn, t.task_role_arn]),
      ...Object.values(resources(tf, "aws_flow_log")).map((f) => f.iam_role_arn),
      ...Object.values(resources(tf, "aws_scheduler_schedule")).map((s) => s.target.role_arn),
    ];
    expect([...new Set(used.map((r) => read(r, "arn")))].sort()).toEqual(roles.map((r) => r.name).sort());
    const written = Object.values(resources(tf, "aws_iam_role_policy")).map((p) => read(p.role, "name"));
    expect(written.length).toBeGreaterThan(0);
    for (const name of written) expect(roles.map((r) => r.name)).toContain(name);
    for (const arn of roles.map(roleArn)) {
      for (const action of ["iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PassRole", "iam:GetRole"]) {
        expect([action, allowsAction(policy, action).some((st) => asList(st.Resource).some((r) => glob(r, arn)))]).toEqual([action, true]);
      }
    }
  });

  const formerRoles = ["service_execution-role_C3456AA3", "service_task-role_58F5AF4F", "network_flow-log-role_D4C6C2EC"];

  it("the environment stack forgets the roles it created before without destroying them (removed, destroy = false)", () => {
    expect((tf as { removed?: unknown }).removed).toEqual(
      formerRoles.map((id) => ({ from: `aws_iam_role.${id}`, lifecycle: { destroy: false } })),
    );
  });

  it("keeps those removed blocks in the HCL of `cdktf synth --hcl` (cdktf's renderer drops them)", () => {
    const hcl = stackToHcl(platform.environments[env]);
    for (const id of formerRoles) {
      expect(hcl).toContain(`removed {\n  from = aws_iam_role.${id}\n  lifecycle {\n    destroy = false\n  }\n}\n`);
    }
  });
});

describe.each(["stage", "prod"])("untagged objects AWS creates in %s, now managed", (env) => {
  const tf = stacks[env];
  const vpcId = Object.keys(resources(tf, "aws_vpc"))[0];

  it("manages the VPC's default network ACL: tagged, every subnet, AWS's allow-all entries only", () => {
    const acls = Object.values(resources(tf, "aws_default_network_acl"));
    expect(acls).toHaveLength(1);
    const [acl] = acls;
    expect(acl.default_network_acl_id).toBe(`\${aws_vpc.${vpcId}.default_network_acl_id}`);
    expect(acl.subnet_ids).toHaveLength(Object.keys(resources(tf, "aws_subnet")).length);
    expect(acl.tags).toEqual({ Name: `acme-${env}-default` });
    for (const entry of [...acl.ingress, ...acl.egress]) expect(entry).toMatchObject({ action: "allow", rule_no: 100 });
  });

  it("manages the default route table: tagged, no routes", () => {
    const [table] = Object.values(resources(tf, "aws_default_route_table"));
    expect(table.default_route_table_id).toBe(`\${aws_vpc.${vpcId}.default_route_table_id}`);
    expect(table.route).toEqual([]);
    expect(table.tags).toEqual({ Name: `acme-${env}-default-unused` });
  });

  it("creates RDS's log groups itself, with retention, before the instance", () => {
    const groups = Object.entries(resources(tf, "aws_cloudwatch_log_group")).filter(([, g]) => String(g.name).startsWith("/aws/rds/"));
    expect(groups.map(([, g]) => g.name).sort()).toEqual([
      `/aws/rds/instance/acme-${env}-db/postgresql`,
      `/aws/rds/instance/acme-${env}-db/upgrade`,
    ]);
    for (const [, g] of groups) expect(g.retention_in_days).toBe(config.environments.find((e) => e.name === env)!.service.logRetentionDays);
    const [instance] = Object.values(resources(tf, "aws_db_instance"));
    expect(instance.depends_on).toEqual(expect.arrayContaining(groups.map(([id]) => `aws_cloudwatch_log_group.${id}`)));
  });
});
