/**
 * The IAM evaluator the permission proofs use: the roles of a synthesized bootstrap, the resource
 * policies that apply, and `evaluate(role, call)`, which asks `@cloud-copilot/iam-simulate` (identity
 * policies, permissions boundary, resource policy, every condition operator) for AWS's decision on one
 * call, with the request context AWS would send.
 *
 * LICENCE: @cloud-copilot/iam-simulate is AGPL-3.0. It is a devDependency for tooling and tests only:
 * this file sits in audit/ (tooling floor), and nothing the product ships (config/, lib/, constructs/,
 * bootstrap/, stacks/, app.ts, main.ts) imports it; __tests__/import-graph.test.ts holds that floor.
 *
 * What iam-simulate leaves to its caller, done here:
 * - `aws:ResourceTag/*` (and `<service>:ResourceTag/*`) only where AWS sends it: the caller passes the
 *   resource's tags, and they reach the context only when the reference lists the key for the action on
 *   that resource type (a create, a wildcard-only action, an untaggable resource: absent). Likewise
 *   `aws:RequestTag/*` and `aws:TagKeys` for the request's tags.
 * - `aws:RequestedRegion` (the ARN's region, us-east-1 for global services, else the role's home region),
 *   `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:ResourceAccount`, `aws:SecureTransport`.
 * - A wildcard-only action is authorised on `"*"`, whatever resource the caller names.
 * - A KMS key with no key policy has the default one (the account may use IAM policies).
 * - REFERENCE_CORRECTIONS: where the authorization reference is known to differ from AWS, each with its source.
 */
