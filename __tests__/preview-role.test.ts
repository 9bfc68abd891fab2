/**
 * The preview role and what the host account's bootstrap makes for previews (README "The preview role"),
 * proven with the IAM evaluator: its trust takes only the preview workflow's pull-request jobs and its
 * reaper on the default branch; every call a preview deploy and destroy makes is allowed; tried on every
 * action of the reference that fits each of the host's resources (and prod's where prod shares the
 * account), it writes only what PREVIEW_FENCE_EXCEPTIONS lists and reads no data; and each check fails
 * where it should.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Testing } from "cdktf";
import { buildPlatform } from "../app";
import { AuditContext } from "../audit/context";
import { auditStack } from "../audit/engine";
import {
  type EvaluatedRole,
  evaluate,
  type ResourcePolicy,
  resourcePoliciesOf,
  resourcePolicyFor,
  roleNamed,
  rolesOf,
  withPolicies,
} from "../audit/iam/evaluator";
import { distinctWrites, type FenceFinding, type FenceResult, runFence } from "../audit/iam/fence";
import { type InventoryItem, inventoryOf } from "../audit/iam/inventory";
import { PREVIEW_FENCE_EXCEPTIONS, PREVIEW_SITE_OBJECT } from "../audit/iam/preview-writes";
import { globRegex } from "../audit/iam/reference";
import { formatIamReport, iamReport } from "../audit/iam/role-report";
import { iamReference } from "../audit/rules/iam-reference";
import { synthesizeApp } from "../audit/synth";
import { lockItemKeys } from "../bootstrap/permissions";
import { PREVIEW_VARIABLES } from "../config/github-variables";
import { githubRoleWorkflows, githubSubject, Naming, WORKLOAD_ROLES } from "../config/naming";
import { PREVIEW_WORKLOAD_ROLES, previewDeployRoleName, previewWorkloadRoleName } from "../config/preview-naming";
import { checkRule } from "./support/audit-testing";
import { oneAccountLayout, type SynthesizedLayout, synthesizeLayout, twoAccountLayout } from "./support/iam-layouts";
import { PREVIEW_DOMAIN, type PreviewCall, previewDeployCalls, previewsConfig, withoutPreviews } from "./support/previews";
import { buildSample, sampleConfig } from "./support/sample";
import { resources } from "./support/synth";

jest.setTimeout(180_000);

/** The host's (bootstrap's) account, its preview role and workload roles, and what the fence attacks. */
interface Host {
  readonly layout: SynthesizedLayout;
  readonly account: string;
  readonly naming: Naming;
  readonly role: EvaluatedRole;
  readonly workloads: readonly EvaluatedRole[];
  readonly resourcePolicies: readonly ResourcePolicy[];
}

function hostOf(layout: SynthesizedLayout): Host {
  const { account, stack } = layout.bootstraps.bootstrap;
  const roles = rolesOf(stack, account, layout.region);
  return {
    layout,
    account,
    naming: new Naming(layout.config.project, account),
    role: roleNamed(roles, previewDeployRoleName("acme")),
    workloads: PREVIEW_WORKLOAD_ROLES.map((r) => roleNamed(roles, previewWorkloadRoleName("acme", r))),
    resourcePolicies: resourcePoliciesOf(stack, account, layout.region),
  };
}

/** An environment's resources as the fence attacks them: its stack's, its state and lock entry, its roles. */
function inventory(host: Host, environment: string): { items: InventoryItem[]; policies: ResourcePolicy[]; naming: Naming } {
  const env = host.layout.environments[environment];
  const place = { account: env.account, region: host.layout.region };
  const naming = new Naming(host.layout.config.project, env.account);
  const iam = { ...place, region: "us-east-1", tags: {} };
  const items: InventoryItem[] = [
    ...inventoryOf(env.stack, place),
    { kind: "state object", arn: `${naming.stateBucketArn}/${naming.stateKey(environment)}`, tags: {}, ...place },
    { kind: "lock table", arn: naming.lockTableArn, tags: {}, ...place },
    // A preview's site file in the environment's site bucket (the host's alone takes them: previews/pr-<n>/).
    { kind: PREVIEW_SITE_OBJECT, arn: `arn:aws:s3:::${naming.siteBucket(environment)}/previews/pr-7/index.html`, tags: {}, ...place },
    ...WORKLOAD_ROLES.map((r) => ({ kind: `workload role ${r}`, arn: naming.workloadRoleArn(environment, r), ...iam })),
    { kind: "deploy role", arn: naming.roleArn(naming.deployRoleName(environment)), ...iam },
    { kind: "workload boundary", arn: naming.workloadBoundaryArn(environment), ...iam },
  ];
  return { items, policies: [...resourcePoliciesOf(env.stack, env.account, host.layout.region), ...host.resourcePolicies], naming };
}

