/**
 * `npm run audit`'s IAM section: per role of every bootstrap, the actions its policies grant (as the
 * authorization reference expands them), the actions a recorded deploy used (audit.out/recorded-calls.json,
 * which the end-to-end suite leaves), and what the fence between environments cannot hold in the
 * layout the configuration ships (audit/iam/one-account-writes.ts, measured by __tests__/iam-fence.test.ts).
 * Tooling only: the product never imports this folder.
 */
import { existsSync, readFileSync } from "node:fs";
import { environmentAccount, Naming } from "../../config/naming";
import type { PlatformConfig } from "../../config/types";
import { type EvaluatedRole, rolesOf } from "./evaluator";
import { type CrossEnvironmentWrite, ONE_ACCOUNT_CROSS_ENVIRONMENT_WRITES, ONE_ACCOUNT_UNSEEN_BY_IAM } from "./one-account-writes";
import { PREVIEW_FENCE_EXCEPTIONS } from "./preview-writes";
import { actionsMatching, referenceAction } from "./reference";
import type { SynthesizedStack } from "./resolve";

/** One call the end-to-end suite recorded on the emulator. */
export interface RecordedCall {
  readonly stack: string;
  readonly phase: string;
  readonly account: string;
  readonly region: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, unknown>;
  /** The role that made it (name or ARN). @default - the deploy role of the stack's environment */
  readonly role?: string;
}

export interface RoleSummary {
  readonly role: string;
  readonly account: string;
  /** Actions its Allow statements name, expanded by the reference, less those denied on every resource. */
  readonly granted: readonly string[];
  /** Actions the recording shows it calling; undefined without a recording. */
  readonly used?: readonly string[];
}

export interface IamReport {
  readonly roles: readonly RoleSummary[];
  /** Whether two environments share an account (the one-account layout). */
  readonly sharedAccount: boolean;
  /** The writes across environments the fence lets through in this layout (none with an account each). */
  readonly crossEnvironmentWrites: readonly CrossEnvironmentWrite[];
  readonly unseenByIam: readonly { readonly what: string; readonly reason: string }[];
  /** What the preview role may write of its host (audit/iam/preview-writes.ts), where the config has previews. */
  readonly previewWrites: readonly CrossEnvironmentWrite[];
  /** Where the recording came from, if one was read. */
  readonly recording?: string;
}

/** The calls of a recording, or undefined when there is none. */
export function readRecordedCalls(file: string): RecordedCall[] | undefined {
  if (!existsSync(file)) return undefined;
  const calls = JSON.parse(readFileSync(file, "utf8")) as unknown;
  if (!Array.isArray(calls)) throw new Error(`${file} is not a JSON array of recorded calls; delete it or re-run the end-to-end suite`);
  return calls as RecordedCall[];
}

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [String(v)]);

/** The actions a role's identity policies allow, expanded, less those denied outright (Deny on "*", no condition). */
export function grantedActions(role: EvaluatedRole): string[] {
  const statements = role.identityPolicies.flatMap((p) => p.document.Statement);
  const expand = (patterns: string[]) =>
    patterns.flatMap((p) => (/[*?]/.test(p) ? actionsMatching(p).map((a) => a.action) : [referenceAction(p)?.action ?? p]));
  const allowed = new Set(statements.filter((s) => s.Effect === "Allow").flatMap((s) => expand(list(s.Action))));
  const denied = statements
    .filter((s) => s.Effect === "Deny" && list(s.Resource).includes("*") && !s.Condition)
    .flatMap((s) => expand(list(s.Action)));
  for (const a of denied) allowed.delete(a);
  return [...allowed].sort();
}

/** The IAM section of the audit for the platform's synthesized stacks. */
export function iamReport(
  config: PlatformConfig,
  stacks: readonly { readonly name: string; readonly tf: unknown }[],
  recorded?: readonly RecordedCall[],
  recording?: string,
): IamReport {
  const { project } = config;
  const roles: RoleSummary[] = [];
  for (const stack of stacks.filter((s) => /^bootstrap(-|$)/.test(s.name))) {
    const tf = stack.tf as SynthesizedStack & { provider?: { aws?: { allowed_account_ids?: string[] }[] } };
    const account = tf.provider?.aws?.[0]?.allowed_account_ids?.[0] ?? project.accountId;
    const naming = new Naming(project, account);
    for (const role of rolesOf(tf, account, project.region)) {
      if (role.identityPolicies.length === 0) continue;
      const environment = config.environments.find((e) => naming.deployRoleName(e.name) === role.name)?.name;
      const calls = recorded?.filter((c) =>
        c.role
          ? c.role === role.name || c.role === role.arn
          : environment !== undefined && c.stack === environment && c.account === account,
      );
      const used = calls && [...new Set(calls.map((c) => referenceAction(c.action)?.action ?? c.action))].sort();
      roles.push({ role: role.name, account, granted: grantedActions(role), used });
    }
  }
  const accounts = config.environments.map((e) => environmentAccount(project, e));
  const sharedAccount = new Set(accounts).size < accounts.length;
  return {
    roles,
    sharedAccount,
    crossEnvironmentWrites: sharedAccount ? ONE_ACCOUNT_CROSS_ENVIRONMENT_WRITES : [],
    unseenByIam: sharedAccount ? ONE_ACCOUNT_UNSEEN_BY_IAM : [],
    previewWrites: config.previews ? PREVIEW_FENCE_EXCEPTIONS : [],
    recording,
  };
}

/** The section as text, for the console and audit.md. */
export function formatIamReport(report: IamReport): string {
  const lines = ["IAM roles (actions granted, as the authorization reference expands them; actions the recorded deploy used)"];
  for (const r of report.roles) {
    const used = r.used === undefined ? "no recording" : `${r.used.length} used`;
    const unused = r.used === undefined ? "" : `, ${r.granted.filter((a) => !r.used?.includes(a)).length} granted but unused`;
    const missing = r.used?.filter((a) => !r.granted.includes(a)) ?? [];
    const notGranted = missing.length ? `; used, not granted: ${missing.join(", ")}` : "";
    lines.push(`  ${r.role} (${r.account}): ${r.granted.length} granted, ${used}${unused}${notGranted}`);
  }
  if (report.recording) lines.push(`  (recording: ${report.recording})`);
  lines.push("", "Cross-environment writes the fence test finds allowed (__tests__/iam-fence.test.ts)");
  if (!report.sharedAccount) lines.push("  none: every environment has an account of its own");
  for (const w of report.crossEnvironmentWrites) lines.push(`  ${w.action} on ${w.kind}: ${w.reason}`);
  for (const u of report.unseenByIam) lines.push(`  ${u.what} (not seen by IAM): ${u.reason}`);
  if (report.previewWrites.length > 0) {
    lines.push("", "Writes the preview role may make of its host environment (__tests__/preview-role.test.ts)");
    for (const w of report.previewWrites) lines.push(`  ${w.action} on ${w.kind}: ${w.reason}`);
  }
  return lines.join("\n");
}