import { createValidatedPolicy, validateIdentityPolicy, validateResourcePolicy } from "@cloud-copilot/iam-policy";
import { runSimulation, runUnsafeSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import {
  globRegex,
  loadServices,
  REFERENCE_CORRECTIONS,
  type ReferenceAction,
  type ReferenceCorrection,
  referenceAction,
  resourceTypesFor,
} from "./reference";

export { REFERENCE_CORRECTIONS, type ReferenceCorrection } from "./reference";

import { resolveString, type StackPlace, type SynthesizedStack } from "./resolve";

// biome-ignore lint/suspicious/noExplicitAny: IAM policy documents are free-form JSON
type PolicyDocument = { Version?: string; Statement: any[] };

/** A named policy document, its references resolved. */
export interface NamedPolicy {
  readonly name: string;
  readonly document: PolicyDocument;
}

/** A role of a synthesized stack, as IAM would hold it. */
export interface EvaluatedRole {
  readonly name: string;
  readonly arn: string;
  readonly accountId: string;
  /** The region the role works in: requests to regional resources without a region default to it. */
  readonly region: string;
  /** The Terraform address of the role (`aws_iam_role.<id>`). */
  readonly address: string;
  readonly trustPolicy?: PolicyDocument;
  /** Inline policies and attached managed policies of the stack. */
  readonly identityPolicies: readonly NamedPolicy[];
  readonly permissionsBoundary?: NamedPolicy;
  /** References the resolver could not give a value (their text is `UNRESOLVED(...)`). */
  readonly unresolved: readonly string[];
}

/** A resource policy of a stack and the ARNs it governs. */
export interface ResourcePolicy {
  /** The Terraform address it comes from. */
  readonly address: string;
  /** ARN patterns of the resources it applies to (a bucket and its objects, a key, a topic). */
  readonly resources: readonly string[];
  readonly document: PolicyDocument;
}

/** One call to evaluate. */
export interface EvaluatedCall {
  /** `service:Action`. */
  readonly action: string;
  /** The ARN AWS authorises the call on (ignored for a wildcard-only action: `"*"`). */
  readonly resource: string;
  /** Further request context (`s3:prefix`, `iam:PassedToService`, `dynamodb:LeadingKeys`...). */
  readonly context?: Readonly<Record<string, string | string[]>>;
  /** Tags the resource carries (reach the context only where AWS sends aws:ResourceTag). */
  readonly resourceTags?: Readonly<Record<string, string>>;
  /** Tags the request sets (reach the context only where AWS sends aws:RequestTag). */
  readonly requestTags?: Readonly<Record<string, string>>;
  /** @default - the ARN's region; us-east-1 for a global service; else the role's region */
  readonly region?: string;
  /** @default - the ARN's account, else the role's */
  readonly resourceAccount?: string;
  /** The resource's policy, if any (see resourcePoliciesOf and resourcePolicyFor). */
  readonly resourcePolicy?: ResourcePolicy | PolicyDocument;
}

/** AWS's decision on one call. */
export interface Decision {
  readonly allowed: boolean;
  readonly decision: "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied" | "Invalid";
  /** One line: the decision and the statements that made it, by policy and Sid. */
  readonly explanation: string;
  /** `<policy>/<Sid>` of the statements that allowed the call (identity, boundary, resource). */
  readonly allowedBy: readonly string[];
  /** `<policy>/<Sid>` of the statements that explicitly denied it. */
  readonly deniedBy: readonly string[];
  /** The correction of REFERENCE_CORRECTIONS applied, if one was. */
  readonly correction?: string;
}

/** Services whose requests AWS evaluates in us-east-1 (aws:RequestedRegion). */
const GLOBAL_SERVICES = new Set(["iam", "cloudfront", "route53", "organizations", "sts", "waf", "globalaccelerator"]);

// biome-ignore lint/suspicious/noExplicitAny: a Terraform resource's arguments are free-form JSON
type Config = Record<string, any>;

/** Options of rolesOf and resourcePoliciesOf. */
export interface ResolveOptions {
  /** Values for references the caller knows (`aws_kms_key.<id>.arn` → the emulator's key ARN); they win over placeholders. */
  readonly references?: Readonly<Record<string, string>>;
  /**
   * The roles the stack reads by name (`data.aws_iam_role`: the bootstrap's workload roles), so that such a
   * data source's `arn` resolves to the role's ARN, path included (a PassRole names it).
   */
  readonly roles?: readonly Pick<EvaluatedRole, "name" | "arn">[];
}

/** The place with the caller's reference overrides applied to every resolution. */
function resolver(stack: SynthesizedStack, place: StackPlace, options: ResolveOptions, unresolved: Set<string>) {
  const references = { ...roleReferences(stack, options.roles ?? []), ...options.references };
  return (text: unknown): string => resolveString(stack, String(text), place, references, unresolved);
}

/** `data.aws_iam_role.<id>.arn` → the ARN of the given role of that name. */
function roleReferences(stack: SynthesizedStack, roles: readonly Pick<EvaluatedRole, "name" | "arn">[]): Record<string, string> {
  const entries = Object.entries((stack.data?.aws_iam_role ?? {}) as Record<string, Config>).flatMap(([id, d]) => {
    const role = roles.find((r) => r.name === d.name);
    return role ? [[`data.aws_iam_role.${id}.arn`, role.arn]] : [];
  });
  return Object.fromEntries(entries);
}

/**
 * Every IAM role of a synthesized stack (a bootstrap): its ARN, its inline policies (aws_iam_role_policy
 * and inline_policy blocks), the stack's managed policies attached to it and its permissions boundary,
 * with `${...}` references resolved to concrete placeholder ARNs (resolve.ts), the same for every role.
 */
export function rolesOf(stack: SynthesizedStack, account: string, region: string, options: ResolveOptions = {}): EvaluatedRole[] {
  const place = { account, region };
  const roles = Object.entries(stack.resource?.aws_iam_role ?? {}) as [string, Config][];
  const managed = Object.entries(stack.resource?.aws_iam_policy ?? {}) as [string, Config][];
  return roles.map(([id, role]) => {
    const unresolved = new Set<string>();
    const resolve = resolver(stack, place, options, unresolved);
    const name = resolve(role.name);
    const arn = resolve(`\${aws_iam_role.${id}.arn}`);
    const refersToRole = (value: unknown) => [name, arn].includes(resolve(value));
    const inline = (Object.entries(stack.resource?.aws_iam_role_policy ?? {}) as [string, Config][])
      .filter(([, p]) => refersToRole(p.role))
      .map(([pid, p]) => ({ name: resolve(p.name ?? pid), document: JSON.parse(resolve(p.policy)) }));
    const blocks = ((role.inline_policy ?? []) as Config[]).map((b) => ({
      name: resolve(b.name),
      document: JSON.parse(resolve(b.policy)),
    }));
    const managedByArn = new Map(managed.map(([pid, p]) => [resolve(`\${aws_iam_policy.${pid}.arn}`), p]));
    const attached = (Object.values(stack.resource?.aws_iam_role_policy_attachment ?? {}) as Config[])
      .filter((a) => refersToRole(a.role))
      .flatMap((a) => {
        const policy = managedByArn.get(resolve(a.policy_arn));
        return policy ? [{ name: resolve(policy.name), document: JSON.parse(resolve(policy.policy)) }] : [];
      });
    const boundaryPolicy = role.permissions_boundary ? managedByArn.get(resolve(role.permissions_boundary)) : undefined;
    return {
      name,
      arn,
      accountId: account,
      region,
      address: `aws_iam_role.${id}`,
      trustPolicy: role.assume_role_policy ? JSON.parse(resolve(role.assume_role_policy)) : undefined,
      identityPolicies: [...inline, ...blocks, ...attached],
      permissionsBoundary: boundaryPolicy && { name: resolve(boundaryPolicy.name), document: JSON.parse(resolve(boundaryPolicy.policy)) },
      unresolved: [...unresolved],
    };
  });
}

/** The role named so; throws, naming the roles there are, when there is none. */
export function roleNamed(roles: readonly EvaluatedRole[], name: string): EvaluatedRole {
  const role = roles.find((r) => r.name === name);
  if (!role) throw new Error(`no role "${name}" in the stack; roles: ${roles.map((r) => r.name).join(", ")}`);
  return role;
}

/**
 * The inline policies a stack writes into roles it does not create (an environment stack into the
 * bootstrap's workload roles), by role name.
 */
export function inlinePoliciesOf(
  stack: SynthesizedStack,
  account: string,
  region: string,
  options: ResolveOptions = {},
): Map<string, NamedPolicy[]> {
  const resolve = resolver(stack, { account, region }, options, new Set());
  const byRole = new Map<string, NamedPolicy[]>();
  for (const [id, p] of Object.entries(stack.resource?.aws_iam_role_policy ?? {}) as [string, Config][]) {
    const role = resolve(p.role).replace(/^arn:aws:iam::[^:]*:role\/(.*\/)?/, "");
    byRole.set(role, [...(byRole.get(role) ?? []), { name: resolve(p.name ?? id), document: JSON.parse(resolve(p.policy)) }]);
  }
  return byRole;
}

/** The role with further identity policies (those inlinePoliciesOf found for it). */
export function withPolicies(role: EvaluatedRole, policies: readonly NamedPolicy[]): EvaluatedRole {
  return { ...role, identityPolicies: [...role.identityPolicies, ...policies] };
}

/** The default key policy AWS gives a key created without one: the account's IAM policies decide. */
export function defaultKeyPolicy(account: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "Enable IAM User Permissions",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ],
  };
}