function attack(role: EvaluatedRole, host: Host, environment: string, items?: InventoryItem[]): Promise<FenceResult> {
  const target = inventory(host, environment);
  return runFence(role, items ?? target.items, {
    environment: "preview",
    resourcePolicies: target.policies,
    // The lock items a preview's role would write are the environment's.
    context: (item) => (item.kind === "lock table" ? { "dynamodb:LeadingKeys": lockItemKeys(target.naming, environment) } : undefined),
  });
}

/** The calls the role refuses, as `step action on resource: explanation`. */
async function refused(role: EvaluatedRole, host: Host, calls: readonly PreviewCall[]): Promise<string[]> {
  const out: string[] = [];
  for (const call of calls) {
    const decision = await evaluate(role, { ...call, resourcePolicy: resourcePolicyFor(host.resourcePolicies, call.resource) });
    if (!decision.allowed) out.push(`${call.step} ${call.action} on ${call.resource}: ${decision.explanation}`);
  }
  return out;
}

/** Whether the role's trust accepts a token with these claims (StringEquals / StringLike, as IAM matches them). */
function trustAccepts(role: EvaluatedRole, claims: Record<string, string>): boolean {
  return (role.trustPolicy?.Statement ?? []).some((s) => {
    if (s.Effect !== "Allow" || s.Action !== "sts:AssumeRoleWithWebIdentity") return false;
    return Object.entries(s.Condition ?? {}).every(([operator, keys]) =>
      Object.entries(keys as Record<string, string | string[]>).every(([key, values]) => {
        const claim = claims[key];
        if (claim === undefined) return false;
        const list = [values].flat();
        if (operator === "StringEquals") return list.includes(claim);
        if (operator === "StringLike") return list.some((v) => globRegex(v).test(claim));
        throw new Error(`trust operator ${operator} is not matched here`);
      }),
    );
  });
}

const twoAccount = hostOf(synthesizeLayout(twoAccountLayout(previewsConfig())));

