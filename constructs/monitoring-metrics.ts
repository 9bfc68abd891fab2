/**
 * The metrics an environment is watched by, defined once: each alarm and each dashboard graph is
 * built from these definitions (constructs/monitoring.ts), so what pages and what the on-call engineer
 * looks at are the same numbers, and the dashboard draws each alarm's threshold on its graph.
 */
import type { MonitoringThresholds } from "../config/types";

/** Thresholds with every default filled in: the production defaults documented in config/schema-monitoring.ts. */
export type ResolvedThresholds = Required<MonitoringThresholds>;

/** The production defaults of `monitoring.thresholds` (config/schema-monitoring.ts documents each). */
export const DEFAULT_THRESHOLDS: ResolvedThresholds = {
  api5xxRatePercent: 5,
  minRequestsForErrorRate: 10,
  loadBalancer5xxCount: 10,
  unhealthyHostMinutes: 3,
  p99LatencyMs: 2000,
  serviceCpuPercent: 90,
  serviceMemoryPercent: 90,
  databaseCpuPercent: 80,
  databaseFreeableMemoryMiB: 128,
  databaseFreeStorageGiB: 5,
  databaseConnections: 80,
  site5xxRatePercent: 5,
};

export function resolveThresholds(thresholds: MonitoringThresholds = {}): ResolvedThresholds {
  return { ...DEFAULT_THRESHOLDS, ...Object.fromEntries(Object.entries(thresholds).filter(([, v]) => v !== undefined)) };
}

/** One CloudWatch metric. */
export interface MetricDefinition {
  /** Query id, unique within its alarm or graph (`errors`, `requests`). */
  readonly id: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** `Sum`, `Average`, `Maximum`, `Minimum`, `p99`. */
  readonly stat: string;
  readonly periodSeconds: number;
  readonly label: string;
}

/** A metric math expression over the metrics of the same definition. */
export interface ExpressionDefinition {
  readonly id: string;
  readonly expression: string;
  readonly label: string;
}

/** Where the metric lives: the project's region, or us-east-1 (CloudFront's metrics). */
export type MetricRegion = "primary" | "us-east-1";

/** An alarm and the graph that shows it. */
export interface AlarmDefinition {
  /** Suffix of the alarm's name: `<prefix>-<key>`. */
  readonly key: string;
  /** Graph title on the dashboard. */
  readonly title: string;
  /** What broke, and where to look first: the alarm's description, which the notification carries. */
  readonly runbook: string;
  /** The metrics; with an expression, the metrics feed it and the expression is judged. */
  readonly metrics: readonly MetricDefinition[];
  readonly expression?: ExpressionDefinition;
  readonly comparison: "GreaterThanOrEqualToThreshold" | "GreaterThanThreshold" | "LessThanThreshold";
  /** In the unit of the metric CloudWatch judges (bytes, seconds, percent, count). */
  readonly threshold: number;
  /** The threshold as a person reads it, for the dashboard annotation. */
  readonly thresholdLabel: string;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  /**
   * What a period without data means, decided per alarm: `notBreaching` where no data means no
   * traffic (no errors), `breaching` where it means the thing stopped reporting (a stopped database,
   * no running task).
   */
  readonly treatMissingData: "breaching" | "notBreaching";
  readonly region: MetricRegion;
  /** ECS watches it during a deployment and rolls the release back when it fires. */
  readonly rollsBackDeployment: boolean;
}

/** A graph without an alarm (context for the alarms' graphs). */
export interface GraphDefinition {
  readonly title: string;
  readonly metrics: readonly MetricDefinition[];
  readonly region: MetricRegion;
}

/** What the metrics are about: names and ids of the environment's resources (tokens allowed). */
export interface MonitoredResources {
  /** e.g. `stage`: named in every runbook line. */
  readonly environment: string;
  /** e.g. `acme-stage`: alarm names start with it. */
  readonly namePrefix: string;
  /** `app/<name>/<id>`: the ALB's CloudWatch dimension (aws_lb.arn_suffix). */
  readonly loadBalancerArnSuffix: string;
  /** `targetgroup/<name>/<id>` (aws_lb_target_group.arn_suffix). */
  readonly targetGroupArnSuffix: string;
  readonly clusterName: string;
  readonly serviceName: string;
  readonly logGroupName: string;
  readonly databaseIdentifier: string;
  readonly distributionId: string;
}

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/** One metric: what `MetricDefinition` holds, in one line. */
const metric = (
  id: string,
  namespace: string,
  metricName: string,
  dimensions: Readonly<Record<string, string>>,
  stat: string,
  periodSeconds: number,
  label: string,
): MetricDefinition => ({ id, namespace, metricName, dimensions, stat, periodSeconds, label });

