import type { AuditContext } from "./context";
import type { SourceLocation } from "./source";

/** A JSON object as it appears in synthesized Terraform (a resource body, a block, a policy statement). */
export type Block = Record<string, unknown>;

/** A synthesized stack's Terraform JSON, as cdktf writes it to `cdk.tf.json`. */
export interface TerraformJson {
  readonly "//"?: Block;
  readonly terraform?: Block;
  readonly provider?: Record<string, Block[] | Block>;
  readonly resource?: Record<string, Record<string, Block>>;
  readonly data?: Record<string, Record<string, Block>>;
  readonly output?: Record<string, Block>;
  readonly variable?: Record<string, Block>;
  readonly locals?: Block;
}

/**
 * How strict the production-only rules are for a stack: an environment's `tier` from the config, or
 * `shared` for stacks that belong to no environment (bootstrap, github).
 */
export type Tier = "production" | "non-production" | "shared";

/** Something a rule checks: a resource, a data source, a provider block, or the stack as a whole. */
export interface AuditTarget {
  readonly kind: "resource" | "data" | "provider" | "stack";
  /** `aws_s3_bucket` for a resource, `data.aws_region`, `provider.aws`, or `stack`. */
  readonly type: string;
  /** Logical name (`site_bucket_DFA168EB`), provider alias index, or the stack name. */
  readonly name: string;
  /** Terraform address: `aws_s3_bucket.site_bucket_DFA168EB`, `data.aws_region.x`, `provider.aws[0]`, `stack`. */
  readonly address: string;
  /** Construct path from cdktf's metadata (`stage/site/bucket/bucket`), when present. */
  readonly constructPath?: string;
  /** The TypeScript line that created it, when the synth recorded stack traces (audit/synth.ts does). */
  readonly source?: SourceLocation;
  readonly body: Block;
}

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
