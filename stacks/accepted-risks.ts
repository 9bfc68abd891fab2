/** The production guardrails an environment waives (acceptedRisks), as the audit exemptions its constructs carry. */
import { guardrail } from "../config/guardrails";
import type { EnvironmentConfig } from "../config/types";
import type { AuditExemption } from "../lib/audit-exemptions";

/** Why the environment serves plain HTTP, with the accepted production risk when it lists one (the audit exemption's reason). */
export function httpOnlyReason(env: EnvironmentConfig): string | undefined {
  if (env.loadBalancer.https) return undefined;
  const accepted = acceptedRisks(env, "loadBalancer.https").map((e) => e.reason);
  return [env.loadBalancer.httpOnlyReason ?? [], ...accepted].flat().join("; ") || undefined;
}

/**
 * The production guardrails the environment waives in acceptedRisks whose setting starts with
 * `prefix`, each as the exemption from the audit rule that checks it (config/guardrails.ts).
 */
export function acceptedRisks(env: EnvironmentConfig, prefix: string): AuditExemption[] {
  return (env.acceptedRisks ?? []).flatMap((risk) => {
    const rule = guardrail(risk.setting)?.auditRule;
    return risk.setting.startsWith(prefix) && rule ? [{ rule, reason: `accepted risk ${risk.setting}: ${risk.reason}` }] : [];
  });
}
