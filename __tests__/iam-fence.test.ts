/**
 * The fence between environments, proven by the IAM evaluator in both account layouts: each
 * environment's deploy role is tried on every action of the authorization reference whose resource
 * type fits each of the other environment's resources (its stack's, what AWS creates for them, its
 * state and lock entries) and on the account-wide changes; the plan and drift roles on every write.
 * Positive controls keep it honest: each deploy role's own needed calls come out allowed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type EvaluatedRole,
  evaluate,
  inlinePoliciesOf,
  type ResourcePolicy,
  resourcePoliciesOf,
  resourcePolicyFor,
  roleNamed,
  rolesOf,
  withPolicies,
} from "../audit/iam/evaluator";
import { attackCalls, distinctWrites, type FenceResult, runFence } from "../audit/iam/fence";
import { type InventoryItem, inventoryOf } from "../audit/iam/inventory";
import { ONE_ACCOUNT_CROSS_ENVIRONMENT_WRITES } from "../audit/iam/one-account-writes";
import { serviceResourceTypesFor } from "../audit/iam/reference";
import { lockItemKeys } from "../bootstrap/permissions";
import { Naming, WORKLOAD_ROLES } from "../config/naming";
import { oneAccountLayout, type SynthesizedLayout, synthesizeLayout, twoAccountLayout } from "./support/iam-layouts";
import { workloadsConfig } from "./support/sample";

jest.setTimeout(120_000);

interface Environment {
  readonly name: string;
  readonly account: string;
  readonly deployRole: EvaluatedRole;
  /** The plan and drift roles of its account. */
  readonly readOnlyRoles: readonly EvaluatedRole[];
  /** Its workload roles, with the inline policies its stack writes into them (and their boundary). */
  readonly workloadRoles: readonly EvaluatedRole[];
  readonly inventory: readonly InventoryItem[];
  readonly resourcePolicies: readonly ResourcePolicy[];
  readonly naming: Naming;
}

/** Each environment of a layout: its deploy role, its account's read-only roles, what it owns and the policies on it. */
function environmentsOf(layout: SynthesizedLayout): Environment[] {
  return Object.entries(layout.environments).map(([name, env]) => {
    const bootstrap = Object.values(layout.bootstraps).find((b) => b.account === env.account);
    if (!bootstrap) throw new Error(`no bootstrap for ${name}'s account ${env.account}`);
    const roles = rolesOf(bootstrap.stack, bootstrap.account, layout.region);
    const naming = new Naming(layout.config.project, env.account);
    const place = { account: env.account, region: layout.region };
    const state: InventoryItem[] = [
      { kind: "state object", arn: `${naming.stateBucketArn}/${naming.stateKey(name)}`, tags: {}, ...place },
      { kind: "lock table", arn: naming.lockTableArn, tags: {}, ...place },
      // Its roles and boundary live in the bootstrap (IAM requests are made in us-east-1).
      ...WORKLOAD_ROLES.map((r) => ({
        kind: `workload role ${r}`,
        arn: naming.workloadRoleArn(name, r),
        tags: {},
        ...place,
        region: "us-east-1",
      })),
      { kind: "deploy role", arn: naming.roleArn(naming.deployRoleName(name)), tags: {}, ...place, region: "us-east-1" },
      { kind: "workload boundary", arn: naming.workloadBoundaryArn(name), tags: {}, ...place, region: "us-east-1" },
    ];
    return {
      name,
      account: env.account,
      deployRole: roleNamed(roles, naming.deployRoleName(name)),
      readOnlyRoles: [roleNamed(roles, naming.planRoleName), roleNamed(roles, naming.driftRoleName)],
      workloadRoles: roles
        .filter((r) => r.arn.includes(`:role${naming.workloadRolePath(name)}`))
        .map((r) => withPolicies(r, inlinePoliciesOf(env.stack, env.account, layout.region).get(r.name) ?? [])),
      inventory: [...inventoryOf(env.stack, place), ...state],
      resourcePolicies: [
        ...resourcePoliciesOf(env.stack, env.account, layout.region),
        ...resourcePoliciesOf(bootstrap.stack, env.account, layout.region),
      ],
      naming,
    };
  });
}

