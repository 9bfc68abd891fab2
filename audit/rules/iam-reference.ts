/**
 * IAM-REFERENCE: every action, resource ARN and condition key of every synthesized policy exists in
 * AWS's service authorization reference (audit/iam/reference.ts), as IAM Access Analyzer's policy
 * validation checks them. IAM accepts a misspelt action or key silently: the grant is simply never
 * used, and a deploy fails with AccessDenied the first time it needs it.
 */
import {
  actionsMatching,
  conditionKeyExists,
  globRegex,
  patternFitsAction,
  REFERENCE_CORRECTIONS,
  type ReferenceAction,
  referenceAction,
  resourcePatternFitsService,
  serviceExists,
} from "../iam/reference";
import { blocks, isComputed, parsePolicy, type Statement, statementName, strings } from "../terraform";
import { type AuditTarget, type CheckResult, fail, notApplicable, pass, type Rule } from "../types";

/** Where each resource type keeps its policy documents (identity, trust and resource policies). */
const POLICY_ARGUMENTS: Readonly<Record<string, readonly string[]>> = {
  aws_iam_role_policy: ["policy"],
  aws_iam_policy: ["policy"],
  aws_iam_user_policy: ["policy"],
  aws_iam_group_policy: ["policy"],
  aws_iam_role: ["assume_role_policy"],
  aws_s3_bucket_policy: ["policy"],
  aws_sns_topic_policy: ["policy"],
  aws_sns_topic: ["policy"],
  aws_kms_key: ["policy"],
  aws_ecr_repository_policy: ["policy"],
  aws_secretsmanager_secret_policy: ["policy"],
};

function documents(target: AuditTarget): unknown[] {
  const inline = target.type === "aws_iam_role" ? blocks(target.body.inline_policy).map((p) => p.policy) : [];
  return [...(POLICY_ARGUMENTS[target.type] ?? []).map((a) => target.body[a]).filter((p) => p !== undefined), ...inline];
}

/** The problems of one statement with the reference, each a short phrase. */
export function referenceProblems(s: Statement): string[] {
  const problems: string[] = [];
  const patterns = [...strings(s.Action), ...strings(s.NotAction)];
  const actions: ReferenceAction[] = [];
  for (const pattern of patterns) {
    if (pattern === "*") continue;
    const [service, name] = pattern.split(":");
    if (!service || !name) problems.push(`"${pattern}" is not service:action`);
    else if (!serviceExists(service)) problems.push(`service "${service}" (in ${pattern}) does not exist`);
    else {
      const found = /[*?]/.test(name) ? actionsMatching(pattern) : [referenceAction(pattern)].filter((a) => a !== undefined);
      if (found.length === 0) problems.push(`action ${pattern} does not exist`);
      actions.push(...found);
    }
  }
  const resources = strings(s.Resource).filter((r) => !isComputed(r));
  const literal = resources.filter((r) => r !== "*");
  for (const resource of literal) {
    const service = resource.split(":")[2];
    if (!resource.startsWith("arn:") || !service) problems.push(`resource "${resource}" is not an ARN`);
    else if (!/[*?]/.test(service) && serviceExists(service) && !resourcePatternFitsService(service, resource)) {
      problems.push(`resource ${resource} is of no ${service} resource type`);
    }
  }
  // An allowed action the statement's resources can never name is a grant that never takes effect.
  if (s.Effect === "Allow" && s.Resource !== undefined && strings(s.Resource).length === resources.length) {
    for (const a of actions.filter((a) => patterns.some((p) => p.toLowerCase() === a.action.toLowerCase()))) {
      if (!grantable(a, resources)) {
        problems.push(
          a.wildcardOnly
            ? `${a.action} accepts only Resource "*", not ${literal.join(", ")}`
            : `${a.action} acts on ${a.resourceTypes.map((t) => t.name).join(", ")}, none of ${literal.join(", ")}`,
        );
      }
    }
  }
  for (const [operator, keys] of Object.entries(s.Condition ?? {})) {
    for (const key of Object.keys(keys)) if (!conditionKeyExists(key)) problems.push(`condition key ${key} (${operator}) does not exist`);
  }
  return problems;
}

/** Whether one of the resources can name a resource of the action (corrections applied). */
function grantable(action: ReferenceAction, resources: string[]): boolean {
  if (resources.includes("*")) return true;
  const correction = REFERENCE_CORRECTIONS.find((c) => c.action.toLowerCase() === action.action.toLowerCase());
  if (correction?.noPermission) return true;
  if (correction?.resource) {
    // AWS authorises the call on the corrected ARN, in the statement resource's own region and account.
    const fits = (r: string) => {
      const [, , , region, account] = r.split(":");
      return globRegex(r).test(correction.resource!(region?.replace(/[*?]/g, "r") ?? "", account?.replace(/[*?]/g, "1") ?? ""));
    };
    return resources.some(fits);
  }
  if (action.wildcardOnly) return false;
  return resources.some((r) => patternFitsAction(action, r));
}

export const iamReference: Rule = {
  id: "IAM-REFERENCE",
  rationale: "Every action, resource ARN and condition key of a policy is in the authorization reference; IAM ignores the rest silently.",
  // IAM Access Analyzer policy validation checks the same; it has no control id.
  controls: [],
  appliesTo: Object.keys(POLICY_ARGUMENTS),
  check(target) {
    const docs = documents(target);
    if (docs.length === 0) return notApplicable("has no policy");
    const results: CheckResult[] = [];
    for (const document of docs) {
      const parsed = parsePolicy(document);
      if ("error" in parsed) {
        results.push(notApplicable(parsed.error));
        continue;
      }
      parsed.statements.forEach((s, i) => {
        const name = statementName(s, i);
        const problems = referenceProblems(s);
        results.push(
          problems.length > 0
            ? fail(`${problems.join("; ")}; use the names of the service authorization reference`, name)
            : pass("every action, resource and condition key is in the authorization reference", name),
        );
      });
    }
    return results;
  },
};