describe("the host account's bootstrap", () => {
  const stack = twoAccount.layout.bootstraps.bootstrap.stack as never;

  it("makes the previews' repository: immutable tags, scanned on push, KMS, expiring images after idleDays + 7 days", () => {
    const [repository] = Object.values(resources(stack, "aws_ecr_repository"));
    expect(repository).toMatchObject({
      name: "acme-previews",
      image_tag_mutability: "IMMUTABLE",
      image_scanning_configuration: { scan_on_push: true },
      encryption_configuration: [{ encryption_type: "KMS" }],
      tags: { Environment: "preview" },
    });
    const [lifecycle] = Object.values(resources(stack, "aws_ecr_lifecycle_policy"));
    expect(JSON.parse(lifecycle.policy).rules[0].selection).toEqual({
      tagStatus: "any",
      countType: "sinceImagePushed",
      countUnit: "days",
      countNumber: 14,
    });
  });

  it("makes the preview workload roles under /acme/previews/ with the previews' boundary, trusted by ECS tasks only", () => {
    for (const role of twoAccount.workloads) {
      expect(role.arn).toMatch(/^arn:aws:iam::\d{12}:role\/acme\/previews\/acme-previews-[a-z-]+-role$/);
      expect(role.permissionsBoundary?.name).toBe("acme-previews-workload-boundary");
      expect(role.trustPolicy?.Statement).toEqual([expect.objectContaining({ Principal: { Service: "ecs-tasks.amazonaws.com" } })]);
    }
    const task = twoAccount.workloads.find((r) => r.name === "acme-previews-task-role");
    expect(task?.identityPolicies).toEqual([]);
  });

  it("outputs the preview role's ARN; prod's account's bootstrap and a config without previews make no preview role", () => {
    const outputs = (twoAccount.layout.bootstraps.bootstrap.stack as { output: Record<string, { value: string }> }).output;
    expect(outputs.preview_role_arn.value).toMatch(/aws_iam_role\.github-oidc_preview-role_\w+\.arn/);
    const prod = Object.entries(twoAccount.layout.bootstraps).find(([id]) => id !== "bootstrap")![1];
    expect(rolesOf(prod.stack, prod.account, "eu-west-1").map((r) => r.name)).not.toContain("acme-preview");
    const without = synthesizeLayout(twoAccountLayout(withoutPreviews())).bootstraps.bootstrap;
    expect(rolesOf(without.stack, without.account, "eu-west-1").map((r) => r.name)).not.toContain("acme-preview");
  });

  it("gives the workflows the preview role's ARN in the repository variable PREVIEW_ROLE_ARN (none without previews)", () => {
    const gh = JSON.parse(Testing.synth(buildSample(twoAccountLayout(previewsConfig())).github!));
    const variable = Object.values(gh.resource.github_actions_variable as Record<string, { variable_name: string; value: string }>).find(
      (v) => v.variable_name === PREVIEW_VARIABLES.roleArn,
    );
    expect(variable?.value).toMatch(/^\$\{data\.terraform_remote_state\.\S+\.outputs\.preview_role_arn\}$/);
    expect(buildSample(twoAccountLayout(withoutPreviews())).github!.repositoryVariables).not.toHaveProperty(PREVIEW_VARIABLES.roleArn);
  });

  it("rejects previews whose host is not an environment", () => {
    const config = { ...previewsConfig(), previews: { host: "qa", maxActive: 3, idleDays: 7 } } as never;
    expect(() => synthesizeLayout(config)).toThrow(/previews.host "qa" names no environment; use one of stage, prod$/m);
  });
});

describe("the preview role's trust", () => {
  const { github } = twoAccount.layout.config.project;
  const workflows = githubRoleWorkflows(github);
  const token = (sub: string) => ({
    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
    "token.actions.githubusercontent.com:sub": sub,
  });
  const pullRequest = (ref: string, file = workflows.preview.file) => githubSubject(github, "pull_request", { file, ref });

  it("accepts the preview workflow's pull-request jobs and its reaper on the default branch", () => {
    expect(trustAccepts(twoAccount.role, token(pullRequest("refs/pull/12/merge")))).toBe(true);
    expect(trustAccepts(twoAccount.role, token(githubSubject(github, "ref:refs/heads/main", workflows.previewReaper)))).toBe(true);
  });

  it.each([
    [
      "a fork-like repository",
      githubSubject({ ...github, owner: "fork" }, "pull_request", { ...workflows.preview, ref: "refs/pull/12/merge" }),
    ],
    ["another workflow file", pullRequest("refs/pull/12/merge", ".github/workflows/pull-request.yml")],
    ["another ref", pullRequest("refs/heads/feature")],
    ["an environment context", githubSubject(github, "environment:stage", { ...workflows.preview, ref: "refs/pull/12/merge" })],
    [
      "the reaper from another branch",
      githubSubject(github, "ref:refs/heads/feature", { ...workflows.previewReaper, ref: "refs/heads/feature" }),
    ],
    ["the reaper's file in a pull request", pullRequest("refs/pull/12/merge", workflows.previewReaper.file)],
  ])("refuses %s", (_, sub) => {
    expect(trustAccepts(twoAccount.role, token(sub))).toBe(false);
    // The same token with the audience GitHub gives other clients is refused too.
    expect(trustAccepts(twoAccount.role, { ...token(sub), "token.actions.githubusercontent.com:aud": "other" })).toBe(false);
  });

  it("fails where it should: a trust widened to any workflow accepts another workflow file", () => {
    const widened = JSON.parse(JSON.stringify(twoAccount.role.trustPolicy).replace(/preview\.yml@/g, "*@"));
    const other = token(pullRequest("refs/pull/12/merge", ".github/workflows/pull-request.yml"));
    expect(trustAccepts({ ...twoAccount.role, trustPolicy: widened }, other)).toBe(true);
  });
});

