/**
 * Configuration text as Terraform literals. Terraform reads every string of the synthesized JSON as
 * a template: a `${...}` or `%{...}` the user typed (in a migration command, a reason) would be
 * evaluated at plan time, on the CI runner, with `file()` and friends. app.ts passes the validated
 * configuration through `literalConfig` before any construct sees it, so every string reaches the
 * JSON once escaped (`$${`, `%%{`), which Terraform turns back into the text the user wrote.
 * Settings where a literal makes no sense (names, addresses, ARNs) refuse these characters instead.
 */

/** `text` as a Terraform template that evaluates to `text`: `${` as `$${`, `%{` as `%%{`. */
export function literalText(text: string): string {
  return text.replace(/[$%]\{/g, (start) => `${start[0]}${start}`);
}

/** A deep copy of `value` (plain data: objects, lists, scalars) with every string made a literal. */
export function literalConfig<T>(value: T): T {
  if (typeof value === "string") return literalText(value) as T;
  if (Array.isArray(value)) return value.map((item) => literalConfig(item)) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, literalConfig(item)])) as T;
  }
  return value;
}
