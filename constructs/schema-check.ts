/**
 * Props checks against the configuration schema (config/schema.ts): a construct refuses a bad value
 * by the very rule, and with the very fix, that the configuration check gives, so each range is
 * written once. Checks the schema cannot express (one prop against another) stay in the construct.
 */
import { Token } from "cdktf";
import type { z } from "zod";

/** True when the value is, or holds, a cdktf token: only Terraform knows it, so it is not checked here. */
function holdsToken(value: unknown): boolean {
  if (Token.isUnresolved(value)) return true;
  return typeof value === "object" && value !== null && Object.values(value).some(holdsToken);
}

/**
 * Throws `<construct>: <prop> <value> <fix>` for the first prop whose value its schema field
 * refuses (an optional field accepts undefined). Values that hold tokens are skipped.
 */
export function checkProps(construct: string, fields: Readonly<Record<string, z.ZodType>>, props: object): void {
  const values = props as Record<string, unknown>;
  for (const [name, field] of Object.entries(fields)) {
    const value = values[name];
    if (holdsToken(value)) continue;
    const result = field.safeParse(value);
    if (!result.success) {
      const shown = value === undefined ? "(missing)" : JSON.stringify(value);
      throw new Error(`${construct}: ${name} ${shown} ${result.error.issues[0]?.message ?? "is not valid"}`);
    }
  }
}
