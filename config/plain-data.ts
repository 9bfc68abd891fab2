/**
 * The configuration is data: objects, lists, strings, numbers and booleans. config/platform.ts is
 * TypeScript, so a value can also be a function, a BigInt, NaN, a Date, a getter that throws or an
 * object that holds itself; the schema would crash on some of these or describe them wrongly.
 * This walk names each such value before the schema runs.
 */
import type { ConfigProblem } from "./problems";

const DATA = "config/platform.ts holds data, not code";

/** What is wrong with a value that is not plain data, or undefined (objects and lists are walked, not judged). */
function kindProblem(value: unknown): string | undefined {
  switch (typeof value) {
    case "function":
      return `is a function; write the value itself (${DATA})`;
    case "bigint":
      return `is a BigInt; write ${value} without the n (a plain number)`;
    case "symbol":
      return "is a symbol; write a string";
    case "number":
      if (Number.isNaN(value)) return "is NaN (a calculation on a missing or non-numeric value?); write the number";
      if (!Number.isFinite(value)) return "is infinite; write a finite number";
      return undefined;
    case "object": {
      if (value === null || Array.isArray(value)) return undefined;
      const proto = Object.getPrototypeOf(value);
      // Plain: made by an object literal (of any realm: jest's structuredClone is another one) or Object.create(null).
      if (proto === null || Object.getPrototypeOf(proto) === null) return undefined;
      const kind = (proto?.constructor?.name as string | undefined) || "object of a class";
      return `is a ${kind}; write plain data: an object literal, a list, a string, a number or a boolean (${DATA})`;
    }
    default:
      return undefined;
  }
}

/**
 * The values of `input` that are not plain data, each named by `name(path)`. Every property is read
 * once, guarded: a getter that throws is a problem of its setting, not a crash.
 */
export function plainDataProblems(input: unknown, name: (path: readonly PropertyKey[]) => string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const within: object[] = [];
  const walk = (value: unknown, path: PropertyKey[]): void => {
    const problem = kindProblem(value);
    if (problem) {
      problems.push({ setting: name(path), value, fix: problem });
      return;
    }
    if (value === null || typeof value !== "object") return;
    if (within.includes(value)) {
      problems.push({
        setting: name(path),
        value: "(the object itself)",
        fix: "refers to itself (or to a section around it); write a copy",
      });
      return;
    }
    within.push(value);
    for (const key of Object.keys(value)) {
      let item: unknown;
      try {
        item = (value as Record<string, unknown>)[key];
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        problems.push({
          setting: name([...path, Array.isArray(value) ? Number(key) : key]),
          value: undefined,
          fix: `could not be read (${why}); write the value itself`,
        });
        continue;
      }
      walk(item, [...path, Array.isArray(value) ? Number(key) : key]);
    }
    within.pop();
  };
  walk(input, []);
  return problems;
}
