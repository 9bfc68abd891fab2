/**
 * Project rules no type checker enforces. `npm test` runs Biome (`npm run lint`) over the tree; these
 * tests prove its configuration still catches what the rules are about, on probe files laid out
 * like the repository. Which file may import which is the import-graph test's job.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const ROOT = resolve(__dirname, "..");
const BIOME = join(ROOT, "node_modules", ".bin", "biome");

/** Lints files (path → content) in a scratch copy of the repository's Biome configuration. */
function lint(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "lint-probe-"));
  copyFileSync(join(ROOT, "biome.json"), join(dir, "biome.json"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  try {
    return execFileSync(BIOME, ["lint", "--vcs-enabled=false", "--max-diagnostics=50", "."], { cwd: dir, encoding: "utf8", stdio: "pipe" });
  } catch (error) {
    const { stdout, stderr } = error as { stdout: string; stderr: string };
    return `${stdout}${stderr}`;
  }
}

describe("the lint in npm test", () => {
  it("refuses the provider barrels (measured: the AWS barrel costs ~15 s and 1.3 GB per synth)", () => {
    // Assembled, so the probes themselves are no barrel import for a search of the source tree to find.
    const probe = (name: string, module: string) => `import { ${name} } from "${module}";\nexport const value = ${name};\n`;
    const provider = (name: string) => `@cdktf/provider-${name}`;
    const out = lint({
      "constructs/a.ts": probe("Vpc", provider("aws")),
      "stacks/b.ts": probe("Repository", provider("github")),
      "constructs/c.ts": probe("Vpc", `${provider("aws")}/lib/vpc`),
    });
    expect(out).toMatch(/constructs\/a\.ts:1:\d+ lint\/style\/noRestrictedImports/);
    expect(out).toMatch(/stacks\/b\.ts:1:\d+ lint\/style\/noRestrictedImports/);
    expect(out).not.toMatch(/constructs\/c\.ts/);
  });

  it("lets only main.ts and the tooling read the process environment: the product takes props", () => {
    const reads = "export const value = process.env.IMAGE_TAG;\n";
    const out = lint({
      "main.ts": reads,
      "app.ts": reads,
      "config/a.ts": reads,
      "lib/b.ts": reads,
      "constructs/c.ts": reads,
      "bootstrap/d.ts": reads,
      "stacks/e.ts": reads,
      "audit/f.ts": reads,
      "scripts/g.ts": reads,
      "emulator/h.ts": reads,
    });
    const flagged = [...out.matchAll(/^(\S+\.ts):\d+:\d+ lint\/style\/noProcessEnv/gm)].map((m) => m[1]).sort();
    expect(flagged).toEqual(["app.ts", "bootstrap/d.ts", "config/a.ts", "constructs/c.ts", "lib/b.ts", "stacks/e.ts"]);
  });
});
