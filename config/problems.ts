/** A bad setting as validation reports it, and the error that carries every one found. */

/** One bad setting: where, what it was, and how to fix it. */
export interface ConfigProblem {
  readonly setting: string;
  readonly value: unknown;
  readonly fix: string;
  /**
   * How to show the value, when it is not a value of the configuration (a line of the file).
   * @default - the value, as `showValue` writes it
   */
  readonly shown?: string;
}

/**
 * A value as a line of an error shows it: JSON where JSON can say it, a name for what JSON cannot
 * (a function, a BigInt, NaN, an object that holds itself), at most 60 characters. Never throws:
 * it is what reports the mistakes.
 */
export function showValue(value: unknown): string {
  let text: string;
  try {
    text = describe(value) ?? JSON.stringify(value, (_key, v: unknown) => (v === undefined ? v : (describe(v) ?? v))) ?? String(value);
  } catch {
    text = Array.isArray(value) ? "(a list that holds itself)" : "(an object that holds itself)";
  }
  // A whole block as the value would drown the fix: show its start.
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The name of a value JSON cannot write, or undefined. */
function describe(value: unknown): string | undefined {
  switch (typeof value) {
    case "undefined":
      return "(missing)";
    case "function":
      return "(a function)";
    case "bigint":
      return `${value}n`;
    case "symbol":
      return "(a symbol)";
    case "number":
      return Number.isFinite(value) ? undefined : String(value);
    case "object": {
      const proto = value === null ? null : Object.getPrototypeOf(value);
      if (value === null || Array.isArray(value) || proto === null || Object.getPrototypeOf(proto) === null) return undefined;
      return `(a ${(proto?.constructor?.name as string | undefined) || "class instance"})`;
    }
    default:
      return undefined;
  }
}

/** One problem as a line: the setting, its value and the fix. */
export function formatProblem(p: ConfigProblem): string {
  return `${p.setting} ${p.shown ?? showValue(p.value)} ${p.fix}`;
}

/** Thrown by `validate()` with every problem found, so one run shows them all. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `Invalid platform configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${formatProblem(p)}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Gathers the problems of the rules that relate settings, for one ConfigError. */
export class Collector {
  readonly problems: ConfigProblem[] = [];
  check(ok: boolean, setting: string, value: unknown, fix: string): void {
    if (!ok) this.problems.push({ setting, value, fix });
  }
}
