import { Token } from "cdktf";
import type { z } from "zod";
import { type ConfigProblem, formatProblem } from "./problems";
import { knownKeys, pathName, problemsOfShape } from "./validate-shape";

/**
 * Throws one Error listing `problems` of a construct's props, each as `<construct> <setting>
 * <value> <fix>`, e.g. `Network vpcCidr "10.0.0.0/8" must be a /16 to /22 ...`; nothing when empty.
 */
export function throwPropsProblems(construct: string, problems: readonly ConfigProblem[]): void {
  if (problems.length > 0) throw new Error(problems.map((p) => `${construct} ${formatProblem(p)}`).join("\n"));
}

/**
 * Checks the props a construct takes from the configuration against the schema of that section
 * (`NetworkSchema` for the Network's): the types, ranges and rules `validate()` applies to the
 * configuration, with the same fixes, so a construct built directly (in a test, by another stack)
 * is refused the same way. Props the section does not hold (names, ids the stack wires in) are the
 * construct's own to check.
 */
export function checkProps(section: z.ZodType, props: object, construct: string): void {
  const own = props as Record<string, unknown>;
  const input = Object.fromEntries(knownKeys(section).flatMap((key) => (key in own ? [[key, own[key]]] : [])));
  const parsed = section.safeParse(input);
  if (!parsed.success)
    throwPropsProblems(
      construct,
      problemsOfShape(parsed.error.issues, input, section, (path) => pathName(path)),
    );
}

/** True when the value is, or holds, a cdktf token: only Terraform knows it, so it is not checked here. */
function holdsToken(value: unknown): boolean {
  if (Token.isUnresolved(value)) return true;
  return typeof value === "object" && value !== null && Object.values(value).some(holdsToken);
}

/**
 * For constructs whose props take single fields of a section (with props of their own between
 * them): throws `<construct>: <prop> <value> <fix>` for the first prop whose value its schema field
 * refuses (an optional field accepts undefined). Values that hold tokens are skipped.
 */
export function checkFields(construct: string, fields: Readonly<Record<string, z.ZodType>>, props: object): void {
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
