import type { AuditContext } from "../context";
import {
  blocks,
  conditionValues,
  isEveryone,
  isObject,
  parsePolicy,
  referencedAddress,
  type Statement,
  statementName,
  strings,
} from "../terraform";
import { type AuditTarget, type CheckResult, fail, notApplicable, pass, type Rule } from "../types";
import { iamReference } from "./iam-reference";

const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

/** Resources that carry an identity policy document, and where. */
const POLICY_RESOURCES = ["aws_iam_role_policy", "aws_iam_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role"];

/** A list for a message: the first few items, then how many more. */
function listed(items: string[], shown = 3): string {
  return items.length <= shown ? items.join(", ") : `${items.slice(0, shown).join(", ")} and ${items.length - shown} more`;
}

/** The identity policy documents of a target: `policy`, or a role's inline_policy blocks. */
function identityPolicies(target: AuditTarget): unknown[] {
  if (target.type === "aws_iam_role") return blocks(target.body.inline_policy).map((p) => p.policy);
  return [target.body.policy];
}

/**
 * Runs `judge` on every Allow statement of every identity policy of the target; one result per
 * statement, named by its Sid so an exemption can name the statements it covers.
 */
function eachAllowStatement(
  target: AuditTarget,
  judge: (s: Statement, name: string) => CheckResult | CheckResult[],
): CheckResult | CheckResult[] {
  const documents = identityPolicies(target);
  if (documents.length === 0) return notApplicable("has no inline policy");
  const results: CheckResult[] = [];
  for (const document of documents) {
    const parsed = parsePolicy(document);
    if ("error" in parsed) {
      results.push(fail(parsed.error));
      continue;
    }
    parsed.statements.forEach((s, i) => {
      if (s.Effect === "Allow") results.push(...[judge(s, statementName(s, i))].flat());
    });
  }
  return results.length > 0 ? results : notApplicable("allows nothing");
}

export const iamNoWildcardAction: Rule = {
  id: "IAM-NO-WILDCARD-ACTION",
  rationale: 'No policy grants every action ("*" or Allow with NotAction): that is administrator access.',
  controls: ["IAM.1", "CKV_AWS_63"],
  appliesTo: POLICY_RESOURCES,
  check(target) {
    return eachAllowStatement(target, (s, name) => {
      if (s.NotAction !== undefined) return fail("allows with NotAction (every action but those listed); list the actions instead", name);
      return strings(s.Action).includes("*")
        ? fail('allows Action "*"; list the actions the role needs', name)
        : pass(`allows ${strings(s.Action).length} named action(s)`, name);
    });
  },
};

export const iamNoWildcardResource: Rule = {
  id: "IAM-NO-WILDCARD-RESOURCE",
  rationale: 'An Allow names the resources it covers; "*" is left for actions IAM accepts on no narrower resource.',
  controls: ["CKV_AWS_355", "AVD-AWS-0057"],
  appliesTo: POLICY_RESOURCES,
  check(target) {
    return eachAllowStatement(target, (s, name) => {
      if (s.NotResource !== undefined) return fail("allows with NotResource (every resource but those listed); list the resources", name);
      return strings(s.Resource).includes("*")
        ? fail(`allows ${listed(strings(s.Action))} on Resource "*"; name the resources, or exempt the statement with the reason`, name)
        : pass("names its resources", name);
    });
  },
};

/** `<service>:*`: every action of one service, those AWS adds later included. */
const SERVICE_WILDCARD = /^([^:*]+):\*$/;

export const iamNoServiceWildcard: Rule = {
  id: "IAM-NO-SERVICE-WILDCARD",
  rationale:
    'No policy grants a whole service ("ec2:*"): it includes the service\'s policy, sharing and account-wide actions, and every ' +
    "action AWS adds later.",
  controls: ["IAM.21"],
  appliesTo: POLICY_RESOURCES,
  check(target) {
    return eachAllowStatement(target, (s, name) => {
      const wildcards = strings(s.Action).filter((a) => SERVICE_WILDCARD.test(a));
      if (wildcards.length === 0) return pass("grants no service whole", name);
      // One finding per statement and service, named `<statement>/<service>:*`, so an exemption covers
      // the wildcard where it was reviewed and nowhere else (a new statement granting s3:* is not exempt).
      return wildcards.map((action) =>
        fail(
          `statement ${name} allows ${action} (every ${SERVICE_WILDCARD.exec(action)![1]} action, present and future); ` +
            `list the actions it needs, or exempt ${action} with the reason`,
          `${name}/${action.toLowerCase()}`,
        ),
      );
    });
  },
};

