/**
 * Exemptions from audit rules, declared in code next to the resource they concern and carried in
 * the synthesized Terraform JSON itself: under the resource's `"//"` key (which Terraform ignores
 * and cdktf already uses for its metadata), as `"//": { "audit_exemptions": [...] }`. The audit
 * reads them back from the JSON, so what it reports is what `cdktf deploy` would apply.
 */

/** A rule an element deliberately fails, and why. */
export interface AuditExemption {
  /** Id of the rule, e.g. `ALB-HTTP-REDIRECTS-TO-HTTPS`. */
  readonly rule: string;
  /** Why the element may fail the rule; the report prints it. At least 10 characters. */
  readonly reason: string;
  /**
   * Limit the exemption to these findings of the rule (for rules that check a policy statement by
   * statement, the statements' Sids), so a statement added later is still audited.
   * @default - every finding of the rule on this element
   */
  readonly findings?: readonly string[];
}

/** What can carry an exemption: cdktf resources, data sources, providers and stacks all have `addOverride`. */
export interface Exemptable {
  addOverride(path: string, value: unknown): void;
}

/** The key under `"//"` that holds an element's exemptions. */
export const EXEMPTIONS_KEY = "audit_exemptions";

const RULE_ID = /^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$/;
const MIN_REASON_LENGTH = 10;

// addOverride replaces the value at a path, so every exemption of an element is kept here and the
// whole list written again each time one is added.
const recorded = new WeakMap<Exemptable, AuditExemption[]>();

/** Throws when an exemption could not be read back or says nothing. */
export function validateExemption(exemption: AuditExemption): void {
  const { rule, reason, findings } = exemption;
  if (!RULE_ID.test(rule)) {
    throw new Error(`Audit exemption rule "${rule}" is not a rule id; use the id the audit report prints, e.g. "S3-TLS-ONLY"`);
  }
  if (typeof reason !== "string" || reason.trim().length < MIN_REASON_LENGTH) {
    throw new Error(
      `Audit exemption from ${rule} has reason ${JSON.stringify(reason)}; ` +
        `say in at least ${MIN_REASON_LENGTH} characters why the resource may fail the rule`,
    );
  }
  if (findings !== undefined && (findings.length === 0 || findings.some((f) => typeof f !== "string" || f.trim() === ""))) {
    throw new Error(
      `Audit exemption from ${rule} has findings ${JSON.stringify(findings)}; ` +
        `name at least one finding (e.g. a statement Sid) or leave findings out to exempt the whole resource`,
    );
  }
}

/**
 * Exempts a resource (or provider, data source, stack) from one audit rule, with the reason.
 * Recorded in the element's synthesized JSON under `"//"`; the audit report lists it.
 */
export function exempt(element: Exemptable, ruleId: string, reason: string, options: { readonly findings?: readonly string[] } = {}): void {
  const exemption: AuditExemption = { rule: ruleId, reason: reason.trim(), ...(options.findings && { findings: [...options.findings] }) };
  validateExemption(exemption);
  const list = [...(recorded.get(element) ?? []), exemption];
  recorded.set(element, list);
  element.addOverride(`//.${EXEMPTIONS_KEY}`, list);
}

/** Applies a list of exemptions (e.g. passed in as a construct prop) to one element. */
export function exemptAll(element: Exemptable, exemptions: readonly AuditExemption[] = []): void {
  for (const e of exemptions) exempt(element, e.rule, e.reason, { findings: e.findings });
}

/** The exemptions recorded in a synthesized JSON body (a resource's, a provider's or the stack root). */
export function readExemptions(body: Record<string, unknown>): AuditExemption[] {
  const comment = body["//"];
  if (typeof comment !== "object" || comment === null) return [];
  const list = (comment as Record<string, unknown>)[EXEMPTIONS_KEY];
  if (!Array.isArray(list)) return [];
  return list.filter(
    (e): e is AuditExemption => typeof e === "object" && e !== null && typeof e.rule === "string" && typeof e.reason === "string",
  );
}
