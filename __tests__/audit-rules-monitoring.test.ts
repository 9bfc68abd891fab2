import { MONITORING_RULES } from "../audit/rules";
import type { TerraformJson } from "../audit/types";
import { describeFixtures, ruleById } from "./support/audit-fixtures";
import { checkRule as results, withValue as set } from "./support/audit-testing";

const rule = (id: string) => ruleById(MONITORING_RULES, id);

const alarm = (metric: string, namespace: string, dimensions: Record<string, string>, actions = ["${aws_sns_topic.alarms.arn}"]) => ({
  alarm_name: `acme-prod-${metric}`,
  namespace,
  metric_name: metric,
  dimensions,
  alarm_actions: actions,
});
// Whose metric each alarm watches: by reference (the load balancer, the distribution) or by literal name (service, database).
const lb = { LoadBalancer: "${aws_lb.api.arn_suffix}" };
const api = { ClusterName: "acme-prod", ServiceName: "acme-prod-api" };
const db = { DBInstanceIdentifier: "acme-prod-db" };

/** What the Monitoring and Notification constructs make for an environment with a load balancer, a service, a database and a site. */
const monitored: TerraformJson = {
  resource: {
    aws_lb: { api: { name: "acme-prod-api" } },
    aws_ecs_service: {
      api: {
        name: "acme-prod-api",
        deployment_circuit_breaker: { enable: true, rollback: true },
        alarms: { alarm_names: ["acme-prod-api-5xx-rate", "acme-prod-unhealthy-hosts"], enable: true, rollback: true },
      },
    },
    aws_db_instance: { db: { identifier: "acme-prod-db" } },
    aws_cloudfront_distribution: { site: {} },
    aws_kms_key: { alarms: { enable_key_rotation: true } },
    aws_sns_topic: { alarms: { name: "acme-prod-alarms", kms_master_key_id: "${aws_kms_key.alarms.arn}" } },
    aws_sns_topic_subscription: { oncall: { topic_arn: "${aws_sns_topic.alarms.arn}", protocol: "email", endpoint: "oncall@example.com" } },
    aws_cloudwatch_metric_alarm: {
      rate: {
        alarm_name: "acme-prod-api-5xx-rate",
        alarm_actions: ["${aws_sns_topic.alarms.arn}"],
        metric_query: [
          { id: "errors", metric: { namespace: "AWS/ApplicationELB", metric_name: "HTTPCode_Target_5XX_Count", dimensions: lb } },
          { id: "requests", metric: { namespace: "AWS/ApplicationELB", metric_name: "RequestCount", dimensions: lb } },
          { id: "rate", expression: "100 * errors / requests", return_data: true },
        ],
      },
      elb: alarm("HTTPCode_ELB_5XX_Count", "AWS/ApplicationELB", lb),
      unhealthy: { ...alarm("UnHealthyHostCount", "AWS/ApplicationELB", lb), alarm_name: "acme-prod-unhealthy-hosts" },
      latency: alarm("TargetResponseTime", "AWS/ApplicationELB", lb),
      cpu: alarm("CPUUtilization", "AWS/ECS", api),
      memory: alarm("MemoryUtilization", "AWS/ECS", api),
      tasks: {
        alarm_name: "acme-prod-running-tasks",
        alarm_actions: ["${aws_sns_topic.alarms.arn}"],
        metric_query: [{ id: "running", metric: { namespace: "ECS/ContainerInsights", metric_name: "RunningTaskCount", dimensions: api } }],
      },
      dbCpu: alarm("CPUUtilization", "AWS/RDS", db),
      dbMemory: alarm("FreeableMemory", "AWS/RDS", db),
      dbStorage: alarm("FreeStorageSpace", "AWS/RDS", db),
      dbConnections: alarm("DatabaseConnections", "AWS/RDS", db),
      site: alarm("5xxErrorRate", "AWS/CloudFront", { DistributionId: "${aws_cloudfront_distribution.site.id}", Region: "Global" }),
    },
  },
};
const production = { tier: "production" as const };

