import type { AuditContextOptions } from "../../audit/context";
import type { Rule, TerraformJson } from "../../audit/types";
import { checkRule } from "./audit-testing";

/** A rule's compliant and non-compliant Terraform, and what the failure must say. */
export interface Fixture {
  readonly options?: AuditContextOptions;
  readonly compliant: TerraformJson;
  readonly nonCompliant: TerraformJson;
  readonly failure: RegExp;
}

export function ruleById(rules: readonly Rule[], id: string): Rule {
  const found = rules.find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
}

/** One passing and one failing case for every rule of a family, and a check that none lacks them. */
export function describeFixtures(rules: readonly Rule[], fixtures: Record<string, Fixture>): void {
  it("has a compliant and a non-compliant fixture for every rule of the family", () => {
    expect(Object.keys(fixtures).sort()).toEqual(rules.map((r) => r.id).sort());
  });
  describe.each(rules.map((r) => [r.id, r] as const))("%s", (id, checked) => {
    const fixture = fixtures[id];
    it("passes the compliant fixture", () => {
      const all = checkRule(checked, fixture.compliant, fixture.options);
      expect(all.filter((r) => r.status === "fail")).toEqual([]);
      expect(all.some((r) => r.status === "pass")).toBe(true);
    });
    it("fails the non-compliant fixture, saying why", () => {
      const failures = checkRule(checked, fixture.nonCompliant, fixture.options).filter((r) => r.status === "fail");
      expect(failures.length).toBeGreaterThan(0);
      expect(failures.map((f) => f.message).join("\n")).toMatch(fixture.failure);
    });
  });
}