const ADMIN_POLICY = /:policy\/AdministratorAccess$/;

export const iamNoAdministratorAccess: Rule = {
  id: "IAM-NO-ADMINISTRATOR-ACCESS",
  rationale: "No role, user or group gets the AWS managed AdministratorAccess policy.",
  controls: ["CKV_AWS_274"],
  appliesTo: [
    "aws_iam_role",
    "aws_iam_role_policy_attachment",
    "aws_iam_policy_attachment",
    "aws_iam_user_policy_attachment",
    "aws_iam_group_policy_attachment",
    "aws_iam_role_policy_attachments_exclusive",
  ],
  check(target) {
    const arns = [...strings(target.body.policy_arn), ...strings(target.body.managed_policy_arns), ...strings(target.body.policy_arns)];
    const admin = arns.filter((a) => ADMIN_POLICY.test(a));
    return admin.length > 0
      ? fail(`attaches ${admin.join(", ")}; attach a policy with the actions the principal needs`)
      : pass(arns.length > 0 ? `attaches ${arns.length} other managed policy(ies)` : "attaches no managed policy");
  },
};

/** Trust statements of a role (its assume_role_policy). */
function trustStatements(role: AuditTarget): { statements: Statement[] } | { error: string } {
  return parsePolicy(role.body.assume_role_policy);
}

export const iamTrustNoWildcardPrincipal: Rule = {
  id: "IAM-TRUST-NO-WILDCARD-PRINCIPAL",
  rationale: 'A role is assumable only by named principals, never by "*".',
  controls: ["CKV_AWS_60"],
  appliesTo: ["aws_iam_role"],
  check(role) {
    const trust = trustStatements(role);
    if ("error" in trust) return fail(`assume_role_policy: ${trust.error}`);
    const results = trust.statements
      .map((s, i): CheckResult | undefined => {
        if (s.Effect !== "Allow") return undefined;
        const name = statementName(s, i);
        if (s.NotPrincipal !== undefined) return fail("trusts everyone but the NotPrincipal list; name the principals", name);
        return isEveryone(s.Principal)
          ? fail('trusts Principal "*"; name the account, service or identity provider', name)
          : pass("trusts named principals", name);
      })
      .filter((r): r is CheckResult => r !== undefined);
    return results.length > 0 ? results : notApplicable("trusts nobody");
  },
};

/** True when the statement trusts GitHub Actions' identity provider (by ARN, or by a reference to the provider resource). */
export function trustsGithub(statement: Statement, context: AuditContext): boolean {
  const federated = isObject(statement.Principal) ? strings(statement.Principal.Federated) : [];
  return federated.some((f) => {
    if (f.includes(GITHUB_OIDC_HOST)) return true;
    const provider = context.get(referencedAddress(f));
    return provider?.type === "aws_iam_openid_connect_provider" && String(provider.body.url ?? "").includes(GITHUB_OIDC_HOST);
  });
}

/** GitHub's default subject: the repository by name. */
const SUBJECT = /^repo:([^/:]+\/[^/:]+):(.+)$/;
/** The subject once the repository's template is set to owner id, repository id, context: as specific, and immune to renames. */
const ID_SUBJECT = /^repository_owner_id:(\d+):repository_id:(\d+):(.+)$/;
const SUBJECT_CONTEXT = /^(environment:[^:]+|ref:refs\/heads\/.+)$/;

