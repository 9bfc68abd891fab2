/**
 * Environment isolation within one account: what keeps one environment's deploy role, plan role and
 * workloads from reaching another environment's resources or the account's shared settings; and
 * the account boundary production needs because that fence cannot hold everything.
 */
import { blocks, conditionValues, isObject, parsePolicy, referencedAddress, type Statement, statementName, strings } from "../terraform";
import { type AuditTarget, type CheckResult, fail, notApplicable, pass, type Rule } from "../types";
import { trustsGithub } from "./iam";

/** True when an IAM action pattern (`logs:*`, `logs:Put*`, `*`) covers the action. */
function covers(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i");
  return regex.test(action);
}

/** The actions of `wanted` that an Allow statement grants and no Deny on "*" of the same document takes back. */
function granted(statements: Statement[], wanted: readonly string[], allow: Statement): string[] {
  const denied = statements
    .filter((s) => s.Effect === "Deny" && strings(s.Resource).includes("*") && s.Condition === undefined)
    .flatMap((s) => strings(s.Action));
  return wanted.filter((a) => strings(allow.Action).some((p) => covers(p, a)) && !denied.some((p) => covers(p, a)));
}

const POLICY_RESOURCES = ["aws_iam_role_policy", "aws_iam_policy"];

/**
 * CloudWatch Logs actions whose effect is the whole account or leaves it: account policies
 * (subscription filters and data protection over every log group), destinations and resource policies.
 */
const ACCOUNT_LEVEL_LOGS = [
  "logs:PutAccountPolicy",
  "logs:DeleteAccountPolicy",
  "logs:PutDestination",
  "logs:PutDestinationPolicy",
  "logs:DeleteDestination",
  "logs:PutResourcePolicy",
  "logs:DeleteResourcePolicy",
];

export const iamNoAccountLevelLogs: Rule = {
  id: "IAM-NO-ACCOUNT-LEVEL-LOGS",
  rationale:
    "No role sets account-wide CloudWatch Logs policies, destinations or resource policies: one account policy can stream every " +
    "environment's logs away.",
  controls: [],
  appliesTo: POLICY_RESOURCES,
  check(target) {
    const parsed = parsePolicy(target.body.policy);
    if ("error" in parsed) return notApplicable(parsed.error);
    const results: CheckResult[] = [];
    parsed.statements.forEach((s, i) => {
      if (s.Effect !== "Allow") return;
      const actions = granted(parsed.statements, ACCOUNT_LEVEL_LOGS, s);
      const name = statementName(s, i);
      results.push(
        actions.length > 0
          ? fail(
              `statement ${name} allows ${actions.join(", ")}; grant logs actions on the environment's log groups only and deny ` +
                `the account-level ones`,
              name,
            )
          : pass("grants no account-level logs action", name),
      );
    });
    return results.length > 0 ? results : notApplicable("allows nothing");
  },
};

export const vpcDefaultNetworkAclManaged: Rule = {
  id: "VPC-DEFAULT-NACL-MANAGED",
  rationale:
    "The VPC's default network ACL is managed and tagged: unmanaged it sits outside every fence, and one deny-all entry takes " +
    "the environment down.",
  controls: [],
  appliesTo: ["aws_vpc"],
  check(vpc, context) {
    const acls = context
      .resources("aws_default_network_acl")
      .filter((a) => referencedAddress(a.body.default_network_acl_id) === vpc.address);
    if (acls.length === 0)
      return fail("does not manage its default network ACL; add aws_default_network_acl with the subnets and AWS's allow-all entries");
    const denies = acls.flatMap((a) => [...blocks(a.body.ingress), ...blocks(a.body.egress)]).filter((r) => r.action === "deny");
    return denies.length === 0
      ? pass("the default network ACL is managed here")
      : fail(`the default network ACL has ${denies.length} deny entr(ies); filter with security groups instead`);
  },
};

const GITHUB_SUB = "token.actions.githubusercontent.com:sub";
/** Writes to state or locks: state objects, S3 lockfiles, DynamoDB lock and digest items. */
const LOCK_AND_STATE_WRITES = [
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
];

