/**
 * The proof that every call a deploy makes is allowed: each authorization the end-to-end suite
 * recorded (emulator/call-log.ts, `audit.out/recorded-calls.json`) evaluated against the role CI would
 * make it with (evaluator.ts: identity policies, boundary, the resource policy that governs the ARN).
 * A denial names the call, the resource, and the statements that grant the action (those that should
 * allow it, and do not for this resource or context), or that none does. Calls whose refusal the
 * client tolerates (call-log.ts TOLERATED_DENIALS) are not evaluated.
 */
import type { RecordedCall } from "../../emulator/call-log";
import { type Decision, type EvaluatedRole, evaluate, type ResourcePolicy, resourcePolicyFor } from "./evaluator";

/** A recorded call a role must be allowed and is not. */
export interface Denial {
  readonly call: RecordedCall;
  readonly role: string;
  readonly decision: Decision;
  /** `<policy>/<Sid>` of the role's Allow statements that name the action (none: no statement grants it). */
  readonly grantingStatements: readonly string[];
}

/** Whether an IAM action pattern (`ec2:*`, `logs:Describe*`) names the action. */
function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i");
  return regex.test(action);
}

/** The role's Allow statements (identity policies and boundary) that name the action. */
export function statementsGranting(role: EvaluatedRole, action: string): string[] {
  const policies = [...role.identityPolicies, ...(role.permissionsBoundary ? [role.permissionsBoundary] : [])];
  return policies.flatMap((policy) =>
    policy.document.Statement.flatMap((statement: { Sid?: string; Effect: string; Action?: string | string[] }, index: number) => {
      const actions = [statement.Action ?? []].flat();
      return statement.Effect === "Allow" && actions.some((a) => actionMatches(a, action))
        ? [`${policy.name}/${statement.Sid ?? `#${index}`}`]
        : [];
    }),
  );
}

/** One line per denial: the call, its resource, the role and why, and which statement should allow it. */
export function describeDenial(denial: Denial): string {
  const { call, role, decision, grantingStatements } = denial;
  const why = call.implicit ? ` (AWS checks it for ${call.request}: ${call.implicit})` : "";
  const should =
    grantingStatements.length > 0
      ? `the statement(s) granting it, ${grantingStatements.join(", ")}, do not match this resource or context`
      : `no statement of ${role} grants ${call.action}`;
  const context = JSON.stringify({
    ...call.context,
    ...(call.resourceTags && { resourceTags: call.resourceTags }),
    ...(call.requestTags && { requestTags: call.requestTags }),
  });
  const what = `${call.stack} ${call.phase}: ${call.action} on ${call.resource}${why}`;
  return `${what} is ${decision.decision} for ${role}; ${should}; context ${context}; ${decision.explanation}`;
}

/** The distinct evaluations the calls stand for (the same call made twice is evaluated once). */
function keyOf(role: EvaluatedRole, call: RecordedCall): string {
  const { action, resource, context, resourceTags, requestTags, region } = call;
  return JSON.stringify([role.arn, action, resource, context, resourceTags, requestTags, region]);
}

/**
 * Evaluates each call for each role that must be allowed it (`rolesFor`: the environment's deploy
 * role, and for a plan the plan role too), with the resource policy governing its ARN.
 */
export async function deniedCalls(
  calls: readonly RecordedCall[],
  rolesFor: (call: RecordedCall) => readonly EvaluatedRole[],
  resourcePolicies: (call: RecordedCall) => readonly ResourcePolicy[],
): Promise<{ evaluated: number; denials: Denial[] }> {
  const seen = new Set<string>();
  const denials: Denial[] = [];
  for (const call of calls.filter((c) => !c.tolerated)) {
    for (const role of rolesFor(call)) {
      const key = keyOf(role, call);
      if (seen.has(key)) continue;
      seen.add(key);
      const decision = await evaluate(role, {
        action: call.action,
        resource: call.resource,
        context: call.context,
        resourceTags: call.resourceTags,
        requestTags: call.requestTags,
        region: call.region,
        resourcePolicy: resourcePolicyFor(resourcePolicies(call), call.resource),
      });
      if (!decision.allowed) denials.push({ call, role: role.name, decision, grantingStatements: statementsGranting(role, call.action) });
    }
  }
  return { evaluated: seen.size, denials };
}
