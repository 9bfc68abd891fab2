/** The house's imports all point one way (README "Layout"): no circle, no arrow back up. */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { FLOORS, floorOf, type ImportGraph, importCycles, readImportGraph, TOOLING, wrongArrows } from "./support/import-graph";

const ROOT = resolve(__dirname, "..");
const graph = readImportGraph(ROOT);

describe("the import graph of the repository", () => {
  it("covers every floor and the tooling", () => {
    expect(graph.size).toBeGreaterThan(100);
    for (const floor of FLOORS.keys()) expect([...graph.keys()].some((f) => floorOf(f) === floor)).toBe(true);
    for (const tool of TOOLING) expect([...graph.keys()].some((f) => f.startsWith(tool))).toBe(true);
  });

  it("places every source file on a floor, in the tooling or in the tests", () => {
    const homeless = [...graph.keys()].filter(
      (f) => floorOf(f) === undefined && !TOOLING.some((t) => f.startsWith(t)) && !f.startsWith("__tests__/"),
    );
    expect(homeless).toEqual([]);
  });

  it("has no arrow from a floor up, and none from the product into the tooling or the tests", () => {
    expect(wrongArrows(graph)).toEqual([]);
  });

  it("has no import circle", () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it("rejects an entry point that imports the configuration file instead of loading it (issue 21, class 5)", () => {
    // config/load.ts loads it when a command runs, so a file that does not parse is one line, not a stack trace.
    const importers = [...graph].filter(([file, targets]) => !file.startsWith("__tests__/") && targets.includes("config/platform.ts"));
    expect(importers.map(([file]) => file)).toEqual([]);
  });
});

describe("the checker itself", () => {
  const house = (arrows: Record<string, string[]>): ImportGraph => new Map(Object.entries(arrows));

  it("refuses a construct that imports a stack, the app, or the audit", () => {
    const g = house({
      "constructs/network.ts": ["stacks/environment-stack.ts", "config/types.ts"],
      "lib/cli.ts": ["app.ts"],
      "bootstrap/permissions.ts": ["audit/engine.ts"],
      "stacks/environment-stack.ts": ["constructs/network.ts"],
    });
    expect(wrongArrows(g)).toEqual([
      "bootstrap/permissions.ts → audit/engine.ts: the product (floor 2 (constructs/, bootstrap/)) imports tooling",
      "constructs/network.ts → stacks/environment-stack.ts: floor 2 (constructs/, bootstrap/) looks up to floor 3 (stacks/)",
      "lib/cli.ts → app.ts: floor 1 (lib/) looks up to floor 4 (app.ts)",
    ]);
  });

  it("lets the tooling import the app and the tests import anything", () => {
    const g = house({ "audit/audit-app.ts": ["app.ts"], "__tests__/x.test.ts": ["main.ts", "audit/engine.ts"], "app.ts": ["stacks/a.ts"] });
    expect(wrongArrows(g)).toEqual([]);
  });

  it("finds a circle, type-only or not", () => {
    const g = house({
      "audit/types.ts": ["audit/context.ts"],
      "audit/context.ts": ["audit/types.ts"],
      "audit/engine.ts": ["audit/types.ts"],
    });
    expect(importCycles(g)).toEqual([["audit/context.ts", "audit/types.ts", "audit/context.ts"]]);
  });
});

describe("README's layout table", () => {
  const readme = readFileSync(resolve(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("How the code is laid out."), readme.indexOf("## Prerequisites"));
  const rows = [...section.matchAll(/^\| `([^`]+)` \| ([^|]+) \|/gm)].map((m) => ({ path: m[1], floor: m[2].trim() }));

  it("lists every floor with its number, the tooling and the tests, and nothing that is not there", () => {
    const expected = [
      ...FLOORS.flatMap((prefixes, floor) => prefixes.map((path) => ({ path, floor: String(floor) }))),
      ...TOOLING.map((path) => ({ path, floor: "tooling" })),
      { path: "__tests__/", floor: "tests" },
    ];
    const listed = rows.filter((r) => r.floor !== "yours");
    const byPath = (a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path);
    expect([...listed].sort(byPath)).toEqual([...expected].sort(byPath));
  });

  it("names only folders and files that exist", () => {
    for (const { path, floor } of rows)
      if (floor !== "yours") expect({ path, exists: existsSync(resolve(ROOT, path)) }).toEqual({ path, exists: true });
  });
});
