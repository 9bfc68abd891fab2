import { type AuditExemption, readExemptions } from "../lib/audit-exemptions";
import type { AuditContext } from "./context";
import { ALL_RULES } from "./rules";
import type { SourceLocation } from "./source";
import type { AuditTarget, CheckResult, Rule, Tier } from "./types";

export type FindingStatus = "pass" | "fail" | "exempt";

/** One rule's verdict on one target (or one part of it). */
export interface Finding {
  readonly rule: string;
  readonly address: string;
  readonly constructPath?: string;
  /** The TypeScript line that created the target (from the synth's stack traces), when known. */
  readonly source?: SourceLocation;
  readonly status: FindingStatus;
  readonly message: string;
  readonly subject?: string;
  /** Why the failure is accepted; set on exempt findings. */
  readonly reason?: string;
}

/** `n/a`: the rule applies to nothing in the stack (no such resource, or a production-only rule elsewhere). */
export type RuleStatus = "pass" | "fail" | "exempt" | "n/a";

export interface RuleReport {
  readonly id: string;
  readonly rationale: string;
  readonly controls: readonly string[];
  readonly status: RuleStatus;
  /** Pass, fail and exempt findings; not-applicable ones are left out. */
  readonly findings: readonly Finding[];
}

/** An exemption that names no known rule (a failure), or that no failing finding used (stale). */
export interface ExemptionIssue {
  readonly address: string;
  readonly rule: string;
  readonly reason: string;
  readonly problem: "unknown-rule" | "unused";
  readonly detail: string;
}

export interface StackReport {
  readonly stack: string;
  readonly tier: Tier;
  readonly rules: readonly RuleReport[];
  readonly exemptionIssues: readonly ExemptionIssue[];
  readonly failures: number;
  readonly exemptions: number;
}

export interface AuditReport {
  readonly stacks: readonly StackReport[];
  readonly failures: number;
  readonly exemptions: number;
  readonly unusedExemptions: number;
  readonly passed: boolean;
}

/** True when the rule checks this kind of target. */
export function ruleApplies(rule: Rule, target: AuditTarget): boolean {
  if (rule.appliesTo.includes(target.type)) return true;
  return target.kind !== "stack" && rule.appliesTo.includes("*");
}

/** The raw results of one rule on every target it applies to, before exemptions. */
export function evaluateRule(rule: Rule, context: AuditContext): { target: AuditTarget; result: CheckResult }[] {
  const out: { target: AuditTarget; result: CheckResult }[] = [];
  for (const target of context.targets()) {
    if (!ruleApplies(rule, target)) continue;
    const results = rule.check(target, context);
    for (const result of Array.isArray(results) ? results : [results as CheckResult]) out.push({ target, result });
  }
  return out;
}

const KNOWN_RULES = new Set(ALL_RULES.map((r) => r.id));

/** Evaluates every rule on one stack, applies the exemptions recorded in its JSON, and reports stale ones. */
export function auditStack(context: AuditContext, rules: readonly Rule[] = ALL_RULES): StackReport {
  const running = new Set(rules.map((r) => r.id));
  // How often each exemption (by target and position), and each finding it names, was used.
  const used = new Map<string, Set<string>>();
  const key = (address: string, index: number): string => `${address}#${index}`;

  const ruleReports = rules.map((rule): RuleReport => {
    const findings: Finding[] = [];
    for (const { target, result } of evaluateRule(rule, context)) {
      if (result.status === "n/a") continue;
      const base = {
        rule: rule.id,
        address: target.address,
        constructPath: target.constructPath,
        source: target.source,
        message: result.message,
        subject: result.subject,
      };
      if (result.status === "pass") {
        findings.push({ ...base, status: "pass" });
        continue;
      }
      const exemptions = readExemptions(target.body);
      const index = exemptions.findIndex(
        (e) => e.rule === rule.id && (e.findings === undefined || (result.subject !== undefined && e.findings.includes(result.subject))),
      );
      if (index < 0) {
        findings.push({ ...base, status: "fail" });
        continue;
      }
      const uses = used.get(key(target.address, index)) ?? new Set<string>();
      uses.add(result.subject ?? "");
      used.set(key(target.address, index), uses);
      findings.push({ ...base, status: "exempt", reason: exemptions[index].reason });
    }
    const status: RuleStatus = findings.some((f) => f.status === "fail")
      ? "fail"
      : findings.some((f) => f.status === "exempt")
        ? "exempt"
        : findings.length > 0
          ? "pass"
          : "n/a";
    return { id: rule.id, rationale: rule.rationale, controls: rule.controls, status, findings };
  });

  const exemptionIssues: ExemptionIssue[] = [];
  for (const target of context.targets()) {
    readExemptions(target.body).forEach((e: AuditExemption, index) => {
      const issue = (problem: ExemptionIssue["problem"], detail: string): void => {
        exemptionIssues.push({ address: target.address, rule: e.rule, reason: e.reason, problem, detail });
      };
      if (!KNOWN_RULES.has(e.rule)) {
        issue("unknown-rule", `no rule has the id ${e.rule}`);
        return;
      }
      if (!running.has(e.rule)) return;
      const uses = used.get(key(target.address, index));
      if (!uses) {
        issue("unused", `${e.rule} does not fail on ${target.address}; remove the exemption`);
        return;
      }
      const idle = (e.findings ?? []).filter((f) => !uses.has(f));
      if (idle.length > 0)
        issue("unused", `${idle.join(", ")} of ${target.address} do(es) not fail ${e.rule}; remove them from the exemption`);
    });
  }

  const all = ruleReports.flatMap((r) => r.findings);
  return {
    stack: context.stackName,
    tier: context.tier,
    rules: ruleReports,
    exemptionIssues,
    failures: all.filter((f) => f.status === "fail").length + exemptionIssues.filter((i) => i.problem === "unknown-rule").length,
    exemptions: all.filter((f) => f.status === "exempt").length,
  };
}

export function summarize(stacks: readonly StackReport[]): AuditReport {
  const failures = stacks.reduce((n, s) => n + s.failures, 0);
  return {
    stacks,
    failures,
    exemptions: stacks.reduce((n, s) => n + s.exemptions, 0),
    unusedExemptions: stacks.reduce((n, s) => n + s.exemptionIssues.filter((i) => i.problem === "unused").length, 0),
    passed: failures === 0,
  };
}
