/**
 * The IAM evaluator (audit/iam/evaluator.ts) on the bootstrap's real roles: for each role a call it
 * must be allowed and one it must be refused, and the parts of AWS's request context the evaluator
 * supplies (tags only where AWS sends them, the requested region, wildcard-only actions, corrections).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type EvaluatedCall,
  type EvaluatedRole,
  evaluate,
  inlinePoliciesOf,
  REFERENCE_CORRECTIONS,
  resourcePoliciesOf,
  resourcePolicyFor,
  roleNamed,
  rolesOf,
  withPolicies,
} from "../audit/iam/evaluator";
import { oneAccountLayout, synthesizeLayout } from "./support/iam-layouts";
import { workloadsConfig } from "./support/sample";

// With the workloads beside the API (a worker, a job): the scheduler's policy passes the bootstrap's roles.
const layout = synthesizeLayout(oneAccountLayout(workloadsConfig()));
const { account, stack } = layout.bootstraps.bootstrap;
const region = layout.region;
const roles = rolesOf(stack, account, region);
const resourcePolicies = resourcePoliciesOf(stack, account, region);
const stateBucket = `arn:aws:s3:::acme-tfstate-${account}-${region}`;
const ec2 = (what: string) => `arn:aws:ec2:${region}:${account}:${what}`;

/** The role with the inline policies its environment stack writes into it. */
function workloadRole(env: string, name: string): EvaluatedRole {
  const e = layout.environments[env];
  return withPolicies(roleNamed(roles, name), inlinePoliciesOf(e.stack, e.account, region, { roles }).get(name) ?? []);
}

const decide = (role: EvaluatedRole, call: EvaluatedCall) =>
  evaluate(role, { resourcePolicy: resourcePolicyFor(resourcePolicies, call.resource), ...call });

