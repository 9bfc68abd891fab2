import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DOC_FILES, docValues, renderDocs, writeDocs } from "../audit/docs";
import { ALL_RULES } from "../audit/rules";

/**
 * The figures of the READMEs (cost table, stage diagram, example cost delta, rule and alarm counts)
 * are what audit/docs.ts computes from the shipped config: a change that moves one fails here until
 * `npx tsx audit/docs.ts` is run and its result committed.
 */
const ROOT = resolve(__dirname, "..");
const values = docValues();

describe("generated documents", () => {
  it.each(DOC_FILES.map((f) => [f]))("%s holds exactly what audit/docs.ts writes", (file) => {
    const text = readFileSync(join(ROOT, file), "utf8");
    expect(text).toMatch(/<!-- docs:[a-z0-9-]+ -->/);
    expect(renderDocs(text, values, file)).toBe(text);
  });

  it("places every figure somewhere", () => {
    const all = DOC_FILES.map((f) => readFileSync(join(ROOT, f), "utf8")).join("\n");
    expect(Object.keys(values).filter((name) => !all.includes(`<!-- docs:${name} -->`))).toEqual([]);
  });

  it("computes the figures from the audit, not from text", () => {
    expect(values["rule-count"]).toBe(String(ALL_RULES.length));
    expect(values["cost-table"]).toMatch(
      /^\| \| bootstrap \(eu-west-1\) \|[\s\S]*\| \*\*Total a month\*\* \|[\s\S]*\| Not priced \(cost unknown\) \| 0 \|/,
    );
    expect(values["diagram-stage"]).toMatch(/^```mermaid\nflowchart LR\n[\s\S]*\n```$/);
    expect(values["cost-delta-example"]).toMatch(/^`\| prod \| \$[\d.]+ \| \$[\d.]+ \| \*\*-\$[\d.]+\*\* \|`$/);
  });
});

describe("renderDocs", () => {
  it("replaces a block, indented as its marker, and an inline figure, and leaves the rest alone", () => {
    const text = "Intro <!-- docs:n -->1<!-- /docs:n --> rules.\n\n- item:\n\n  <!-- docs:t -->\n  | old |\n  <!-- /docs:t -->\n\nEnd\n";
    expect(renderDocs(text, { n: "65", t: "| a |\n|---|\n| b |" })).toBe(
      "Intro <!-- docs:n -->65<!-- /docs:n --> rules.\n\n- item:\n\n" +
        "  <!-- docs:t -->\n  | a |\n  |---|\n  | b |\n  <!-- /docs:t -->\n\nEnd\n",
    );
  });

  it("rejects a marker it has no figure for, naming the ones it has", () => {
    expect(() => renderDocs("<!-- docs:gone -->x<!-- /docs:gone -->", { n: "1" }, "README.md")).toThrow(
      "README.md: marker docs:gone has no value; use one of n",
    );
  });

  it("with --check names a stale file and writes nothing; without, brings it up to date", () => {
    const root = mkdtempSync(join(tmpdir(), "docs-"));
    mkdirSync(join(root, "audit"));
    const stale = "Has <!-- docs:n -->53<!-- /docs:n --> rules.\n";
    writeFileSync(join(root, "README.md"), stale);
    writeFileSync(join(root, "audit", "README.md"), "No figures.\n");
    expect(writeDocs(true, root, { n: "65" })).toEqual(["README.md"]);
    expect(readFileSync(join(root, "README.md"), "utf8")).toBe(stale);
    expect(writeDocs(false, root, { n: "65" })).toEqual(["README.md"]);
    expect(readFileSync(join(root, "README.md"), "utf8")).toBe("Has <!-- docs:n -->65<!-- /docs:n --> rules.\n");
    expect(writeDocs(true, root, { n: "65" })).toEqual([]);
  });
});
