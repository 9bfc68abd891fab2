/**
 * The house as a drawing: every TypeScript source file is a room, every relative import an arrow.
 * The product's floors only look down (config → lib → constructs → stacks → app → main.ts); the
 * tooling beside it (audit, emulator, scripts) may import the product, the product never imports
 * the tooling. Type-only imports are arrows too: a circle of types is still a circle to a reader.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { preProcessFile } from "typescript";

/** Floors of the product, bottom first. A file may import its own floor or a lower one. */
export const FLOORS: readonly (readonly string[])[] = [
  ["config/"],
  ["lib/"],
  ["constructs/", "bootstrap/"],
  ["stacks/"],
  ["app.ts"],
  ["main.ts"],
];
/** Tooling: may import the product and each other, never imported by the product. */
export const TOOLING = ["audit/", "emulator/", "scripts/"];
const TESTS = "__tests__/";

/** Repository-relative path (`/` separators) → the repository-relative paths it imports. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

export function floorOf(file: string): number | undefined {
  const floor = FLOORS.findIndex((prefixes) => prefixes.some((p) => (p.endsWith("/") ? file.startsWith(p) : file === p)));
  return floor === -1 ? undefined : floor;
}

function place(file: string): string {
  const floor = floorOf(file);
  if (floor !== undefined) return `floor ${floor} (${FLOORS[floor].join(", ")})`;
  if (TOOLING.some((t) => file.startsWith(t))) return "tooling";
  return file.startsWith(TESTS) ? "tests" : "outside the house";
}

/** Reads the graph of every .ts file under root (outside node_modules and output directories). */
export function readImportGraph(root: string): ImportGraph {
  const skip = new Set(["node_modules", "cdktf.out", ".git", ".terraform"]);
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      if (skip.has(name) || name.startsWith(".")) return [];
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : /\.ts$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
    });
  const rel = (abs: string) => relative(root, abs).split(sep).join("/");
  const graph = new Map<string, string[]>();
  for (const abs of walk(root)) {
    const targets = preProcessFile(readFileSync(abs, "utf8"), true, true)
      .importedFiles.map((i) => i.fileName)
      .filter((spec) => spec.startsWith("."))
      .map((spec) => {
        const base = resolve(dirname(abs), spec);
        const found = [`${base}.ts`, join(base, "index.ts"), base].find(
          (candidate) => existsSync(candidate) && statSync(candidate).isFile(),
        );
        return rel(found ?? base);
      });
    graph.set(rel(abs), [...new Set(targets)].sort());
  }
  return graph;
}

/** Arrows that break the house's rules, as readable lines: `from → to: why`. */
export function wrongArrows(graph: ImportGraph): string[] {
  const problems: string[] = [];
  for (const [from, targets] of graph) {
    const fromFloor = floorOf(from);
    if (fromFloor === undefined) continue; // tooling and tests may import anything in the house
    for (const to of targets) {
      const toFloor = floorOf(to);
      if (toFloor === undefined) problems.push(`${from} → ${to}: the product (${place(from)}) imports ${place(to)}`);
      else if (toFloor > fromFloor) problems.push(`${from} → ${to}: ${place(from)} looks up to ${place(to)}`);
    }
  }
  return problems.sort();
}

/** Every import circle, each as the list of files around it (first file repeated at the end). */
export function importCycles(graph: ImportGraph): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}
