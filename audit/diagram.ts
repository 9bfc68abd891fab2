/**
 * An architecture picture of one synthesized stack, drawn from its Terraform JSON alone (no plan, no
 * credentials): the VPC and its subnet tiers, what sits in each tier, what reaches what (security
 * group rules, routes, CloudFront origins) and which principal may assume which role. Rendered as
 * Mermaid, which GitHub draws in audit.md and in the job summary. Deterministic: the same JSON
 * gives the same text, so the diagrams of a base branch and a pull request can be compared, and
 * `diffArchitecture` marks what a change adds, removes or alters.
 */
import { isObject, referencedAddress, strings } from "./terraform";
import type { Block, TerraformJson } from "./types";

/** Where a node is drawn: outside AWS, in a subnet tier of the VPC, in the VPC itself, or among the regional/global services. */
export type Placement = "outside" | "public" | "private" | "database" | "vpc" | "services" | "iam";

export interface ArchNode {
  /** The Terraform address, or a synthetic id for what the stack does not create (`internet`, a service principal). */
  readonly id: string;
  /** What a reviewer reads: kind, name and the settings that matter (size, count, multi-AZ). */
  readonly label: string;
  readonly placement: Placement;
}

export interface ArchEdge {
  readonly from: string;
  readonly to: string;
  /** What flows: a port, `egress`, `OAC`, `assumes`. */
  readonly label: string;
}

export interface Architecture {
  /** The VPC's label (`VPC 10.10.0.0/16`), when the stack has one. */
  readonly vpc?: string;
  /** Subnets per tier, for the tier headings. */
  readonly subnets: Partial<Record<Placement, number>>;
  readonly nodes: readonly ArchNode[];
  readonly edges: readonly ArchEdge[];
}

export type Change = "added" | "removed" | "changed" | "unchanged";

export interface ArchitectureDiff {
  readonly vpc?: string;
  readonly subnets: Partial<Record<Placement, number>>;
  readonly nodes: readonly (ArchNode & { readonly change: Change; readonly before?: string })[];
  readonly edges: readonly (ArchEdge & { readonly change: Change })[];
}

export const INTERNET = "internet";
export const TIERS = ["public", "private", "database"] as const;
/** Resource types the picture draws itself (the rest are counted in one "other resources" node). */
const DRAWN = new Set([
  "aws_vpc",
  "aws_subnet",
  "aws_internet_gateway",
  "aws_nat_gateway",
  "aws_lb",
  "aws_ecs_service",
  "aws_db_instance",
  "aws_s3_bucket",
  "aws_cloudfront_distribution",
  "aws_iam_role",
  "aws_iam_openid_connect_provider",
  "aws_vpc_endpoint",
  "aws_ecr_repository",
  "aws_dynamodb_table",
  "aws_kms_key",
  "aws_sqs_queue",
  "aws_scheduler_schedule",
]);

/**
 * Types the picture shows without a node of their own, and how: each is read by `architecture` to
 * label a node or draw an edge. Every other type not in `DRAWN` is folded into the "more resources"
 * node, and the audit's coverage report (audit/coverage.ts) says so by type.
 */
const SHOWN_THROUGH: Readonly<Record<string, string>> = {
  aws_lb_listener: "its protocol and port in the load balancer's label, and the forwards edge",
  aws_ecs_task_definition: "its size in the service's label, its roles as runs-as edges",
  aws_db_subnet_group: "the database's subnet tier",
  aws_route: "egress edges to the NAT gateways",
  aws_route_table_association: "egress edges to the NAT gateways",
  aws_security_group_rule: "edges between what two security groups guard",
  aws_vpc_security_group_ingress_rule: "edges between what two security groups guard",
};

/** How the picture shows a resource type: as nodes, through other nodes and edges, or folded into the "more resources" node. */
export function diagramCoverage(type: string): { readonly shown: "drawn" | "through" | "folded"; readonly how?: string } {
  if (DRAWN.has(type)) return { shown: "drawn" };
  const how = SHOWN_THROUGH[type];
  return how ? { shown: "through", how } : { shown: "folded" };
}

