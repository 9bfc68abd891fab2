/**
 * What the audit says about a production environment that shares its AWS account with another one
 * (the one-account layout, README "Two layouts"): validation refuses it unless `acceptedRisks`
 * names `accountId` with a reason, and that waiver becomes the exemption from PRODUCTION-OWN-ACCOUNT.
 * This module turns each such exemption into a notice that names the waiver and lists what the IAM
 * fence cannot hold inside one account: what the fence test measures with an IAM evaluator (an argument,
 * so a test can pass another list).
 */
import type { AuditReport } from "./engine";
import { ONE_ACCOUNT_CROSS_ENVIRONMENT_WRITES, ONE_ACCOUNT_UNSEEN_BY_IAM } from "./iam/one-account-writes";
import { productionOwnAccount } from "./rules/isolation";

/** One thing another environment's deploy role can still do to production inside a shared account, and why no policy stops it. */
export interface FenceGap {
  /** The IAM action, or a family of them (`ecs:CreateService`). */
  readonly action: string;
  /** What it reaches: a resource of the production environment, or an account-wide setting. */
  readonly resource: string;
  /** Why IAM cannot refuse it inside one account. */
  readonly reason: string;
}

/**
 * What IAM cannot close inside one account, as the fence test (__tests__/iam-fence.test.ts) measures it
 * with an IAM evaluator: the request parameters IAM never sees, then every write of another environment's
 * deploy role that comes out allowed (audit/iam/one-account-writes.ts, which the test holds equal to
 * what it measures), each with its reason.
 */
export const ONE_ACCOUNT_FENCE_GAPS: readonly FenceGap[] = [
  ...ONE_ACCOUNT_UNSEEN_BY_IAM.map((u) => ({
    action: u.what,
    resource: "production's resources, named as request parameters",
    reason: u.reason,
  })),
  ...ONE_ACCOUNT_CROSS_ENVIRONMENT_WRITES.map((w) => ({ action: w.action, resource: w.kind, reason: w.reason })),
];

/** A production environment whose shared account is an accepted risk: its stack and the waiver's reason. */
export interface SharedAccountNotice {
  readonly stack: string;
  /** The exemption's reason: `accepted risk accountId: <the config's reason>`. */
  readonly reason: string;
}

/** The production stacks that share an account by an accepted risk (exempt from PRODUCTION-OWN-ACCOUNT). */
export function sharedAccountNotices(report: AuditReport): SharedAccountNotice[] {
  return report.stacks.flatMap((s) =>
    s.rules
      .filter((r) => r.id === productionOwnAccount.id)
      .flatMap((r) => r.findings.filter((f) => f.status === "exempt"))
      .map((f) => ({ stack: s.stack, reason: f.reason ?? "" })),
  );
}

/** The notices as a section of audit.md (empty when every production environment has an account of its own). */
export function formatSharedAccountMarkdown(notices: readonly SharedAccountNotice[], gaps: readonly FenceGap[]): string {
  if (notices.length === 0) return "";
  const cell = (text: string): string => text.replace(/\|/g, "\\|");
  return [
    "## What the one-account fence cannot hold",
    "",
    ...notices.map(
      (n) =>
        `- **${n.stack}** shares its AWS account with another environment (${productionOwnAccount.id} exempt: ${n.reason}). ` +
        "Inside one account, IAM cannot refuse another environment's deploy role these:",
    ),
    "",
    "| Action | Reaches | Why no policy stops it |",
    "|---|---|---|",
    ...gaps.map((g) => `| ${cell(g.action)} | ${cell(g.resource)} | ${cell(g.reason)} |`),
    "",
    'An account of its own closes every line (README "Two layouts").',
    "",
  ].join("\n");
}

/** The notices as console lines for `npm run audit`. */
export function formatSharedAccountConsole(notices: readonly SharedAccountNotice[], gaps: readonly FenceGap[]): string {
  if (notices.length === 0) return "";
  return [
    "",
    ...notices.map((n) => `notice: ${n.stack} shares its AWS account (${n.reason}); the fence cannot hold, inside one account:`),
    ...gaps.map((g) => `    ${g.action} on ${g.resource}: ${g.reason}`),
  ].join("\n");
}
