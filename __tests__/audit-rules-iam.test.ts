import { auditPlatform } from "../audit/audit-app";
import { AuditContext, type AuditContextOptions } from "../audit/context";
import { auditStack } from "../audit/engine";
import { IAM_RULES } from "../audit/rules";
import type { Rule, TerraformJson } from "../audit/types";
import { DEPLOY_ROLE_SERVICE_WILDCARDS } from "../bootstrap/permissions";
import { describeFixtures, type Fixture, ruleById } from "./support/audit-fixtures";
import { checkRule as results, withValue as set } from "./support/audit-testing";
import { sampleConfig } from "./support/sample";

const rule = (id: string): Rule => ruleById(IAM_RULES, id);

const policy = (...statements: unknown[]): string => JSON.stringify({ Version: "2012-10-17", Statement: statements });

const HOST = "token.actions.githubusercontent.com";
const githubTrust = (
  conditions: Record<string, Record<string, unknown>>,
  federated = "${aws_iam_openid_connect_provider.github.arn}",
): string =>
  policy({
    Sid: "GithubActionsOidc",
    Effect: "Allow",
    Principal: { Federated: federated },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition: conditions,
  });
const pinned = { StringEquals: { [`${HOST}:aud`]: "sts.amazonaws.com", [`${HOST}:sub`]: "repo:acme/platform:environment:stage" } };

/** The bootstrap's deploy role, as GithubOidc writes it. */
const githubRole: TerraformJson = {
  resource: {
    aws_iam_openid_connect_provider: { github: { url: `https://${HOST}`, client_id_list: ["sts.amazonaws.com"] } },
    aws_iam_role: { deploy: { name: "acme-stage-deploy", assume_role_policy: githubTrust(pinned) } },
  },
};
const ROLE_TRUST = "resource/aws_iam_role/deploy/assume_role_policy";
const repository = { githubRepository: "acme/platform" };

const serviceRole: TerraformJson = {
  resource: {
    aws_iam_role: {
      task: {
        assume_role_policy: policy({ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }),
      },
    },
  },
};

const rolePolicy = (...statements: unknown[]): TerraformJson => ({
  resource: { aws_iam_role_policy: { p: { role: "${aws_iam_role.task.id}", policy: policy(...statements) } } },
});
const readObjects = {
  Sid: "ReadObjects",
  Effect: "Allow",
  Action: ["s3:GetObject"],
  Resource: "arn:aws:s3:::acme-stage-site-123456789012/*",
};

const attachment = (arn: string): TerraformJson => ({
  resource: { aws_iam_role_policy_attachment: { a: { role: "${aws_iam_role.task.name}", policy_arn: arn } } },
});

const fixtures: Record<string, Fixture> = {
  "IAM-GITHUB-OIDC-TRUST": {
    options: repository,
    compliant: githubRole,
    nonCompliant: set(
      githubRole,
      ROLE_TRUST,
      githubTrust({ StringLike: { [`${HOST}:aud`]: "sts.amazonaws.com", [`${HOST}:sub`]: "repo:acme/platform:*" } }),
    ),
    failure: /has a wildcard/,
  },
  "IAM-TRUST-NO-WILDCARD-PRINCIPAL": {
    compliant: serviceRole,
    nonCompliant: set(
      serviceRole,
      "resource/aws_iam_role/task/assume_role_policy",
      policy({ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }),
    ),
    failure: /trusts Principal "\*"/,
  },
  "IAM-SERVICE-ROLE-BOUNDARY": {
    compliant: set(
      serviceRole,
      "resource/aws_iam_role/task/permissions_boundary",
      "arn:aws:iam::123456789012:policy/acme-stage-workload-boundary",
    ),
    nonCompliant: serviceRole,
    failure: /is assumed by ecs-tasks\.amazonaws\.com but has no permissions_boundary/,
  },
  "IAM-NO-ADMINISTRATOR-ACCESS": {
    compliant: attachment("arn:aws:iam::aws:policy/ReadOnlyAccess"),
    nonCompliant: attachment("arn:aws:iam::aws:policy/AdministratorAccess"),
    failure: /attaches arn:aws:iam::aws:policy\/AdministratorAccess/,
  },
  "IAM-NO-WILDCARD-ACTION": {
    compliant: rolePolicy(readObjects),
    nonCompliant: rolePolicy({ Sid: "Everything", Effect: "Allow", Action: "*", Resource: "*" }),
    failure: /allows Action "\*"/,
  },
  "IAM-NO-SERVICE-WILDCARD": {
    compliant: rolePolicy(readObjects, { Sid: "Describe", Effect: "Allow", Action: "ec2:Describe*", Resource: "*" }),
    nonCompliant: rolePolicy({ ...readObjects, Action: "s3:*" }),
    failure: /statement ReadObjects allows s3:\* \(every s3 action, present and future\)/,
  },
  "IAM-NO-WILDCARD-RESOURCE": {
    compliant: rolePolicy(readObjects),
    nonCompliant: rolePolicy(readObjects, { Sid: "AnyBucket", Effect: "Allow", Action: "s3:GetObject", Resource: "*" }),
    failure: /allows s3:GetObject on Resource "\*"/,
  },
  // More cases in audit-rules-iam-reference.test.ts.
  "IAM-REFERENCE": {
    compliant: rolePolicy(readObjects),
    nonCompliant: rolePolicy({ ...readObjects, Action: ["s3:GetObject", "s3:GetObjects"] }),
    failure: /action s3:GetObjects does not exist/,
  },
};

