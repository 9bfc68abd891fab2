import { ISOLATION_RULES } from "../audit/rules";
import type { TerraformJson } from "../audit/types";
import { describeFixtures, type Fixture } from "./support/audit-fixtures";

const policy = (...statements: unknown[]): string => JSON.stringify({ Version: "2012-10-17", Statement: statements });

const rolePolicy = (...statements: unknown[]): TerraformJson => ({
  resource: { aws_iam_role_policy: { p: { role: "${aws_iam_role.deploy.id}", policy: policy(...statements) } } },
});

const HOST = "token.actions.githubusercontent.com";
const planRole = (...statements: unknown[]): TerraformJson => ({
  resource: {
    aws_iam_role: {
      plan: {
        name: "acme-plan",
        assume_role_policy: policy({
          Effect: "Allow",
          Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: { StringEquals: { [`${HOST}:aud`]: "sts.amazonaws.com", [`${HOST}:sub`]: "repo:acme/platform:pull_request" } },
        }),
      },
    },
    aws_iam_role_policy: { p: { role: "${aws_iam_role.plan.id}", policy: policy(...statements) } },
  },
});
const BUCKET = "arn:aws:s3:::acme-tfstate-123456789012-eu-west-1";

/** A stack whose AWS providers (the region's, and us-east-1's) are pinned to `account`. */
const pinnedTo = (account: string): TerraformJson => ({
  provider: {
    aws: [
      { region: "eu-west-1", allowed_account_ids: [account] },
      { alias: "us-east-1", region: "us-east-1", allowed_account_ids: [account] },
    ],
  },
});
/** A production stack of a platform whose stage lives in the project's account. */
const PROD_CONTEXT = { tier: "production" as const, otherEnvironmentAccounts: { stage: "123456789012" } };

/** A role stage's GitHub environment assumes, with this inline policy. */
const githubRole = (...statements: unknown[]): TerraformJson => ({
  resource: {
    aws_iam_role: {
      deploy: {
        name: "acme-stage-deploy",
        assume_role_policy: policy({
          Effect: "Allow",
          Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: { StringEquals: { [`${HOST}:aud`]: "sts.amazonaws.com", [`${HOST}:sub`]: "repo:acme/platform:environment:stage" } },
        }),
      },
    },
    aws_iam_role_policy: { p: { role: "${aws_iam_role.deploy.id}", policy: policy(...statements) } },
  },
});

const vpc = (acl?: Record<string, unknown>): TerraformJson => ({
  resource: {
    aws_vpc: { vpc: { cidr_block: "10.10.0.0/16" } },
    ...(acl && { aws_default_network_acl: { default: { default_network_acl_id: "${aws_vpc.vpc.default_network_acl_id}", ...acl } } }),
  },
});
const allowAll = { protocol: "-1", action: "allow", cidr_block: "0.0.0.0/0", from_port: 0, to_port: 0, rule_no: 100 };

const boundary = (...statements: unknown[]): TerraformJson => ({
  resource: { aws_iam_policy: { boundary: { name: "acme-stage-workload-boundary", policy: policy(...statements) } } },
});