/**
 * The resource policies of a stack: bucket policies, KMS key policies (the default one where a key
 * has none), SNS topic policies, ECR repository policies; references resolved as in rolesOf.
 */
export function resourcePoliciesOf(
  stack: SynthesizedStack,
  account: string,
  region: string,
  options: ResolveOptions = {},
): ResourcePolicy[] {
  const place = { account, region };
  const unresolved = new Set<string>();
  const resolve = resolver(stack, place, options, unresolved);
  const all = (type: string) => Object.entries(stack.resource?.[type] ?? {}) as [string, Config][];
  const policies: ResourcePolicy[] = [];
  for (const [id, p] of all("aws_s3_bucket_policy")) {
    const bucket = `arn:aws:s3:::${resolve(p.bucket)}`;
    policies.push({ address: `aws_s3_bucket_policy.${id}`, resources: [bucket, `${bucket}/*`], document: JSON.parse(resolve(p.policy)) });
  }
  for (const [id, k] of all("aws_kms_key")) {
    const document = k.policy ? JSON.parse(resolve(k.policy)) : defaultKeyPolicy(account);
    policies.push({ address: `aws_kms_key.${id}`, resources: [resolve(`\${aws_kms_key.${id}.arn}`)], document });
  }
  for (const [id, t] of all("aws_sns_topic_policy")) {
    policies.push({ address: `aws_sns_topic_policy.${id}`, resources: [resolve(t.arn)], document: JSON.parse(resolve(t.policy)) });
  }
  for (const [id, t] of all("aws_sns_topic").filter(([, t]) => t.policy)) {
    const arn = resolve(`\${aws_sns_topic.${id}.arn}`);
    policies.push({ address: `aws_sns_topic.${id}`, resources: [arn], document: JSON.parse(resolve(t.policy)) });
  }
  for (const [id, r] of all("aws_ecr_repository_policy")) {
    const arn = `arn:aws:ecr:${region}:${account}:repository/${resolve(r.repository)}`;
    policies.push({ address: `aws_ecr_repository_policy.${id}`, resources: [arn], document: JSON.parse(resolve(r.policy)) });
  }
  return policies;
}