describe("a preview's deploy and destroy, call by call", () => {
  const bucket = twoAccount.naming.stateBucket;

  it("allows every call without a domain, and with one its DNS record in the previews' zone only", async () => {
    const calls = previewDeployCalls(twoAccount.account, "eu-west-1", bucket);
    expect(calls.length).toBeGreaterThan(60);
    expect(await refused(twoAccount.role, twoAccount, calls)).toEqual([]);
    const withDomain = hostOf(synthesizeLayout(twoAccountLayout(previewsConfig(sampleConfig(), PREVIEW_DOMAIN))));
    const domainCalls = previewDeployCalls(withDomain.account, "eu-west-1", bucket, PREVIEW_DOMAIN.name);
    expect(await refused(withDomain.role, withDomain, domainCalls)).toEqual([]);
    const [change] = domainCalls.filter((c) => c.action === "route53:ChangeResourceRecordSets");
    const apex = {
      ...change,
      context: { ...change.context, "route53:ChangeResourceRecordSetsNormalizedRecordNames": [PREVIEW_DOMAIN.name] },
    };
    expect(await refused(withDomain.role, withDomain, [apex])).toHaveLength(1);
  });

  it("puts a value in a preview's secret and reads none: GetSecretValue refused on its secret, the admin's and the host's", async () => {
    const calls = previewDeployCalls(twoAccount.account, "eu-west-1", bucket);
    const put = calls.find((c) => c.action === "secretsmanager:PutSecretValue")!;
    expect(await refused(twoAccount.role, twoAccount, [put])).toEqual([]);
    const reads = [
      { ...put, action: "secretsmanager:GetSecretValue" },
      {
        ...put,
        action: "secretsmanager:GetSecretValue",
        resource: put.resource.replace("acme-pr-12/database", "acme-stage-previews-db-admin"),
      },
      {
        ...put,
        resource: put.resource.replace("acme-pr-12/database", "acme-stage-previews-db-admin"),
        resourceTags: { Environment: "stage" },
      },
    ];
    expect(await refused(twoAccount.role, twoAccount, reads)).toHaveLength(reads.length);
  });

  it("the previews' admin secret's first value (deploy.yml): the host's deploy role describes and puts it, reads no value", async () => {
    const { stack, account } = twoAccount.layout.bootstraps.bootstrap;
    const deployRole = roleNamed(rolesOf(stack, account, "eu-west-1"), twoAccount.naming.deployRoleName("stage"));
    const resource = `arn:aws:secretsmanager:eu-west-1:${account}:secret:acme-stage-previews-db-admin-AbCdEf`;
    const call = (action: string) => ({ step: "deploy", action, resource, resourceTags: { Environment: "stage" } });
    const calls = ["secretsmanager:DescribeSecret", "secretsmanager:PutSecretValue"].map(call);
    expect(await refused(deployRole, twoAccount, calls)).toEqual([]);
    expect(await refused(deployRole, twoAccount, [call("secretsmanager:GetSecretValue")])).toHaveLength(1);
  });

  it("stops only a task tagged as a preview's: not one of the host's in its cluster", async () => {
    const calls = previewDeployCalls(twoAccount.account, "eu-west-1", bucket);
    const stop = calls.find((c) => c.action === "ecs:StopTask")!;
    expect(await refused(twoAccount.role, twoAccount, [stop])).toEqual([]);
    expect(await refused(twoAccount.role, twoAccount, [{ ...stop, resourceTags: { Environment: "stage" } }])).toHaveLength(1);
    expect(await refused(twoAccount.role, twoAccount, [{ ...stop, resourceTags: {} }])).toHaveLength(1);
  });

  it("fails where it should: the call whose grant is removed is refused", async () => {
    const without: EvaluatedRole = {
      ...twoAccount.role,
      identityPolicies: twoAccount.role.identityPolicies.map((p) => ({
        ...p,
        document: { ...p.document, Statement: p.document.Statement.filter((s) => s.Sid !== "RunPreviewTasksInHostCluster") },
      })),
    };
    const calls = previewDeployCalls(twoAccount.account, "eu-west-1", bucket);
    const denied = await refused(without, twoAccount, calls);
    expect(denied).toEqual([
      expect.stringMatching(/^database ecs:RunTask on arn:aws:ecs:\S+:task-definition\/acme-pr-12-database:1: Implicitly denied/),
    ]);
  });

  it("refuses the same calls on the host's names: its service, its task definitions in another cluster, its state", async () => {
    const calls = previewDeployCalls(twoAccount.account, "eu-west-1", bucket);
    const swap = (c: PreviewCall, from: string, to: string) => ({ ...c, resource: c.resource.replace(from, to) });
    const host = [
      swap(calls.find((c) => c.action === "ecs:UpdateService")!, "acme-pr-12-api", "acme-stage-api"),
      {
        ...calls.find((c) => c.action === "ecs:RunTask")!,
        context: { "ecs:cluster": "arn:aws:ecs:eu-west-1:123456789012:cluster/acme-prod" },
      },
      swap(calls.find((c) => c.action === "s3:PutObject")!, "previews/pr-12/", "stage/"),
      {
        ...calls.find((c) => c.action === "dynamodb:PutItem")!,
        context: { "dynamodb:LeadingKeys": lockItemKeys(twoAccount.naming, "stage") },
      },
      swap(calls.find((c) => c.action === "ecr:PutImage")!, "acme-previews", "acme-stage-api"),
      { ...calls.find((c) => c.action === "iam:PassRole")!, resource: twoAccount.naming.workloadRoleArn("stage", "api-task") },
      // A preview's service running the host's task definition (its roles reach the host's data), created or updated to it.
      ...["ecs:CreateService", "ecs:UpdateService"].map((action) => ({
        ...calls.find((c) => c.action === action)!,
        context: { "ecs:task-definition": "arn:aws:ecs:eu-west-1:123456789012:task-definition/acme-stage-api:7" },
      })),
      // A rule AWS holds untagged (an inline rule of one of the host's groups).
      { ...calls.find((c) => c.action === "ec2:ModifySecurityGroupRules" && c.resource.includes("rule"))!, resourceTags: {} },
    ];
    expect(await refused(twoAccount.role, twoAccount, host)).toHaveLength(host.length);
  });
});

