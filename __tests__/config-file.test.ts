import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPlatform, PLATFORM_FILE } from "../config/load";
import { showValue } from "../config/problems";
import { ConfigError, formatProblem, validate } from "../config/validate";
import { sampleConfig } from "./support/sample";

/**
 * Issue 21, class 5: the configuration file itself is broken. Each way gives one line that names
 * the file or the setting, never a stack trace; the formatter that writes the line never throws.
 */

/** The one problem line `loadPlatform` reports for a configuration file with this text. */
function loadError(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "config-file-")), "platform.ts");
  writeFileSync(file, text);
  try {
    loadPlatform(file);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0].setting).toBe(file);
    return formatProblem(problems[0]).slice(file.length + 1);
  }
  throw new Error("the file should not load");
}

describe("loading the configuration file", () => {
  it("loads the shipped config/platform.ts, which validates", () => {
    expect(() => validate(loadPlatform())).not.toThrow();
    expect(PLATFORM_FILE).toMatch(/config\/platform\.ts$/);
  });

  it("names the line of a syntax error and what the compiler expected", () => {
    const line = loadError('export const platform = {\n  project: { name: "acme" }\n  environments: [],\n};\n');
    expect(line).toMatch(/^line 3:2 does not parse: Expected "}" but found "environments"; fix the syntax/);
  });

  it("names a renamed export and the exports it found", () => {
    expect(loadError("export const platfrom = {};\n")).toMatch(/^\(exports platfrom\) does not export "platform"; name the configuration/);
    expect(loadError("const platform = {};\n")).toMatch(/^\(exports nothing\) does not export "platform"/);
  });

  it("says what failed when the file throws while it runs", () => {
    expect(loadError("const x: any = undefined;\nexport const platform = { name: x.name };\n")).toMatch(
      /^\(TypeError while it runs\) Cannot read properties of undefined.*; fix the code that builds the configuration/,
    );
  });

  it("says which import it cannot load", () => {
    expect(loadError('import { stage } from "./no-such-file";\nexport const platform = stage;\n')).toMatch(
      /^\(an import\) cannot load what it imports: .*Cannot find module '\.\/no-such-file'/,
    );
  });

  it("reports a platform export that is not an object as a configuration problem", () => {
    expect(() => validate(undefined)).toThrow(ConfigError);
    expect(() => validate(42)).toThrow(ConfigError);
    expect(() => validate(() => sampleConfig())).toThrow(/\(the configuration\) \(a function\) is a function/);
  });
});

describe("the problem formatter", () => {
  const selfHolding: Record<string, unknown> = { a: 1 };
  selfHolding.self = selfHolding;
  it.each<[string, unknown, string]>([
    ["a string", "10.0.0.0/8", '"10.0.0.0/8"'],
    ["a missing value", undefined, "(missing)"],
    ["a function", () => 1, "(a function)"],
    ["a BigInt", BigInt(256), "256n"],
    ["NaN", Number.NaN, "NaN"],
    ["infinity", Number.NEGATIVE_INFINITY, "-Infinity"],
    ["a symbol", Symbol("x"), "(a symbol)"],
    ["a Date", new Date(0), "(a Date)"],
    ["a BigInt inside a block", { cpu: BigInt(1), f: () => 1 }, '{"cpu":"1n","f":"(a function)"}'],
    ["an object that holds itself", selfHolding, "(an object that holds itself)"],
    ["a long block", { text: "x".repeat(100) }, `{"text":"${"x".repeat(48)}...`],
  ])("shows %s in one line without throwing", (_what, value, shown) => {
    expect(showValue(value)).toBe(shown);
    expect(formatProblem({ setting: "stage.service.cpu", value, fix: "must be a Fargate CPU size" })).toBe(
      `stage.service.cpu ${shown} must be a Fargate CPU size`,
    );
  });
});