type Resources = Record<string, Record<string, Block>>;

function all(resources: Resources, type: string): [string, Block][] {
  return Object.entries(resources[type] ?? {})
    .map(([name, body]): [string, Block] => [`${type}.${name}`, body])
    .sort(([a], [b]) => a.localeCompare(b));
}

const refs = (value: unknown): string[] =>
  strings(value)
    .map(referencedAddress)
    .filter((a): a is string => a !== undefined);
const str = (value: unknown, fallback = "?"): string => (typeof value === "string" || typeof value === "number" ? String(value) : fallback);
const tagName = (body: Block): string | undefined =>
  isObject(body.tags) && typeof body.tags.Name === "string" ? body.tags.Name : undefined;

/** The tier of a subnet: its `Tier` tag, else a tier word in its Name. */
function subnetTier(body: Block | undefined): Placement {
  const tags = isObject(body?.tags) ? body!.tags : {};
  const tier =
    typeof tags.Tier === "string"
      ? tags.Tier
      : typeof tags.Name === "string"
        ? TIERS.find((t) => (tags.Name as string).includes(t))
        : undefined;
  return (TIERS as readonly string[]).includes(tier ?? "") ? (tier as Placement) : "vpc";
}

/** The tier most of the given subnets are in (`vpc` when none is known). */
function tierOf(subnetAddresses: string[], resources: Resources): Placement {
  const tiers = subnetAddresses.map((a) => subnetTier(resources.aws_subnet?.[a.split(".")[1]]));
  return tiers.find((t) => t !== "vpc") ?? "vpc";
}

function principalsOf(policy: unknown): { kind: string; value: string }[] {
  let doc: unknown = policy;
  if (typeof policy === "string") {
    try {
      doc = JSON.parse(policy);
    } catch {
      return [];
    }
  }
  if (!isObject(doc)) return [];
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  return statements.flatMap((s) => {
    if (!isObject(s) || s.Effect !== "Allow" || !isObject(s.Principal)) return [];
    // The subject matched exactly, or with StringLike (the plan role's pull-request ref).
    const conditions = isObject(s.Condition) ? [s.Condition.StringEquals, s.Condition.StringLike].filter(isObject) : [];
    const sub = conditions.flatMap((c) => strings(c["token.actions.githubusercontent.com:sub"])).join(", ");
    return Object.entries(s.Principal).flatMap(([kind, v]) =>
      strings(v).map((value) => ({ kind, value: kind === "Federated" && sub ? `${value}|${sub}` : value })),
    );
  });
}

const portText = (rule: Block): string => {
  const from = str(rule.from_port, "");
  const to = str(rule.to_port, "");
  const protocol = str(rule.ip_protocol ?? rule.protocol, "");
  if (protocol === "-1") return "all traffic";
  return from === to ? `${protocol} ${from}` : `${protocol} ${from}-${to}`;
};