/** The resource policy that governs an ARN, if one does (KMS keys: their key policy; buckets and objects: the bucket's). */
export function resourcePolicyFor(policies: readonly ResourcePolicy[], arn: string): ResourcePolicy | undefined {
  return policies.find((p) => p.resources.some((r) => globRegex(r).test(arn)));
}

const validated = new WeakMap<object, ReturnType<typeof createValidatedPolicy>>();

/** The policy validated once (iam-simulate re-validates a raw document on every call). */
function validatedPolicy(policy: NamedPolicy, validate: (doc: unknown) => never[]) {
  let v = validated.get(policy);
  if (!v) {
    v = createValidatedPolicy(policy.document, validate, { name: policy.name });
    validated.set(policy, v);
  }
  return v;
}

/** The ARN's region and account (`arn:aws:<service>:<region>:<account>:...`). */
function arnPlace(arn: string): { region?: string; account?: string } {
  const parts = arn.split(":");
  return parts[0] === "arn" ? { region: parts[3] || undefined, account: parts[4] || undefined } : {};
}

/** The condition keys AWS sends for the action on this resource (lower-cased), per the reference. */
function supportedKeys(ref: ReferenceAction, resource: string): Set<string> {
  const types = ref.wildcardOnly ? [] : resourceTypesFor(ref, resource);
  return new Set([...ref.conditionKeys, ...types.flatMap((t) => t.conditionKeys)].map((k) => k.toLowerCase()));
}

/** A tag key (`aws:ResourceTag/Environment`) is sent only where `<prefix>/${TagKey}` is listed. */
const TAG_KEY = /^([a-z0-9-]+:(resourcetag|requesttag))\/(.+)$/i;

function tagContext(ref: ReferenceAction, resource: string, call: EvaluatedCall): Record<string, string | string[]> {
  const keys = supportedKeys(ref, resource);
  const context: Record<string, string | string[]> = {};
  const svc = ref.service;
  for (const [k, v] of Object.entries(call.resourceTags ?? {})) {
    for (const prefix of ["aws:ResourceTag", `${svc}:ResourceTag`]) {
      if (keys.has(`${prefix}/\${tagkey}`.toLowerCase())) context[`${prefix}/${k}`] = v;
    }
  }
  const requestTags = Object.entries(call.requestTags ?? {});
  for (const [k, v] of requestTags) {
    if (keys.has("aws:requesttag/${tagkey}")) context[`aws:RequestTag/${k}`] = v;
  }
  if (requestTags.length > 0 && keys.has("aws:tagkeys")) context["aws:TagKeys"] = requestTags.map(([k]) => k);
  // The caller's own context may name tag keys too: they are kept only where AWS sends them.
  for (const [k, v] of Object.entries(call.context ?? {})) {
    const m = TAG_KEY.exec(k);
    if (m && !keys.has(`${m[1]}/\${tagkey}`.toLowerCase())) continue;
    if (k.toLowerCase() === "aws:tagkeys" && !keys.has("aws:tagkeys")) continue;
    context[k] = v;
  }
  return context;
}

