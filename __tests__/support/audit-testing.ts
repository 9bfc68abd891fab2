/**
 * Helpers for testing rules against small hand-written Terraform JSON fixtures, the way cdk-nag
 * rules are tested: one compliant and one non-compliant fixture per rule.
 */
import { AuditContext, type AuditContextOptions } from "../../audit/context";
import { evaluateRule } from "../../audit/engine";
import type { CheckResult, Rule, TerraformJson } from "../../audit/types";

/** Every result of one rule on a stack (exemptions are not applied). */
export function checkRule(rule: Rule, tf: TerraformJson, options?: AuditContextOptions): CheckResult[] {
  return evaluateRule(rule, new AuditContext("fixture", tf, options)).map((r) => r.result);
}

/** A deep copy of `tf` with the value at a `/`-separated path replaced, or removed when `value` is undefined. */
export function withValue(tf: TerraformJson, path: string, value: unknown): TerraformJson {
  const copy = structuredClone(tf) as Record<string, unknown>;
  const keys = path.split("/");
  const parent = keys.slice(0, -1).reduce<Record<string, unknown>>((o, k) => {
    const next = o[k];
    if (typeof next !== "object" || next === null) throw new Error(`withValue: ${path} has no ${k}`);
    return next as Record<string, unknown>;
  }, copy);
  const last = keys[keys.length - 1];
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return copy as TerraformJson;
}