/** The fence's attack on the target environment by a role (of another environment when `attacker` is given). */
function attack(role: EvaluatedRole, target: Environment, attacker?: string, accesses?: ("write" | "data read")[]): Promise<FenceResult> {
  return runFence(role, target.inventory, {
    environment: attacker,
    resourcePolicies: target.resourcePolicies,
    accesses,
    // The lock items the attacker would write are the target's.
    context: (item) => (item.kind === "lock table" ? { "dynamodb:LeadingKeys": lockItemKeys(target.naming, target.name) } : undefined),
  });
}

/** What a deploy of the environment needs on its own resources: one call per kind, the positive controls. */
const NEEDED: { kind: string; action: string; request?: boolean; context?: (env: Environment) => Record<string, string | string[]> }[] = [
  { kind: "aws_vpc", action: "ec2:DeleteVpc" },
  { kind: "aws_vpc", action: "ec2:CreateFlowLogs" },
  { kind: "aws_security_group", action: "ec2:AuthorizeSecurityGroupIngress" },
  { kind: "aws_subnet", action: "ec2:CreateTags", request: true },
  { kind: "aws_eip", action: "ec2:ReleaseAddress" },
  { kind: "aws_lb", action: "elasticloadbalancing:ModifyLoadBalancerAttributes" },
  { kind: "aws_lb_target_group", action: "elasticloadbalancing:ModifyTargetGroup" },
  { kind: "aws_ecs_service", action: "ecs:UpdateService" },
  { kind: "aws_ecs_cluster", action: "ecs:DeleteCluster" },
  { kind: "aws_db_instance", action: "rds:ModifyDBInstance" },
  { kind: "aws_db_parameter_group", action: "rds:ModifyDBParameterGroup" },
  { kind: "aws_appautoscaling_target", action: "application-autoscaling:PutScalingPolicy" },
  { kind: "aws_cloudwatch_metric_alarm", action: "cloudwatch:PutMetricAlarm" },
  { kind: "aws_cloudwatch_dashboard", action: "cloudwatch:PutDashboard" },
  { kind: "target-tracking alarm (AWS-created)", action: "cloudwatch:DeleteAlarms" },
  { kind: "aws_cloudwatch_log_group", action: "logs:PutRetentionPolicy" },
  { kind: "aws_ecr_repository", action: "ecr:PutImage" },
  { kind: "aws_cloudfront_distribution", action: "cloudfront:UpdateDistribution" },
  { kind: "aws_cloudfront_distribution", action: "cloudfront:CreateDistribution", request: true },
  { kind: "aws_cloudfront_origin_access_control", action: "cloudfront:CreateOriginAccessControl" },
  { kind: "aws_sns_topic", action: "sns:SetTopicAttributes" },
  { kind: "aws_kms_key", action: "kms:EnableKeyRotation" },
  { kind: "S3 object", action: "s3:PutObject" },
  { kind: "state object", action: "s3:PutObject" },
  { kind: "lock table", action: "dynamodb:PutItem", context: (env) => ({ "dynamodb:LeadingKeys": lockItemKeys(env.naming, env.name) }) },
  { kind: "ECS task (AWS-created)", action: "ecs:StopTask" },
  {
    kind: "workload role api-task",
    action: "iam:PutRolePolicy",
    context: (env) => ({ "iam:PermissionsBoundary": env.naming.workloadBoundaryArn(env.name) }),
  },
];

const LAYOUTS: [string, () => SynthesizedLayout][] = [
  // With the workloads beside the API (a worker, a job), so their roles and policies are fenced too.
  ["one-account", () => synthesizeLayout(oneAccountLayout(workloadsConfig()))],
  ["two-account", () => synthesizeLayout(twoAccountLayout(workloadsConfig()))],
];

