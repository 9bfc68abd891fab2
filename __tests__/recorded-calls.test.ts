/**
 * The checker of the recorded deploy calls (audit/iam/recorded-calls.ts) on a small sample of what the
 * end-to-end suite records (fixtures/recorded-calls-sample.json, taken from its recording): the stage
 * deploy role allows every sample call, and the checker fails, naming the call, its resource and the
 * statement, once a grant is removed or a call falls outside the statement that grants it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EVALUATED_CONDITION_KEYS, type EvaluatedRole, resourcePoliciesOf, roleNamed, rolesOf } from "../audit/iam/evaluator";
import { deniedCalls, describeDenial } from "../audit/iam/recorded-calls";
import { NOT_RECORDED_CONDITION_KEYS, RECORDED_CONDITION_KEYS, type RecordedCall } from "../emulator/call-log";
import { oneAccountLayout, synthesizeLayout, twoAccountLayout } from "./support/iam-layouts";

const layout = synthesizeLayout(twoAccountLayout());
const { account, stack } = layout.bootstraps.bootstrap;
const roles = rolesOf(stack, account, layout.region);
const policies = resourcePoliciesOf(stack, account, layout.region);
const deploy = roleNamed(roles, "acme-stage-deploy");
const sample = JSON.parse(readFileSync(join(__dirname, "fixtures", "recorded-calls-sample.json"), "utf8")) as RecordedCall[];

/** The role with `action` taken out of every statement that lists it. */
function withoutGrant(role: EvaluatedRole, action: string): EvaluatedRole {
  const identityPolicies = role.identityPolicies.map((p) => ({
    ...p,
    document: {
      ...p.document,
      Statement: p.document.Statement.map((s) =>
        Array.isArray(s.Action) ? { ...s, Action: s.Action.filter((a: string) => a !== action) } : s,
      ),
    },
  }));
  return { ...role, identityPolicies };
}

const check = (calls: readonly RecordedCall[], role: EvaluatedRole) =>
  deniedCalls(
    calls,
    () => [role],
    () => policies,
  );

