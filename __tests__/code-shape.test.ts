/**
 * The product's code keeps the shape the style rule asks for (README "Layout"): no constructor over
 * 80 lines (a constructor reads as a list of steps, each a private method or a small function that
 * creates one concern's resources), and no file over 320 lines unless it is one concern. The
 * product is every TypeScript file on a floor of the house (support/import-graph.ts: FLOORS).
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as ts from "typescript";
import { floorOf, readImportGraph } from "./support/import-graph";

const ROOT = resolve(__dirname, "..");
const MAX_CONSTRUCTOR_LINES = 80;
const MAX_FILE_LINES = 320;

/** Files over the line limit that are one concern, with the reason: the test fails once one fits the limit. */
const ONE_CONCERN_FILES: readonly { file: string; reason: string }[] = [
  {
    file: "constructs/monitoring-metrics.ts",
    reason:
      "the alarm definitions and their runbook text: one list of what pages, each alarm beside the words " +
      "the on-call engineer reads; splitting it would scatter one table",
  },
];

interface ConstructorLength {
  /** Name of the class (`<anonymous>` for an unnamed class expression). */
  readonly className: string;
  /** 1-based line of the `constructor` keyword. */
  readonly line: number;
  /** Lines from the `constructor` keyword to the body's closing brace, both included. */
  readonly lines: number;
}

/** Every constructor with a body in a TypeScript source, measured from `constructor(` to its closing brace. */
function constructorLengths(source: string, fileName = "source.ts"): ConstructorLength[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const lineOf = (position: number) => file.getLineAndCharacterOfPosition(position).line + 1;
  const found: ConstructorLength[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isConstructorDeclaration(node) && node.body) {
      const keyword = node.getChildren(file).find((child) => child.kind === ts.SyntaxKind.ConstructorKeyword);
      const start = lineOf((keyword ?? node).getStart(file));
      const className = ts.isClassLike(node.parent) && node.parent.name ? node.parent.name.text : "<anonymous>";
      found.push({ className, line: start, lines: lineOf(node.body.getEnd()) - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** Lines of a text as `wc -l` counts them for a file ending in a newline. */
const lineCount = (text: string): number => text.split("\n").length - (text.endsWith("\n") ? 1 : 0);

const productFiles = [...readImportGraph(ROOT).keys()].filter((file) => floorOf(file) !== undefined).sort();
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");
const constructors = productFiles.flatMap((file) => constructorLengths(read(file), file).map((c) => ({ file, ...c })));

describe("the shape of the product's code", () => {
  it("reads the product: every floor's files, with their constructors", () => {
    expect(productFiles.length).toBeGreaterThan(50);
    expect(productFiles).toEqual(expect.arrayContaining(["app.ts", "main.ts", "constructs/static-site.ts", "stacks/github-stack.ts"]));
    expect(productFiles.some((f) => f.startsWith("__tests__/") || f.startsWith("audit/"))).toBe(false);
    expect(constructors.map((c) => `${c.file} ${c.className}`)).toEqual(
      expect.arrayContaining(["constructs/database.ts Database", "stacks/github-stack.ts GithubStack"]),
    );
  });

  it(`has no constructor over ${MAX_CONSTRUCTOR_LINES} lines`, () => {
    const tooLong = constructors
      .filter((c) => c.lines > MAX_CONSTRUCTOR_LINES)
      .map(
        (c) =>
          `${c.file}:${c.line} ${c.className}'s constructor has ${c.lines} lines; move each concern's resources ` +
          `into a private method (this as scope, the same construct ids) until it has at most ${MAX_CONSTRUCTOR_LINES}`,
      );
    expect(tooLong).toEqual([]);
  });

  it(`has no file over ${MAX_FILE_LINES} lines unless it is one concern, and no stale allowance`, () => {
    const allowed = new Set(ONE_CONCERN_FILES.map((a) => a.file));
    const tooLong = productFiles
      .map((file) => ({ file, lines: lineCount(read(file)) }))
      .filter(({ file, lines }) => lines > MAX_FILE_LINES && !allowed.has(file))
      .map(({ file, lines }) => `${file} has ${lines} lines; split it by concern to at most ${MAX_FILE_LINES}`);
    const stale = ONE_CONCERN_FILES.filter(({ file }) => !productFiles.includes(file) || lineCount(read(file)) <= MAX_FILE_LINES).map(
      ({ file }) => `ONE_CONCERN_FILES names ${file}, which is not a product file over ${MAX_FILE_LINES} lines; remove the entry`,
    );
    expect([...tooLong, ...stale]).toEqual([]);
    for (const { reason } of ONE_CONCERN_FILES) expect(reason.length).toBeGreaterThan(20);
  });
});

describe("the constructor counter itself", () => {
  const classWith = (name: string, bodyLines: number, modifier = "") =>
    [
      `class ${name} {`,
      `  ${modifier}constructor(a: number) {`,
      ...Array.from({ length: bodyLines }, (_, i) => `    const x${i} = a + ${i};`),
      "  }",
      "}",
    ].join("\n");

  it("finds a long constructor and counts from `constructor(` to its closing brace", () => {
    const source = `${classWith("Short", 3)}\n\n/** Docs. */\n${classWith("Long", 90)}\n`;
    expect(constructorLengths(source)).toEqual([
      { className: "Short", line: 2, lines: 5 },
      { className: "Long", line: 11, lines: 92 },
    ]);
  });

  it("measures from the keyword past modifiers, sees constructors of nested class expressions, and skips overloads", () => {
    const source = [
      "export class Outer {",
      "  constructor(a: string);",
      "  constructor(a: number);",
      "  /** Docs. */",
      "  protected constructor(a: unknown) {",
      "    const Inner = class {",
      "      constructor() {}",
      "    };",
      "  }",
      "}",
    ].join("\n");
    expect(constructorLengths(source)).toEqual([
      { className: "Outer", line: 5, lines: 5 },
      { className: "<anonymous>", line: 7, lines: 1 },
    ]);
  });

  it("counts a file's lines as wc -l does", () => {
    expect(lineCount("a\nb\n")).toBe(2);
    expect(lineCount("a\nb")).toBe(2);
  });
});

/** The formatter keeps code within this width; strings, comments and test titles are ours to wrap. */
const MAX_LINE = 140;

/** Lines over MAX_LINE, as `file:line (length)`; an import the formatter cannot break is allowed. */
function longLines(file: string, text: string): string[] {
  return text
    .split("\n")
    .flatMap((line, i) => (line.length > MAX_LINE && !/^import .* from "[^"]+";$/.test(line) ? [`${file}:${i + 1} (${line.length})`] : []));
}

describe("line width", () => {
  it(`has no line over ${MAX_LINE} characters in any TypeScript file of the repository`, () => {
    const files = [...readImportGraph(ROOT).keys()].sort();
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap((file) => longLines(file, readFileSync(join(ROOT, file), "utf8")))).toEqual([]);
  });

  it("finds a long string or comment, and lets a long import through", () => {
    const long = "x".repeat(MAX_LINE);
    const source = [`const a = "${long}";`, `// ${long}`, `import { A } from "@cdktf/provider-github/lib/${long}";`, "const b = 1;"].join(
      "\n",
    );
    expect(longLines("f.ts", source)).toEqual([`f.ts:1 (${MAX_LINE + 13})`, `f.ts:2 (${MAX_LINE + 3})`]);
  });
});
