/**
 * The audit as SARIF 2.1.0, for GitHub code scanning: one reporting descriptor per audit rule (its
 * rationale, its checkov / trivy / FSBP controls), one result per failing or exempt finding, placed
 * on the TypeScript line that created the resource. An exemption is a suppression of kind
 * "inSource" carrying its reason, so code scanning shows it as dismissed rather than open.
 */
import { createHash } from "node:crypto";
import type { Log, ReportingDescriptor, Result } from "sarif";
import type { AuditReport, Finding } from "./engine";
import { ALL_RULES } from "./rules";
import type { Rule } from "./types";

export const SARIF_TOOL_NAME = "aws-platform-audit";
/**
 * Where a finding without a recorded creation line points (a stack-wide finding on outputs or the
 * backend): the entry point that builds every stack.
 */
export const FALLBACK_FILE = "main.ts";

const located = (f: Finding): string => `${f.address}${f.subject ? ` [${f.subject}]` : ""}`;

function descriptor(rule: Rule): ReportingDescriptor {
  const controls = rule.controls.length > 0 ? rule.controls.join(", ") : "none (no equivalent in checkov, trivy or FSBP)";
  const exemption = `exempt(resource, "${rule.id}", "<why the resource may fail it>")`;
  const where = "next to where the resource is created (lib/audit-exemptions.ts)";
  return {
    id: rule.id,
    name: rule.id,
    shortDescription: { text: rule.rationale },
    fullDescription: {
      text: `${rule.rationale} Applies to ${rule.appliesTo.join(", ")}${rule.productionOnly ? " in production-tier stacks" : ""}.`,
    },
    help: {
      text: `${rule.rationale}\nEquivalent controls: ${controls}.\nTo accept a failure, call ${exemption} ${where}.`,
      markdown: `${rule.rationale}\n\n**Equivalent controls:** ${controls}.\n\nTo accept a failure, call \`${exemption}\` ${where}.`,
    },
    defaultConfiguration: { level: "error" },
    properties: {
      tags: ["security", "terraform", ...rule.controls],
      controls: [...rule.controls],
      productionOnly: rule.productionOnly ?? false,
    },
  };
}

/** A fingerprint that survives the resource moving to another line: stack, rule, address and subject. */
function fingerprint(stack: string, f: Finding): string {
  return createHash("sha256")
    .update([stack, f.rule, f.address, f.subject ?? ""].join("\0"))
    .digest("hex")
    .slice(0, 32);
}

function result(stack: string, f: Finding, ruleIndex: number): Result {
  const file = f.source?.file ?? FALLBACK_FILE;
  return {
    ruleId: f.rule,
    ruleIndex,
    level: "error",
    message: { text: `${stack}: ${located(f)}: ${f.message}${f.constructPath ? ` (construct ${f.constructPath})` : ""}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: file, uriBaseId: "%SRCROOT%" },
          region: { startLine: f.source?.line ?? 1, ...(f.source?.column !== undefined && { startColumn: f.source.column }) },
        },
        logicalLocations: [{ fullyQualifiedName: `${stack}.${f.address}`, kind: "resource" }],
      },
    ],
    partialFingerprints: { "auditFinding/v1": fingerprint(stack, f) },
    ...(f.status === "exempt" && { suppressions: [{ kind: "inSource", status: "accepted", justification: f.reason ?? "" }] }),
    properties: { stack, address: f.address, ...(f.subject !== undefined && { subject: f.subject }) },
  };
}

/** The whole audit as one SARIF log. Deterministic: no timestamps, paths relative to the repository root. */
export function toSarif(report: AuditReport, rules: readonly Rule[] = ALL_RULES): Log {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results = report.stacks.flatMap((s) =>
    s.rules.flatMap((r) =>
      r.findings.filter((f) => f.status !== "pass" && index.has(f.rule)).map((f) => result(s.stack, f, index.get(f.rule)!)),
    ),
  );
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: SARIF_TOOL_NAME, rules: rules.map(descriptor) } },
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
}

export function formatSarif(report: AuditReport, rules?: readonly Rule[]): string {
  return `${JSON.stringify(toSarif(report, rules), null, 2)}\n`;
}
