/**
 * What one environment owns in AWS, as the fence test attacks it: every resource of its synthesized
 * stack (ARN with placeholder ids, the tags AWS would hold: the provider's default tags where the
 * resource takes tags), plus what AWS creates for it untagged or tagged its own way (the network
 * interfaces of tasks, load balancer, database and NAT gateways; the secret RDS manages; automated
 * snapshots; log streams; running tasks; topic subscriptions).
 * Tooling only: the product never imports this folder.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  placeholderHex,
  resolveString,
  resourceArn,
  resourceRegion,
  resourceTags,
  type StackPlace,
  type SynthesizedStack,
} from "./resolve";

/** One resource of the environment. */
export interface InventoryItem {
  /** What it is, stable across synths: `aws_lb` or `network interface (AWS-created)`. */
  readonly kind: string;
  readonly arn: string;
  /** The tags AWS holds on it. */
  readonly tags: Readonly<Record<string, string>>;
  readonly region: string;
  readonly account: string;
}

const PROVIDER_LIB = join(dirname(require.resolve("@cdktf/provider-aws/package.json")), "lib");
const taggable = new Map<string, boolean>();

/** Whether the Terraform resource type has a `tags` argument (the provider's default tags reach it). */
export function takesTags(type: string): boolean {
  let known = taggable.get(type);
  if (known === undefined) {
    const file = join(PROVIDER_LIB, type.replace(/^aws_/, "").replace(/_/g, "-"), "index.d.ts");
    known = existsSync(file) && /^\s+readonly tags\?: \{/m.test(readFileSync(file, "utf8").split("export declare class")[0]);
    taggable.set(type, known);
  }
  return known;
}

// biome-ignore lint/suspicious/noExplicitAny: Terraform arguments
type Config = Record<string, any>;

/** ARNs of resources resolve.ts does not name on its own (they need another resource's value). */
function extraArn(stack: SynthesizedStack, type: string, config: Config, place: StackPlace, region: string): string | undefined {
  const resolve = (v: unknown) => resolveString(stack, String(v), place);
  const { account } = place;
  if (type === "aws_ecs_service")
    return `arn:aws:ecs:${region}:${account}:service/${resolve(config.cluster).split("/").pop()}/${config.name}`;
  if (type === "aws_sns_topic_subscription") return `${resolve(config.topic_arn)}:${placeholderHex(JSON.stringify(config), 8)}`;
  return undefined;
}

/** The environment's resources: its stack's, then what AWS creates for them. */
export function inventoryOf(stack: SynthesizedStack, place: StackPlace): InventoryItem[] {
  const items: InventoryItem[] = [];
  const add = (kind: string, arn: string, tags: Record<string, string>, region = place.region) =>
    items.push({ kind, arn, tags, region, account: place.account });
  for (const [type, resources] of Object.entries(stack.resource ?? {})) {
    for (const [id, config] of Object.entries(resources) as [string, Config][]) {
      const region = resourceRegion(stack, config, place);
      const arn = resourceArn(stack, type, id, place) ?? extraArn(stack, type, config, place, region);
      if (!arn) continue;
      const tags = takesTags(type) ? resourceTags(stack, config) : {};
      add(type, arn, tags, region);
      items.push(...created(stack, type, id, config, place, region, tags));
    }
  }
  return items;
}

/** What AWS creates for one resource, with the tags AWS gives it. */
function created(
  stack: SynthesizedStack,
  type: string,
  id: string,
  config: Config,
  place: StackPlace,
  region: string,
  tags: Record<string, string>,
): InventoryItem[] {
  const { account } = place;
  const hex = (n: number) => placeholderHex(`${type}.${id}.created`, n);
  const item = (kind: string, arn: string, itemTags: Record<string, string> = {}): InventoryItem => ({
    kind,
    arn,
    tags: itemTags,
    region,
    account,
  });
  const eni = (what: string) =>
    item(`network interface of ${what} (AWS-created)`, `arn:aws:ec2:${region}:${account}:network-interface/eni-${hex(17)}`);
  switch (type) {
    case "aws_ecs_service": {
      const cluster = resolveString(stack, String(config.cluster), place).split("/").pop();
      const taskTags = config.propagate_tags === "SERVICE" ? tags : {};
      return [eni("an ECS task"), item("ECS task (AWS-created)", `arn:aws:ecs:${region}:${account}:task/${cluster}/${hex(32)}`, taskTags)];
    }
    case "aws_lb":
      return [eni("the load balancer")];
    case "aws_nat_gateway":
      return [eni("a NAT gateway")];
    case "aws_vpc_endpoint":
      return [];
    case "aws_db_instance": {
      const db = `arn:aws:rds:${region}:${account}:db:${config.identifier}`;
      const secret = `arn:aws:secretsmanager:${region}:${account}:secret:rds!db-${hex(8)}-${hex(4)}-${hex(6)}`;
      return [
        eni("the database"),
        // RDS tags the secret it manages with its own keys only (no provider default tags).
        item("database master secret (RDS-created)", secret, { "aws:rds:primaryDBInstanceArn": db }),
        item(
          "automated snapshot (RDS-created)",
          `arn:aws:rds:${region}:${account}:snapshot:rds:${config.identifier}-2026-01-01-02-00`,
          config.copy_tags_to_snapshot ? tags : {},
        ),
      ];
    }
    case "aws_cloudwatch_log_group":
      return [item("log stream (AWS-created)", `arn:aws:logs:${region}:${account}:log-group:${config.name}:log-stream:stream-${hex(8)}`)];
    case "aws_s3_bucket":
      return [item("S3 object", `arn:aws:s3:::${config.bucket}/index.html`)];
    default:
      return [];
  }
}
