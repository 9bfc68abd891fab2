/**
 * A monthly cost estimate of each synthesized stack, offline: the resources of its Terraform JSON
 * priced against the table shipped in audit/prices/aws.json (on-demand list prices, with their source
 * and date). What depends on traffic (NAT and CloudFront gigabytes, log volume, LCUs) is priced from
 * the stated assumptions in `DEFAULT_USAGE`. A resource that costs money but has no rule here is
 * listed as "not priced", never counted as zero; one that AWS does not bill is counted as free.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { asNumber, block, isObject, isTrue, referencedAddress, strings } from "./terraform";
import type { Block, TerraformJson } from "./types";

export interface PriceRow {
  readonly usd: number;
  readonly unit: string;
  /** How `npm run prices:refresh` finds the row in the AWS bulk price files (offer code and product attributes). */
  readonly match?: Readonly<Record<string, string>>;
}

export interface PriceTable {
  readonly currency: string;
  readonly hoursPerMonth: number;
  readonly source: string;
  readonly date: string;
  readonly notes: readonly string[];
  readonly regions: Readonly<Record<string, { readonly location: string; readonly prices: Readonly<Record<string, PriceRow>> }>>;
}

export const PRICE_TABLE_FILE = join(__dirname, "prices", "aws.json");

export function loadPriceTable(file: string = PRICE_TABLE_FILE): PriceTable {
  return JSON.parse(readFileSync(file, "utf8")) as PriceTable;
}

/** What the estimate assumes about traffic and data, since the Terraform cannot say. */
export interface Usage {
  /** GB each NAT gateway processes a month. */
  readonly natGbPerGateway: number;
  /** Average LCUs an ALB consumes. */
  readonly albLcu: number;
  /** GB a VPC's flow logs send to CloudWatch Logs a month. */
  readonly flowLogGb: number;
  /** GB every other log group ingests a month. */
  readonly logGbPerGroup: number;
  /** GB an ALB's access-log bucket holds. */
  readonly accessLogGb: number;
  /** GB any other bucket holds. */
  readonly bucketGb: number;
  /** GB an ECR repository holds. */
  readonly ecrGb: number;
  /** GB a CloudFront distribution serves a month. */
  readonly cdnGb: number;
  /** HTTPS requests a CloudFront distribution serves a month. */
  readonly cdnRequests: number;
  /** Writes and reads (request units each) an on-demand DynamoDB table serves a month. */
  readonly tableRequests: number;
  /** GB an on-demand DynamoDB table holds. */
  readonly tableGb: number;
  /** Requests (sends, receives, deletes) a work queue serves a month; a dead-letter queue's are counted as none. */
  readonly queueRequests: number;
  /** Minutes one run of a scheduled job's task lasts. */
  readonly jobMinutes: number;
}

export const DEFAULT_USAGE: Usage = {
  natGbPerGateway: 20,
  albLcu: 1,
  flowLogGb: 5,
  logGbPerGroup: 2,
  accessLogGb: 5,
  bucketGb: 1,
  ecrGb: 2,
  cdnGb: 50,
  cdnRequests: 1_000_000,
  tableRequests: 10_000,
  tableGb: 0.01,
  queueRequests: 1_000_000,
  jobMinutes: 10,
};

/** One priced quantity of one resource: `quantity` x the table's `priceKey` row = `monthly`. */
export interface CostLine {
  readonly address: string;
  /** What is billed, e.g. `NAT gateway hours`. */
  readonly item: string;
  readonly quantity: number;
  readonly priceKey: string;
  readonly unitPrice: number;
  readonly monthly: number;
  /** The usage assumption the quantity rests on, when it is not read from the Terraform. */
  readonly assumption?: string;
}

export interface NotPriced {
  readonly address: string;
  readonly type: string;
  readonly reason: string;
  /** Why leaving it unpriced is accepted, from `UNPRICED_TYPES`; without it the audit fails (COVERAGE-COST-PRICED). */
  readonly accepted?: string;
}

/**
 * Types the estimate leaves unpriced on purpose, each with the reason. A resource of any other type
 * that is not priced fails the audit's COVERAGE-COST-PRICED rule: its cost is unknown, not zero.
 */
export const UNPRICED_TYPES: Readonly<Record<string, string>> = {};

export interface CostEstimate {
  readonly stack: string;
  readonly region: string;
  readonly lines: readonly CostLine[];
  readonly notPriced: readonly NotPriced[];
  /** Resources AWS does not bill for by themselves (subnets, roles, security groups...). */
  readonly free: number;
  readonly total: number;
}

