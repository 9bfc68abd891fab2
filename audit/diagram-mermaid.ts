/** Mermaid text of an architecture or of its diff (audit/diagram.ts builds both from the Terraform JSON). */
import { type ArchEdge, type Architecture, type ArchitectureDiff, type ArchNode, type Change, type Placement, TIERS } from "./diagram";

const mermaidId = (id: string): string => `n_${id.replace(/[^A-Za-z0-9]/g, "_")}`;
const mermaidText = (text: string): string => text.replace(/"/g, "#quot;");

const SHAPES: Partial<Record<string, [string, string]>> = { outside: ["((", "))"], database: ["[(", ")]"] };

/**
 * Mermaid flowchart of an architecture, or of a diff (added nodes green, removed red and dashed,
 * changed amber with the old label; added edges thick, removed edges dotted and labelled "removed").
 */
export function toMermaid(arch: Architecture | ArchitectureDiff): string {
  const nodes = arch.nodes as readonly (ArchNode & { change?: Change; before?: string })[];
  const edges = arch.edges as readonly (ArchEdge & { change?: Change })[];
  const lines = ["flowchart LR"];
  const label = (n: (typeof nodes)[number]): string => {
    const prefix = n.change === "added" ? "+ " : n.change === "removed" ? "- " : n.change === "changed" ? "~ " : "";
    const was = n.change === "changed" && n.before ? `<br/><i>was: ${n.before}</i>` : "";
    return mermaidText(`${prefix}${n.label}${was}`);
  };
  const draw = (n: (typeof nodes)[number], indent: string): string => {
    const [open, close] = SHAPES[n.placement] ?? ["[", "]"];
    return `${indent}${mermaidId(n.id)}${open}"${label(n)}"${close}`;
  };
  const at = (placement: Placement) => nodes.filter((n) => n.placement === placement);
  for (const n of at("outside")) lines.push(draw(n, "  "));
  const inVpc = (["vpc", ...TIERS] as Placement[]).some((p) => at(p).length > 0);
  if (arch.vpc || inVpc) {
    lines.push(`  subgraph vpc["${mermaidText(arch.vpc ?? "VPC")}"]`);
    for (const n of at("vpc")) lines.push(draw(n, "    "));
    for (const tier of TIERS) {
      if (at(tier).length === 0 && !arch.subnets[tier]) continue;
      lines.push(`    subgraph tier_${tier}["${tier} subnets (${arch.subnets[tier] ?? 0})"]`);
      for (const n of at(tier)) lines.push(draw(n, "      "));
      lines.push("    end");
    }
    lines.push("  end");
  }
  for (const [placement, title] of [
    ["services", "Regional and global services"],
    ["iam", "IAM: who may assume what"],
  ] as const) {
    if (at(placement).length === 0) continue;
    lines.push(`  subgraph ${placement}["${title}"]`);
    for (const n of at(placement)) lines.push(draw(n, "    "));
    lines.push("  end");
  }
  const styles: string[] = [];
  edges.forEach((e, i) => {
    const arrow = e.change === "added" ? "==>" : e.change === "removed" ? "-.->" : "-->";
    const text = e.change === "added" ? `+ ${e.label}` : e.change === "removed" ? `removed: ${e.label}` : e.label;
    lines.push(`  ${mermaidId(e.from)} ${arrow}|"${mermaidText(text)}"| ${mermaidId(e.to)}`);
    if (e.change === "added") styles.push(`  linkStyle ${i} stroke:#1a7f37,stroke-width:3px`);
    if (e.change === "removed") styles.push(`  linkStyle ${i} stroke:#cf222e`);
  });
  lines.push(...styles);
  const classes: Record<string, string> = {
    added: "fill:#dafbe1,stroke:#1a7f37,stroke-width:2px",
    removed: "fill:#ffebe9,stroke:#cf222e,stroke-dasharray:4 3",
    changed: "fill:#fff8c5,stroke:#9a6700,stroke-width:2px",
  };
  for (const [change, style] of Object.entries(classes)) {
    const ids = nodes.filter((n) => n.change === change).map((n) => mermaidId(n.id));
    if (ids.length === 0) continue;
    lines.push(`  classDef ${change} ${style}`, `  class ${ids.join(",")} ${change}`);
  }
  return `${lines.join("\n")}\n`;
}
