/**
 * The fence between environments, measured: a role of one environment (or the read-only plan and
 * drift roles) is tried, with the IAM evaluator, on every action of the authorization reference whose
 * resource type fits each resource of another environment (audit/iam/inventory.ts), and on the
 * account-wide actions that change what another environment runs on. What comes out allowed is a
 * cross-environment write (or data read).
 * Tooling only (it runs iam-simulate, AGPL-3.0): the product never imports this folder.
 */
import { type EvaluatedRole, evaluate, type ResourcePolicy, resourcePolicyFor } from "./evaluator";
import type { InventoryItem } from "./inventory";
import { type ReferenceAction, resourceTypesFor, serviceActions } from "./reference";

/** Read actions that return an environment's data (not its configuration). */
const DATA_READS = new Set(
  [
    "s3:GetObject",
    "s3:GetObjectVersion",
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "kms:Decrypt",
    "logs:GetLogEvents",
    "logs:FilterLogEvents",
    "logs:StartQuery",
    "logs:StartLiveTail",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "rds:DownloadDBLogFilePortion",
    "rds:DownloadCompleteDBLogFile",
    "cloudwatch:GetDashboard",
  ].map((a) => a.toLowerCase()),
);

export type Access = "write" | "data read";

/** How an action touches a resource, for the fence: a write, a data read, or neither (configuration reads). */
export function accessOf(action: ReferenceAction): Access | undefined {
  if (DATA_READS.has(action.action.toLowerCase())) return "data read";
  return ["Write", "Permissions management", "Tagging"].includes(action.accessLevel) ? "write" : undefined;
}

/** One call of the attack that came out allowed. */
export interface FenceFinding {
  readonly role: string;
  readonly action: string;
  /** The inventory kind of the resource (`aws_lb`, `network interface of an ECS task (AWS-created)`), or `account-wide`. */
  readonly kind: string;
  readonly resource: string;
  readonly access: Access;
  readonly explanation: string;
}

/** What the fence tried and found. */
export interface FenceResult {
  /** Calls simulated. */
  readonly tried: number;
  readonly allowed: readonly FenceFinding[];
}

export interface FenceOptions {
  /** The attacking role's environment: the tag it puts on requests (aws:RequestTag/Environment). */
  readonly environment?: string;
  /** Resource policies of the target's stacks (bucket, key, topic policies). */
  readonly resourcePolicies: readonly ResourcePolicy[];
  /** Which accesses to try. @default - writes and data reads */
  readonly accesses?: readonly Access[];
  /** Extra request context per call, e.g. dynamodb:LeadingKeys of the target's lock item. */
  readonly context?: (item: InventoryItem, action: ReferenceAction) => Record<string, string | string[]> | undefined;
}

/** Verbs of wildcard-only actions that make something new rather than change what exists. */
const CREATES = /^(Create|Register|Run|Start|Allocate|Request|Import|Copy|Generate|Put(MetricData|LogEvents))/;

/** The calls the fence tries on one inventory: every fitting action on each resource, and the account-wide changes. */
export function attackCalls(
  inventory: readonly InventoryItem[],
  accesses: readonly Access[],
): { item: InventoryItem; action: ReferenceAction; access: Access }[] {
  const calls: { item: InventoryItem; action: ReferenceAction; access: Access }[] = [];
  const services = new Set<string>();
  for (const item of inventory) {
    const service = item.arn.split(":")[2];
    services.add(service);
    for (const action of serviceActions(service)) {
      const access = accessOf(action);
      if (!access || !accesses.includes(access) || action.wildcardOnly) continue;
      if (resourceTypesFor(action, item.arn).length > 0) calls.push({ item, action, access });
    }
  }
  const [first] = inventory;
  if (first && accesses.includes("write")) {
    for (const service of services) {
      for (const action of serviceActions(service)) {
        const name = action.action.split(":")[1];
        if (!action.wildcardOnly || accessOf(action) !== "write" || CREATES.test(name)) continue;
        calls.push({ item: { ...first, kind: "account-wide", arn: "*", tags: {} }, action, access: "write" });
      }
    }
  }
  return calls;
}

/** Tries the role on every call of attackCalls(inventory); returns the calls allowed. */
export async function runFence(role: EvaluatedRole, inventory: readonly InventoryItem[], options: FenceOptions): Promise<FenceResult> {
  const calls = attackCalls(inventory, options.accesses ?? ["write", "data read"]);
  const allowed: FenceFinding[] = [];
  for (const { item, action, access } of calls) {
    const decision = await evaluate(role, {
      action: action.action,
      resource: item.arn,
      region: item.region,
      resourceAccount: item.account,
      resourceTags: item.tags,
      // The attacker chooses the tags of its requests: its own environment's, which its create statements accept.
      requestTags: options.environment ? { Environment: options.environment } : undefined,
      context: options.context?.(item, action),
      resourcePolicy: item.arn === "*" ? undefined : resourcePolicyFor(options.resourcePolicies, item.arn),
    });
    if (decision.allowed) {
      allowed.push({
        role: role.name,
        action: action.action,
        kind: item.kind,
        resource: item.arn,
        access,
        explanation: decision.explanation,
      });
    }
  }
  return { tried: calls.length, allowed };
}

/** The findings as unique `action on kind` pairs, sorted: the shape the waiver list keeps. */
export function distinctWrites(findings: readonly FenceFinding[]): { action: string; kind: string }[] {
  const seen = new Map<string, { action: string; kind: string }>();
  for (const f of findings) seen.set(`${f.action} ${f.kind}`, { action: f.action, kind: f.kind });
  return [...seen.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, v]) => v);
}