/** True when the role trusts GitHub tokens of pull requests (the plan role): the pull_request context, or a pull request's workflow ref. */
function isPullRequestRole(role: AuditTarget | undefined): boolean {
  if (!role) return false;
  const trust = parsePolicy(role.body.assume_role_policy);
  if ("error" in trust) return false;
  return trust.statements.some((s) =>
    conditionValues(s, GITHUB_SUB).some((c) => c.values.some((v) => /:pull_request(:job_workflow_ref:.+)?$|@refs\/pull\//.test(v))),
  );
}

export const iamPlanRoleNoLockWrites: Rule = {
  id: "IAM-PLAN-ROLE-NO-LOCK-WRITES",
  rationale:
    "The role every pull request may assume writes no state, lockfile or lock item: plans run with -lock=false, and any lock " +
    "write could forge or drop a lock.",
  controls: [],
  appliesTo: ["aws_iam_role_policy"],
  check(target, context) {
    if (!isPullRequestRole(context.get(referencedAddress(target.body.role)))) return notApplicable("is not a pull-request role's policy");
    const parsed = parsePolicy(target.body.policy);
    if ("error" in parsed) return fail(parsed.error);
    const writes = parsed.statements
      .filter((s) => s.Effect === "Allow")
      .flatMap((s) => granted(parsed.statements, LOCK_AND_STATE_WRITES, s));
    return writes.length === 0
      ? pass("the pull-request role writes no state, lockfile or lock item")
      : fail(`the pull-request role may ${[...new Set(writes)].join(", ")}; plans run with -lock=false: grant reads only`);
  },
};

const ENVIRONMENT_TAG = "aws:ResourceTag/Environment";

export const iamBoundaryOwnEnvironment: Rule = {
  id: "IAM-BOUNDARY-OWN-ENVIRONMENT",
  rationale:
    "A workload boundary allows only its environment: named resources, or its Environment tag in one account and region; " +
    "untaggable exceptions are exempted.",
  controls: [],
  appliesTo: ["aws_iam_policy"],
  check(target) {
    const name = String(target.body.name ?? "");
    if (!name.endsWith("-workload-boundary")) return notApplicable("is not a workload boundary");
    const parsed = parsePolicy(target.body.policy);
    if ("error" in parsed) return fail(parsed.error);
    const results: CheckResult[] = [];
    parsed.statements.forEach((s, i) => {
      if (s.Effect !== "Allow") return;
      const sid = statementName(s, i);
      const resources = strings(s.Resource);
      if (s.NotResource !== undefined) {
        results.push(fail(`statement ${sid} allows with NotResource; name the environment's resources`, sid));
        return;
      }
      // A resource pattern that could cover another environment's: "*", or a whole service's ARNs.
      const open = resources.filter((r) => r === "*" || /^arn:aws:[a-z0-9-]+:[^:]*:[^:]*:\*?$/.test(r) || /:::\*$/.test(r));
      if (open.length === 0) {
        results.push(pass(`names its resources (${resources.length})`, sid));
        return;
      }
      const tagged = conditionValues(s, ENVIRONMENT_TAG).some((c) => c.operator === "StringEquals" && c.values.length === 1);
      const region = conditionValues(s, "aws:RequestedRegion").length > 0;
      const account = conditionValues(s, "aws:ResourceAccount").length > 0;
      results.push(
        tagged && region && account
          ? pass(`allows on "*" only what is tagged for its environment, in one account and region`, sid)
          : fail(
              `statement ${sid} allows ${strings(s.Action).slice(0, 3).join(", ")} on ${open.join(", ")} ` +
                `without requiring ${ENVIRONMENT_TAG}, aws:ResourceAccount and aws:RequestedRegion; name the resources or require the tag`,
              sid,
            ),
      );
    });
    if (!isObject(target.body) || results.length === 0) return notApplicable("allows nothing");
    return results;
  },
};

/**
 * What would let a role make another role that someone outside the account may assume, or lift a
 * role over its permissions boundary: IAM has no condition key on the trust policy CreateRole and
 * UpdateAssumeRolePolicy write, so no grant of them can be fenced to AWS service principals.
 */
const ROLE_AND_TRUST_WRITES = [
  "iam:CreateRole",
  "iam:UpdateAssumeRolePolicy",
  "iam:PutRolePermissionsBoundary",
  "iam:DeleteRolePermissionsBoundary",
];

export const iamDeployRoleNoRoleCreation: Rule = {
  id: "IAM-DEPLOY-ROLE-NO-ROLE-CREATION",
  rationale:
    "A role GitHub Actions assumes creates no role, writes no trust and changes no boundary: IAM cannot fence the trust it would write.",
  controls: [],
  appliesTo: ["aws_iam_role_policy"],
  check(target, context) {
    const role = context.get(referencedAddress(target.body.role));
    const trust = role ? parsePolicy(role.body.assume_role_policy) : undefined;
    const github = trust && !("error" in trust) && trust.statements.some((s) => s.Effect === "Allow" && trustsGithub(s, context));
    if (!github) return notApplicable("is not the policy of a role GitHub Actions assumes");
    const parsed = parsePolicy(target.body.policy);
    if ("error" in parsed) return fail(parsed.error);
    const writes = parsed.statements.flatMap((s, i) =>
      s.Effect === "Allow" ? granted(parsed.statements, ROLE_AND_TRUST_WRITES, s).map((a) => `${a} (${statementName(s, i)})`) : [],
    );
    return writes.length === 0
      ? pass(`allows none of ${ROLE_AND_TRUST_WRITES.join(", ")}`)
      : fail(
          `a role GitHub Actions assumes may ${[...new Set(writes)].join(", ")}; create workload roles in the bootstrap ` +
            'and deny these actions on "*"',
        );
  },
};

export const productionOwnAccount: Rule = {
  id: "PRODUCTION-OWN-ACCOUNT",
  rationale:
    "Production has an AWS account of its own: in a shared one, IAM cannot keep another environment off its untagged objects " +
    "or out of ecs:CreateService's parameters.",
  controls: [],
  appliesTo: ["stack"],
  productionOnly: true,
  check(_stack, context) {
    if (!context.isProduction) return notApplicable(`required in production only (stack tier ${context.tier})`);
    const pinned = [
      ...new Set(
        context
          .targets()
          .filter((t) => t.type === "provider.aws")
          .flatMap((p) => strings(p.body.allowed_account_ids)),
      ),
    ];
    if (pinned.length === 0) return fail("no aws provider pins an account (allowed_account_ids); pin the stack to its own account");
    const sharing = Object.entries(context.otherEnvironmentAccounts).filter(([, account]) => pinned.includes(account));
    return sharing.length === 0
      ? pass(`account ${pinned.join(", ")} hosts no other environment`)
      : fail(
          `account ${pinned.join(", ")} also hosts ${sharing.map(([name]) => name).join(", ")}; give production an account of its ` +
            "own (accountId and project.accounts)",
        );
  },
};

export const ISOLATION_RULES: readonly Rule[] = [
  iamNoAccountLevelLogs,
  iamPlanRoleNoLockWrites,
  iamBoundaryOwnEnvironment,
  iamDeployRoleNoRoleCreation,
  vpcDefaultNetworkAclManaged,
  productionOwnAccount,
];