/** What names an alarm and tells the on-call engineer what to do. */
type AlarmText = Pick<AlarmDefinition, "key" | "title" | "runbook">;

/** What an alarm judges: one metric, or an expression over its metrics. */
type Judged = MetricDefinition | { readonly metrics: readonly MetricDefinition[]; readonly expression: ExpressionDefinition };

/** When the judged number pages, per period. */
type Trigger = Pick<AlarmDefinition, "comparison" | "threshold" | "thresholdLabel" | "treatMissingData">;

/** Where the metrics live and whether ECS rolls a release back on the alarm: the project's region, no. */
type Placement = Partial<Pick<AlarmDefinition, "region" | "rollsBackDeployment">>;

/** Every alarm's fields, in one order. */
const alarm = (
  text: AlarmText,
  judged: Judged,
  trigger: Trigger,
  periods: Pick<AlarmDefinition, "evaluationPeriods" | "datapointsToAlarm">,
  placement: Placement = {},
): AlarmDefinition => ({
  ...text,
  ...("expression" in judged ? { metrics: judged.metrics, expression: judged.expression } : { metrics: [judged] }),
  comparison: trigger.comparison,
  threshold: trigger.threshold,
  thresholdLabel: trigger.thresholdLabel,
  ...periods,
  treatMissingData: trigger.treatMissingData,
  region: placement.region ?? "primary",
  rollsBackDeployment: placement.rollsBackDeployment ?? false,
});

/** Beyond the threshold for 15 minutes: 3 of 3 five-minute periods. */
const heldFor15Minutes = (text: AlarmText, judged: Judged, trigger: Trigger): AlarmDefinition =>
  alarm(text, judged, trigger, { evaluationPeriods: 3, datapointsToAlarm: 3 });

/** Beyond the threshold in a single period. */
const inOnePeriod = (text: AlarmText, judged: Judged, trigger: Trigger): AlarmDefinition =>
  alarm(text, judged, trigger, { evaluationPeriods: 1, datapointsToAlarm: 1 });

/** An error rate above `percent` in 3 of 5 one-minute periods; no traffic is no error. */
const errorRate = (text: AlarmText, judged: Judged, percent: number, placement: Placement): AlarmDefinition =>
  alarm(
    text,
    judged,
    { comparison: "GreaterThanThreshold", threshold: percent, thresholdLabel: `${percent}%`, treatMissingData: "notBreaching" },
    { evaluationPeriods: 5, datapointsToAlarm: 3 },
    placement,
  );

/**
 * Every alarm of an environment, in dashboard order. Two are deployment alarms: a release that
 * raises the API's 5xx rate or leaves unhealthy targets is rolled back by ECS.
 */
