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
 * Small readers for synthesized Terraform JSON. cdktf writes a nested block either as an object or
 * as a list of objects (`network_configuration: {...}`, `rule: [{...}]`); these accept both.
 */

export function isObject(value: unknown): value is Block {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The first (usually only) instance of a nested block. */
export function block(value: unknown): Block | undefined {
  if (Array.isArray(value)) return value.find(isObject);
  return isObject(value) ? value : undefined;
}

/** Every instance of a nested block. */
export function blocks(value: unknown): Block[] {
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) ? [value] : [];
}

/** A string or a list of strings as a list; anything else as an empty list. */
export function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

/** Terraform JSON accepts `true` and `"true"` for a bool argument. */
export function isTrue(value: unknown): boolean {
  return value === true || value === "true";
}

export function isFalse(value: unknown): boolean {
  return value === false || value === "false";
}

export function asNumber(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return undefined;
}

/** True when the string is computed by Terraform (holds a `${...}` interpolation). */
export function isComputed(value: string): boolean {
  return value.includes("${");
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Address of what a whole-value reference such as `${aws_s3_bucket.x.id}` points at (`aws_s3_bucket.x`). */
export function referencedAddress(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^\$\{((?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+)(?:\.[^}]*|\[[^}]*)?\}$/.exec(value);
  return match?.[1];
}

/** True when any string in `value` (a string or a list) references the resource at `address`. */
export function refersTo(value: unknown, address: string): boolean {
  const pattern = new RegExp(`(^|[^A-Za-z0-9_.-])${escapeRegExp(address)}([^A-Za-z0-9_-]|$)`);
  return strings(value).some((s) => isComputed(s) && pattern.test(s));
}

/** An IAM, S3 or KMS policy statement as written in the JSON document. */
export interface Statement {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export type ParsedPolicy = { readonly statements: Statement[] } | { readonly error: string };

/** Parses a policy argument; a policy computed by Terraform (a data source's `json`) cannot be read. */
export function parsePolicy(value: unknown): ParsedPolicy {
  if (typeof value !== "string") return { error: "the policy is not a JSON document" };
  try {
    const document = JSON.parse(value) as { Statement?: unknown };
    const statements = Array.isArray(document.Statement) ? document.Statement : isObject(document.Statement) ? [document.Statement] : [];
    return { statements: statements.filter(isObject) as Statement[] };
  } catch {
    return { error: `the policy is not literal JSON (${value.slice(0, 60)}); the audit cannot read it` };
  }
}

/** How findings name a statement: its Sid, or its position. */
export function statementName(statement: Statement, index: number): string {
  return statement.Sid ?? `statement ${index + 1}`;
}

/** True when the principal is everyone: `"*"` or `{ "AWS": "*" }` (alone or in a list). */
export function isEveryone(principal: unknown): boolean {
  if (principal === "*") return true;
  if (!isObject(principal)) return false;
  return strings(principal.AWS).includes("*");
}

/** Every value a condition gives a key, whatever the operator; keys compare case-insensitively as IAM does. */
export function conditionValues(statement: Statement, key: string): { operator: string; values: string[] }[] {
  const found: { operator: string; values: string[] }[] = [];
  for (const [operator, entries] of Object.entries(statement.Condition ?? {})) {
    if (!isObject(entries)) continue;
    for (const [k, v] of Object.entries(entries)) {
      if (k.toLowerCase() === key.toLowerCase()) {
        found.push({ operator, values: Array.isArray(v) ? v.map(String) : [String(v)] });
      }
    }
  }
  return found;
}
