/**
 * The checker of the recorded deploy calls (audit/iam/recorded-calls.ts) on a small sample of what the
 * end-to-end suite records (fixtures/recorded-calls-sample.json, taken from its recording): the stage
 * deploy role allows every sample call, and the checker fails, naming the call, its resource and the
 * statement, once a grant is removed or a call falls outside the statement that grants it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type EvaluatedRole, resourcePoliciesOf, roleNamed, rolesOf } from "../audit/iam/evaluator";
import { deniedCalls, describeDenial } from "../audit/iam/recorded-calls";
import type { RecordedCall } from "../emulator/call-log";
import { synthesizeLayout, twoAccountLayout } from "./support/iam-layouts";

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