describe.each([
  ["two-account", () => twoAccount, ["stage"]],
  ["one-account", () => hostOf(synthesizeLayout(oneAccountLayout(previewsConfig()))), ["stage", "prod"]],
] as const)("the %s layout: the preview role on its host's account", (_, build, targets) => {
  const host = build();

  it.each(targets.map((t) => [t]))("writes only PREVIEW_FENCE_EXCEPTIONS of %s and reads none of its data", async (target) => {
    const result = await attack(host.role, host, target);
    expect(result.tried).toBeGreaterThan(1000);
    expect(result.allowed.filter((f) => f.access === "data read")).toEqual([]);
    // The rule goes on the host's listener only, a preview's site files in the host's site bucket only: never prod's.
    const listed = PREVIEW_FENCE_EXCEPTIONS.filter(
      (w) => target === "stage" || (w.kind !== "aws_lb_listener" && w.kind !== PREVIEW_SITE_OBJECT),
    );
    expect(distinctWrites(result.allowed)).toEqual(listed.map(({ action, kind }) => ({ action, kind })));
  });

  // The one secret of the host's they reach is the previews' admin login's (the database setup task logs in with it; a pull
  // request's code can reach that login, never the master one: PREVIEW-DESIGN.md "Host side").
  it("its workload roles, whatever their policy (boundary alone), write nothing and read only the previews' admin secret", async () => {
    const anything = {
      name: "anything",
      document: { Version: "2012-10-17" as const, Statement: [{ Effect: "Allow" as const, Action: "*", Resource: "*" }] },
    };
    const role = { ...host.workloads[0], identityPolicies: [anything] };
    const { allowed } = await attack(role, host, "stage");
    expect(allowed.map((f) => `${f.action} on ${f.kind} ${f.resource.replace(/^.*:secret:(.*)-\w{6}$/, "$1")}`)).toEqual([
      "secretsmanager:GetSecretValue on aws_secretsmanager_secret acme-stage-previews-db-admin",
    ]);
  });
});