/** Resource types AWS does not bill by themselves (their cost, if any, is priced on the resource they serve). */
const FREE = new Set([
  "aws_vpc",
  "aws_subnet",
  "aws_route",
  "aws_route_table",
  "aws_route_table_association",
  "aws_internet_gateway",
  "aws_security_group",
  "aws_security_group_rule",
  "aws_vpc_security_group_ingress_rule",
  "aws_vpc_security_group_egress_rule",
  "aws_default_security_group",
  "aws_default_network_acl",
  "aws_default_route_table",
  "aws_iam_role",
  "aws_iam_role_policy",
  "aws_iam_policy",
  "aws_iam_role_policy_attachment",
  "aws_iam_openid_connect_provider",
  "aws_ecs_cluster",
  "aws_ecs_task_definition",
  "aws_lb_listener",
  "aws_lb_target_group",
  "aws_db_subnet_group",
  "aws_db_parameter_group",
  "aws_s3_bucket_lifecycle_configuration",
  "aws_s3_bucket_ownership_controls",
  "aws_s3_bucket_policy",
  "aws_s3_bucket_public_access_block",
  "aws_s3_bucket_server_side_encryption_configuration",
  "aws_s3_bucket_versioning",
  "aws_s3_bucket_logging",
  "aws_cloudfront_origin_access_control",
  "aws_cloudfront_response_headers_policy",
  "aws_appautoscaling_target",
  "aws_appautoscaling_policy",
  "aws_ecr_lifecycle_policy",
  "aws_flow_log",
  "aws_kms_alias",
  "aws_sns_topic_policy",
  "aws_sns_topic_subscription",
  "aws_cloudwatch_log_metric_filter",
  // A listener rule is not billed by itself: its evaluations count in its load balancer's LCUs (10 a request free).
  "aws_lb_listener_rule",
  // An extra certificate on a listener (SNI) costs nothing; ACM's public certificates are free.
  "aws_lb_listener_certificate",
  // A secret's value is billed with the secret (aws_secretsmanager_secret), not per version.
  "aws_secretsmanager_secret_version",
  // Records are free; queries of an alias to a load balancer are not billed.
  "aws_route53_record",
]);

export const money = (n: number): number => Math.round(n * 1e6) / 1e6;

/** The region each resource is created in: its provider alias's, else the default provider's. */
function regions(tf: TerraformJson): { default: string; byAlias: Map<string, string> } {
  const configs = tf.provider?.aws;
  const list = (Array.isArray(configs) ? configs : configs ? [configs] : []).filter(isObject);
  const byAlias = new Map<string, string>();
  let fallback = "";
  for (const c of list) {
    const region = typeof c.region === "string" ? c.region : "";
    if (typeof c.alias === "string") byAlias.set(`aws.${c.alias}`, region);
    else fallback = region;
  }
  return { default: fallback, byAlias };
}

