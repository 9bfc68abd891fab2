import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmMetricQuery } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import type { MonitoringThresholds } from "../config/types";
import {
  type AlarmDefinition,
  alarmDefinitions,
  alarmName,
  contextGraphs,
  type GraphDefinition,
  type MetricDefinition,
  type MonitoredResources,
  resolveThresholds,
} from "./monitoring-metrics";

export interface MonitoringProps {
  /** What is watched: names and CloudWatch dimensions of the environment's resources. */
  readonly resources: MonitoredResources;
  /** The project's region, where the dashboard's graphs of that region point. */
  readonly region: string;
  /**
   * Create the alarms. Off, only the dashboard is created.
   * @default true
   */
  readonly alarms?: boolean;
  /**
   * Alarm thresholds; each one left out takes its production default (config/schema-monitoring.ts).
   * @default - the production defaults
   */
  readonly thresholds?: MonitoringThresholds;
  /** SNS topic the project-region alarms notify, on ALARM and on recovery (OK). */
  readonly topicArn: string;
  /** SNS topic in us-east-1 that the CloudFront alarm notifies (alarms notify their own region only). */
  readonly usEast1TopicArn: string;
  /**
   * Provider of us-east-1, for the CloudFront alarm.
   * @default - the default provider (the project's region is us-east-1)
   */
  readonly usEast1Provider?: TerraformProvider;
  /**
   * The alarms of the workloads beside the API (worker, queue, jobs), made by their constructs from
   * definitions (addMetricAlarm): listed in alarmNames and graphed on the dashboard after the API's.
   * @default - none
   */
  readonly workloadAlarms?: readonly WorkloadAlarm[];
}

/** An alarm a workload's construct made with addMetricAlarm: its definition and its name. */
export interface WorkloadAlarm {
  readonly definition: AlarmDefinition;
  readonly alarmName: string;
}

/** Where an alarm made from a definition notifies, under which name, through which provider. */
export interface AlarmTarget {
  readonly alarmName: string;
  /** SNS topic notified on ALARM and on recovery (OK). */
  readonly topicArn: string;
  /** @default - the default provider */
  readonly provider?: TerraformProvider;
}

/** A CloudWatch alarm made from a definition: every alarm of an environment, the API's and its workloads', is made here. */
export function addMetricAlarm(scope: Construct, id: string, d: AlarmDefinition, target: AlarmTarget): CloudwatchMetricAlarm {
  return new CloudwatchMetricAlarm(scope, id, {
    provider: target.provider,
    alarmName: target.alarmName,
    alarmDescription: d.runbook,
    comparisonOperator: d.comparison,
    threshold: d.threshold,
    evaluationPeriods: d.evaluationPeriods,
    datapointsToAlarm: d.datapointsToAlarm,
    treatMissingData: d.treatMissingData,
    alarmActions: [target.topicArn],
    okActions: [target.topicArn],
    ...metricOf(d),
  });
}

/**
 * An environment's alarms and its dashboard, both built from the metric definitions of
 * constructs/monitoring-metrics.ts. Every alarm says in its description what broke and where to look
 * first, treats missing data on purpose, and notifies the topic when it fires and when it recovers.
 * The workloads' alarms (props.workloadAlarms) are listed and graphed here too, the same way.
 */
export class Monitoring extends Construct {
  /** Alarm names by definition key (`api-5xx-rate`, `worker-cpu`), the API's and the workloads', for tests and deployment alarms. */
  readonly alarmNames: Readonly<Record<string, string>>;
  readonly dashboardName: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const thresholds = resolveThresholds(props.thresholds);
    const definitions = alarmDefinitions(props.resources, thresholds);
    const prefix = props.resources.namePrefix;
    const names: Record<string, string> = {};

