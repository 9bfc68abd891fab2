/** A bad setting as validation reports it, and the error that carries every one found. */

/** One bad setting: where, what it was, and how to fix it. */
export interface ConfigProblem {
  readonly setting: string;
  readonly value: unknown;
  readonly fix: string;
}

/** One problem as a line: the setting, its value and the fix. */
export function formatProblem(p: ConfigProblem): string {
  const json = p.value === undefined ? "(missing)" : JSON.stringify(p.value);
  // A whole block as the value would drown the fix: show its start.
  const value = json.length > 60 ? `${json.slice(0, 57)}...` : json;
  return `${p.setting} ${value} ${p.fix}`;
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