describe("the recorded deploy calls, evaluated", () => {
  it("allows every sample call to the stage deploy role (the control: the sample is what a deploy calls)", async () => {
    expect(sample.length).toBeGreaterThanOrEqual(8);
    const { evaluated, denials } = await check(sample, deploy);
    // The same call in two phases is evaluated once.
    const distinct = new Set(sample.map((c) => JSON.stringify([c.action, c.resource, c.context, c.resourceTags, c.requestTags, c.region])));
    expect(evaluated).toBe(distinct.size);
    expect(denials.map(describeDenial)).toEqual([]);
  });

  it("allows the sample's plan calls to the plan role (a pull request's plan refreshes what the deploy made)", async () => {
    const plans = sample.filter((c) => c.phase === "plan" || c.phase === "re-plan");
    expect(plans.length).toBeGreaterThanOrEqual(2);
    const { denials } = await check(plans, roleNamed(roles, "acme-plan"));
    expect(denials.map(describeDenial)).toEqual([]);
  });

  it("fails on the call whose grant was removed, naming the call, its resource and that no statement grants it", async () => {
    const { denials } = await check(sample, withoutGrant(deploy, "logs:PutRetentionPolicy"));
    expect(denials.map((d) => [d.call.action, d.call.resource])).toEqual([
      ["logs:PutRetentionPolicy", expect.stringMatching(/^arn:aws:logs:eu-west-1:\d{12}:log-group:\/(ecs|vpc)\/acme-stage\//)],
    ]);
    expect(describeDenial(denials[0])).toMatch(
      new RegExp(
        "^stage \\w+: logs:PutRetentionPolicy on arn:aws:logs:\\S+ is ImplicitlyDenied for acme-stage-deploy; " +
          "no statement of acme-stage-deploy grants logs:PutRetentionPolicy;",
      ),
    );
  });

  it("names the statement that grants the action when the call falls outside it (a region the statement excludes)", async () => {
    const call = sample.find((c) => c.action.startsWith("elasticloadbalancing:"))!;
    const elsewhere = { ...call, region: "us-east-1", context: { ...call.context, "aws:RequestedRegion": "us-east-1" } };
    const { denials } = await check([elsewhere], deploy);
    expect(denials).toHaveLength(1);
    expect(describeDenial(denials[0])).toMatch(/the statement\(s\) granting it, \S*RegionalInfrastructure\S*, do not match/);
  });
});

describe("the condition keys the shipped policies use", () => {
  /** Every condition key of every role's policies and boundary, in both layouts (`aws:ResourceTag/Environment` as `aws:ResourceTag/*`). */
  const used = new Map<string, Set<string>>();
  for (const each of [layout, synthesizeLayout(oneAccountLayout())]) {
    for (const { account: a, stack: s } of Object.values(each.bootstraps)) {
      for (const role of rolesOf(s, a, each.region)) {
        for (const policy of [...role.identityPolicies, ...(role.permissionsBoundary ? [role.permissionsBoundary] : [])]) {
          for (const statement of policy.document.Statement) {
            for (const keys of Object.values(statement.Condition ?? {})) {
              for (const key of Object.keys(keys as object)) {
                const name = key.replace(/\/.*$/, "/*");
                used.set(name, (used.get(name) ?? new Set()).add(`${role.name}/${statement.Sid}`));
              }
            }
          }
        }
      }
    }
  }

  it("are each one the recorded calls carry, or listed with the reason they need not be", () => {
    // A key the calls lack evaluates as absent: a grant conditioned on it refuses a call AWS allows, or a deny lets one through.
    const known = new Set(
      [...RECORDED_CONDITION_KEYS, ...EVALUATED_CONDITION_KEYS, ...Object.keys(NOT_RECORDED_CONDITION_KEYS)].map((k) => k.toLowerCase()),
    );
    const missing = [...used].filter(([key]) => !known.has(key.toLowerCase())).map(([key, where]) => `${key} (${[...where][0]})`);
    expect(missing).toEqual([]);
  });

  it("hold no read of GitHub's roles to a resource tag: Terraform reads what it deleted until AWS answers NotFound", () => {
    // A deleted resource has no tags: a tag-conditioned read of it is AccessDenied, and the destroy fails.
    const persists: Record<string, string> = {
      ManageAlarmKeys: "a KMS key stays, with its tags, through its pending deletion; Terraform reads it only then",
      OwnDistributions: "Terraform reads no distribution after DeleteDistribution (the e2e's recorded destroy shows none)",
    };
    const found = new Set<string>();
    for (const each of [layout, synthesizeLayout(oneAccountLayout())]) {
      for (const { account: a, stack: s } of Object.values(each.bootstraps)) {
        const github = rolesOf(s, a, each.region).filter((r) =>
          (r.trustPolicy?.Statement ?? []).some((t: { Action?: string }) => t.Action === "sts:AssumeRoleWithWebIdentity"),
        );
        expect(github.length).toBeGreaterThan(0);
        for (const role of github) {
          for (const policy of role.identityPolicies) {
            for (const statement of policy.document.Statement) {
              if (statement.Effect !== "Allow" || !/ResourceTag/.test(JSON.stringify(statement.Condition ?? {}))) continue;
              const reads = [statement.Action ?? []].flat().filter((a: string) => /:(Describe|Get|List)/.test(a));
              if (reads.length > 0 && !persists[statement.Sid])
                found.add(`${role.name.replace(/-(stage|prod)-/, "-<env>-")}/${statement.Sid}: ${reads}`);
            }
          }
        }
      }
    }
    expect([...found]).toEqual([]);
  });

  it("include the service keys the preview role's container grants depend on (the list is not vacuous)", () => {
    for (const key of ["ecs:cluster", "ecs:task-definition", "s3:prefix", "aws:ResourceTag/*"]) expect(used.has(key)).toBe(true);
  });
});