describe("the roles of a synthesized bootstrap", () => {
  it("finds every role with its policies and boundary, every reference resolved", () => {
    expect(roles.map((r) => r.name).sort()).toEqual(
      expect.arrayContaining(["acme-stage-deploy", "acme-prod-deploy", "acme-plan", "acme-drift", "acme-stage-api-task-role"]),
    );
    for (const role of roles) expect(role.unresolved).toEqual([]);
    expect(roleNamed(roles, "acme-stage-deploy").identityPolicies).toHaveLength(1);
    expect(roleNamed(roles, "acme-stage-api-task-role").permissionsBoundary?.name).toBe("acme-stage-workload-boundary");
    expect(JSON.stringify(roles)).not.toContain("${");
  });

  it("resolves every reference of the inline policies the environment stacks write (the database secret included)", () => {
    for (const [name, env] of Object.entries(layout.environments)) {
      const policies = JSON.stringify([...inlinePoliciesOf(env.stack, env.account, region, { roles })]);
      expect(policies).toContain("secret:rds!db-");
      // The scheduler passes the jobs' roles: the bootstrap's, read by name, resolved with their path.
      expect(policies).toContain(`role/acme/${name}/acme-${name}-jobs-execution-role`);
      expect(policies).not.toMatch(/UNRESOLVED|\$\{/);
    }
  });

  it("finds the state bucket's policy and the state key's (default) key policy", () => {
    expect(resourcePolicyFor(resourcePolicies, `${stateBucket}/stage/terraform.tfstate`)?.address).toMatch(/^aws_s3_bucket_policy\./);
    const key = roleNamed(roles, "acme-plan").identityPolicies[0].document.Statement.find((s) => s.Sid === "UseStateKey").Resource;
    expect(resourcePolicyFor(resourcePolicies, key)?.address).toMatch(/^aws_kms_key\./);
  });
});

const known: [string, () => EvaluatedRole, EvaluatedCall, EvaluatedCall][] = ["stage", "prod"].flatMap((env) => {
  const other = env === "stage" ? "prod" : "stage";
  return [
    [
      `${env} deploy role`,
      () => roleNamed(roles, `acme-${env}-deploy`),
      { action: "s3:PutObject", resource: `${stateBucket}/${env}/terraform.tfstate` },
      { action: "s3:PutObject", resource: `${stateBucket}/${other}/terraform.tfstate` },
    ],
    [
      `${env} api-execution role`,
      () => workloadRole(env, `acme-${env}-api-execution-role`),
      { action: "ecr:BatchGetImage", resource: `arn:aws:ecr:${region}:${account}:repository/acme-${env}-api` },
      { action: "ecr:BatchGetImage", resource: `arn:aws:ecr:${region}:${account}:repository/acme-${other}-api` },
    ],
    [
      `${env} flow-logs role`,
      () => workloadRole(env, `acme-${env}-flow-logs-role`),
      { action: "logs:PutLogEvents", resource: `arn:aws:logs:${region}:${account}:log-group:/vpc/acme-${env}/flow-logs:log-stream:eni-1` },
      {
        action: "logs:PutLogEvents",
        resource: `arn:aws:logs:${region}:${account}:log-group:/vpc/acme-${other}/flow-logs:log-stream:eni-1`,
      },
    ],
  ] as [string, () => EvaluatedRole, EvaluatedCall, EvaluatedCall][];
});
for (const name of ["acme-plan", "acme-drift"]) {
  known.push([
    `${name} role`,
    () => roleNamed(roles, name),
    { action: "ec2:DescribeVpcs", resource: "*" },
    { action: "s3:PutObject", resource: `${stateBucket}/stage/terraform.tfstate` },
  ]);
}

describe.each(known)("%s", (_, role, allowed, denied) => {
  it(`is allowed ${allowed.action} on its own resource`, async () => {
    const d = await decide(role(), allowed);
    expect([d.decision, d.explanation]).toEqual(["Allowed", expect.stringMatching(/ by /)]);
    expect(d.allowedBy.length).toBeGreaterThan(0);
  });

  it(`is refused ${denied.action} on the other environment's`, async () => {
    const d = await decide(role(), denied);
    expect(d.allowed).toBe(false);
    expect(d.decision).toMatch(/Denied$/);
  });
});

describe("the request context AWS would send", () => {
  const stageDeploy = () => roleNamed(roles, "acme-stage-deploy");

  it("sends a resource's tags where the reference lists aws:ResourceTag for it (prod's VPC: denied by its tag)", async () => {
    const call = { action: "ec2:DeleteVpc", resource: ec2("vpc/vpc-1"), resourceTags: { Environment: "prod" } };
    const d = await decide(stageDeploy(), call);
    expect(d.decision).toBe("ExplicitlyDenied");
    expect(d.deniedBy).toContain("permissions/NotOtherEnvironments");
    expect((await decide(stageDeploy(), { ...call, resourceTags: { Environment: "stage" } })).decision).toBe("Allowed");
  });

  it("drops a resource tag AWS does not send: a wildcard-only action sees none", async () => {
    // ecs:DeregisterTaskDefinition accepts only "*": prod's tag never reaches NotOtherEnvironments.
    const call = { action: "ecs:DeregisterTaskDefinition", resource: `arn:aws:ecs:${region}:${account}:task-definition/acme-prod-api:1` };
    const d = await decide(stageDeploy(), {
      ...call,
      resourceTags: { Environment: "prod" },
      context: { "aws:ResourceTag/Environment": "prod" },
    });
    expect(d.decision).toBe("Allowed");
  });

  it("sends aws:RequestedRegion: a regional grant does not reach another region", async () => {
    const d = await decide(stageDeploy(), { action: "ec2:CreateVpc", resource: "arn:aws:ec2:us-west-2:123456789012:vpc/vpc-1" });
    expect(d.decision).toBe("ImplicitlyDenied");
  });

  it("sends the request's tags and iam:PassedToService as the caller gives them", async () => {
    const role = `arn:aws:iam::${account}:role/acme/stage/acme-stage-api-task-role`;
    const pass = (service: string) =>
      decide(stageDeploy(), { action: "iam:PassRole", resource: role, context: { "iam:PassedToService": service } });
    expect((await pass("ecs-tasks.amazonaws.com")).decision).toBe("Allowed");
    expect((await pass("lambda.amazonaws.com")).decision).toBe("ImplicitlyDenied");
  });

  it("tags a new network resource on create (ec2:CreateAction), and never another environment's untagged interface", async () => {
    const tag = (resource: string, context?: Record<string, string>) =>
      decide(stageDeploy(), { action: "ec2:CreateTags", resource, requestTags: { Environment: "stage" }, context });
    expect((await tag(ec2("vpc/vpc-new"), { "ec2:CreateAction": "CreateVpc" })).decision).toBe("Allowed");
    expect((await tag(ec2("network-interface/eni-1"))).decision).toBe("ImplicitlyDenied");
    expect((await tag(ec2("network-interface/eni-1"), { "ec2:CreateAction": "CreateNetworkInterface" })).decision).toBe("ImplicitlyDenied");
  });

  it("refuses an action the authorization reference does not have", async () => {
    const d = await decide(stageDeploy(), { action: "ec2:CreateVpcs", resource: ec2("vpc/vpc-1") });
    expect(d).toEqual(
      expect.objectContaining({ allowed: false, decision: "Invalid", explanation: expect.stringMatching(/not an action/) }),
    );
  });

  it("applies each correction of the reference, with its source", async () => {
    for (const c of REFERENCE_CORRECTIONS) expect(c.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    // The reference makes DescribeLogGroups wildcard-only; AWS authorises it on log-group:*, which ListLogGroups grants.
    const d = await decide(stageDeploy(), { action: "logs:DescribeLogGroups", resource: "*" });
    expect([d.decision, d.correction, d.allowedBy]).toEqual(["Allowed", "logs:DescribeLogGroups", ["permissions/ListLogGroups"]]);
    const plan = await decide(roleNamed(roles, "acme-plan"), { action: "sts:GetCallerIdentity", resource: "*" });
    expect(plan.decision).toBe("Allowed");
  });
});

describe("the AGPL evaluator stays in tooling and tests", () => {
  it("is imported by no file of the product (only audit/ and __tests__/)", () => {
    const root = join(__dirname, "..");
    const files = execFileSync("git", ["ls-files", "*.ts"], { cwd: root, encoding: "utf8" }).split("\n").filter(Boolean);
    const importers = files.filter((f) => /from "@cloud-copilot\/iam-(simulate|policy|utils)"/.test(readFileSync(join(root, f), "utf8")));
    expect(importers.length).toBeGreaterThan(0);
    expect(importers.filter((f) => !/^(audit|__tests__)\//.test(f))).toEqual([]);
  });
});