export function alarmDefinitions(r: MonitoredResources, t: ResolvedThresholds): AlarmDefinition[] {
  const alb = { LoadBalancer: r.loadBalancerArnSuffix };
  const targets = { LoadBalancer: r.loadBalancerArnSuffix, TargetGroup: r.targetGroupArnSuffix };
  const service = { ClusterName: r.clusterName, ServiceName: r.serviceName };
  const db = { DBInstanceIdentifier: r.databaseIdentifier };
  const cloudfront = { DistributionId: r.distributionId, Region: "Global" };
  const where = `in ${r.environment}`;
  const dbName = `Database ${r.databaseIdentifier}`;
  const above = (threshold: number, thresholdLabel: string, treatMissingData: Trigger["treatMissingData"]): Trigger => ({
    comparison: "GreaterThanThreshold",
    threshold,
    thresholdLabel,
    treatMissingData,
  });
  const below = (threshold: number, thresholdLabel: string): Trigger => ({
    comparison: "LessThanThreshold",
    threshold,
    thresholdLabel,
    treatMissingData: "breaching",
  });
  return [
    errorRate(
      {
        key: "api-5xx-rate",
        title: "API 5xx rate (% of requests)",
        runbook:
          `The API answers more than ${t.api5xxRatePercent}% of requests with 5xx ${where}. ` +
          `First look: the container logs (${r.logGroupName}) for the error; during a release ECS rolls it back by itself; ` +
          `otherwise check the database alarms and roll back with deploy-prod and the last good commit.`,
      },
      {
        metrics: [
          metric("errors", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", alb, "Sum", 60, "target 5xx"),
          metric("requests", "AWS/ApplicationELB", "RequestCount", alb, "Sum", 60, "requests"),
        ],
        expression: {
          id: "rate",
          expression: `IF(requests >= ${t.minRequestsForErrorRate}, 100 * FILL(errors, 0) / requests, 0)`,
          label: "5xx %",
        },
      },
      t.api5xxRatePercent,
      { rollsBackDeployment: true },
    ),
    inOnePeriod(
      {
        key: "alb-5xx",
        title: "Load balancer 5xx (its own: 502, 503, 504)",
        runbook:
          `The load balancer itself answered ${t.loadBalancer5xxCount} or more 5xx in 5 minutes ${where}: ` +
          `no healthy task to send to, or tasks timing out or closing connections. ` +
          `First look: the target group's health and the running task count (dashboard), then the container logs (${r.logGroupName}).`,
      },
      metric("elb5xx", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", alb, "Sum", 300, "load balancer 5xx"),
      {
        comparison: "GreaterThanOrEqualToThreshold",
        threshold: t.loadBalancer5xxCount,
        thresholdLabel: String(t.loadBalancer5xxCount),
        treatMissingData: "notBreaching",
      },
    ),
    // Minute by minute, every minute of the configured run.
    alarm(
      {
        key: "unhealthy-hosts",
        title: "Unhealthy API targets",
        runbook:
          `At least one API task failed the load balancer's health check for ${t.unhealthyHostMinutes} minutes ${where}. ` +
          `First look: the stopped tasks' reason in the ECS console (service ${r.serviceName}) and the container logs ` +
          `(${r.logGroupName}); during a release ECS rolls it back by itself.`,
      },
      metric("unhealthy", "AWS/ApplicationELB", "UnHealthyHostCount", targets, "Maximum", 60, "unhealthy targets"),
      { comparison: "GreaterThanOrEqualToThreshold", threshold: 1, thresholdLabel: "1 target", treatMissingData: "notBreaching" },
      { evaluationPeriods: t.unhealthyHostMinutes, datapointsToAlarm: t.unhealthyHostMinutes },
      { rollsBackDeployment: true },
    ),
    heldFor15Minutes(
      {
        key: "api-p99-latency",
        title: "API response time p99 (seconds)",
        runbook:
          `The slowest 1% of API requests took longer than ${t.p99LatencyMs} ms for 15 minutes ${where}. ` +
          `First look: database CPU and connections (dashboard) and Performance Insights' top queries, then service CPU.`,
      },
      metric("p99", "AWS/ApplicationELB", "TargetResponseTime", alb, "p99", 300, "p99"),
      above(t.p99LatencyMs / 1000, `${t.p99LatencyMs} ms`, "notBreaching"),
    ),
    heldFor15Minutes(
      {
        key: "running-tasks",
        title: "API tasks: running below desired",
        runbook:
          `Fewer API tasks run than the service wants, for 15 minutes ${where} (no data counts: no task reports). ` +
          `First look: the service's events and stopped tasks in the ECS console (${r.serviceName}): ` +
          `image pull, secret or health-check failures.`,
      },
      {
        metrics: [
          metric("desired", "ECS/ContainerInsights", "DesiredTaskCount", service, "Average", 300, "desired"),
          metric("running", "ECS/ContainerInsights", "RunningTaskCount", service, "Average", 300, "running"),
        ],
        expression: { id: "missing", expression: "desired - running", label: "tasks missing" },
      },
      above(0, "0 missing", "breaching"),
    ),
    heldFor15Minutes(
      {
        key: "service-cpu",
        title: "API service CPU (%)",
        runbook:
          `API tasks used more than ${t.serviceCpuPercent}% CPU for 15 minutes ${where}: ` +
          `autoscaling has reached service.maxCount or cannot keep up. ` +
          `First look: running task count against maxCount; raise maxCount or service.cpu, or find the hot endpoint in the logs.`,
      },
      metric("cpu", "AWS/ECS", "CPUUtilization", service, "Average", 300, "CPU %"),
      // No task, no data: the running-tasks alarm reports that.
      above(t.serviceCpuPercent, `${t.serviceCpuPercent}%`, "notBreaching"),
    ),
    heldFor15Minutes(
      {
        key: "service-memory",
        title: "API service memory (%)",
        runbook:
          `API tasks used more than ${t.serviceMemoryPercent}% of their memory for 15 minutes ${where}; ` +
          `at 100% they are killed (exit 137). ` +
          `First look: memory growth since the last release (a leak: roll back), else raise service.memoryMiB.`,
      },
      metric("memory", "AWS/ECS", "MemoryUtilization", service, "Average", 300, "memory %"),
      above(t.serviceMemoryPercent, `${t.serviceMemoryPercent}%`, "notBreaching"),
    ),
    heldFor15Minutes(
      {
        key: "db-cpu",
        title: "Database CPU (%)",
        runbook:
          `${dbName} used more than ${t.databaseCpuPercent}% CPU for 15 minutes ${where} ` +
          `(no data counts: the instance stopped reporting). ` +
          `First look: Performance Insights' top SQL, and a migration or release that added a query; then a larger database.instanceClass.`,
      },
      metric("cpu", "AWS/RDS", "CPUUtilization", db, "Average", 300, "CPU %"),
      above(t.databaseCpuPercent, `${t.databaseCpuPercent}%`, "breaching"),
    ),
    heldFor15Minutes(
      {
        key: "db-freeable-memory",
        title: "Database freeable memory (bytes)",
        runbook:
          `${dbName} had less than ${t.databaseFreeableMemoryMiB} MiB freeable memory for 15 minutes ${where}: ` +
          `it will swap and slow down. ` +
          `First look: connections (each holds memory) and Performance Insights; then a larger database.instanceClass.`,
      },
      metric("memory", "AWS/RDS", "FreeableMemory", db, "Average", 300, "freeable memory"),
      below(t.databaseFreeableMemoryMiB * MIB, `${t.databaseFreeableMemoryMiB} MiB`),
    ),
    inOnePeriod(
      {
        key: "db-free-storage",
        title: "Database free storage (bytes)",
        runbook:
          `${dbName} has less than ${t.databaseFreeStorageGiB} GiB free ${where}; ` +
          `storage autoscaling is at database.maxAllocatedStorageGiB or cannot grow in time. ` +
          `First look: table and index growth; raise database.maxAllocatedStorageGiB and deploy.`,
      },
      metric("free", "AWS/RDS", "FreeStorageSpace", db, "Minimum", 300, "free storage"),
      below(t.databaseFreeStorageGiB * GIB, `${t.databaseFreeStorageGiB} GiB`),
    ),
    heldFor15Minutes(
      {
        key: "db-connections",
        title: "Database connections",
        runbook:
          `${dbName} held more than ${t.databaseConnections} connections for 15 minutes ${where}; ` +
          `new connections will be refused at max_connections. ` +
          `First look: the API's pool size times its running task count, and idle or stuck sessions (pg_stat_activity).`,
      },
      metric("connections", "AWS/RDS", "DatabaseConnections", db, "Maximum", 300, "connections"),
      // A stopped instance reports nothing: the CPU alarm pages for that, once.
      above(t.databaseConnections, String(t.databaseConnections), "notBreaching"),
    ),
    errorRate(
      {
        key: "site-5xx-rate",
        title: "Site 5xx rate (% of CloudFront requests)",
        runbook:
          `CloudFront answers more than ${t.site5xxRatePercent}% of site requests with 5xx ${where}. ` +
          `First look: the distribution's error report in the CloudFront console (distribution ${r.distributionId}): ` +
          `an origin (bucket policy or origin access control) error, or a CloudFront event.`,
      },
      {
        metrics: [
          metric("rate5xx", "AWS/CloudFront", "5xxErrorRate", cloudfront, "Average", 60, "5xx %"),
          metric("requests", "AWS/CloudFront", "Requests", cloudfront, "Sum", 60, "requests"),
        ],
        expression: { id: "rate", expression: `IF(requests >= ${t.minRequestsForErrorRate}, FILL(rate5xx, 0), 0)`, label: "5xx %" },
      },
      t.site5xxRatePercent,
      { region: "us-east-1" },
    ),
  ];
}

/** Graphs without an alarm, first on the dashboard: the traffic the alarms are judged against. */
export function contextGraphs(r: MonitoredResources): GraphDefinition[] {
  const alb = { LoadBalancer: r.loadBalancerArnSuffix };
  const perMinute = (id: string, metricName: string, label: string) => metric(id, "AWS/ApplicationELB", metricName, alb, "Sum", 60, label);
  return [
    {
      title: "API requests and errors (per minute)",
      region: "primary",
      metrics: [
        perMinute("requests", "RequestCount", "requests"),
        perMinute("target4xx", "HTTPCode_Target_4XX_Count", "target 4xx"),
        perMinute("target5xx", "HTTPCode_Target_5XX_Count", "target 5xx"),
        perMinute("elb5xx", "HTTPCode_ELB_5XX_Count", "load balancer 5xx"),
      ],
    },
  ];
}

/** The alarm's name: `<prefix>-<key>`, e.g. `acme-prod-api-5xx-rate`. */
export const alarmName = (namePrefix: string, key: string): string => `${namePrefix}-${key}`;

/** Names of the alarms ECS watches during a deployment (known before the alarms exist). */
export function deploymentAlarmNames(namePrefix: string): string[] {
  const keys = alarmDefinitions(
    {
      environment: "",
      namePrefix,
      loadBalancerArnSuffix: "",
      targetGroupArnSuffix: "",
      clusterName: "",
      serviceName: "",
      logGroupName: "",
      databaseIdentifier: "",
      distributionId: "",
    },
    DEFAULT_THRESHOLDS,
  )
    .filter((a) => a.rollsBackDeployment)
    .map((a) => a.key);
  return keys.map((k) => alarmName(namePrefix, k));
}
