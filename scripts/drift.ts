/**
 * Drift detection: turns one stack's `terraform plan -detailed-exitcode` into one GitHub issue.
 * A stack whose plan has changes gets an issue listing each drifted resource and attribute (opened,
 * or updated when one is open already); a stack back in sync gets its issue closed. The scheduled
 * workflow .github/workflows/drift.yml runs it per stack; the GitHub calls go through `IssueTracker`
 * so the tests record them instead of calling GitHub.
 *
 * Usage: tsx scripts/drift.ts --stack <name> --exit-code <0|2> [--plan <terraform show -json output>]
 * (GITHUB_TOKEN, GITHUB_REPOSITORY and, for the issue's link, GITHUB_SERVER_URL and GITHUB_RUN_ID).
 */
import { readFileSync } from "node:fs";
import { errorText, InputError } from "../lib/cli";

/** One resource whose real state differs from the stack's Terraform. */
export interface DriftedResource {
  /** Terraform address, e.g. `aws_security_group.service_alb-security-group_1A2B3C4D`. */
  readonly address: string;
  /** What applying the stack would do to bring it back: `update`, `create`, `delete`, `replace`. */
  readonly action: string;
  /** Top-level attributes that differ, e.g. `tags`, `ingress`; empty for a create or delete. */
  readonly attributes: readonly string[];
  /** True when the refresh saw the change made outside Terraform (not only a change of the code). */
  readonly changedOutsideTerraform: boolean;
}

/** The subset of `terraform show -json <planfile>` this script reads. */
interface PlanJson {
  readonly resource_changes?: readonly ResourceChange[];
  readonly resource_drift?: readonly ResourceChange[];
}
interface ResourceChange {
  readonly address: string;
  readonly mode?: string;
  readonly change: { readonly actions: readonly string[]; readonly before?: unknown; readonly after?: unknown };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Top-level attributes whose values differ between two objects of a resource's state. */
function changedAttributes(before: unknown, after: unknown): string[] {
  if (!isRecord(before) || !isRecord(after)) return [];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  // An attribute unknown until apply is in after_unknown, not in after: only compare what is known.
  return keys.filter((k) => k in after && JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null));
}

function actionName(actions: readonly string[]): string {
  if (actions.includes("delete") && actions.includes("create")) return "replace";
  return actions.find((a) => a !== "no-op" && a !== "read") ?? "no-op";
}

/**
 * The drifted resources a plan shows: each resource apply would change, the attributes it would
 * change, and whether the refresh saw it changed outside Terraform. What the refresh alone reports
 * (`resource_drift` without a planned change) is left out: it is mostly the provider normalising
 * values (tags null against {}), which a plan of an untouched stack also shows (measured on the emulator).
 */
export function driftFromPlan(plan: PlanJson): DriftedResource[] {
  const outside = new Set((plan.resource_drift ?? []).map((d) => d.address));
  return (plan.resource_changes ?? [])
    .filter((change) => change.mode !== "data" && actionName(change.change.actions) !== "no-op")
    .map((change) => ({
      address: change.address,
      action: actionName(change.change.actions),
      attributes: changedAttributes(change.change.before, change.change.after),
      changedOutsideTerraform: outside.has(change.address),
    }))
    .sort((a, b) => a.address.localeCompare(b.address));
}

/** The GitHub calls the script makes, so tests can record them. */
export interface IssueTracker {
  /** The open issue with this exact title, if any. */
  findOpenIssue(title: string): Promise<{ readonly number: number } | undefined>;
  openIssue(title: string, body: string): Promise<number>;
  updateIssue(number: number, body: string): Promise<void>;
  closeIssue(number: number, comment: string): Promise<void>;
}

/** One issue per stack, found again by its title. */
export const issueTitle = (stack: string): string => `Drift: stack ${stack} differs from its Terraform`;

