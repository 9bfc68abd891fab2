/** Project rules that no type checker enforces, checked over the source tree. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const ROOT = resolve(__dirname, "..");

function sources(...dirs: string[]): string[] {
  const walk = (path: string): string[] =>
    statSync(path).isDirectory() ? readdirSync(path).flatMap((name) => (name === "node_modules" ? [] : walk(join(path, name)))) : [path];
  return dirs.flatMap((d) => walk(join(ROOT, d))).filter((f) => /\.ts$/.test(f) && !f.endsWith(".d.ts"));
}

describe("source conventions", () => {
  const all = [join(ROOT, "main.ts"), join(ROOT, "app.ts"), ...sources("config", "lib", "constructs", "bootstrap", "stacks", "audit", "emulator", "scripts", "__tests__")];

  it("scans the whole tree", () => {
    expect(all.length).toBeGreaterThan(60);
  });

  it("imports providers by submodule, never the barrel (measured: the barrel costs ~15 s and 1.3 GB per synth)", () => {
    const barrel = /(from\s+|require\(\s*|import\(\s*)["']@cdktf\/provider-(aws|github)["']/;
    const offenders = all.filter((f) => barrel.test(readFileSync(f, "utf8")));
    expect(offenders.map((f) => relative(ROOT, f))).toEqual([]);
  });

  it("keeps main.ts and lib/ free of the audit tooling (the HCL renderer they share lives in lib/hcl.ts)", () => {
    const offenders = [join(ROOT, "main.ts"), ...sources("lib")].filter((f) => /from\s+["'](\.\.?\/)+audit\//.test(readFileSync(f, "utf8")));
    expect(offenders.map((f) => relative(ROOT, f))).toEqual([]);
  });

  it("reads the process environment only in main.ts: constructs and stacks take props", () => {
    const code = (f: string) => readFileSync(f, "utf8").split("\n").filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line));
    const offenders = [join(ROOT, "app.ts"), ...sources("config", "lib", "constructs", "bootstrap", "stacks")].filter((f) => code(f).some((line) => line.includes("process.env")));
    expect(offenders.map((f) => relative(ROOT, f))).toEqual([]);
  });
});