describe("the preview workload roles, with the policies the bootstrap writes", () => {
  const region = "eu-west-1";
  const arn = (service: string, rest: string) => `arn:aws:${service}:${region}:${twoAccount.account}:${rest}`;
  const previewTag = { Environment: "preview" };
  const role = (name: string) => twoAccount.workloads.find((r) => r.name === `acme-previews-${name}-role`)!;
  const allowed = async (r: EvaluatedRole, action: string, resource: string, resourceTags = {}) =>
    (await evaluate(r, { action, resource, resourceTags })).allowed;
  const ownSecret = arn("secretsmanager", "secret:acme-pr-12/database-AbCdEf");
  const adminSecret = arn("secretsmanager", "secret:acme-stage-previews-db-admin-AbCdEf");

  it("execution: pulls from the previews' repository, writes logs, reads a preview's database secret; nothing of the host's", async () => {
    const execution = role("execution");
    expect(await allowed(execution, "ecr:BatchGetImage", arn("ecr", "repository/acme-previews"), previewTag)).toBe(true);
    expect(await allowed(execution, "logs:PutLogEvents", arn("logs", "log-group:/ecs/acme-pr-12/api:log-stream:api/x"))).toBe(true);
    expect(await allowed(execution, "secretsmanager:GetSecretValue", ownSecret, previewTag)).toBe(true);
    expect(await allowed(execution, "ecr:BatchGetImage", arn("ecr", "repository/acme-stage-api"), { Environment: "stage" })).toBe(false);
    expect(await allowed(execution, "secretsmanager:GetSecretValue", adminSecret, { Environment: "stage" })).toBe(false);
  });

  it("database-setup: reads the previews' admin secret and a preview's; task (the pull request's code): nothing", async () => {
    expect(await allowed(role("database-setup"), "secretsmanager:GetSecretValue", adminSecret, { Environment: "stage" })).toBe(true);
    expect(await allowed(role("database-setup"), "secretsmanager:GetSecretValue", ownSecret, previewTag)).toBe(true);
    expect(await allowed(role("database-setup"), "secretsmanager:GetSecretValue", arn("secretsmanager", "secret:rds!db-1-AbCdEf"))).toBe(
      false,
    );
    expect(await allowed(role("task"), "secretsmanager:GetSecretValue", ownSecret, previewTag)).toBe(false);
  });
});

describe("the preview fence fails where it should", () => {
  const host = twoAccount;
  const items = (kind: string) => inventory(host, "stage").items.filter((i) => i.kind === kind);

  it("finds a widened grant: elasticloadbalancing:ModifyListener on the host's listeners", async () => {
    const statement = {
      Effect: "Allow" as const,
      Action: "elasticloadbalancing:ModifyListener",
      Resource: "arn:aws:elasticloadbalancing:*:*:listener/app/*",
    };
    const widened = withPolicies(host.role, [{ name: "widened", document: { Version: "2012-10-17", Statement: [statement] } }]);
    expect(distinctWrites((await attack(host.role, host, "stage", items("aws_lb_listener"))).allowed)).not.toContainEqual(
      expect.objectContaining({ action: "elasticloadbalancing:ModifyListener" }),
    );
    const found = distinctWrites((await attack(widened, host, "stage", items("aws_lb_listener"))).allowed);
    expect(found).toContainEqual({ action: "elasticloadbalancing:ModifyListener", kind: "aws_lb_listener" });
  });

  it("finds a removed tag deny: the host's tagged service once NotOtherEnvironments is gone and a grant reaches it", async () => {
    const statement = { Effect: "Allow" as const, Action: "ecs:UpdateService", Resource: "arn:aws:ecs:*:*:service/acme-stage/*" };
    const widened = withPolicies(host.role, [{ name: "widened", document: { Version: "2012-10-17", Statement: [statement] } }]);
    expect(own((await attack(widened, host, "stage", items("aws_ecs_service"))).allowed)).toEqual([]);
    const found = distinctWrites(
      (await attack(withoutSid(widened, "NotOtherEnvironments"), host, "stage", items("aws_ecs_service"))).allowed,
    );
    expect(found).toContainEqual({ action: "ecs:UpdateService", kind: "aws_ecs_service" });
  });

  it("finds a removed tag condition: the host's listener rules once ChangePreviewRules takes any tag", async () => {
    const loosened: EvaluatedRole = {
      ...host.role,
      identityPolicies: host.role.identityPolicies.map((p) => ({
        ...p,
        document: {
          ...p.document,
          Statement: p.document.Statement.map((s) => (s.Sid === "CreatePreviewRulesOnHostListener" ? withoutCondition(s) : s)),
        },
      })),
    };
    const listeners = items("aws_lb_listener");
    expect(listeners.length).toBeGreaterThan(0);
    const attackUntagged = (role: EvaluatedRole) =>
      runFence(role, listeners, { resourcePolicies: [], accesses: ["write"] }).then((r) => distinctWrites(r.allowed));
    // Without the preview tag on the request, the rule is refused; with the condition gone, it is not.
    expect(await attackUntagged(host.role)).toEqual([]);
    expect(await attackUntagged(loosened)).toContainEqual({ action: "elasticloadbalancing:CreateRule", kind: "aws_lb_listener" });
  });
});