/** Problems with one GitHub trust statement's aud and sub conditions, or none. */
function githubTrustProblems(statement: Statement, context: AuditContext): string[] {
  const repository = context.githubRepository;
  const ids = context.githubRepositoryIds;
  const problems: string[] = [];
  const aud = conditionValues(statement, `${GITHUB_OIDC_HOST}:aud`);
  const audOk =
    aud.length > 0 && aud.every((c) => c.operator === "StringEquals" && c.values.length === 1 && c.values[0] === GITHUB_OIDC_AUDIENCE);
  if (!audOk) problems.push(`must check ${GITHUB_OIDC_HOST}:aud with StringEquals "${GITHUB_OIDC_AUDIENCE}"`);

  const sub = conditionValues(statement, `${GITHUB_OIDC_HOST}:sub`);
  const values = [...new Set(sub.flatMap((c) => c.values))];
  if (sub.length === 0) {
    problems.push(`must check ${GITHUB_OIDC_HOST}:sub (any workflow of any repository could assume it)`);
    return problems;
  }
  const operators = sub.map((c) => c.operator).filter((o) => o !== "StringEquals" && o !== "StringLike");
  if (operators.length > 0) problems.push(`checks sub with ${operators.join(", ")}; use StringEquals`);
  if (values.length !== 1) {
    problems.push(`accepts ${values.length} subjects (${values.join(", ")}); pin one repository and one environment or branch`);
    return problems;
  }
  const [value] = values;
  if (/[*?]/.test(value)) problems.push(`sub "${value}" has a wildcard; name one repository and one environment or branch`);
  const byName = SUBJECT.exec(value);
  const byIds = ID_SUBJECT.exec(value);
  let pinned: string | undefined;
  if (byName) {
    if (repository !== undefined && byName[1].toLowerCase() !== repository.toLowerCase()) {
      problems.push(`sub "${value}" names ${byName[1]}, not this project's repository ${repository}`);
    }
    pinned = byName[2];
  } else if (byIds) {
    if (ids !== undefined && (byIds[1] !== ids.ownerId || byIds[2] !== ids.repositoryId)) {
      problems.push(
        `sub "${value}" names owner id ${byIds[1]} and repository id ${byIds[2]}, not this project's ${ids.ownerId} and ` +
          `${ids.repositoryId}`,
      );
    }
    pinned = byIds[3];
  } else {
    problems.push(`sub "${value}" is neither repo:<owner>/<repo>:<context> nor repository_owner_id:<id>:repository_id:<id>:<context>`);
  }
  if (pinned !== undefined && !SUBJECT_CONTEXT.test(pinned)) {
    problems.push(`sub "${value}" pins "${pinned}", not an environment (environment:<name>) or a branch (ref:refs/heads/<branch>)`);
  }
  return problems;
}

export const iamGithubOidcTrust: Rule = {
  id: "IAM-GITHUB-OIDC-TRUST",
  rationale:
    "A role GitHub Actions assumes checks the token's audience and pins its subject to one repository (by name or by its ids) " +
    "and one environment or branch.",
  controls: ["CKV_AWS_358"],
  appliesTo: ["aws_iam_role"],
  check(role, context) {
    const trust = trustStatements(role);
    if ("error" in trust) return notApplicable(`assume_role_policy: ${trust.error}`);
    const results = trust.statements
      .map((s, i): CheckResult | undefined => {
        if (s.Effect !== "Allow" || !trustsGithub(s, context)) return undefined;
        const name = statementName(s, i);
        const problems = githubTrustProblems(s, context);
        if (problems.length > 0) return fail(`GitHub OIDC trust ${problems.join("; ")}`, name);
        const sub = conditionValues(s, `${GITHUB_OIDC_HOST}:sub`)[0].values[0];
        return pass(`trusts GitHub tokens for ${sub} with audience ${GITHUB_OIDC_AUDIENCE}`, name);
      })
      .filter((r): r is CheckResult => r !== undefined);
    return results.length > 0 ? results : notApplicable("does not trust GitHub Actions");
  },
};

export const iamServiceRoleBoundary: Rule = {
  id: "IAM-SERVICE-ROLE-BOUNDARY",
  rationale: "A role an AWS service assumes carries a permissions boundary, so whoever writes its policy cannot exceed the boundary.",
  controls: [],
  appliesTo: ["aws_iam_role"],
  check(role) {
    const trust = trustStatements(role);
    if ("error" in trust) return notApplicable(`assume_role_policy: ${trust.error}`);
    const services = trust.statements.flatMap((s) => (s.Effect === "Allow" && isObject(s.Principal) ? strings(s.Principal.Service) : []));
    if (services.length === 0) return notApplicable("is not assumed by an AWS service");
    const boundary = role.body.permissions_boundary;
    return typeof boundary === "string" && boundary !== ""
      ? pass(`assumed by ${services.join(", ")}; permissions boundary ${boundary}`)
      : fail(`is assumed by ${services.join(", ")} but has no permissions_boundary; set it to the environment's workload boundary`);
  },
};

export const IAM_RULES: readonly Rule[] = [
  iamServiceRoleBoundary,
  iamGithubOidcTrust,
  iamTrustNoWildcardPrincipal,
  iamNoAdministratorAccess,
  iamNoWildcardAction,
  iamNoServiceWildcard,
  iamNoWildcardResource,
  iamReference,
];