/** Estimates one stack's monthly cost. */
export function estimateCost(
  stack: string,
  tf: TerraformJson,
  table: PriceTable = loadPriceTable(),
  usage: Usage = DEFAULT_USAGE,
  unpriced: Readonly<Record<string, string>> = UNPRICED_TYPES,
): CostEstimate {
  const resources = (tf.resource ?? {}) as Record<string, Record<string, Block>>;
  const hours = table.hoursPerMonth;
  const { default: defaultRegion, byAlias } = regions(tf);
  const lines: CostLine[] = [];
  const notPriced: NotPriced[] = [];
  let free = 0;
  const get = (address: string | undefined): Block | undefined => {
    if (!address) return undefined;
    const [type, name] = address.split(".");
    return resources[type]?.[name];
  };
  const referrers = (type: string, test: (body: Block) => boolean): Block[] => Object.values(resources[type] ?? {}).filter(test);

  for (const type of Object.keys(resources).sort()) {
    for (const name of Object.keys(resources[type]).sort()) {
      const body = resources[type][name];
      const address = `${type}.${name}`;
      const region = (typeof body.provider === "string" && byAlias.get(body.provider)) || defaultRegion;
      const prices = table.regions[region]?.prices;
      const accepted = unpriced[type];
      const missing = (reason: string): void => void notPriced.push({ address, type, reason, ...(accepted && { accepted }) });
      if (FREE.has(type) || type.startsWith("github_")) {
        free++;
        continue;
      }
      if (!prices) {
        missing(`no prices for region ${region || "(none)"} in audit/prices/aws.json`);
        continue;
      }
      const before = lines.length;
      const absent: string[] = [];
      const line = (item: string, quantity: number, priceKey: string, assumption?: string): void => {
        const row = prices[priceKey];
        if (!row) {
          absent.push(priceKey);
          return;
        }
        lines.push({
          address,
          item,
          quantity: money(quantity),
          priceKey,
          unitPrice: row.usd,
          monthly: money(quantity * row.usd),
          ...(assumption && { assumption }),
        });
      };

      switch (type) {
        case "aws_nat_gateway":
          line("NAT gateway hours", hours, "nat.hour");
          line("NAT gateway GB processed", usage.natGbPerGateway, "nat.gb", `${usage.natGbPerGateway} GB a month per gateway`);
          break;
        case "aws_eip":
          line("public IPv4 address hours", hours, "ipv4.hour");
          break;
        case "aws_lb": {
          if (String(body.load_balancer_type ?? "application") !== "application") break;
          line("load balancer hours", hours, "alb.hour");
          line("LCU hours", usage.albLcu * hours, "alb.lcuHour", `${usage.albLcu} LCU on average`);
          if (!isTrue(body.internal)) {
            const ips = strings(body.subnets).length || 2;
            line("public IPv4 address hours (one per AZ)", ips * hours, "ipv4.hour");
          }
          break;
        }
        case "aws_ecs_service": {
          const task = get(referencedAddress(body.task_definition));
          if (String(body.launch_type ?? "") !== "FARGATE" || !task) break;
          const arch = String(block(task.runtime_platform)?.cpu_architecture ?? "X86_64") === "ARM64" ? "arm" : "x86";
          const count = asNumber(body.desired_count) ?? 1;
          const vcpu = (asNumber(task.cpu) ?? 0) / 1024;
          const gb = (asNumber(task.memory) ?? 0) / 1024;
          line(`Fargate vCPU hours (${vcpu} vCPU x ${count} task(s))`, vcpu * count * hours, `fargate.${arch}.vcpuHour`);
          line(`Fargate GB hours (${gb} GB x ${count} task(s))`, gb * count * hours, `fargate.${arch}.gbHour`);
          break;
        }
        case "aws_db_instance": {
          const copies = isTrue(body.multi_az) ? 2 : 1;
          const az = copies === 2 ? "Multi-AZ: primary and standby" : "Single-AZ";
          line(`${body.instance_class} hours (${az})`, copies * hours, `rds.${body.engine}.${body.instance_class}.hour`);
          const storage = String(body.storage_type ?? "gp2");
          const gib = asNumber(body.allocated_storage) ?? 0;
          line(`${storage} storage GB-months (${gib} GiB${copies === 2 ? " x 2" : ""})`, gib * copies, `rds.storage.${storage}.gbMonth`);
          if (isTrue(body.manage_master_user_password)) line("master password secret (Secrets Manager)", 1, "secretsmanager.secretMonth");
          break;
        }
        case "aws_secretsmanager_secret":
          line("secret", 1, "secretsmanager.secretMonth");
          break;
        case "aws_cloudwatch_log_group": {
          const flowLogs = referrers("aws_flow_log", (f) => referencedAddress(f.log_destination) === address).length > 0;
          const gb = flowLogs ? usage.flowLogGb : usage.logGbPerGroup;
          const months = Math.min((asNumber(body.retention_in_days) ?? 365) / 30, 12);
          line("GB ingested", gb, "logs.ingestGb", `${gb} GB a month${flowLogs ? " of flow logs" : ""}`);
          line(
            "GB-months stored",
            gb * months,
            "logs.storageGbMonth",
            `${gb} GB a month kept ${Math.round(months * 10) / 10} month(s), uncompressed`,
          );
          break;
        }
        case "aws_s3_bucket": {
          const accessLogs =
            referrers("aws_lb", (lb) => isObject(lb.access_logs) && referencedAddress(lb.access_logs.bucket) === address).length > 0;
          const gb = accessLogs ? usage.accessLogGb : usage.bucketGb;
          line("S3 Standard GB-months", gb, "s3.standard.gbMonth", `${gb} GB stored${accessLogs ? " of access logs" : ""}`);
          break;
        }
        case "aws_cloudfront_distribution":
          line("GB to the internet", usage.cdnGb, "cloudfront.transferGb", `${usage.cdnGb} GB a month`);
          line(
            "10,000 HTTPS requests",
            usage.cdnRequests / 10_000,
            "cloudfront.https10k",
            `${usage.cdnRequests.toLocaleString("en-US")} requests a month`,
          );
          break;
        case "aws_ecr_repository":
          line("storage GB-months", usage.ecrGb, "ecr.storageGbMonth", `${usage.ecrGb} GB of images`);
          break;
        case "aws_kms_key":
          line("key months", 1, "kms.keyMonth");
          break;
        case "aws_cloudwatch_metric_alarm":
          line("alarm months", 1, "cloudwatch.alarmMonth");
          break;
        case "aws_cloudwatch_dashboard":
          line("dashboard months", 1, "cloudwatch.dashboardMonth");
          break;
        case "aws_sns_topic":
          free++;
          continue;
        case "aws_vpc_endpoint":
          if (String(body.vpc_endpoint_type ?? "Gateway") === "Gateway") {
            free++;
            continue;
          }
          missing("interface endpoints are billed per AZ-hour and GB: no row yet");
          continue;
        case "aws_dynamodb_table": {
          if (String(body.billing_mode ?? "PROVISIONED") !== "PAY_PER_REQUEST") {
            missing("provisioned capacity: no row yet");
            continue;
          }
          const requests = `${usage.tableRequests.toLocaleString("en-US")} a month`;
          line("million write request units", usage.tableRequests / 1e6, "dynamodb.writeMillion", requests);
          line("million read request units", usage.tableRequests / 1e6, "dynamodb.readMillion", requests);
          line("storage GB-months", usage.tableGb, "dynamodb.storageGbMonth", `${usage.tableGb} GB stored`);
          break;
        }
        case "aws_sqs_queue": {
          // A dead-letter queue (another queue's redrive target, or a schedule's) sees requests only when work fails.
          const arn = `\${${address}.arn}`;
          const sources = [...Object.values(resources.aws_sqs_queue ?? {}), ...Object.values(resources.aws_scheduler_schedule ?? {})];
          if (sources.some((r) => r !== body && JSON.stringify(r).includes(arn))) {
            free++;
            continue;
          }
          const requests = `${usage.queueRequests.toLocaleString("en-US")} requests a month`;
          line("million requests", usage.queueRequests / 1e6, "sqs.requestMillion", requests);
          break;
        }
        case "aws_scheduler_schedule": {
          const runs = runsPerMonth(String(body.schedule_expression ?? ""), hours);
          const target = block(body.target);
          line("million invocations", runs / 1e6, "scheduler.invocationMillion", `${runs} runs a month`);
          const task = get(referencedAddress(block(target?.ecs_parameters)?.task_definition_arn));
          if (!task) break;
          const taskHours = (runs * usage.jobMinutes) / 60;
          const [vcpu, gb] = [(asNumber(task.cpu) ?? 0) / 1024, (asNumber(task.memory) ?? 0) / 1024];
          const assumption = `${runs} runs of ${usage.jobMinutes} minutes`;
          line(`Fargate vCPU hours (${vcpu} vCPU, one task a run)`, vcpu * taskHours, "fargate.x86.vcpuHour", assumption);
          line(`Fargate GB hours (${gb} GB, one task a run)`, gb * taskHours, "fargate.x86.gbHour", assumption);
          break;
        }
        default:
          missing("no pricing rule for this type");
          continue;
      }
      if (absent.length > 0) missing(`no row ${absent.join(", ")} in the ${region} price table`);
      else if (lines.length === before) missing("no pricing rule for its settings");
    }
  }
  return { stack, region: defaultRegion, lines, notPriced, free, total: money(lines.reduce((s, l) => s + l.monthly, 0)) };
}