describe("a preview's static site: the preview role in the host's site bucket", () => {
  const site = `arn:aws:s3:::${twoAccount.naming.siteBucket("stage")}`;
  const file = (key: string) => `${site}/${key}`;
  const call = (action: string, resource: string, context?: Record<string, string>): PreviewCall => ({
    step: "site",
    action,
    resource,
    ...(context && { context }),
  });

  it("uploads and deletes under previews/pr-<n>/, lists that prefix only, and reads the host's distribution's address", async () => {
    const calls = [
      call("s3:ListBucket", site, { "s3:prefix": "previews/pr-12/" }),
      call("s3:PutObject", file("previews/pr-12/index.html")),
      call("s3:PutObject", file("previews/pr-12/assets/app.js")),
      call("s3:DeleteObject", file("previews/pr-12/old.js")),
      call("s3:ListBucketVersions", site, { "s3:prefix": "previews/pr-12/" }),
      call("s3:DeleteObjectVersion", file("previews/pr-12/old.js")),
      call("s3:GetBucketPolicy", site),
      call("cloudfront:GetDistribution", `arn:aws:cloudfront::${twoAccount.account}:distribution/E2ABCDEF012345`),
      call("cloudfront:ListTagsForResource", `arn:aws:cloudfront::${twoAccount.account}:distribution/E2ABCDEF012345`),
    ];
    expect(await refused(twoAccount.role, twoAccount, calls)).toEqual([]);
  });

  it("refuses the host's own files, a listing of the whole bucket, reading the files, and another environment's bucket", async () => {
    const prod = `arn:aws:s3:::${twoAccount.naming.siteBucket("prod")}`;
    const calls = [
      call("s3:PutObject", file("index.html")),
      call("s3:DeleteObject", file("assets/app.js")),
      call("s3:DeleteObjectVersion", file("index.html")),
      call("s3:ListBucketVersions", site, { "s3:prefix": "" }),
      call("s3:PutObject", file("previews/index.html")),
      call("s3:PutObject", file("previews-x/pr-12/index.html")),
      call("s3:ListBucket", site, { "s3:prefix": "" }),
      call("s3:ListBucket", site, { "s3:prefix": "assets/" }),
      call("s3:ListBucket", site),
      call("s3:GetObject", file("previews/pr-12/index.html")),
      call("s3:PutObjectAcl", file("previews/pr-12/index.html")),
      call("s3:PutObject", `${prod}/previews/pr-12/index.html`),
      call("s3:ListBucket", prod, { "s3:prefix": "previews/pr-12/" }),
    ];
    expect(await refused(twoAccount.role, twoAccount, calls)).toHaveLength(calls.length);
  });

  it("cannot tell one preview's prefix from another's: IAM matches previews/pr-* (the README says so)", async () => {
    const other = [call("s3:PutObject", file("previews/pr-8/index.html")), call("s3:DeleteObject", file("previews/pr-8/index.html"))];
    expect(await refused(twoAccount.role, twoAccount, other)).toEqual([]);
  });

  it("fails where it should: without PreviewSiteFiles the upload is refused", async () => {
    const calls = [call("s3:PutObject", file("previews/pr-12/index.html"))];
    expect(await refused(withoutSid(twoAccount.role, "PreviewSiteFiles"), twoAccount, calls)).toHaveLength(1);
  });
});