/** Statement ids (`<policy>/<Sid or #index>`) of the statements an analysis lists. */
// biome-ignore lint/suspicious/noExplicitAny: iam-simulate's StatementAnalysis
function sids(statements: any[] | undefined): string[] {
  return (statements ?? []).map((s) => `${s.policyId}/${s.statement.sid() ?? `#${s.statement.index()}`}`);
}

/** The condition keys evaluate() sends on its own: of the role, the resource's ARN and the call's tags (tagContext). */
export const EVALUATED_CONDITION_KEYS = [
  "aws:PrincipalArn",
  "aws:PrincipalAccount",
  "aws:PrincipalType",
  "aws:RequestedRegion",
  "aws:SecureTransport",
  "aws:ResourceAccount",
  "aws:ResourceTag/*",
  "aws:RequestTag/*",
  "aws:TagKeys",
];

/**
 * AWS's decision on one call by the role: identity policies, permissions boundary and the resource
 * policy (the call's, or for a KMS key without one the default key policy), with the context AWS sends.
 */
export async function evaluate(role: EvaluatedRole, call: EvaluatedCall): Promise<Decision> {
  const [service] = call.action.split(":");
  loadServices([service]);
  const ref = referenceAction(call.action);
  if (!ref) return invalid(`${call.action} is not an action of the IAM authorization reference`);
  const correction = REFERENCE_CORRECTIONS.find((c) => c.action.toLowerCase() === ref.action.toLowerCase());
  if (correction?.noPermission) {
    return {
      allowed: true,
      decision: "Allowed",
      explanation: `Allowed: ${correction.aws}`,
      allowedBy: [],
      deniedBy: [],
      correction: correction.action,
    };
  }
  const fromArn = arnPlace(call.resource);
  const region = call.region ?? fromArn.region ?? (GLOBAL_SERVICES.has(ref.service) ? "us-east-1" : role.region);
  const resourceAccount = call.resourceAccount ?? fromArn.account ?? role.accountId;
  const resource = correction?.resource?.(region, resourceAccount) ?? (ref.wildcardOnly ? "*" : call.resource);
  if (!correction && !ref.wildcardOnly && resourceTypesFor(ref, resource).length === 0) {
    return invalid(`${call.resource} is no resource type of ${ref.action} (${ref.resourceTypes.map((t) => t.name).join(", ")})`);
  }
  const contextVariables: Record<string, string | string[]> = {
    "aws:PrincipalArn": role.arn,
    "aws:PrincipalAccount": role.accountId,
    "aws:PrincipalType": "AssumedRole",
    "aws:RequestedRegion": region,
    "aws:SecureTransport": "true",
    ...(resource !== "*" && { "aws:ResourceAccount": resourceAccount }),
    ...tagContext(ref, resource, call),
  };
  const keyPolicy = /^arn:aws:kms:[^:]*:[^:]*:key\//.test(resource) ? defaultKeyPolicy(resourceAccount) : undefined;
  const given = call.resourcePolicy;
  const resourcePolicy = given ? ("document" in given ? given.document : given) : keyPolicy;
  const resourcePolicyName = given && "address" in given ? given.address : given ? "resource-policy" : "default-key-policy";
  const simulation: Simulation = {
    request: {
      principal: `arn:aws:sts::${role.accountId}:assumed-role/${role.name}/github-actions`,
      action: ref.action,
      resource: { resource, accountId: resourceAccount },
      contextVariables,
    },
    identityPolicies: role.identityPolicies.map((p) => ({ name: p.name, policy: validatedPolicy(p, validateIdentityPolicy as never) })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    // runSimulation names the resource policy by the document's `name`.
    resourcePolicy: resourcePolicy && { ...createValidatedPolicy(resourcePolicy, validateResourcePolicy), name: resourcePolicyName },
    permissionBoundaryPolicies: role.permissionsBoundary
      ? [{ name: role.permissionsBoundary.name, policy: validatedPolicy(role.permissionsBoundary, validateIdentityPolicy as never) }]
      : undefined,
  };
  if (correction) return corrected(simulation, role, correction);
  if (!mayAllow(ref.action, resource, role.identityPolicies, resourcePolicy)) {
    return {
      allowed: false,
      decision: "ImplicitlyDenied",
      explanation: `Implicitly denied ${ref.action} on ${resource}: no statement allows the action on it`,
      allowedBy: [],
      deniedBy: [],
    };
  }
  // A decision no statement's resource pattern can tell apart holds for every resource of the same types and context.
  const policies = [
    ...role.identityPolicies.map((p) => p.document),
    ...(role.permissionsBoundary ? [role.permissionsBoundary.document] : []),
  ];
  const cacheKey = resourceBlind(ref.action, [...policies, ...(resourcePolicy ? [resourcePolicy] : [])])
    ? JSON.stringify([
        ref.action,
        resourceTypesFor(ref, resource).map((t) => t.name),
        resourceAccount,
        region,
        resourcePolicyName,
        resourcePolicy,
        relevant(contextVariables, policies),
      ])
    : undefined;
  const cache = decisions.get(role) ?? new Map<string, { resource: string; decision: Decision }>();
  decisions.set(role, cache);
  const hit = cacheKey === undefined ? undefined : cache.get(cacheKey);
  if (hit) return { ...hit.decision, explanation: hit.decision.explanation.split(hit.resource).join(resource) };
  const decided = await simulate(simulation, ref.action, resource);
  if (cacheKey !== undefined) cache.set(cacheKey, { resource, decision: decided });
  return decided;
}

const decisions = new WeakMap<EvaluatedRole, Map<string, { resource: string; decision: Decision }>>();

const conditionKeys = new WeakMap<object, Set<string>>();

/** The context entries a condition of the policies reads (only they can change a decision), sorted. */
function relevant(context: Record<string, unknown>, documents: readonly PolicyDocument[]) {
  const keys = new Set<string>();
  for (const d of documents) {
    let own = conditionKeys.get(d);
    if (!own) {
      own = new Set(
        d.Statement.flatMap((s) => Object.values(s.Condition ?? {}).flatMap((c) => Object.keys(c as object).map((k) => k.toLowerCase()))),
      );
      conditionKeys.set(d, own);
    }
    for (const k of own) keys.add(k);
  }
  return Object.entries(context)
    .filter(([k]) => keys.has(k.toLowerCase()))
    .sort(([a], [b]) => a.localeCompare(b));
}

/** Every statement naming the action names no resource but "*": the resource's ARN cannot change the decision. */
function resourceBlind(action: string, documents: readonly PolicyDocument[]): boolean {
  return documents
    .flatMap((d) => d.Statement)
    .filter((s) => s.NotAction !== undefined || [s.Action ?? []].flat().some((a: string) => actionGlob(a).test(action)))
    .every((s) => s.NotResource === undefined && [s.Resource ?? "*"].flat().every((r: string) => r === "*"));
}

/** Runs iam-simulate on the call and names the decisive statements. */
async function simulate(simulation: Simulation, action: string, resource: string): Promise<Decision> {
  const result = await runSimulation(simulation, {});
  if (result.resultType === "error") return invalid(`iam-simulate refused the request: ${JSON.stringify(result.errors)}`);
  const analysis = result.resultType === "single" ? result.result.analysis : result.results[0]?.analysis;
  const decision = result.overallResult;
  const allowedBy = [
    ...sids(analysis?.identityAnalysis?.allowStatements),
    ...sids(analysis?.permissionBoundaryAnalysis?.allowStatements).map((s) => `boundary:${s}`),
    ...sids(analysis?.resourceAnalysis?.allowStatements).map((s) => `resource:${s}`),
  ];
  const deniedBy = [
    ...sids(analysis?.identityAnalysis?.denyStatements),
    ...sids(analysis?.permissionBoundaryAnalysis?.denyStatements).map((s) => `boundary:${s}`),
    ...sids(analysis?.resourceAnalysis?.denyStatements).map((s) => `resource:${s}`),
  ];
  return {
    allowed: decision === "Allowed",
    decision,
    explanation: explain(decision, action, resource, allowedBy, deniedBy, analysis),
    allowedBy,
    deniedBy,
  };
}

/**
 * Whether any Allow statement could allow the call: an identity statement naming the action and a
 * resource pattern that matches (or NotAction / NotResource / a policy variable), or a resource-policy
 * statement naming the action. When none can, the answer is an implicit deny without the simulation
 * (the fence asks thousands of these).
 */
function mayAllow(action: string, resource: string, identity: readonly NamedPolicy[], resourcePolicy: PolicyDocument | undefined): boolean {
  const names = (s: { Action?: unknown; NotAction?: unknown }) =>
    s.NotAction !== undefined || [s.Action ?? []].flat().some((a) => actionGlob(String(a)).test(action));
  const reaches = (s: { Resource?: unknown; NotResource?: unknown }) =>
    s.NotResource !== undefined ||
    [s.Resource ?? []].flat().some((r) => String(r).includes("${") || resourceGlob(String(r)).test(resource));
  const statements = identity.flatMap((p) => p.document.Statement);
  return (
    statements.some((s) => s.Effect === "Allow" && names(s) && reaches(s)) ||
    (resourcePolicy?.Statement ?? []).some((s) => s.Effect === "Allow" && names(s))
  );
}

const resourceGlobs = new Map<string, RegExp>();
function resourceGlob(pattern: string): RegExp {
  let re = resourceGlobs.get(pattern);
  if (!re) {
    re = globRegex(pattern);
    resourceGlobs.set(pattern, re);
  }
  return re;
}

const actionGlobs = new Map<string, RegExp>();
function actionGlob(pattern: string): RegExp {
  let re = actionGlobs.get(pattern);
  if (!re) {
    re = globRegex(pattern, true);
    actionGlobs.set(pattern, re);
  }
  return re;
}

function invalid(explanation: string): Decision {
  return { allowed: false, decision: "Invalid", explanation, allowedBy: [], deniedBy: [] };
}

// biome-ignore lint/suspicious/noExplicitAny: iam-simulate's RequestAnalysis
function explain(decision: string, action: string, resource: string, allowedBy: string[], deniedBy: string[], analysis: any): string {
  const on = `${action} on ${resource}`;
  if (decision === "Allowed") return `Allowed ${on} by ${allowedBy.join(", ")}`;
  if (decision === "ExplicitlyDenied") return `Denied ${on} by ${deniedBy.join(", ")}`;
  const missing = [
    analysis?.identityAnalysis?.result !== "Allowed" && "no identity statement allows it",
    analysis?.permissionBoundaryAnalysis &&
      analysis.permissionBoundaryAnalysis.result !== "Allowed" &&
      "the permissions boundary does not allow it",
    analysis?.resourceAnalysis && /Denied/.test(analysis.resourceAnalysis.result) && "the resource policy does not allow it",
  ].filter(Boolean);
  const partial = allowedBy.length ? ` (allowed by ${allowedBy.join(", ")} alone)` : "";
  return `Implicitly denied ${on}: ${missing.join("; ") || "no statement allows it"}${partial}`;
}

/**
 * A corrected call: iam-simulate's validation follows the reference, so the decision comes from its
 * unvalidated engine on the resource AWS uses, and the statements are named by matching Action and
 * Resource (conditions not itemised).
 */
function corrected(simulation: Simulation, role: EvaluatedRole, correction: ReferenceCorrection): Decision {
  const decision = runUnsafeSimulation(
    {
      ...simulation,
      identityPolicies: role.identityPolicies.map((p) => ({ name: p.name, policy: p.document })),
      permissionBoundaryPolicies: role.permissionsBoundary && [
        { name: role.permissionsBoundary.name, policy: role.permissionsBoundary.document },
      ],
    },
    {},
  );
  const { action, resource } = simulation.request;
  const matching = (policies: readonly NamedPolicy[], effect: string, prefix = "") =>
    policies.flatMap((p) =>
      p.document.Statement.filter(
        (s) =>
          s.Effect === effect &&
          [s.Action ?? []].flat().some((a: string) => globRegex(a, true).test(action)) &&
          [s.Resource ?? []].flat().some((r: string) => globRegex(r).test(resource.resource)),
      ).map((s, i) => `${prefix}${p.name}/${s.Sid ?? `#${i}`}`),
    );
  const boundary = role.permissionsBoundary ? [role.permissionsBoundary] : [];
  const allowedBy = [...matching(role.identityPolicies, "Allow"), ...matching(boundary, "Allow", "boundary:")];
  const deniedBy = [...matching(role.identityPolicies, "Deny"), ...matching(boundary, "Deny", "boundary:")];
  const on = `${action} on ${resource.resource} (corrected: ${correction.aws})`;
  const explanation =
    decision === "Allowed"
      ? `Allowed ${on} by ${allowedBy.join(", ")}`
      : `${decision} ${on}${deniedBy.length ? ` by ${deniedBy.join(", ")}` : ""}`;
  return { allowed: decision === "Allowed", decision, explanation, allowedBy, deniedBy, correction: correction.action };
}