    if (props.alarms ?? true) {
      for (const d of definitions) {
        const usEast1 = d.region === "us-east-1";
        names[d.key] = alarmName(prefix, d.key);
        addMetricAlarm(this, d.key, d, {
          alarmName: names[d.key],
          topicArn: usEast1 ? props.usEast1TopicArn : props.topicArn,
          provider: usEast1 ? props.usEast1Provider : undefined,
        });
      }
    }
    const workloads = props.workloadAlarms ?? [];
    for (const w of workloads) {
      if (names[w.definition.key])
        throw new Error(`Monitoring: two alarms have the key ${w.definition.key}; give each workload alarm its own`);
      names[w.definition.key] = w.alarmName;
    }

    const dashboardName = `${prefix}-operations`;
    new CloudwatchDashboard(this, "dashboard", {
      dashboardName,
      dashboardBody: JSON.stringify(
        dashboardBody(props.region, contextGraphs(props.resources), [...definitions, ...workloads.map((w) => w.definition)]),
      ),
    });

    this.alarmNames = names;
    this.dashboardName = dashboardName;
  }
}

/** The alarm's metric: plain fields for one metric, metric queries for an expression. */
function metricOf(d: AlarmDefinition): Partial<ConstructorParameters<typeof CloudwatchMetricAlarm>[2]> {
  if (!d.expression) {
    const [metric] = d.metrics;
    return {
      namespace: metric.namespace,
      metricName: metric.metricName,
      dimensions: { ...metric.dimensions },
      period: metric.periodSeconds,
      ...(/^p\d/.test(metric.stat) ? { extendedStatistic: metric.stat } : { statistic: metric.stat }),
    };
  }
  const queries: CloudwatchMetricAlarmMetricQuery[] = [
    ...d.metrics.map((metric) => ({
      id: metric.id,
      label: metric.label,
      returnData: false,
      metric: {
        namespace: metric.namespace,
        metricName: metric.metricName,
        dimensions: { ...metric.dimensions },
        period: metric.periodSeconds,
        stat: metric.stat,
      },
    })),
    { id: d.expression.id, expression: d.expression.expression, label: d.expression.label, returnData: true },
  ];
  return { metricQuery: queries };
}

/** A metric as a dashboard graph lists it: namespace, name, dimension pairs, then its options. */
function dashboardMetric(m: MetricDefinition, visible: boolean): unknown[] {
  return [
    m.namespace,
    m.metricName,
    ...Object.entries(m.dimensions).flat(),
    { id: m.id, stat: m.stat, period: m.periodSeconds, label: m.label, visible },
  ];
}

const WIDTH = 8;
const HEIGHT = 6;

/** The dashboard: traffic first, then one graph per alarm with its threshold drawn as a line. */
export function dashboardBody(
  region: string,
  graphs: readonly GraphDefinition[],
  alarms: readonly AlarmDefinition[],
): { widgets: object[] } {
  const regionOf = (r: "primary" | "us-east-1") => (r === "us-east-1" ? "us-east-1" : region);
  const widgets: object[] = [
    ...graphs.map((g) => ({ title: g.title, region: regionOf(g.region), metrics: g.metrics.map((m) => dashboardMetric(m, true)) })),
    ...alarms.map((a) => ({
      title: a.title,
      region: regionOf(a.region),
      metrics: a.expression
        ? [
            [{ expression: a.expression.expression, label: a.expression.label, id: a.expression.id }],
            ...a.metrics.map((m) => dashboardMetric(m, false)),
          ]
        : a.metrics.map((m) => dashboardMetric(m, true)),
      annotations: { horizontal: [{ label: `alarm: ${a.thresholdLabel}`, value: a.threshold, color: "#d62728" }] },
    })),
  ];
  return {
    widgets: widgets.map((w, i) => ({
      type: "metric",
      x: (i % 3) * WIDTH,
      y: Math.floor(i / 3) * HEIGHT,
      width: WIDTH,
      height: HEIGHT,
      properties: { view: "timeSeries", stacked: false, period: 300, ...w },
    })),
  };
}