describe("monitoring rules", () => {
  describeFixtures(MONITORING_RULES, {
    "MONITORING-PRODUCTION-ALARMS": {
      options: production,
      compliant: monitored,
      nonCompliant: set(monitored, "resource/aws_cloudwatch_metric_alarm/dbStorage", undefined),
      failure: /no alarm watches database storage \(AWS\/RDS\/FreeStorageSpace\) of acme-prod-db; turn monitoring.alarms on/,
    },
    "MONITORING-PRODUCTION-SUBSCRIBER": {
      options: production,
      compliant: monitored,
      nonCompliant: set(monitored, "resource/aws_sns_topic_subscription", {}),
      failure: /nobody subscribes to the topic/,
    },
    "SNS-TOPIC-ENCRYPTED": {
      compliant: monitored,
      nonCompliant: set(monitored, "resource/aws_sns_topic/alarms/kms_master_key_id", "alias/aws/sns"),
      failure: /AWS-managed key alias\/aws\/sns, which CloudWatch alarms cannot use/,
    },
    "KMS-KEY-ROTATION": {
      compliant: monitored,
      nonCompliant: set(monitored, "resource/aws_kms_key/alarms/enable_key_rotation", false),
      failure: /does not rotate/,
    },
    "ECS-DEPLOYMENT-ALARMS-ROLLBACK": {
      compliant: monitored,
      nonCompliant: set(monitored, "resource/aws_ecs_service/api/alarms", {
        alarm_names: ["acme-prod-api-5xx-rate"],
        enable: true,
        rollback: false,
      }),
      failure: /does not act on them; set alarms \{ enable = true, rollback = true \}/,
    },
  });

  it("production-only rules are n/a outside production, and marked so (a guardrail names each)", () => {
    for (const id of ["MONITORING-PRODUCTION-ALARMS", "MONITORING-PRODUCTION-SUBSCRIBER"]) {
      expect(rule(id).productionOnly).toBe(true);
      expect(
        results(rule(id), set(monitored, "resource/aws_sns_topic_subscription", {}), { tier: "non-production" }).map((r) => r.status),
      ).toEqual(["n/a"]);
    }
  });

  it("an alarm that notifies nobody does not count", () => {
    const silent = set(monitored, "resource/aws_cloudwatch_metric_alarm/site/alarm_actions", []);
    const failures = results(rule("MONITORING-PRODUCTION-ALARMS"), silent, production).filter((r) => r.status === "fail");
    expect(failures.map((f) => f.message)).toEqual([
      "the alarm on the site's 5xx rate of aws_cloudfront_distribution.site notifies nobody; set alarm_actions to the alarm topic",
    ]);
  });

  describe("per workload, not per metric name", () => {
    /** A second service (a queue worker, say) beside the API, alarmed or not. */
    const withWorker = (alarmed: boolean): TerraformJson => {
      const worker = { ClusterName: "acme-prod", ServiceName: "acme-prod-worker" };
      const tf = set(monitored, "resource/aws_ecs_service/worker", {
        name: "acme-prod-worker",
        alarms: { alarm_names: ["acme-prod-worker-tasks"], enable: true, rollback: true },
      });
      if (!alarmed) return tf;
      const metrics = set(
        set(tf, "resource/aws_cloudwatch_metric_alarm/workerCpu", alarm("CPUUtilization", "AWS/ECS", worker)),
        "resource/aws_cloudwatch_metric_alarm/workerMemory",
        alarm("MemoryUtilization", "AWS/ECS", worker),
      );
      return set(metrics, "resource/aws_cloudwatch_metric_alarm/workerTasks", {
        alarm_name: "acme-prod-worker-tasks",
        alarm_actions: ["${aws_sns_topic.alarms.arn}"],
        metric_query: [
          { id: "running", metric: { namespace: "ECS/ContainerInsights", metric_name: "RunningTaskCount", dimensions: worker } },
        ],
      });
    };
    const failures = (tf: TerraformJson) =>
      results(rule("MONITORING-PRODUCTION-ALARMS"), tf, production)
        .filter((r) => r.status === "fail")
        .map((r) => r.subject);

    it("passes a second service that has its own alarms, wired to the topic and to its rollback", () => {
      expect(failures(withWorker(true))).toEqual([]);
    });

    it("fails a second service without alarms, though the API's alarms watch the same metric names", () => {
      expect(failures(withWorker(false))).toEqual([
        "aws_ecs_service.worker AWS/ECS/CPUUtilization",
        "aws_ecs_service.worker AWS/ECS/MemoryUtilization",
        "aws_ecs_service.worker ECS/ContainerInsights/RunningTaskCount",
      ]);
    });

    it("fails a service whose deployment alarms notify nobody", () => {
      const silent = set(withWorker(true), "resource/aws_cloudwatch_metric_alarm/workerTasks/alarm_actions", []);
      expect(failures(silent)).toEqual([
        "aws_ecs_service.worker ECS/ContainerInsights/RunningTaskCount",
        "aws_ecs_service.worker deployment alarms",
      ]);
    });

    it("does not count an alarm on another resource's metric (a dimension naming something else)", () => {
      const elsewhere = set(monitored, "resource/aws_cloudwatch_metric_alarm/dbCpu/dimensions", { DBInstanceIdentifier: "acme-other-db" });
      expect(failures(elsewhere)).toEqual(["aws_db_instance.db AWS/RDS/CPUUtilization"]);
    });
  });

  it("fails deployment alarms that name no alarm of the stack (they would never roll anything back)", () => {
    const typo = set(monitored, "resource/aws_ecs_service/api/alarms/alarm_names", ["acme-prod-api-5xx-rate", "acme-prod-unhealthy-host"]);
    expect(results(rule("ECS-DEPLOYMENT-ALARMS-ROLLBACK"), typo).map((r) => [r.status, r.message])).toEqual([
      ["fail", "rolls back on acme-prod-unhealthy-host, which no alarm of the stack is named; create it or fix the name"],
    ]);
  });

  it("asks only for the metrics of what the stack runs (no database, no database alarms)", () => {
    const noDb = set(set(monitored, "resource/aws_db_instance", {}), "resource/aws_cloudwatch_metric_alarm/dbStorage", undefined);
    expect(results(rule("MONITORING-PRODUCTION-ALARMS"), noDb, production).filter((r) => r.status === "fail")).toEqual([]);
  });

  it("an unencrypted topic and a service without deployment alarms fail", () => {
    expect(
      results(rule("SNS-TOPIC-ENCRYPTED"), set(monitored, "resource/aws_sns_topic/alarms/kms_master_key_id", undefined))[0].message,
    ).toMatch(/is not encrypted/);
    expect(
      results(rule("ECS-DEPLOYMENT-ALARMS-ROLLBACK"), set(monitored, "resource/aws_ecs_service/api/alarms", undefined))[0].message,
    ).toMatch(/watches no alarm during deployments/);
  });
});
