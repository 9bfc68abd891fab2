import type { AuditContext } from "../context";
import { block, blocks, isComputed, isTrue, refersTo, strings } from "../terraform";
import { type AuditTarget, type Block, type CheckResult, fail, notApplicable, pass, type Rule } from "../types";

const ALARM = "aws_cloudwatch_metric_alarm";

/** One metric an alarm judges: its own, or one of its metric queries, with the dimensions that say whose it is. */
interface WatchedMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Block;
}

/** The metrics an alarm judges: its own, or those of its metric queries. */
function alarmMetrics(alarm: AuditTarget): WatchedMetric[] {
  const own =
    typeof alarm.body.metric_name === "string"
      ? [{ namespace: String(alarm.body.namespace), metricName: alarm.body.metric_name, dimensions: block(alarm.body.dimensions) ?? {} }]
      : [];
  const queried = blocks(alarm.body.metric_query)
    .map((q) => block(q.metric))
    .filter((m): m is Block => m !== undefined && typeof m.metric_name === "string")
    .map((m) => ({ namespace: String(m.namespace), metricName: String(m.metric_name), dimensions: block(m.dimensions) ?? {} }));
  return [...own, ...queried];
}

/**
 * The resource types that emit key metrics: the dimension that names one of them, and the attribute
 * holding the literal name that dimension may carry (an ECS service's name, a database's identifier).
 */
const EMITTERS: Readonly<Record<string, { readonly dimension: string; readonly nameAttribute?: string }>> = {
  aws_lb: { dimension: "LoadBalancer" },
  aws_ecs_service: { dimension: "ServiceName", nameAttribute: "name" },
  aws_db_instance: { dimension: "DBInstanceIdentifier", nameAttribute: "identifier" },
  aws_cloudfront_distribution: { dimension: "DistributionId" },
};

/** True when the metric's dimension names this resource: by reference to it, or by its literal name. */
function isMetricOf(metric: WatchedMetric, emitter: AuditTarget): boolean {
  const { dimension, nameAttribute } = EMITTERS[emitter.type];
  const value = metric.dimensions[dimension];
  if (value === undefined) return false;
  if (refersTo(value, emitter.address)) return true;
  const name = nameAttribute ? emitter.body[nameAttribute] : undefined;
  return typeof name === "string" && value === name;
}

/** The key metrics a production environment must page on, by the resource type that emits them. */
const KEY_METRICS: readonly { emitter: string; namespace: string; metricName: string; what: string }[] = [
  { emitter: "aws_lb", namespace: "AWS/ApplicationELB", metricName: "HTTPCode_Target_5XX_Count", what: "the API's 5xx rate" },
  { emitter: "aws_lb", namespace: "AWS/ApplicationELB", metricName: "HTTPCode_ELB_5XX_Count", what: "the load balancer's own 5xx" },
  { emitter: "aws_lb", namespace: "AWS/ApplicationELB", metricName: "UnHealthyHostCount", what: "unhealthy targets" },
  { emitter: "aws_lb", namespace: "AWS/ApplicationELB", metricName: "TargetResponseTime", what: "response time" },
  { emitter: "aws_ecs_service", namespace: "AWS/ECS", metricName: "CPUUtilization", what: "service CPU" },
  { emitter: "aws_ecs_service", namespace: "AWS/ECS", metricName: "MemoryUtilization", what: "service memory" },
  { emitter: "aws_ecs_service", namespace: "ECS/ContainerInsights", metricName: "RunningTaskCount", what: "running tasks" },
  { emitter: "aws_db_instance", namespace: "AWS/RDS", metricName: "CPUUtilization", what: "database CPU" },
  { emitter: "aws_db_instance", namespace: "AWS/RDS", metricName: "FreeableMemory", what: "database memory" },
  { emitter: "aws_db_instance", namespace: "AWS/RDS", metricName: "FreeStorageSpace", what: "database storage" },
  { emitter: "aws_db_instance", namespace: "AWS/RDS", metricName: "DatabaseConnections", what: "database connections" },
  { emitter: "aws_cloudfront_distribution", namespace: "AWS/CloudFront", metricName: "5xxErrorRate", what: "the site's 5xx rate" },
];

function productionOnly(context: AuditContext): CheckResult | undefined {
  return context.isProduction ? undefined : notApplicable(`required in production only (stack tier ${context.tier})`);
}

const notifies = (alarm: AuditTarget): boolean => strings(alarm.body.alarm_actions).length > 0;

/** The deployment alarms of each ECS service exist and notify: what rolls a release back also pages. */
function deploymentAlarmsNotify(service: AuditTarget, alarms: readonly AuditTarget[]): CheckResult[] {
  const names = strings(block(service.body.alarms)?.alarm_names);
  const subject = `${service.address} deployment alarms`;
  const silent = names.filter((n) => alarms.some((a) => a.body.alarm_name === n && !notifies(a)));
  if (names.length === 0) return [];
  return silent.length > 0
    ? [fail(`the deployment alarm(s) ${silent.join(", ")} roll the release back but notify nobody; set their alarm_actions`, subject)]
    : [pass(`rolls back on ${names.join(", ")}, which notify`, subject)];
}

