/**
 * Concrete ARNs and ids for the resources of a synthesized stack, and the `${type.id.attr}` references
 * its policies hold resolved to them. What AWS assigns at creation (a KMS key id, a load balancer's
 * suffix, a security group id) becomes a placeholder derived from the logical id, so the same
 * resource always gets the same value and two resources never share one.
 * Tooling only: the product never imports this folder.
 */
import { createHash } from "node:crypto";

/** A synthesized stack (`cdk.tf.json`), as far as this file reads it. */
export interface SynthesizedStack {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly provider?: { readonly aws?: readonly { alias?: string; region?: string; default_tags?: { tags?: Record<string, string> }[] }[] };
}

/** Where the stack's resources are: its account, its default region. */
export interface StackPlace {
  readonly account: string;
  readonly region: string;
}

/** Hex digits derived from a logical address (deterministic, distinct per address). */
export function placeholderHex(address: string, length: number): string {
  return createHash("sha256").update(address).digest("hex").slice(0, length);
}

function placeholderUuid(address: string): string {
  const h = placeholderHex(address, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The master-user secret RDS creates for a database (`rds!db-<uuid>`), the same wherever it is named. */
export function databaseSecretArn(logicalId: string, region: string, account: string): string {
  const hex = (n: number) => placeholderHex(`aws_db_instance.${logicalId}.secret`, n);
  return `arn:aws:secretsmanager:${region}:${account}:secret:rds!db-${hex(8)}-${hex(4)}-${hex(6)}`;
}

/** The region of a resource: its provider alias's, else the stack's default. */
export function resourceRegion(stack: SynthesizedStack, config: Record<string, unknown>, place: StackPlace): string {
  const alias = typeof config.provider === "string" ? config.provider.replace(/^aws\./, "") : undefined;
  const provider = stack.provider?.aws?.find((p) => (alias ? p.alias === alias : !p.alias));
  return provider?.region ?? place.region;
}

/** The tags AWS would hold on a resource: the provider's default tags, then its own `tags`. */
export function resourceTags(stack: SynthesizedStack, config: Record<string, unknown>): Record<string, string> {
  const alias = typeof config.provider === "string" ? config.provider.replace(/^aws\./, "") : undefined;
  const provider = stack.provider?.aws?.find((p) => (alias ? p.alias === alias : !p.alias));
  const defaults = provider?.default_tags?.[0]?.tags ?? {};
  return { ...defaults, ...((config.tags as Record<string, string> | undefined) ?? {}) };
}

const EC2_ID_PREFIX: Record<string, string> = {
  aws_vpc: "vpc",
  aws_subnet: "subnet",
  aws_security_group: "sg",
  aws_default_security_group: "sg",
  aws_internet_gateway: "igw",
  aws_nat_gateway: "nat",
  aws_eip: "eipalloc",
  aws_route_table: "rtb",
  aws_default_route_table: "rtb",
  aws_default_network_acl: "acl",
  aws_network_acl: "acl",
  aws_vpc_endpoint: "vpce",
  aws_flow_log: "fl",
  aws_vpc_security_group_ingress_rule: "sgr",
  aws_vpc_security_group_egress_rule: "sgr",
};

const EC2_ARN_TYPE: Record<string, string> = {
  aws_vpc: "vpc",
  aws_subnet: "subnet",
  aws_security_group: "security-group",
  aws_default_security_group: "security-group",
  aws_internet_gateway: "internet-gateway",
  aws_nat_gateway: "natgateway",
  aws_eip: "elastic-ip",
  aws_route_table: "route-table",
  aws_default_route_table: "route-table",
  aws_default_network_acl: "network-acl",
  aws_network_acl: "network-acl",
  aws_vpc_endpoint: "vpc-endpoint",
  aws_flow_log: "vpc-flow-log",
  aws_vpc_security_group_ingress_rule: "security-group-rule",
  aws_vpc_security_group_egress_rule: "security-group-rule",
};

const str = (v: unknown): string | undefined => (typeof v === "string" && !v.includes("${") ? v : undefined);

/**
 * The id AWS (or Terraform) gives the resource: its name where the resource is known by name,
 * else a placeholder in the shape AWS uses.
 */
export function resourceId(type: string, logicalId: string, config: Record<string, unknown>): string {
  const address = `${type}.${logicalId}`;
  const ec2 = EC2_ID_PREFIX[type];
  if (ec2) return `${ec2}-${placeholderHex(address, 17)}`;
  switch (type) {
    case "aws_kms_key":
      return placeholderUuid(address);
    case "aws_s3_bucket":
      return str(config.bucket) ?? `bucket-${placeholderHex(address, 12)}`;
    case "aws_db_instance":
      return str(config.identifier) ?? `db-${placeholderHex(address, 12)}`;
    case "aws_cloudfront_distribution":
    case "aws_cloudfront_origin_access_control":
      return `E${placeholderHex(address, 13).toUpperCase()}`;
    case "aws_cloudfront_response_headers_policy":
    case "aws_cloudfront_cache_policy":
      return placeholderUuid(address);
    default:
      return str(config.name) ?? `${type.replace(/^aws_/, "")}-${placeholderHex(address, 12)}`;
  }
}

/** The resource's ARN, or undefined for a type that has none (an association, a rule of another resource). */
export function resourceArn(stack: SynthesizedStack, type: string, logicalId: string, place: StackPlace): string | undefined {
  const config = stack.resource?.[type]?.[logicalId];
  if (!config) return undefined;
  const region = resourceRegion(stack, config, place);
  const { account } = place;
  const id = resourceId(type, logicalId, config);
  const name = str(config.name) ?? id;
  const ec2 = EC2_ARN_TYPE[type];
  if (ec2) return `arn:aws:ec2:${region}:${account}:${ec2}/${id}`;
  const path = str(config.path) ?? "/";
  const hex = placeholderHex(`${type}.${logicalId}`, 16);
  const arns: Record<string, () => string> = {
    aws_iam_role: () => `arn:aws:iam::${account}:role${path}${name}`,
    aws_iam_policy: () => `arn:aws:iam::${account}:policy${path}${name}`,
    aws_iam_openid_connect_provider: () => `arn:aws:iam::${account}:oidc-provider/${String(config.url).replace(/^https:\/\//, "")}`,
    aws_kms_key: () => `arn:aws:kms:${region}:${account}:key/${id}`,
    aws_kms_alias: () => `arn:aws:kms:${region}:${account}:${name}`,
    aws_s3_bucket: () => `arn:aws:s3:::${id}`,
    aws_dynamodb_table: () => `arn:aws:dynamodb:${region}:${account}:table/${name}`,
    aws_sns_topic: () => `arn:aws:sns:${region}:${account}:${name}`,
    aws_cloudwatch_log_group: () => `arn:aws:logs:${region}:${account}:log-group:${name}`,
    aws_cloudwatch_metric_alarm: () => `arn:aws:cloudwatch:${region}:${account}:alarm:${str(config.alarm_name) ?? name}`,
    aws_cloudwatch_dashboard: () => `arn:aws:cloudwatch::${account}:dashboard/${str(config.dashboard_name) ?? name}`,
    aws_ecr_repository: () => `arn:aws:ecr:${region}:${account}:repository/${name}`,
    aws_ecs_cluster: () => `arn:aws:ecs:${region}:${account}:cluster/${name}`,
    aws_ecs_task_definition: () => `arn:aws:ecs:${region}:${account}:task-definition/${str(config.family) ?? name}:1`,
    aws_lb: () => `arn:aws:elasticloadbalancing:${region}:${account}:loadbalancer/app/${name}/${hex}`,
    aws_lb_target_group: () => `arn:aws:elasticloadbalancing:${region}:${account}:targetgroup/${name}/${hex}`,
    // Named by its load balancer (a grant on one load balancer's listeners names it), placeholder ids after.
    aws_lb_listener: () =>
      `arn:aws:elasticloadbalancing:${region}:${account}:listener/app/${listenerBalancer(stack, config)}/${hex}/${placeholderHex(hex, 16)}`,
    aws_db_instance: () => `arn:aws:rds:${region}:${account}:db:${id}`,
    aws_db_subnet_group: () => `arn:aws:rds:${region}:${account}:subgrp:${name}`,
    aws_db_parameter_group: () => `arn:aws:rds:${region}:${account}:pg:${name}`,
    aws_cloudfront_distribution: () => `arn:aws:cloudfront::${account}:distribution/${id}`,
    aws_cloudfront_origin_access_control: () => `arn:aws:cloudfront::${account}:origin-access-control/${id}`,
    aws_cloudfront_response_headers_policy: () => `arn:aws:cloudfront::${account}:response-headers-policy/${id}`,
    aws_appautoscaling_target: () => `arn:aws:application-autoscaling:${region}:${account}:scalable-target/${hex}`,
    aws_sqs_queue: () => `arn:aws:sqs:${region}:${account}:${name}`,
    aws_scheduler_schedule: () => `arn:aws:scheduler:${region}:${account}:schedule/${str(config.group_name) ?? "default"}/${name}`,
    aws_secretsmanager_secret: () => `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${hex.slice(0, 6)}`,
  };
  return arns[type]?.();
}

/** The name of the load balancer a listener's `load_balancer_arn` refers to (`lb` when it names none of the stack's). */
function listenerBalancer(stack: SynthesizedStack, config: Record<string, unknown>): string {
  const id = /^\$\{aws_lb\.([^.}]+)\.arn\}$/.exec(String(config.load_balancer_arn))?.[1];
  return (id && str(stack.resource?.aws_lb?.[id]?.name)) || "lb";
}

/**
 * The value of one reference (`aws_kms_key.state_key_84A4E4B8.arn`, `data.aws_caller_identity.x.account_id`),
 * or undefined when this file does not know it. `overrides` (reference → value) wins: a caller that knows
 * the real value (an emulator's key id) passes it.
 */
export function resolveReference(
  stack: SynthesizedStack,
  reference: string,
  place: StackPlace,
  overrides: Readonly<Record<string, string>> = {},
): string | undefined {
  if (reference in overrides) return overrides[reference];
  const parts = reference.split(".");
  if (parts[0] === "data") {
    const [, type, , attr] = parts;
    if (type === "aws_caller_identity") return attr === "account_id" ? place.account : undefined;
    if (type === "aws_region") return place.region;
    if (type === "aws_partition") return "aws";
    // A data source looked up by a literal (data.aws_iam_role.x.name): that literal.
    return str(stack.data?.[type]?.[parts[2]]?.[attr]);
  }
  const [type, logicalId, attr] = parts;
  const config = stack.resource?.[type]?.[logicalId];
  if (!config || !attr) return undefined;
  if (type === "aws_db_instance" && attr === "master_user_secret[0]" && parts[3] === "secret_arn") {
    return databaseSecretArn(logicalId, resourceRegion(stack, config, place), place.account);
  }
  const literal = str(config[attr]);
  if (literal !== undefined) return literal;
  const arn = resourceArn(stack, type, logicalId, place);
  if (attr === "arn") return arn;
  if (attr === "arn_without_revision" && type === "aws_ecs_task_definition") return arn?.replace(/:\d+$/, "");
  const id = resourceId(type, logicalId, config);
  if (attr === "key_id" || attr === "name" || attr === "bucket") return id;
  if (attr === "id") return ["aws_iam_policy", "aws_sns_topic"].includes(type) ? arn : id;
  return undefined;
}

/**
 * Replaces every `${...}` reference in a string by its value; a reference this file cannot resolve
 * becomes `UNRESOLVED(<reference>)` and is reported in `unresolved`.
 */
export function resolveString(
  stack: SynthesizedStack,
  text: string,
  place: StackPlace,
  overrides: Readonly<Record<string, string>> = {},
  unresolved: Set<string> = new Set(),
): string {
  return text.replace(/\$\{([^}]+)\}/g, (_, ref: string) => {
    const value = resolveReference(stack, ref.trim(), place, overrides);
    if (value === undefined) unresolved.add(ref.trim());
    return value ?? `UNRESOLVED(${ref.trim()})`;
  });
}