const fixtures: Record<string, Fixture> = {
  "IAM-NO-ACCOUNT-LEVEL-LOGS": {
    compliant: rolePolicy(
      {
        Sid: "OwnLogGroups",
        Effect: "Allow",
        Action: ["logs:CreateLogGroup"],
        Resource: "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/acme-stage/*",
      },
      {
        Sid: "NoAccountLevelLogs",
        Effect: "Deny",
        Action: ["logs:PutAccountPolicy", "logs:PutDestination", "logs:PutResourcePolicy"],
        Resource: "*",
      },
    ),
    nonCompliant: rolePolicy({ Sid: "RegionalInfrastructure", Effect: "Allow", Action: ["ec2:*", "logs:*"], Resource: "*" }),
    failure: /allows logs:PutAccountPolicy/,
  },
  "IAM-PLAN-ROLE-NO-LOCK-WRITES": {
    compliant: planRole(
      { Sid: "ReadState", Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket"], Resource: [BUCKET, `${BUCKET}/*`] },
      { Sid: "NoStateOrLockWrites", Effect: "Deny", Action: ["s3:PutObject", "dynamodb:PutItem"], Resource: [BUCKET, `${BUCKET}/*`] },
    ),
    nonCompliant: planRole(
      {
        Sid: "StateLockFiles",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:DeleteObject"],
        Resource: `${BUCKET}/*/terraform.tfstate.tflock`,
      },
      {
        Sid: "TakeAndReleaseLocks",
        Effect: "Allow",
        Action: ["dynamodb:PutItem", "dynamodb:DeleteItem"],
        Resource: "arn:aws:dynamodb:eu-west-1:123456789012:table/acme-tfstate-lock",
      },
    ),
    failure: /may s3:PutObject, s3:DeleteObject, dynamodb:PutItem, dynamodb:DeleteItem/,
  },
  "IAM-BOUNDARY-OWN-ENVIRONMENT": {
    compliant: boundary(
      { Sid: "OwnBuckets", Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::acme-stage-site-123456789012/*"] },
      {
        Sid: "OwnTaggedResources",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue"],
        Resource: "*",
        Condition: {
          StringEquals: {
            "aws:ResourceTag/Environment": "stage",
            "aws:ResourceAccount": "123456789012",
            "aws:RequestedRegion": "eu-west-1",
          },
        },
      },
    ),
    // The boundary before issue 13: a region fence and a deny of other environments' tags only.
    nonCompliant: boundary(
      {
        Sid: "WorkloadServices",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue"],
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestedRegion": "eu-west-1" } },
      },
      {
        Sid: "NotOtherEnvironments",
        Effect: "Deny",
        Action: ["secretsmanager:GetSecretValue"],
        Resource: "*",
        Condition: { StringNotEquals: { "aws:ResourceTag/Environment": "stage" }, Null: { "aws:ResourceTag/Environment": "false" } },
      },
    ),
    failure: /WorkloadServices allows secretsmanager:GetSecretValue on \* without requiring aws:ResourceTag\/Environment/,
  },
  "IAM-DEPLOY-ROLE-NO-ROLE-CREATION": {
    // The deploy role since issue 13: writes its workload roles' policies only, and denies role creation and trust.
    compliant: githubRole(
      {
        Sid: "OwnRolePoliciesWithinBoundary",
        Effect: "Allow",
        Action: ["iam:PutRolePolicy", "iam:DeleteRolePolicy"],
        Resource: "arn:aws:iam::123456789012:role/acme/stage/*",
        Condition: { StringEquals: { "iam:PermissionsBoundary": "arn:aws:iam::123456789012:policy/acme-stage-workload-boundary" } },
      },
      { Sid: "NoRoleCreationOrTrust", Effect: "Deny", Action: ["iam:CreateRole", "iam:UpdateAssumeRolePolicy"], Resource: "*" },
    ),
    // The deploy role before: a boundary on what it creates, but any trust in it.
    nonCompliant: githubRole({
      Sid: "OwnRolesWithinBoundary",
      Effect: "Allow",
      Action: ["iam:CreateRole", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"],
      Resource: "arn:aws:iam::123456789012:role/acme/stage/*",
      Condition: { StringEquals: { "iam:PermissionsBoundary": "arn:aws:iam::123456789012:policy/acme-stage-workload-boundary" } },
    }),
    failure: /may iam:CreateRole \(OwnRolesWithinBoundary\), iam:UpdateAssumeRolePolicy \(OwnRolesWithinBoundary\); create workload roles/,
  },
  "VPC-DEFAULT-NACL-MANAGED": {
    compliant: vpc({ ingress: [allowAll], egress: [allowAll] }),
    nonCompliant: vpc(),
    failure: /does not manage its default network ACL/,
  },
  "PRODUCTION-OWN-ACCOUNT": {
    options: PROD_CONTEXT,
    compliant: pinnedTo("210987654321"),
    nonCompliant: pinnedTo("123456789012"),
    failure: /account 123456789012 also hosts stage; give production an account of its own/,
  },
};

describe("isolation rules", () => {
  describeFixtures(ISOLATION_RULES, fixtures);

  it("fails a default network ACL with a deny entry", () => {
    const { checkRule } = jest.requireActual("./support/audit-testing");
    const rule = ISOLATION_RULES.find((r) => r.id === "VPC-DEFAULT-NACL-MANAGED")!;
    const results = checkRule(rule, vpc({ ingress: [{ ...allowAll, action: "deny" }], egress: [allowAll] }));
    expect(results.map((r: { status: string }) => r.status)).toEqual(["fail"]);
  });

  it("asks an account of its own of production only, and fails a production stack no provider pins to an account", () => {
    const { checkRule } = jest.requireActual("./support/audit-testing");
    const rule = ISOLATION_RULES.find((r) => r.id === "PRODUCTION-OWN-ACCOUNT")!;
    const status = (tf: TerraformJson, options: object) => checkRule(rule, tf, options).map((r: { status: string }) => r.status);
    expect(status(pinnedTo("123456789012"), { ...PROD_CONTEXT, tier: "non-production" })).toEqual(["n/a"]);
    expect(status(pinnedTo("123456789012"), { ...PROD_CONTEXT, otherEnvironmentAccounts: {} })).toEqual(["pass"]);
    const unpinned = checkRule(rule, { provider: { aws: [{ region: "eu-west-1" }] } }, PROD_CONTEXT);
    expect(unpinned.map((r: { status: string; message: string }) => [r.status, r.message])).toEqual([
      ["fail", expect.stringMatching(/no aws provider pins an account \(allowed_account_ids\)/)],
    ]);
  });

  it("fails iam:* and Create* on a GitHub role, and does not apply to a role an AWS service assumes", () => {
    const { checkRule } = jest.requireActual("./support/audit-testing");
    const rule = ISOLATION_RULES.find((r) => r.id === "IAM-DEPLOY-ROLE-NO-ROLE-CREATION")!;
    const status = (tf: TerraformJson) => checkRule(rule, tf).map((r: { status: string }) => r.status);
    expect(status(githubRole({ Sid: "All", Effect: "Allow", Action: "iam:*", Resource: "*" }))).toEqual(["fail"]);
    expect(status(githubRole({ Sid: "Creates", Effect: "Allow", Action: "iam:Create*", Resource: "*" }))).toEqual(["fail"]);
    const service = githubRole({ Sid: "All", Effect: "Allow", Action: "iam:CreateRole", Resource: "*" }) as any;
    service.resource.aws_iam_role.deploy.assume_role_policy = policy({
      Effect: "Allow",
      Principal: { Service: "ecs-tasks.amazonaws.com" },
      Action: "sts:AssumeRole",
    });
    expect(status(service)).toEqual(["n/a"]);
  });
});