describe("the README's list of the preview role's exceptions", () => {
  it("is PREVIEW_FENCE_EXCEPTIONS, entry by entry", () => {
    const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
    const block = /<!-- preview-writes -->\n([\s\S]*?)<!-- \/preview-writes -->/.exec(readme)?.[1];
    expect(block).toBe(PREVIEW_FENCE_EXCEPTIONS.map((w) => `- \`${w.action}\` on \`${w.kind}\`: ${w.reason}\n`).join(""));
  });
});

/** The statement without its condition. */
function withoutCondition<S extends { Condition?: unknown }>({ Condition: _condition, ...statement }: S): Omit<S, "Condition"> {
  return statement;
}

/** The role without the statement of that Sid. */
/** The findings on the resources tried, without the account-wide calls every attack adds. */
function own(findings: readonly FenceFinding[]): FenceFinding[] {
  return findings.filter((f) => f.kind !== "account-wide");
}

function withoutSid(role: EvaluatedRole, sid: string): EvaluatedRole {
  return {
    ...role,
    identityPolicies: role.identityPolicies.map((p) => ({
      ...p,
      document: { ...p.document, Statement: p.document.Statement.filter((s) => s.Sid !== sid) },
    })),
  };
}

describe("the audit's IAM section with previews", () => {
  it("lists the preview role with its granted actions, and the writes it may make of its host with their reasons", () => {
    const config = twoAccountLayout(previewsConfig());
    const report = iamReport(
      config,
      synthesizeApp((app) => buildPlatform(app, config)),
    );
    const preview = report.roles.find((r) => r.role === "acme-preview");
    expect(preview?.granted).toEqual(expect.arrayContaining(["ecs:CreateService", "elasticloadbalancing:CreateRule", "ecr:PutImage"]));
    expect(preview?.granted).not.toContain("iam:PutRolePolicy");
    const text = formatIamReport(report);
    for (const w of PREVIEW_FENCE_EXCEPTIONS) expect(text).toContain(`${w.action} on ${w.kind}: ${w.reason}`);
    expect(
      formatIamReport(
        iamReport(
          twoAccountLayout(withoutPreviews()),
          synthesizeApp((app) => buildPlatform(app, twoAccountLayout(withoutPreviews()))),
        ),
      ),
    ).not.toMatch(/preview role/);
  });
});

describe("the audit of the bootstraps with previews", () => {
  const config = twoAccountLayout(previewsConfig());
  const bootstraps = synthesizeApp((app) => buildPlatform(app, config)).filter((st) => st.name.startsWith("bootstrap"));

  it("passes every rule, IAM-REFERENCE among them (every action, ARN and condition key in the reference), using every exemption", () => {
    for (const { name, tf } of bootstraps) {
      const report = auditStack(new AuditContext(name, tf));
      const failures = report.rules.flatMap((r) =>
        r.findings.filter((f) => f.status === "fail").map((f) => `${f.rule} ${f.address}: ${f.message}`),
      );
      expect({ name, failures, exemptionIssues: report.exemptionIssues }).toEqual({ name, failures: [], exemptionIssues: [] });
    }
  });

  it("fails IAM-REFERENCE where it should: an action the reference does not have in the preview role's policy", () => {
    const { tf } = bootstraps.find((b) => b.name === "bootstrap")!;
    const policies = tf.resource?.aws_iam_role_policy as Record<string, { policy: string }>;
    const [address, policy] = Object.entries(policies).find(([id]) => id.startsWith("github-oidc_preview-role-policy"))!;
    const document = JSON.parse(policy.policy);
    document.Statement[0].Action = [...[document.Statement[0].Action].flat(), "ecs:CreateServices"];
    const broken = {
      ...tf,
      resource: { ...tf.resource, aws_iam_role_policy: { ...policies, [address]: { ...policy, policy: JSON.stringify(document) } } },
    };
    const failed = checkRule(iamReference, broken).filter((r) => r.status === "fail");
    expect(failed.map((r) => r.message)).toEqual([expect.stringContaining("ecs:CreateServices")]);
  });
});