export const monitoringProductionAlarms: Rule = {
  id: "MONITORING-PRODUCTION-ALARMS",
  rationale:
    "Production pages a person on each workload's key metrics: API errors and latency, missing tasks, saturation of each " +
    "service and database, site errors.",
  controls: ["CloudWatch.15"],
  appliesTo: ["stack"],
  productionOnly: true,
  check(_stack, context) {
    const skip = productionOnly(context);
    if (skip) return skip;
    const alarms = context.resources(ALARM);
    const results: CheckResult[] = [];
    // Per emitting resource, not per metric name: a second service (or database) needs alarms of its own.
    for (const k of KEY_METRICS) {
      for (const emitter of context.resources(k.emitter)) {
        const { nameAttribute } = EMITTERS[k.emitter];
        const name = (nameAttribute && typeof emitter.body[nameAttribute] === "string" && emitter.body[nameAttribute]) || emitter.address;
        const subject = `${emitter.address} ${k.namespace}/${k.metricName}`;
        const watching = alarms.filter((a) =>
          alarmMetrics(a).some((m) => m.namespace === k.namespace && m.metricName === k.metricName && isMetricOf(m, emitter)),
        );
        if (watching.length === 0)
          results.push(fail(`no alarm watches ${k.what} (${k.namespace}/${k.metricName}) of ${name}; turn monitoring.alarms on`, subject));
        else if (!watching.some(notifies))
          results.push(fail(`the alarm on ${k.what} of ${name} notifies nobody; set alarm_actions to the alarm topic`, subject));
        else results.push(pass(`${k.what} of ${name} is watched and notifies`, subject));
      }
    }
    for (const service of context.resources("aws_ecs_service")) results.push(...deploymentAlarmsNotify(service, alarms));
    return results.length > 0 ? results : notApplicable("the stack runs nothing with key metrics");
  },
};

export const monitoringProductionSubscriber: Rule = {
  id: "MONITORING-PRODUCTION-SUBSCRIBER",
  rationale: "In production every SNS topic (where the alarms go) delivers to at least one person (email) or paging endpoint (HTTPS).",
  controls: [],
  appliesTo: ["stack"],
  productionOnly: true,
  check(_stack, context) {
    const skip = productionOnly(context);
    if (skip) return skip;
    const topics = context.resources("aws_sns_topic");
    if (topics.length === 0) return notApplicable("the stack has no SNS topic");
    const subscriptions = context.resources("aws_sns_topic_subscription");
    return topics.map(({ address: topic }) => {
      const delivering = subscriptions.filter(
        (s) => String(s.body.topic_arn) === `\${${topic}.arn}` && ["email", "https", "email-json"].includes(String(s.body.protocol)),
      );
      return delivering.length > 0
        ? pass(`${delivering.length} email or HTTPS subscriber(s)`, topic)
        : fail(
            "nobody subscribes to the topic, so its alarms reach no one; add an email address or https endpoint to monitoring.subscribers",
            topic,
          );
    });
  },
};

export const snsTopicEncrypted: Rule = {
  id: "SNS-TOPIC-ENCRYPTED",
  rationale:
    "Topics are encrypted at rest with a customer-managed KMS key (AWS's alias/aws/sns key refuses CloudWatch, so alarms could " +
    "not publish).",
  controls: ["SNS.1", "CKV_AWS_26", "AVD-AWS-0095"],
  appliesTo: ["aws_sns_topic"],
  check(topic) {
    const key = topic.body.kms_master_key_id;
    if (typeof key !== "string" || key === "") return fail("is not encrypted; set kms_master_key_id to a customer-managed KMS key");
    if (key === "alias/aws/sns")
      return fail(
        "uses the AWS-managed key alias/aws/sns, which CloudWatch alarms cannot use; set kms_master_key_id to a customer-managed key",
      );
    return pass("encrypted with a customer-managed KMS key");
  },
};

export const kmsKeyRotation: Rule = {
  id: "KMS-KEY-ROTATION",
  rationale: "Customer-managed symmetric keys rotate their key material yearly.",
  controls: ["KMS.4", "CKV_AWS_7", "AVD-AWS-0065"],
  appliesTo: ["aws_kms_key"],
  check(key) {
    const spec = key.body.customer_master_key_spec;
    if (spec !== undefined && spec !== "SYMMETRIC_DEFAULT")
      return notApplicable(`an asymmetric or HMAC key (${String(spec)}) cannot rotate automatically`);
    return isTrue(key.body.enable_key_rotation) ? pass("rotates yearly") : fail("does not rotate; set enable_key_rotation = true");
  },
};

export const ecsDeploymentAlarmsRollback: Rule = {
  id: "ECS-DEPLOYMENT-ALARMS-ROLLBACK",
  rationale:
    "A release that makes the API fail (5xx, unhealthy targets) is rolled back by ECS from its alarms, not only when tasks fail to start.",
  controls: [],
  appliesTo: ["aws_ecs_service"],
  check(service, context) {
    const controller = block(service.body.deployment_controller)?.type;
    if (controller !== undefined && controller !== "ECS") return notApplicable(`deployments are run by ${String(controller)}`);
    const alarms = block(service.body.alarms);
    if (!alarms || strings(alarms.alarm_names).length === 0)
      return fail("watches no alarm during deployments; set alarms { alarm_names = [...], enable = true, rollback = true }");
    if (!isTrue(alarms.enable) || !isTrue(alarms.rollback))
      return fail("names deployment alarms but does not act on them; set alarms { enable = true, rollback = true }");
    // A name no alarm carries never fires: the release would never be rolled back on it.
    const names = new Set(context.resources(ALARM).map((a) => a.body.alarm_name));
    const missing = strings(alarms.alarm_names).filter((n) => !isComputed(n) && !names.has(n));
    if (missing.length > 0)
      return fail(`rolls back on ${missing.join(", ")}, which no alarm of the stack is named; create it or fix the name`);
    return pass(`rolls back on ${strings(alarms.alarm_names).join(", ")}`);
  },
};

export const MONITORING_RULES: readonly Rule[] = [
  monitoringProductionAlarms,
  monitoringProductionSubscriber,
  snsTopicEncrypted,
  kmsKeyRotation,
  ecsDeploymentAlarmsRollback,
];
