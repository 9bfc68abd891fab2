/**
 * The shape half of validation: a schema's issues (types, ranges, unknown keys, the rules within a
 * section) as problems that name the setting, show the value and say the fix.
 */
import type { core } from "zod";
import type { ConfigProblem } from "./problems";

const ENVIRONMENT_NAME = /^[a-z][a-z0-9]{1,9}$/;

/** The value at a path of the raw input (undefined where the path leaves it). */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  try {
    return path.reduce<unknown>(
      (node, key) => (node !== null && typeof node === "object" ? (node as Record<PropertyKey, unknown>)[key] : undefined),
      input,
    );
  } catch {
    // A getter that throws: config/plain-data.ts reports it; here it is a value that cannot be shown.
    return undefined;
  }
}

/** `database.multiAz`, `subscribers[1]`: a path as a setting's name, after `head` when given. */
export function pathName(path: readonly PropertyKey[], head = ""): string {
  let out = head;
  for (const key of path) out += typeof key === "number" ? `[${key}]` : `${out ? "." : ""}${String(key)}`;
  return out;
}

/** `prod.database.multiAz` for a path into an environment with a usable name, else `environments[1].database.multiAz`. */
export function settingName(path: readonly PropertyKey[], input: unknown): string {
  let head = "";
  let rest = path;
  if (path[0] === "environments" && typeof path[1] === "number") {
    const name = valueAt(input, ["environments", path[1], "name"]);
    head = typeof name === "string" && ENVIRONMENT_NAME.test(name) && path[2] !== "name" ? name : `environments[${path[1]}]`;
    rest = path.slice(2);
  }
  return pathName(rest, head) || "(the configuration)";
}

/** The closest of `candidates` to `word`, when it is close enough to be a likely typo. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
        previous = current;
      }
    }
    return row[b.length];
  };
  const best = [...candidates].sort((a, b) => distance(word, a) - distance(word, b))[0];
  return best !== undefined && distance(word, best) <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

interface SchemaDef {
  readonly type: string;
  readonly innerType?: core.$ZodType;
  readonly element?: core.$ZodType;
  readonly shape?: Record<string, core.$ZodType>;
}
const defOf = (schema: core.$ZodType): SchemaDef => (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;

/** The schema inside `readonly` and `optional`. */
function unwrap(schema: core.$ZodType): core.$ZodType {
  const def = defOf(schema);
  return (def.type === "readonly" || def.type === "optional") && def.innerType ? unwrap(def.innerType) : schema;
}

/** The settings an object at `path` of `root` may hold. */
export function knownKeys(root: core.$ZodType, path: readonly PropertyKey[] = []): string[] {
  let schema = root;
  for (const key of path) {
    const def = defOf(unwrap(schema));
    const next = typeof key === "number" ? def.element : def.shape?.[String(key)];
    if (!next) return [];
    schema = next;
  }
  const shape = defOf(unwrap(schema)).shape;
  return shape ? Object.keys(shape) : [];
}

/**
 * The issues of parsing `input` with `root` as problems; `name` turns an issue's path into the
 * setting's name.
 */
export function problemsOfShape(
  issues: readonly core.$ZodIssue[],
  input: unknown,
  root: core.$ZodType,
  name: (path: readonly PropertyKey[]) => string,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      const known = knownKeys(root, issue.path);
      for (const key of issue.keys) {
        const guess = closest(key, known);
        const fix = `is not a setting${guess ? `; did you mean "${guess}"?` : ""} Remove it or fix its name`;
        problems.push({
          setting: name([...issue.path, key]),
          value: valueAt(input, [...issue.path, key]),
          fix: `${fix} (settings here: ${known.join(", ")})`,
        });
      }
      continue;
    }
    const value = valueAt(input, issue.path);
    const setting = name(issue.path);
    if (value === undefined && issue.code === "invalid_type") {
      problems.push({ setting, value, fix: "must be set: add it (config/schema.ts documents every setting)" });
    } else if (issue.code === "invalid_type" && /^Invalid input/.test(issue.message)) {
      const what = issue.expected === "object" ? "an object of settings" : `a ${issue.expected}`;
      problems.push({ setting, value, fix: `must be ${what}, not ${Array.isArray(value) ? "a list" : `a ${typeof value}`}` });
    } else {
      problems.push({ setting, value, fix: issue.message });
    }
  }
  return problems;
}