/** Builds the architecture of one stack from its synthesized JSON. */
export function architecture(tf: TerraformJson): Architecture {
  const resources = (tf.resource ?? {}) as Resources;
  const nodes = new Map<string, ArchNode>();
  const edges = new Map<string, ArchEdge>();
  const node = (id: string, label: string, placement: Placement): void => void nodes.set(id, { id, label, placement });
  const edge = (from: string, to: string, label: string): void => {
    if (from !== to) edges.set(`${from}|${to}|${label}`, { from, to, label });
  };

  const [vpc] = all(resources, "aws_vpc");
  const subnets: Partial<Record<Placement, number>> = {};
  for (const [, body] of all(resources, "aws_subnet")) subnets[subnetTier(body)] = (subnets[subnetTier(body)] ?? 0) + 1;

  // Which drawn node a security group protects, to turn group-to-group rules into edges.
  const guarded = new Map<string, string[]>();
  const guard = (groups: unknown, id: string): void => {
    for (const g of refs(groups)) guarded.set(g, [...(guarded.get(g) ?? []), id]);
  };

  for (const [id] of all(resources, "aws_internet_gateway")) {
    node(id, "Internet gateway", "vpc");
    node(INTERNET, "Internet", "outside");
    edge(INTERNET, id, "ingress");
  }
  // Which NAT gateway each route table sends 0.0.0.0/0 to.
  const natOfTable = new Map<string, string>();
  for (const [, route] of all(resources, "aws_route")) {
    const nat = referencedAddress(route.nat_gateway_id);
    const table = referencedAddress(route.route_table_id);
    if (nat && table) natOfTable.set(table, nat);
  }
  const natsOfSubnets = (subnetAddresses: string[]): string[] => {
    const tables = all(resources, "aws_route_table_association")
      .filter(([, a]) => subnetAddresses.includes(referencedAddress(a.subnet_id) ?? ""))
      .map(([, a]) => referencedAddress(a.route_table_id) ?? "");
    return [...new Set(tables.map((t) => natOfTable.get(t)).filter((n): n is string => n !== undefined))].sort();
  };
  for (const [id, body] of all(resources, "aws_nat_gateway")) {
    const subnet = referencedAddress(body.subnet_id);
    node(id, `NAT gateway ${tagName(body) ?? ""}`.trim(), subnet ? tierOf([subnet], resources) : "public");
    for (const [igw] of all(resources, "aws_internet_gateway")) edge(id, igw, "egress");
  }
  for (const [id, body] of all(resources, "aws_vpc_endpoint")) {
    const service = str(body.service_name).split(".").pop();
    node(id, `VPC endpoint ${service} (${str(body.vpc_endpoint_type, "Gateway")})`, "vpc");
  }
  for (const [id, body] of all(resources, "aws_lb")) {
    const ports = all(resources, "aws_lb_listener")
      .filter(([, l]) => referencedAddress(l.load_balancer_arn) === id)
      .map(([, l]) => `${str(l.protocol, "HTTP")}:${str(l.port)}`);
    const kind = str(body.load_balancer_type, "application") === "application" ? "ALB" : "NLB";
    node(
      id,
      `${kind} ${str(body.name)}<br/>${ports.join(", ") || "no listener"}${body.internal === true ? " (internal)" : ""}`,
      tierOf(refs(body.subnets), resources),
    );
    guard(body.security_groups, id);
    const logs = isObject(body.access_logs) ? body.access_logs : undefined;
    if (logs && logs.enabled !== false) for (const bucket of refs(logs.bucket)) edge(id, bucket, "access logs");
  }
  const targetGroupOwner = new Map<string, string>();
  for (const [id, body] of all(resources, "aws_ecs_service")) {
    const task = resources.aws_ecs_task_definition?.[referencedAddress(body.task_definition)?.split(".")[1] ?? ""];
    const network = isObject(body.network_configuration)
      ? body.network_configuration
      : Array.isArray(body.network_configuration)
        ? body.network_configuration[0]
        : {};
    const subnetRefs = refs(network?.subnets);
    const size = task ? `${Number(task.cpu) / 1024} vCPU, ${Number(task.memory) / 1024} GB` : "?";
    node(
      id,
      `ECS service ${str(body.name)}<br/>${str(body.launch_type, "FARGATE")} ${size} x ${str(body.desired_count, "1")}`,
      tierOf(subnetRefs, resources),
    );
    guard(network?.security_groups, id);
    for (const lb of Array.isArray(body.load_balancer) ? body.load_balancer : [body.load_balancer]) {
      if (isObject(lb)) for (const tg of refs(lb.target_group_arn)) targetGroupOwner.set(tg, id);
    }
    for (const nat of natsOfSubnets(subnetRefs)) edge(id, nat, "egress");
    if (task) {
      for (const role of [...refs(task.execution_role_arn), ...refs(task.task_role_arn)]) edge(id, role, "runs as");
      const definitions = str(task.container_definitions, "");
      for (const [repo] of all(resources, "aws_ecr_repository")) if (definitions.includes(`\${${repo}.`)) edge(id, repo, "pulls image");
    }
  }
  for (const [id, body] of all(resources, "aws_db_instance")) {
    const group = resources.aws_db_subnet_group?.[referencedAddress(body.db_subnet_group_name)?.split(".")[1] ?? ""];
    const multiAz = body.multi_az === true || body.multi_az === "true";
    node(
      id,
      `RDS ${str(body.engine)} ${str(body.engine_version, "")} ` +
        `${str(body.instance_class)}<br/>${multiAz ? "Multi-AZ" : "single-AZ"}, ${str(body.allocated_storage)} GiB`,
      group ? tierOf(refs(group.subnet_ids), resources) : "database",
    );
    guard(body.vpc_security_group_ids, id);
  }
  for (const [id, body] of all(resources, "aws_s3_bucket")) node(id, `S3 bucket ${str(body.bucket, id.split(".")[1])}`, "services");
  for (const [id, body] of all(resources, "aws_dynamodb_table")) node(id, `DynamoDB table ${str(body.name)}`, "services");
  for (const [id, body] of all(resources, "aws_kms_key")) node(id, `KMS key ${str(body.description, "")}`.trim(), "services");
  for (const [id, body] of all(resources, "aws_ecr_repository")) node(id, `ECR repository ${str(body.name)}`, "services");
  for (const [id, body] of all(resources, "aws_sqs_queue")) {
    node(id, `SQS queue ${str(body.name)}`, "services");
    for (const key of refs(body.kms_master_key_id)) edge(id, key, "encrypted by");
    // The redrive policy is JSON text with the dead-letter queue's ARN in it, not one reference.
    for (const [, dlq] of str(body.redrive_policy, "").matchAll(/\$\{(aws_sqs_queue\.[A-Za-z0-9_-]+)\.arn\}/g))
      edge(id, dlq, "dead letters");
  }
  for (const [id, body] of all(resources, "aws_scheduler_schedule")) {
    const target = isObject(body.target) ? body.target : Array.isArray(body.target) && isObject(body.target[0]) ? body.target[0] : {};
    node(id, `Schedule ${str(body.name)}<br/>${str(body.schedule_expression)}`, "services");
    for (const role of refs(target.role_arn)) edge(id, role, "runs as");
    const deadLetters = isObject(target.dead_letter_config) ? target.dead_letter_config : {};
    for (const dlq of refs(deadLetters.arn)) edge(id, dlq, "dead letters");
  }
  for (const [id, body] of all(resources, "aws_cloudfront_distribution")) {
    node(id, `CloudFront ${str(body.price_class, "")}`.trim(), "services");
    node(INTERNET, "Internet", "outside");
    edge(INTERNET, id, "HTTPS");
    for (const origin of Array.isArray(body.origin) ? body.origin : [body.origin]) {
      if (!isObject(origin)) continue;
      const bucket = refs(origin.domain_name).find((a) => a.startsWith("aws_s3_bucket."));
      const target = bucket ?? refs(origin.domain_name)[0];
      if (target)
        edge(
          id,
          target,
          refs(origin.origin_access_control_id).length > 0 ? "OAC (SigV4)" : isObject(origin.s3_origin_config) ? "OAI" : "origin",
        );
    }
  }
  for (const [id, body] of all(resources, "aws_iam_openid_connect_provider")) node(id, `OIDC provider ${str(body.url)}`, "iam");
  for (const [id, body] of all(resources, "aws_iam_role")) {
    node(id, `IAM role ${str(body.name, id.split(".")[1])}`, "iam");
    for (const { kind, value } of principalsOf(body.assume_role_policy)) {
      const [principal, subject] = value.split("|");
      const provider = referencedAddress(principal);
      const from = provider ?? `principal.${kind}.${principal}`;
      if (!provider) node(from, `${kind} ${principal}`, kind === "Service" ? "outside" : "iam");
      edge(from, id, subject ? `assumes as ${subject}` : "assumes");
    }
  }

  // Security group rules between two groups: traffic from what one guards to what the other does.
  for (const [, rule] of [
    ...all(resources, "aws_vpc_security_group_ingress_rule"),
    ...all(resources, "aws_security_group_rule").filter(([, r]) => r.type === "ingress"),
  ]) {
    const to = refs(rule.security_group_id).flatMap((g) => guarded.get(g) ?? []);
    const from = refs(rule.referenced_security_group_id ?? rule.source_security_group_id).flatMap((g) => guarded.get(g) ?? []);
    for (const f of from) for (const t of to) edge(f, t, portText(rule));
    const world = [...strings(rule.cidr_ipv4), ...strings(rule.cidr_ipv6), ...strings(rule.cidr_blocks)].some(
      (c) => c === "0.0.0.0/0" || c === "::/0",
    );
    if (world && to.length > 0) {
      node(INTERNET, "Internet", "outside");
      for (const t of to) edge(INTERNET, t, portText(rule));
    }
  }
  // An ALB forwards to the service that registers in its target group.
  for (const [, listener] of all(resources, "aws_lb_listener")) {
    const lb = referencedAddress(listener.load_balancer_arn);
    const actions = Array.isArray(listener.default_action) ? listener.default_action : [listener.default_action];
    for (const action of actions) {
      const service = isObject(action) ? targetGroupOwner.get(referencedAddress(action.target_group_arn) ?? "") : undefined;
      if (lb && service) edge(lb, service, "forwards");
    }
  }

  const other = new Map<string, number>();
  for (const [type, byName] of Object.entries(resources)) if (!DRAWN.has(type)) other.set(type, Object.keys(byName ?? {}).length);
  if (other.size > 0) {
    const total = [...other.values()].reduce((a, b) => a + b, 0);
    node(
      "other",
      `${total} more resource(s) of ${other.size} type(s)<br/>(by type, with what judges and prices each: the coverage table of audit.md)`,
      "services",
    );
  }

  return {
    ...(vpc && { vpc: `VPC ${str(vpc[1].cidr_block)}` }),
    subnets,
    nodes: [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id)),
    edges: [...edges.values()]
      .filter((e) => nodes.has(e.from) && nodes.has(e.to))
      .sort((a, b) => `${a.from}|${a.to}|${a.label}`.localeCompare(`${b.from}|${b.to}|${b.label}`)),
  };
}