/** The issue's text: what drifted, and what to do about it. */
export function issueBody(stack: string, drift: readonly DriftedResource[], runUrl?: string): string {
  const rows = drift.map(
    (d) =>
      `| \`${d.address}\` | ${d.action} | ` +
      `${d.attributes.length > 0 ? d.attributes.map((a) => `\`${a}\``).join(", ") : "(whole resource)"} | ` +
      `${d.changedOutsideTerraform ? "yes" : "no"} |`,
  );
  return [
    `The scheduled drift check planned stack **${stack}** with the read-only drift role and found ${drift.length} resource(s) ` +
      `that differ from the code${runUrl ? ` ([run](${runUrl}))` : ""}.`,
    "",
    "| resource | apply would | attributes | changed outside Terraform |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
    "What to do: find who changed it (CloudTrail, by the resource's id), then either put the change into the code " +
      "(a pull request) or let the next deploy put the resource back. " +
      "This issue is updated while the drift lasts and closed by the first check that finds the stack in sync.",
  ].join("\n");
}

export type DriftOutcome = "opened" | "updated" | "closed" | "in sync";

/**
 * Opens or updates the stack's issue when it drifted, closes it when the stack is in sync.
 * @param exitCode `terraform plan -detailed-exitcode`: 0 in sync, 2 changes; anything else is refused.
 */
export async function reportDrift(
  tracker: IssueTracker,
  stack: string,
  exitCode: number,
  plan: PlanJson | undefined,
  runUrl?: string,
): Promise<{ outcome: DriftOutcome; drift: DriftedResource[]; issue?: number }> {
  if (exitCode !== 0 && exitCode !== 2)
    throw new InputError(`--exit-code ${exitCode}: the plan failed; drift is reported for exit codes 0 (in sync) and 2 (changes) only`);
  const drift = exitCode === 2 && plan ? driftFromPlan(plan) : [];
  if (exitCode === 2 && drift.length === 0)
    throw new InputError(`--exit-code 2 but the plan of ${stack} lists no change: pass --plan <terraform show -json of that plan>`);
  const title = issueTitle(stack);
  const open = await tracker.findOpenIssue(title);
  if (drift.length === 0) {
    if (!open) return { outcome: "in sync", drift };
    await tracker.closeIssue(open.number, `Stack ${stack} is back in sync with its Terraform${runUrl ? ` ([run](${runUrl}))` : ""}.`);
    return { outcome: "closed", drift, issue: open.number };
  }
  const body = issueBody(stack, drift, runUrl);
  if (open) {
    await tracker.updateIssue(open.number, body);
    return { outcome: "updated", drift, issue: open.number };
  }
  return { outcome: "opened", drift, issue: await tracker.openIssue(title, body) };
}

/** The GitHub REST API as an IssueTracker, for the workflow. */
export class GithubIssues implements IssueTracker {
  constructor(
    private readonly repository: string,
    private readonly token: string,
    private readonly api = "https://api.github.com",
  ) {}

  private async call<T = unknown>(method: string, path: string, body?: object): Promise<T> {
    const response = await fetch(`${this.api}/repos/${this.repository}${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.token}`, Accept: "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28" },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!response.ok) throw new Error(`GitHub ${method} ${path} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  }

  async findOpenIssue(title: string) {
    const issues: { number: number; title: string; pull_request?: unknown }[] = await this.call(
      "GET",
      `/issues?state=open&labels=drift&per_page=100`,
    );
    return issues.find((i) => i.title === title && !i.pull_request);
  }
  async openIssue(title: string, body: string) {
    return (await this.call<{ number: number }>("POST", "/issues", { title, body, labels: ["drift"] })).number;
  }
  async updateIssue(number: number, body: string) {
    await this.call("PATCH", `/issues/${number}`, { body });
  }
  async closeIssue(number: number, comment: string) {
    await this.call("POST", `/issues/${number}/comments`, { body: comment });
    await this.call("PATCH", `/issues/${number}`, { state: "closed", state_reason: "completed" });
  }
}

function argument(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith("--")) throw new InputError(`${name} needs a value`);
  return value;
}

async function main(): Promise<void> {
  {
    const args = process.argv.slice(2);
    const stack = argument(args, "--stack");
    const exitCode = Number(argument(args, "--exit-code"));
    const planFile = argument(args, "--plan");
    if (!stack || !/^[a-z][a-z0-9-]*$/.test(stack)) throw new InputError("--stack must name a stack, e.g. --stack prod");
    const { GITHUB_TOKEN: token, GITHUB_REPOSITORY: repository, GITHUB_SERVER_URL: server, GITHUB_RUN_ID: run } = process.env;
    if (!token || !repository) throw new InputError("GITHUB_TOKEN and GITHUB_REPOSITORY must be set (the workflow sets them)");
    const plan = planFile ? (JSON.parse(readFileSync(planFile, "utf8")) as PlanJson) : undefined;
    const runUrl = server && run ? `${server}/${repository}/actions/runs/${run}` : undefined;
    const result = await reportDrift(new GithubIssues(repository, token), stack, exitCode, plan, runUrl);
    for (const d of result.drift) console.log(`drift: ${d.address} (${d.action}): ${d.attributes.join(", ") || "whole resource"}`);
    console.log(`${stack}: ${result.outcome}${result.issue ? ` (issue #${result.issue})` : ""}`);
  }
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${errorText(error)}\n`);
    process.exitCode = 1;
  });
}
