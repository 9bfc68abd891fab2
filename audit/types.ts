/**
 * A rule and its verdicts. What rules read is defined below them: the Terraform JSON shapes in
 * terraform.ts, a target and the stack's context in context.ts (re-exported here for the rules).
 */
import type { AuditContext, AuditTarget } from "./context";

export type { AuditTarget, Tier } from "./context";
export type { Block, TerraformJson } from "./terraform";

export type CheckStatus = "pass" | "fail" | "n/a";

/** The outcome of one rule on one target (or on one part of it, such as a policy statement). */
export interface CheckResult {
  readonly status: CheckStatus;
  /** What was found, in a sentence that names the setting and, on failure, the fix. */
  readonly message: string;
  /**
   * The part of the target the result is about (a policy statement's Sid, a JSON path), for
   * targets a rule checks piece by piece; an exemption may be limited to named subjects.
   */
  readonly subject?: string;
}

/** One security or reliability rule over synthesized Terraform. */
export interface Rule {
  /** Stable id, e.g. `S3-PUBLIC-ACCESS-BLOCK`; exemptions and reports refer to it. */
  readonly id: string;
  /** Why the rule exists, in one line. */
  readonly rationale: string;
  /**
   * Equivalent controls of other tools: checkov (`CKV_AWS_53`), trivy (`AVD-AWS-0086`), AWS
   * Foundational Security Best Practices (`S3.8`). Empty when none is equivalent.
   */
  readonly controls: readonly string[];
  /**
   * Target types the rule checks: resource types (`aws_s3_bucket`), `data.<type>`, `provider.<name>`,
   * `*` (every resource, data source and provider) or `stack` (the stack's backend, outputs,
   * variables and locals).
   */
  readonly appliesTo: readonly string[];
  /**
   * Checks a production guardrail: n/a outside production-tier stacks. Each such rule is named by
   * an entry of config/guardrails.ts (a test keeps the two in step), so what validation demands and
   * what the audit checks never disagree.
   */
  readonly productionOnly?: boolean;
  check(target: AuditTarget, context: AuditContext): CheckResult | readonly CheckResult[];
}

export const pass = (message: string, subject?: string): CheckResult => ({ status: "pass", message, subject });
export const fail = (message: string, subject?: string): CheckResult => ({ status: "fail", message, subject });
export const notApplicable = (message: string, subject?: string): CheckResult => ({ status: "n/a", message, subject });