const edgeKey = (e: ArchEdge): string => `${e.from}|${e.to}|${e.label}`;

/** Marks what `after` adds to, removes from or changes in `before` (a node changes when its label does). */
export function diffArchitecture(before: Architecture, after: Architecture): ArchitectureDiff {
  const old = new Map(before.nodes.map((n) => [n.id, n]));
  const now = new Map(after.nodes.map((n) => [n.id, n]));
  const nodes = [
    ...after.nodes.map((n) => {
      const prev = old.get(n.id);
      if (!prev) return { ...n, change: "added" as const };
      return prev.label === n.label ? { ...n, change: "unchanged" as const } : { ...n, change: "changed" as const, before: prev.label };
    }),
    ...before.nodes.filter((n) => !now.has(n.id)).map((n) => ({ ...n, change: "removed" as const })),
  ].sort((a, b) => a.id.localeCompare(b.id));
  const oldEdges = new Set(before.edges.map(edgeKey));
  const newEdges = new Set(after.edges.map(edgeKey));
  const edges = [
    ...after.edges.map((e) => ({ ...e, change: oldEdges.has(edgeKey(e)) ? ("unchanged" as const) : ("added" as const) })),
    ...before.edges.filter((e) => !newEdges.has(edgeKey(e))).map((e) => ({ ...e, change: "removed" as const })),
  ].sort((a, b) => edgeKey(a).localeCompare(edgeKey(b)));
  return { vpc: after.vpc ?? before.vpc, subnets: after.subnets, nodes, edges };
}

/** True when the diff adds, removes or changes anything. */
export const hasChanges = (diff: ArchitectureDiff): boolean =>
  diff.nodes.some((n) => n.change !== "unchanged") || diff.edges.some((e) => e.change !== "unchanged");
