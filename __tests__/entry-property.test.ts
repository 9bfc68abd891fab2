import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fc } from "@fast-check/jest";
import { synthesizePlatform } from "../app";
import { contextOptions } from "../audit/audit-app";
import { AuditContext } from "../audit/context";
import { auditStack, summarize } from "../audit/engine";
import type { PlatformConfig } from "../config/types";
import { runCommand } from "../lib/cli";
import { sampleConfig } from "./support/sample";

/**
 * Issue 21, the generator: configurations and environment variables, valid and invalid, through
 * main.ts's own entry point (synthesizePlatform under runCommand). Each run either synthesizes
 * stacks that pass the audit, or exits 1 printing message lines only (no stack trace), each naming
 * a setting or a variable, with nothing written. fast-check shrinks a failure to its smallest input.
 */

const ROOT = resolve(__dirname, "..");
const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

/** Every path to a value of the sample (objects and lists walked), with optional settings added. */
function leafPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return [path, ...value.flatMap((v, i) => leafPaths(v, [...path, i]))];
  if (value !== null && typeof value === "object") return [path, ...Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...path, k]))];
  return [path];
}
const base = sampleConfig() as any;
const PATHS = leafPaths(base)
  .filter((p) => p.length > 0)
  .concat([
    ["environments", 0, "nonProductionReason"],
    ["environments", 0, "monitoring", "thresholds", "serviceCpuPercent"],
    ["project", "github", "requiredCheck"],
    ["environments", 1, "accountId"],
  ]);

const VALUES = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom<unknown>(
      "",
      " ",
      "prod",
      "stage2",
      "sg-team",
      "internal",
      "x".repeat(70),
      '${file("/etc/passwd")}',
      "%{if true}x%{endif}",
      "10.30.0.0/16",
      "172.17.0.0/16",
      "db.t4g.small",
      "16.4",
      "oncall@example.com",
      "mailto:a@b.io",
      "210987654321",
      Number.NaN,
      Number.POSITIVE_INFINITY,
      -1,
      0,
      1,
      2.5,
      30,
      365,
      true,
      false,
      null,
      undefined,
      [],
      {},
      ["a"],
      BigInt(5),
      () => 1,
    ),
  },
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -5, max: 5000 }),
);

const change = fc.record({ path: fc.constantFrom(...PATHS), value: VALUES, remove: fc.boolean() });
/** Mostly a good value, sometimes a bad one: a bad variable stops the run before the configuration is read. */
const mostly = (good: readonly string[], bad: readonly string[]) =>
  fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: fc.constantFrom(...bad) });
const environment = fc.oneof(
  fc.record({
    IMAGE_TAG: mostly(["", "0123abc"], ["latest", "v1 release", "${x}"]),
    IMAGE_DIGEST: mostly([""], ["sha256:abc"]),
    PLATFORM_LOCAL_ENDPOINT: mostly([""], ["http://example.com:4566", "ftp://127.0.0.1:1"]),
  }),
  fc.record({ IMAGE_TAG: fc.constant(""), IMAGE_DIGEST: mostly([DIGEST], ["sha256:abc"]), PLATFORM_LOCAL_ENDPOINT: fc.constant("") }),
);
/** Up to three changes; none a quarter of the time, so the property sees whole synths too. */
const changes = fc.oneof(
  { weight: 1, arbitrary: fc.constant([]) },
  { weight: 3, arbitrary: fc.array(change, { minLength: 1, maxLength: 3 }) },
);

function apply(config: any, { path, value, remove }: { path: (string | number)[]; value: unknown; remove: boolean }): void {
  const parent = path.slice(0, -1).reduce((node, key) => (node !== null && typeof node === "object" ? node[key] : undefined), config);
  if (parent === null || typeof parent !== "object") return;
  const key = path[path.length - 1];
  if (remove) delete parent[key];
  else parent[key] = value;
}

/** Every file under a directory (none when it does not exist). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** A line of a refusal: the configuration's header, one problem naming a setting, or a variable's message. */
const MESSAGE_LINE = /^(Invalid platform configuration \(\d+ problems?\):| {2}- [\w.[\]/-]+(\s|$).*|[A-Z][A-Z_]+ .+)$/;

describe("main.ts's entry point under generated inputs", () => {
  it("synthesizes stacks that pass the audit, or exits 1 with message lines naming a setting and writes nothing", () => {
    let synthesized = 0;
    fc.assert(
      fc.property(changes, environment, (edits, variables) => {
        const config = structuredClone(base);
        for (const c of edits) apply(config, c);
        const outdir = join(mkdtempSync(join(tmpdir(), "entry-property-")), "cdktf.out");
        const printed: string[] = [];
        const exitCode = process.exitCode;
        let code: number | string | undefined;
        try {
          runCommand(() => void synthesizePlatform({ ...variables, CDKTF_OUTDIR: outdir }, () => config, ROOT), {
            write: (text) => printed.push(text),
          });
          code = process.exitCode;
        } finally {
          process.exitCode = exitCode;
        }
        console.log(
          code,
          edits.map((c) => `${c.path.join(".")}=${c.remove ? "(rm)" : typeof c.value}`).join(" "),
          JSON.stringify(printed.join("").slice(0, 300)),
        );
        if (code === 1) {
          const lines = printed.join("").trimEnd().split("\n");
          for (const line of lines) expect(line).toMatch(MESSAGE_LINE);
          expect(filesUnder(outdir)).toEqual([]);
          return;
        }
        expect(printed).toEqual([]);
        synthesized++;
        const stacks = readdirSync(join(outdir, "stacks"));
        const reports = stacks.map((name) => {
          const tf = JSON.parse(readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8"));
          return auditStack(new AuditContext(name, tf, contextOptions(config as PlatformConfig, name)));
        });
        const report = summarize(reports);
        const failures = report.stacks.flatMap((s) => s.rules.filter((r) => r.status === "fail").map((r) => `${s.stack} ${r.id}`));
        expect(failures).toEqual([]);
      }),
      { numRuns: 30, seed: 2121 },
    );
    // The generator must reach both outcomes, or it proves half of the property.
    expect(synthesized).toBeGreaterThan(0);
    expect(synthesized).toBeLessThan(30);
  });
});