/**
 * Runs a month of an EventBridge Scheduler expression: `rate(n unit)` exactly; `cron(min hour dom month dow year)`
 * by counting the minute and hour fields' values (`*` every, `*\/k` every k-th, lists) and the days (every day,
 * listed days of the month, or weekdays x 4.35); `at(...)` once.
 */
export function runsPerMonth(expression: string, hoursPerMonth: number): number {
  const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression);
  if (rate) return Math.round((hoursPerMonth * 60) / (Number(rate[1]) * { minute: 1, hour: 60, day: 1440 }[rate[2] as "minute"]));
  const cron = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/.exec(expression);
  if (!cron) return 1;
  const count = (field: string, all: number): number => {
    if (field === "*" || field === "?") return all;
    const step = /^(?:\*|\d+)\/(\d+)$/.exec(field);
    if (step) return Math.ceil(all / Number(step[1]));
    return field.split(",").reduce((n, part) => {
      const range = /^(\w+)-(\w+)$/.exec(part);
      const days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
      const at = (v: string) => (days.includes(v) ? days.indexOf(v) : Number(v));
      return n + (range ? at(range[2]) - at(range[1]) + 1 : 1);
    }, 0);
  };
  const [, minute, hour, dom, , dow] = cron;
  const days = dom !== "*" && dom !== "?" ? count(dom, 30.4) : dow !== "*" && dow !== "?" ? count(dow, 7) * 4.35 : 30.4;
  return Math.round(count(minute, 60) * count(hour, 24) * days);
}