describe.each(LAYOUTS)("the %s layout", (layoutName, build) => {
  const environments = environmentsOf(build());
  const pairs = environments.flatMap((attacker) =>
    environments.filter((t) => t.name !== attacker.name).map((target) => [attacker, target] as const),
  );

  describe.each(environments.map((e) => [e.name, e] as const))("%s's deploy role", (_, env) => {
    it.each(NEEDED.map((n) => [n.action, n.kind, n] as const))("is allowed %s on its own %s", async (action, kind, needed) => {
      const item = env.inventory.find((i) => i.kind === kind);
      if (!item) throw new Error(`${env.name} has no ${kind}`);
      const decision = await evaluate(env.deployRole, {
        action,
        resource: item.arn,
        region: item.region,
        resourceAccount: item.account,
        resourceTags: item.tags,
        requestTags: needed.request ? { Environment: env.name } : undefined,
        context: needed.context?.(env),
        resourcePolicy: resourcePolicyFor(env.resourcePolicies, item.arn),
      });
      expect(decision.explanation).toMatch(/^Allowed/);
    });
  });

  describe.each(pairs.map(([a, t]) => [a.name, t.name, a, t] as const))("%s's deploy role on %s", (_, __, attacker, target) => {
    let result: FenceResult;
    beforeAll(async () => {
      result = await attack(attacker.deployRole, target, attacker.name);
    });

    it("was tried on every fitting action of every resource", () => {
      expect(result.tried).toBeGreaterThan(1000);
      for (const kind of [
        "network interface of an ECS task (AWS-created)",
        "database master secret (RDS-created)",
        "log stream (AWS-created)",
      ]) {
        expect(target.inventory.map((i) => i.kind)).toContain(kind);
      }
      // Every resource fits a resource type of the reference: none is left untried for a wrong placeholder ARN.
      const untyped = target.inventory.filter((i) => serviceResourceTypesFor(i.arn.split(":")[2], i.arn).length !== 1);
      expect(untyped.map((i) => `${i.kind} ${i.arn}`)).toEqual([]);
      // Compound access levels of the reference ("Tagging, Write") are writes too.
      const tried = attackCalls(target.inventory, ["write"]).map((c) => `${c.action.action} ${c.item.kind}`);
      expect(tried).toEqual(
        expect.arrayContaining([
          "ec2:CreateTags network interface of an ECS task (AWS-created)",
          "ecs:DeregisterTaskDefinition account-wide",
        ]),
      );
    });

    if (layoutName === "two-account") {
      it("may write nothing and read no data of the other environment", () => {
        expect(result.allowed.map((f) => `${f.action} on ${f.resource}`)).toEqual([]);
      });
    } else {
      it("may write only what ONE_ACCOUNT_CROSS_ENVIRONMENT_WRITES lists, and read no data", () => {
        expect(result.allowed.filter((f) => f.access === "data read")).toEqual([]);
        const listed = ONE_ACCOUNT_CROSS_ENVIRONMENT_WRITES.map(({ action, kind }) => ({ action, kind }));
        expect(distinctWrites(result.allowed)).toEqual(expect.arrayContaining(listed));
        expect(distinctWrites(result.allowed)).toHaveLength(listed.length);
      });
    }
  });

  describe.each(pairs.map(([a, t]) => [a.name, t.name, a, t] as const))("%s's workload roles on %s", (_, __, attacker, target) => {
    it("may write nothing and read no data of it whatever policy its deploy role writes into it (the boundary alone)", async () => {
      const anything = {
        name: "anything",
        document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
      };
      const role = { ...attacker.workloadRoles[0], identityPolicies: [anything] };
      expect(role.permissionsBoundary?.name).toBe(`acme-${attacker.name}-workload-boundary`);
      const { allowed } = await attack(role, target, attacker.name);
      expect(allowed.map((f) => `${f.action} on ${f.kind}`)).toEqual([]);
      // Positive control: its own database's secret, by the tag RDS puts on it.
      const secret = attacker.inventory.find((i) => i.kind === "database master secret (RDS-created)");
      const own = await evaluate(role, { action: "secretsmanager:GetSecretValue", resource: secret!.arn, resourceTags: secret!.tags });
      expect(own.explanation).toMatch(/^Allowed/);
    });
  });

  describe.each(environments.map((e) => [e.name, e] as const))("the plan and drift roles of %s's account", (_, target) => {
    it("may write nothing of it", async () => {
      for (const role of target.readOnlyRoles) {
        const { allowed } = await attack(role, target, undefined, ["write"]);
        expect(allowed.map((f) => `${role.name}: ${f.action} on ${f.resource}`)).toEqual([]);
      }
    });
  });
});

