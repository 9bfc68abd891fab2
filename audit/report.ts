import type { AuditReport, Finding, RuleReport, StackReport } from "./engine";
import { ALL_RULES } from "./rules";

const RESULT_LABEL: Record<RuleReport["status"], string> = { pass: "pass", fail: "FAIL", exempt: "exempt", "n/a": "n/a" };

function resultText(rule: RuleReport): string {
  const count = (status: Finding["status"]): number => rule.findings.filter((f) => f.status === status).length;
  if (rule.status === "n/a") return "n/a";
  const parts = [`${count("pass")} pass`];
  if (count("exempt") > 0) parts.push(`${count("exempt")} exempt`);
  if (count("fail") > 0) parts.push(`${count("fail")} fail`);
  return `${RESULT_LABEL[rule.status]} (${parts.join(", ")})`;
}

const where = (f: Finding): string => `${f.address}${f.subject ? ` [${f.subject}]` : ""}`;

function shortControls(controls: readonly string[], width: number): string {
  if (controls.length === 0) return "-";
  let text = "";
  for (let i = 0; i < controls.length; i++) {
    const next = text ? `${text}, ${controls[i]}` : controls[i];
    const rest = controls.length - i - 1;
    if (next.length + (rest > 0 ? ` +${rest}`.length : 0) > width && text) return `${text} +${controls.length - i}`;
    text = next;
  }
  return text;
}

function stackHeading(s: StackReport): string {
  return `${s.stack} (${s.tier}): ${s.failures} failure(s), ${s.exemptions} exemption(s)`;
}

/** The per-stack tables printed by `npm run audit`. */
export function formatConsole(report: AuditReport): string {
  const idWidth = Math.max(...ALL_RULES.map((r) => r.id.length), 4);
  const controlsWidth = 40;
  const lines: string[] = [];
  for (const stack of report.stacks) {
    lines.push("", `== ${stackHeading(stack)}`, `${"RULE".padEnd(idWidth)}  ${"CONTROLS".padEnd(controlsWidth)}  RESULT`);
    for (const rule of stack.rules) {
      lines.push(`${rule.id.padEnd(idWidth)}  ${shortControls(rule.controls, controlsWidth).padEnd(controlsWidth)}  ${resultText(rule)}`);
      for (const f of rule.findings) {
        if (f.status === "fail") lines.push(`    FAIL ${where(f)}: ${f.message}`);
        if (f.status === "exempt") lines.push(`    exempt ${where(f)}: ${f.reason}`);
      }
    }
    for (const issue of stack.exemptionIssues) {
      lines.push(`    ${issue.problem === "unknown-rule" ? "FAIL" : "warning"} exemption on ${issue.address}: ${issue.detail}`);
    }
  }
  lines.push(
    "",
    `${report.passed ? "PASS" : "FAIL"}: ${report.failures} failure(s), ${report.exemptions} exemption(s), ` +
      `${report.unusedExemptions} unused exemption(s) across ${report.stacks.length} stack(s)`,
  );
  return lines.join("\n");
}

const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** `audit.md`: the same tables for a pull request or a reviewer, with every control id and reason. */
export function formatMarkdown(report: AuditReport): string {
  const lines = [
    "# Audit of the synthesized Terraform",
    "",
    `**${report.passed ? "PASS" : "FAIL"}**: ${report.failures} failure(s), ${report.exemptions} exemption(s), ` +
      `${report.unusedExemptions} unused exemption(s) across ${report.stacks.length} stack(s).`,
    "",
    "Exemptions are declared in code next to the resource (`lib/audit-exemptions.ts`) and travel in the synthesized JSON.",
  ];
  for (const stack of report.stacks) {
    lines.push("", `## ${stackHeading(stack)}`, "", "| Rule | Controls | Result | Details |", "|---|---|---|---|");
    for (const rule of stack.rules) {
      const details = rule.findings
        .filter((f) => f.status !== "pass")
        .map((f) => (f.status === "fail" ? `**fail** \`${where(f)}\`: ${f.message}` : `exempt \`${where(f)}\`: ${f.reason}`));
      lines.push(`| ${rule.id} | ${rule.controls.join(", ") || "-"} | ${resultText(rule)} | ${cell(details.join("<br>"))} |`);
    }
    if (stack.exemptionIssues.length > 0) {
      lines.push(
        "",
        ...stack.exemptionIssues.map(
          (i) => `- ${i.problem === "unknown-rule" ? "**fail**" : "warning"}: exemption on \`${i.address}\`: ${cell(i.detail)}`,
        ),
      );
    }
  }
  lines.push("", "## Rules", "", "| Rule | Applies to | Controls | Rationale |", "|---|---|---|---|");
  for (const rule of ALL_RULES) {
    lines.push(`| ${rule.id} | ${rule.appliesTo.join(", ")} | ${rule.controls.join(", ") || "-"} | ${cell(rule.rationale)} |`);
  }
  return `${lines.join("\n")}\n`;
}

/** `audit.json`: the whole report, plus the rule catalogue. Deterministic (no timestamps). */
export function formatJson(report: AuditReport): string {
  const rules = ALL_RULES.map((r) => ({ id: r.id, rationale: r.rationale, controls: r.controls, appliesTo: r.appliesTo }));
  return `${JSON.stringify({ ...report, rules }, null, 2)}\n`;
}