describe("IAM rules", () => {
  describeFixtures(IAM_RULES, fixtures);
});

describe("IAM-GITHUB-OIDC-TRUST", () => {
  const oidc = rule("IAM-GITHUB-OIDC-TRUST");
  const judge = (trust: string, options: AuditContextOptions = repository) => results(oidc, set(githubRole, ROLE_TRUST, trust), options);

  it("recognises GitHub's provider by ARN as well as by reference", () => {
    const byArn = githubTrust(pinned, `arn:aws:iam::123456789012:oidc-provider/${HOST}`);
    expect(judge(byArn).map((r) => r.status)).toEqual(["pass"]);
  });

  it("accepts a subject pinned to one branch", () => {
    const branch = { StringEquals: { ...pinned.StringEquals, [`${HOST}:sub`]: "repo:acme/platform:ref:refs/heads/main" } };
    expect(judge(githubTrust(branch)).map((r) => r.status)).toEqual(["pass"]);
  });

  it("fails a trust without an audience check", () => {
    const noAud = { StringEquals: { [`${HOST}:sub`]: "repo:acme/platform:environment:stage" } };
    expect(judge(githubTrust(noAud))[0].message).toMatch(/must check token\.actions\.githubusercontent\.com:aud/);
  });

  it("fails a trust without a subject check", () => {
    const noSub = { StringEquals: { [`${HOST}:aud`]: "sts.amazonaws.com" } };
    expect(judge(githubTrust(noSub))[0].message).toMatch(/must check token\.actions\.githubusercontent\.com:sub/);
  });

  it("fails a subject that pins an event rather than an environment or a branch", () => {
    const pullRequest = { StringEquals: { ...pinned.StringEquals, [`${HOST}:sub`]: "repo:acme/platform:pull_request" } };
    expect(judge(githubTrust(pullRequest))[0].message).toMatch(/pins "pull_request", not an environment/);
  });

  it("fails a subject naming another repository than the project's", () => {
    const other = { StringEquals: { ...pinned.StringEquals, [`${HOST}:sub`]: "repo:evil/fork:environment:stage" } };
    expect(judge(githubTrust(other))[0].message).toMatch(/names evil\/fork, not this project's repository acme\/platform/);
  });

  it("fails a trust accepting several subjects", () => {
    const several = {
      StringEquals: {
        ...pinned.StringEquals,
        [`${HOST}:sub`]: ["repo:acme/platform:environment:stage", "repo:acme/platform:environment:prod"],
      },
    };
    expect(judge(githubTrust(several))[0].message).toMatch(/accepts 2 subjects/);
  });

  describe("with the subject by immutable ids", () => {
    const ids = { ...repository, githubRepositoryIds: { ownerId: "90000002", repositoryId: "700000001" } };
    const bySub = (sub: string) => githubTrust({ StringEquals: { ...pinned.StringEquals, [`${HOST}:sub`]: sub } });

    it("accepts one repository's ids and one environment, as specific as the name", () => {
      const sub = "repository_owner_id:90000002:repository_id:700000001:environment:stage";
      expect(judge(bySub(sub), ids).map((r) => [r.status, r.message])).toEqual([["pass", expect.stringContaining(sub)]]);
      // Without the project's ids the audit accepts any single repository, as it does by name.
      expect(judge(bySub(sub), {}).map((r) => r.status)).toEqual(["pass"]);
    });

    it("fails a wildcard in the ids or the context", () => {
      for (const sub of [
        "repository_owner_id:90000002:repository_id:*:environment:stage",
        "repository_owner_id:90000002:repository_id:700000001:environment:*",
      ]) {
        expect([sub, judge(bySub(sub), ids)[0].message]).toEqual([sub, expect.stringMatching(/has a wildcard/)]);
      }
    });

    it("fails ids of another repository than the project's", () => {
      const other = "repository_owner_id:90000002:repository_id:700000099:environment:stage";
      expect(judge(bySub(other), ids)[0].message).toMatch(
        /names owner id 90000002 and repository id 700000099, not this project's 90000002 and 700000001/,
      );
    });

    it("fails an event rather than an environment or a branch", () => {
      const pullRequest = "repository_owner_id:90000002:repository_id:700000001:pull_request";
      expect(judge(bySub(pullRequest), ids)[0].message).toMatch(/pins "pull_request", not an environment/);
    });

    it("fails a subject in neither form", () => {
      expect(judge(bySub("repository_id:700000001:environment:stage"), ids)[0].message).toMatch(
        /is neither repo:<owner>\/<repo>:<context> nor repository_owner_id:<id>:repository_id:<id>:<context>/,
      );
    });
  });

  it("does not apply to roles GitHub cannot assume", () => {
    expect(results(oidc, serviceRole).map((r) => r.status)).toEqual(["n/a"]);
  });
});

describe("IAM-SERVICE-ROLE-BOUNDARY", () => {
  it("does not apply to roles only GitHub's identity provider assumes (the bootstrap's, made by an administrator)", () => {
    expect(results(rule("IAM-SERVICE-ROLE-BOUNDARY"), githubRole).map((r) => r.status)).toEqual(["n/a"]);
  });
});

describe("IAM policy statement rules", () => {
  it("names each failing statement by its Sid, so an exemption can cover one statement", () => {
    const tf = rolePolicy(readObjects, { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" });
    const found = results(rule("IAM-NO-WILDCARD-RESOURCE"), tf);
    expect(found.map((r) => [r.subject, r.status])).toEqual([
      ["ReadObjects", "pass"],
      ["EcrLogin", "fail"],
    ]);
  });

  it("fails Allow with NotAction or NotResource, which grant everything not listed", () => {
    const notAction = rolePolicy({ Effect: "Allow", NotAction: "iam:*", Resource: "arn:aws:s3:::x" });
    expect(results(rule("IAM-NO-WILDCARD-ACTION"), notAction)[0].message).toMatch(/NotAction/);
    const notResource = rolePolicy({ Effect: "Allow", Action: "s3:GetObject", NotResource: "arn:aws:s3:::x" });
    expect(results(rule("IAM-NO-WILDCARD-RESOURCE"), notResource)[0].message).toMatch(/NotResource/);
  });

  it('ignores Deny statements on "*"', () => {
    const deny = rolePolicy(readObjects, { Effect: "Deny", Action: "*", Resource: "*" });
    expect(results(rule("IAM-NO-WILDCARD-ACTION"), deny).map((r) => r.status)).toEqual(["pass"]);
  });

  it("reads a role's inline_policy blocks", () => {
    const inline = set(serviceRole, "resource/aws_iam_role/task/inline_policy", [
      { name: "x", policy: policy({ Effect: "Allow", Action: "*", Resource: "*" }) },
    ]);
    expect(results(rule("IAM-NO-WILDCARD-ACTION"), inline).map((r) => r.status)).toEqual(["fail"]);
  });

  it("fails a policy it cannot read rather than passing it", () => {
    const computed: TerraformJson = { resource: { aws_iam_policy: { p: { policy: "${data.aws_iam_policy_document.x.json}" } } } };
    expect(results(rule("IAM-NO-WILDCARD-ACTION"), computed)[0]).toMatchObject({
      status: "fail",
      message: expect.stringMatching(/cannot read it/),
    });
  });

  it("finds AdministratorAccess among a role's managed_policy_arns", () => {
    const role = set(serviceRole, "resource/aws_iam_role/task/managed_policy_arns", ["arn:aws:iam::aws:policy/AdministratorAccess"]);
    expect(results(rule("IAM-NO-ADMINISTRATOR-ACCESS"), role).map((r) => r.status)).toEqual(["fail"]);
  });
});

describe("IAM-NO-SERVICE-WILDCARD", () => {
  const wildcard = rule("IAM-NO-SERVICE-WILDCARD");

  it("names each failing wildcard by its statement and service: an exemption for ec2:* in one statement covers no other", () => {
    const tf = rolePolicy(
      { Sid: "Infrastructure", Effect: "Allow", Action: ["ec2:*", "ecr:*", "ecs:DescribeServices"], Resource: "*" },
      { Sid: "More", Effect: "Allow", Action: "ec2:*", Resource: "*" },
    );
    expect(results(wildcard, tf).map((r) => [r.subject, r.status])).toEqual([
      ["Infrastructure/ec2:*", "fail"],
      ["Infrastructure/ecr:*", "fail"],
      ["More/ec2:*", "fail"],
    ]);
  });

  it('leaves Action "*" and Deny statements to the other rules', () => {
    const tf = rolePolicy({ Effect: "Allow", Action: "*", Resource: "*" }, { Effect: "Deny", Action: "iam:*", Resource: "*" });
    expect(results(wildcard, tf).map((r) => r.status)).toEqual(["pass"]);
  });

  describe("on the real bootstrap stack", () => {
    // Synthesized as the audit does: Testing.synth drops the "//" comments the exemptions live in.
    const bootstrap = auditPlatform(sampleConfig(), { rules: [wildcard] }).stacks.find((s) => s.name === "bootstrap")!.tf;
    const policies = bootstrap.resource!.aws_iam_role_policy as Record<string, { policy: string }>;
    const stageId = Object.keys(policies).find((id) => id.startsWith("github-oidc_deploy-role-stage-policy"))!;
    const audit = (tf: TerraformJson) => auditStack(new AuditContext("bootstrap", tf), [wildcard]);

    it("passes the deploy roles with the documented allow-list, every entry of which is used", () => {
      const report = audit(bootstrap);
      expect(report.failures).toBe(0);
      expect(report.exemptionIssues).toEqual([]);
      const exempted = report.rules[0].findings.filter((f) => f.status === "exempt" && f.address.endsWith(stageId));
      expect(exempted.map((f) => f.subject).sort()).toEqual(
        DEPLOY_ROLE_SERVICE_WILDCARDS.map((w) => `${w.statement}/${w.service}:*`).sort(),
      );
    });

    it("fails ecr:* added to a deploy role, since ECR is not on the allow-list", () => {
      const document = JSON.parse(policies[stageId].policy);
      document.Statement.push({ Sid: "AllOfEcr", Effect: "Allow", Action: "ecr:*", Resource: "*" });
      const report = audit(set(bootstrap, `resource/aws_iam_role_policy/${stageId}/policy`, JSON.stringify(document)));
      const failures = report.rules[0].findings.filter((f) => f.status === "fail");
      expect(failures.map((f) => [f.address, f.subject])).toEqual([[`aws_iam_role_policy.${stageId}`, "AllOfEcr/ecr:*"]]);
      expect(failures[0].message).toMatch(/statement AllOfEcr allows ecr:\*/);
    });

    it("fails s3:* in a new statement of a deploy role, although s3:* is allowed in OwnBuckets", () => {
      const document = JSON.parse(policies[stageId].policy);
      document.Statement.push({ Sid: "EveryBucket", Effect: "Allow", Action: "s3:*", Resource: "*" });
      const report = audit(set(bootstrap, `resource/aws_iam_role_policy/${stageId}/policy`, JSON.stringify(document)));
      const failures = report.rules[0].findings.filter((f) => f.status === "fail");
      expect(failures.map((f) => f.subject)).toEqual(["EveryBucket/s3:*"]);
    });
  });
});