describe("the fence test fails where it should", () => {
  const [stage, prod] = environmentsOf(synthesizeLayout(oneAccountLayout()));
  const interfaces = prod.inventory.filter((i) => i.kind.startsWith("network interface"));

  it('finds a widened grant: ec2:DeleteNetworkInterface on "*" reaches prod\'s untagged network interfaces', async () => {
    const widened = withPolicies(stage.deployRole, [
      {
        name: "widened",
        document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ec2:DeleteNetworkInterface", Resource: "*" }] },
      },
    ]);
    const target = { ...prod, inventory: interfaces };
    expect((await attack(stage.deployRole, target, "stage", ["write"])).allowed).toEqual([]);
    const found = distinctWrites((await attack(widened, target, "stage", ["write"])).allowed);
    expect(found).toContainEqual({ action: "ec2:DeleteNetworkInterface", kind: "network interface of an ECS task (AWS-created)" });
  });

  it("finds a widened workload boundary: a stage workload role reading prod's database secret", async () => {
    const [workload] = stage.workloadRoles;
    const anything = {
      name: "anything",
      document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
    };
    const boundary = workload.permissionsBoundary!;
    const widenedBoundary = {
      ...boundary,
      document: {
        ...boundary.document,
        Statement: [...boundary.document.Statement, { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*" }],
      },
    };
    const target = { ...prod, inventory: prod.inventory.filter((i) => i.kind === "database master secret (RDS-created)") };
    const role = { ...workload, identityPolicies: [anything] };
    expect((await attack(role, target, "stage")).allowed).toEqual([]);
    const found = distinctWrites((await attack({ ...role, permissionsBoundary: widenedBoundary }, target, "stage")).allowed);
    expect(found).toEqual([{ action: "secretsmanager:GetSecretValue", kind: "database master secret (RDS-created)" }]);
  });

  it("finds a removed tag condition: prod's tagged load balancer once NotOtherEnvironments is gone", async () => {
    const withoutFence: EvaluatedRole = {
      ...stage.deployRole,
      identityPolicies: stage.deployRole.identityPolicies.map((p) => ({
        ...p,
        document: { ...p.document, Statement: p.document.Statement.filter((s) => s.Sid !== "NotOtherEnvironments") },
      })),
    };
    const target = { ...prod, inventory: prod.inventory.filter((i) => i.kind === "aws_lb") };
    const found = distinctWrites((await attack(withoutFence, target, "stage", ["write"])).allowed);
    expect(found).toContainEqual({ action: "elasticloadbalancing:DeleteLoadBalancer", kind: "aws_lb" });
  });
});

describe("the README's list of one-account writes", () => {
  it("is ONE_ACCOUNT_CROSS_ENVIRONMENT_WRITES, entry by entry", () => {
    const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
    const block = /<!-- one-account-writes -->\n([\s\S]*?)<!-- \/one-account-writes -->/.exec(readme)?.[1];
    expect(block).toBe(ONE_ACCOUNT_CROSS_ENVIRONMENT_WRITES.map((w) => `- \`${w.action}\` on \`${w.kind}\`\n`).join(""));
  });
});
