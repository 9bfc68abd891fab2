import { Testing } from "cdktf";
import { auditPlatform } from "../audit/audit-app";
import { ALL_RULES } from "../audit/rules";
import { deployRolePolicy } from "../bootstrap/permissions";
import { Naming } from "../config/naming";
import type { EnvironmentConfig, PlatformConfig } from "../config/types";
import { DEFAULT_THRESHOLDS } from "../constructs/monitoring-metrics";
import { buildSample, sampleConfig, workloadsConfig } from "./support/sample";
import { parse, resources, type SynthesizedTerraform } from "./support/synth";

/**
 * Operating an environment: the alarms, where they go (an encrypted topic per region), the
 * dashboard built from the same metric definitions, the deployment alarms that roll a release back,
 * and the migration task. Stage and prod side by side: prod is stricter where its config says so.
 */

type Mutable<T> = T extends readonly (infer U)[] ? Mutable<U>[] : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;

// With the workloads beside the API (a worker, a job): their alarms are the environment's too.
const config = workloadsConfig();
const platform = buildSample(config);
const stage = parse(Testing.synth(platform.environments.stage));
const prod = parse(Testing.synth(platform.environments.prod));
const both: [string, SynthesizedTerraform][] = [
  ["stage", stage],
  ["prod", prod],
];

const alarms = (tf: SynthesizedTerraform) =>
  Object.fromEntries(
    Object.values(resources(tf, "aws_cloudwatch_metric_alarm")).map((a) => [String(a.alarm_name).replace(/^acme-(stage|prod)-/, ""), a]),
  );
const topics = (tf: SynthesizedTerraform) => resources(tf, "aws_sns_topic");
const addressOf = (tf: SynthesizedTerraform, type: string, test: (r: Record<string, any>) => boolean) => {
  const [name] = Object.entries(resources(tf, type)).find(([, r]) => test(r))!;
  return `${type}.${name}`;
};

/** The API's service (the worker's is another). */
const apiService = (tf: SynthesizedTerraform, env: string) =>
  Object.values(resources(tf, "aws_ecs_service")).find((s) => s.name === `acme-${env}-api`)!;

const KEYS = [
  "api-5xx-rate",
  "alb-5xx",
  "unhealthy-hosts",
  "api-p99-latency",
  "running-tasks",
  "service-cpu",
  "service-memory",
  "db-cpu",
  "db-freeable-memory",
  "db-free-storage",
  "db-connections",
  "site-5xx-rate",
];

/** The alarms of the workloads an environment's config turns on: the worker's service and queue, each job, the jobs' DLQ. */
function workloadKeys(env: EnvironmentConfig): string[] {
  const worker = env.worker ? ["cpu", "memory", "running-tasks", "oldest-message", "dead-letters", "dead-letters-growing"] : [];
  const jobs = env.jobs?.length ? [...env.jobs.map((j) => `job-${j.name}-failed`), "jobs-dead-letters"] : [];
  return [...worker.map((k) => `worker-${k}`), ...jobs];
}
const envConfig = (env: string) => config.environments.find((e) => e.name === env)!;

describe.each(both)("%s alarms", (env, tf) => {
  const all = alarms(tf);
  const regionalTopic = addressOf(tf, "aws_sns_topic", (t) => t.provider === undefined);
  const usEast1Topic = addressOf(tf, "aws_sns_topic", (t) => t.provider === "aws.us_east_1");

  it("watch every key metric: API errors, latency, tasks, service and database saturation, site errors; and each workload", () => {
    expect(workloadKeys(envConfig(env)).length).toBeGreaterThan(0); // workloadsConfig: a worker and a job
    expect(Object.keys(all).sort()).toEqual([...KEYS, ...workloadKeys(envConfig(env))].sort());
  });

  it("are all listed by the environment's Monitoring, the workloads' with the API's", () => {
    const listed = platform.environments[env].monitoring.alarmNames;
    expect(Object.keys(listed).sort()).toEqual(Object.keys(all).sort());
    for (const [key, name] of Object.entries(listed)) expect(name).toBe(`acme-${env}-${key}`);
  });

  it("say what broke, in which environment, and where to look first", () => {
    for (const [key, alarm] of Object.entries(all)) {
      expect({ key, description: alarm.alarm_description }).toEqual({
        key,
        description: expect.stringMatching(new RegExp(` in ${env}[ .,:;].*First look: `)),
      });
      expect(alarm.alarm_description.length).toBeLessThanOrEqual(1024);
    }
  });

  it("decide what missing data means, alarm by alarm (no traffic is not an error; a silent database or task is)", () => {
    const breaching = Object.entries(all)
      .filter(([, a]) => a.treat_missing_data === "breaching")
      .map(([k]) => k);
    const workers = envConfig(env).worker ? ["worker-running-tasks"] : [];
    expect(breaching.sort()).toEqual(["db-cpu", "db-free-storage", "db-freeable-memory", "running-tasks", ...workers]);
    for (const alarm of Object.values(all)) expect(["breaching", "notBreaching"]).toContain(alarm.treat_missing_data);
  });

  it("notify the topic of their region when they fire and when they recover; CloudFront's alarm lives in us-east-1", () => {
    for (const [key, alarm] of Object.entries(all)) {
      const topic = key === "site-5xx-rate" ? usEast1Topic : regionalTopic;
      expect({ key, alarm: alarm.alarm_actions, ok: alarm.ok_actions }).toEqual({
        key,
        alarm: [`\${${topic}.arn}`],
        ok: [`\${${topic}.arn}`],
      });
      expect({ key, provider: alarm.provider }).toEqual({ key, provider: key === "site-5xx-rate" ? "aws.us_east_1" : undefined });
    }
    const providers = tf.provider!.aws as Record<string, any>[];
    expect(providers.map((p) => [p.alias, p.region])).toEqual([
      [undefined, config.project.region],
      ["us_east_1", "us-east-1"],
    ]);
    // The second provider is fenced like the first: same account, same default tags.
    expect(providers[1].allowed_account_ids).toEqual(providers[0].allowed_account_ids);
    expect(providers[1].default_tags).toEqual(providers[0].default_tags);
  });

  it("judge 5xx as a rate, and only above a minimum of requests (a quiet stage does not page on one error)", () => {
    const rate = all["api-5xx-rate"];
    const expression = rate.metric_query.find((q: any) => q.return_data === true);
    expect(expression.expression).toBe(
      `IF(requests >= ${DEFAULT_THRESHOLDS.minRequestsForErrorRate}, 100 * FILL(errors, 0) / requests, 0)`,
    );
    expect(rate.metric_query.filter((q: any) => q.metric).map((q: any) => q.metric.metric_name)).toEqual([
      "HTTPCode_Target_5XX_Count",
      "RequestCount",
    ]);
    expect(rate.metric_query[0].metric.dimensions.LoadBalancer).toMatch(/^\$\{aws_lb\.service_load-balancer_\w+\.arn_suffix\}$/);
    expect(all["site-5xx-rate"].metric_query[0].metric.dimensions).toEqual({
      DistributionId: expect.stringMatching(/^\$\{aws_cloudfront_distribution\.\w+\.id\}$/),
      Region: "Global",
    });
  });
});

describe("stage and prod thresholds side by side", () => {
  const s = alarms(stage);
  const p = alarms(prod);

  it("take the production defaults unless the config sets a threshold", () => {
    expect([s["api-5xx-rate"].threshold, p["api-5xx-rate"].threshold]).toEqual([5, 5]);
    expect([s["api-p99-latency"].extended_statistic, s["api-p99-latency"].threshold]).toEqual(["p99", 2]);
    expect([s["unhealthy-hosts"].evaluation_periods, s["unhealthy-hosts"].datapoints_to_alarm]).toEqual([3, 3]);
  });

  it("follow each environment's config: connections for its instance class, prod's larger storage floor", () => {
    expect([s["db-connections"].threshold, p["db-connections"].threshold]).toEqual([60, 150]);
    expect([s["db-free-storage"].threshold, p["db-free-storage"].threshold]).toEqual([5 * 1024 ** 3, 10 * 1024 ** 3]);
  });
});

describe.each(both)("%s notification", (env, tf) => {
  // The notification's keys (the worker's queue has a key of its own, worker-queue).
  const notificationKeys = () => Object.entries(resources(tf, "aws_kms_key")).filter(([id]) => id.startsWith("notification"));

  it("is one topic per alarm region, encrypted with its own customer-managed key that rotates", () => {
    const keys = Object.fromEntries(notificationKeys());
    expect(Object.keys(keys)).toHaveLength(2);
    for (const key of Object.values(keys)) expect(key.enable_key_rotation).toBe(true);
    for (const topic of Object.values(topics(tf))) {
      expect(topic.name).toBe(`acme-${env}-alarms`);
      expect(topic.kms_master_key_id).toMatch(/^\$\{aws_kms_key\.notification(-us-east-1)?_key_\w+\.arn\}$/);
    }
    const aliases = Object.entries(resources(tf, "aws_kms_alias")).filter(([id]) => id.startsWith("notification"));
    expect(aliases.map(([, a]) => a.name)).toEqual([`alias/acme-${env}-alarms`, `alias/acme-${env}-alarms`]);
  });

  it("has a key policy that lets CloudWatch encrypt for the topic (AWS's own SNS key would refuse it)", () => {
    for (const [, key] of notificationKeys()) {
      const statements = JSON.parse(key.policy).Statement;
      expect(statements.find((s: any) => s.Sid === "CloudWatchAlarmsEncrypt")).toEqual({
        Sid: "CloudWatchAlarmsEncrypt",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
      });
      expect(statements.find((s: any) => s.Sid === "AccountManagesKeyThroughIam").Principal.AWS).toMatch(
        /^arn:aws:iam::\$\{data\.aws_caller_identity\.\S+\.account_id\}:root$/,
      );
    }
  });

  it("lets only this account's CloudWatch alarms publish", () => {
    for (const policy of Object.values(resources(tf, "aws_sns_topic_policy"))) {
      const publish = JSON.parse(policy.policy).Statement.find((s: any) => s.Sid === "CloudWatchAlarmsPublish");
      expect(publish.Principal).toEqual({ Service: "cloudwatch.amazonaws.com" });
      expect(publish.Condition.StringEquals["aws:SourceAccount"]).toMatch(/account_id\}$/);
    }
  });

  it("delivers to the config's subscribers in both regions, keyed by address", () => {
    const subscriptions = Object.entries(resources(tf, "aws_sns_topic_subscription"));
    const subscribers = config.environments.find((e) => e.name === env)!.monitoring.subscribers;
    expect(subscriptions.map(([, s]) => [s.protocol, s.endpoint])).toEqual([...subscribers, ...subscribers].map((a) => ["email", a]));
    for (const [name] of subscriptions) expect(name).toMatch(/subscriber-[a-z0-9-]+example-com/);
  });
});

describe.each(both)("%s dashboard", (env, tf) => {
  const [dashboard] = Object.values(resources(tf, "aws_cloudwatch_dashboard"));
  const body = JSON.parse(dashboard.dashboard_body);
  const titles = body.widgets.map((w: any) => w.properties.title);

  it("is one dashboard named for the environment", () => {
    expect(dashboard.dashboard_name).toBe(`acme-${env}-operations`);
    expect(tf.output!.dashboard_name.value).toBe(`acme-${env}-operations`);
  });

  it("graphs requests first, then every alarm's metric with its threshold as an annotation", () => {
    expect(titles[0]).toBe("API requests and errors (per minute)");
    const all = alarms(tf);
    expect(body.widgets).toHaveLength(1 + Object.keys(all).length);
    for (const widget of body.widgets.slice(1)) {
      const [line] = widget.properties.annotations.horizontal;
      expect(line.label).toMatch(/^alarm: /);
      expect(Object.values(all).map((a) => a.threshold)).toContain(line.value);
    }
    expect(titles).toEqual(
      expect.arrayContaining([
        "Database connections",
        "Database free storage (bytes)",
        "API tasks: running below desired",
        "Site 5xx rate (% of CloudFront requests)",
      ]),
    );
  });

  it("draws CloudFront's graph from us-east-1 and the others from the project region", () => {
    for (const widget of body.widgets) {
      expect({ title: widget.properties.title, region: widget.properties.region }).toEqual({
        title: widget.properties.title,
        region: widget.properties.title.startsWith("Site") ? "us-east-1" : config.project.region,
      });
    }
  });
});

describe.each(both)("%s release safety", (env, tf) => {
  it("rolls a deployment back when the 5xx-rate or unhealthy-host alarm fires, on top of the circuit breaker", () => {
    const service = apiService(tf, env);
    expect(service.alarms).toEqual({
      alarm_names: [`acme-${env}-api-5xx-rate`, `acme-${env}-unhealthy-hosts`],
      enable: true,
      rollback: true,
    });
    expect(service.deployment_circuit_breaker).toEqual({ enable: true, rollback: true });
    const names = Object.values(resources(tf, "aws_cloudwatch_metric_alarm")).map((a) => a.alarm_name);
    for (const name of service.alarms.alarm_names) expect(names).toContain(name);
  });

  it("has a migration task definition: the API's image, roles, secrets and logs, the configured command, no port", () => {
    const tasks = Object.values(resources(tf, "aws_ecs_task_definition"));
    const api = tasks.find((t) => t.family === `acme-${env}-api`)!;
    const migrate = tasks.find((t) => t.family === `acme-${env}-api-migrate`)!;
    expect([migrate.execution_role_arn, migrate.task_role_arn, migrate.cpu, migrate.memory]).toEqual([
      api.execution_role_arn,
      api.task_role_arn,
      api.cpu,
      api.memory,
    ]);
    const [apiContainer] = JSON.parse(api.container_definitions);
    const [container] = JSON.parse(migrate.container_definitions);
    expect(container.command).toEqual(["npm", "run", "migrate"]);
    expect(apiContainer.command).toBeUndefined();
    expect(container.portMappings).toEqual([]);
    expect(container.image).toBe(apiContainer.image);
    expect(container.secrets).toEqual(apiContainer.secrets);
    expect(container.environment).toEqual(apiContainer.environment);
    expect(container.logConfiguration.options["awslogs-group"]).toBe(apiContainer.logConfiguration.options["awslogs-group"]);
    expect(container.logConfiguration.options["awslogs-stream-prefix"]).toBe("migrate");
  });

  it("outputs how to run it: the service's cluster, subnets and security group, and what must exist first", () => {
    const output = tf.output!.database_migration as any;
    const service = apiService(tf, env);
    expect(output.value.subnets).toEqual(service.network_configuration.subnets);
    expect(output.value.securityGroups).toEqual(service.network_configuration.security_groups);
    expect(output.depends_on).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^aws_vpc_security_group_egress_rule\.service_service-egress-database_/),
        expect.stringMatching(/^aws_vpc_security_group_ingress_rule\.database_ingress-service_/),
        expect.stringMatching(/^aws_iam_role_policy\.service_execution-policy_/),
        expect.stringMatching(/^aws_route\.network_private-default-route-0_/),
      ]),
    );
  });
});

describe("configuration knobs", () => {
  const synthWith = (change: (e: Mutable<EnvironmentConfig>) => void) => {
    const c = sampleConfig() as Mutable<PlatformConfig>;
    change(c.environments[0]);
    return parse(Testing.synth(buildSample(c as PlatformConfig).environments.stage));
  };

  it("without a migration command: no migration task definition and no output", () => {
    const tf = synthWith((e) => void delete e.migration);
    const families = Object.values(resources(tf, "aws_ecs_task_definition")).map((t) => t.family);
    expect(families).toContain("acme-stage-api");
    expect(families.filter((f) => f.includes("migrate"))).toEqual([]);
    expect(tf.output!.database_migration).toBeUndefined();
  });

  it("with alarms off (non-production only): a dashboard, a topic, no alarms; the rollback rule exempted with the reason", () => {
    const tf = synthWith((e) => void (e.monitoring.alarms = false));
    expect(resources(tf, "aws_cloudwatch_metric_alarm")).toEqual({});
    expect(Object.keys(resources(tf, "aws_cloudwatch_dashboard"))).toHaveLength(1);
    for (const service of Object.values(resources(tf, "aws_ecs_service"))) expect(service.alarms).toBeUndefined();
    const c = sampleConfig() as Mutable<PlatformConfig>;
    c.environments[0].monitoring.alarms = false;
    const { report } = auditPlatform(c as PlatformConfig, { rules: ALL_RULES.filter((r) => r.id === "ECS-DEPLOYMENT-ALARMS-ROLLBACK") });
    const [rule] = report.stacks.find((st) => st.stack === "stage")!.rules;
    expect(rule.status).toBe("exempt");
    expect(rule.findings.length).toBeGreaterThan(0);
    for (const finding of rule.findings) expect(finding.reason).toContain("stage.monitoring.alarms is false");
  });

  it("an https subscriber subscribes over https", () => {
    const tf = synthWith((e) => void (e.monitoring.subscribers = ["https://events.example.com/integration/abc/enqueue"]));
    expect(Object.values(resources(tf, "aws_sns_topic_subscription")).map((s) => s.protocol)).toEqual(["https", "https"]);
  });
});

describe("deploy role permissions for what monitoring creates", () => {
  const naming = new Naming(config.project);
  const statements: any[] = JSON.parse(
    deployRolePolicy(
      { naming, accountId: "123456789012", region: "eu-west-1", stateKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/x" },
      "stage",
    ),
  ).Statement;
  const bySid = (sid: string) => statements.find((s) => s.Sid === sid);

  it("creates topics and keys only with the environment's tag, under its own names, in the two alarm regions", () => {
    expect(bySid("CreateAlarmTopics")).toMatchObject({
      Resource: ["arn:aws:sns:eu-west-1:123456789012:acme-stage-*", "arn:aws:sns:us-east-1:123456789012:acme-stage-*"],
      Condition: { StringEquals: { "aws:RequestTag/Environment": "stage" } },
    });
    expect(bySid("CreateAlarmKeys").Condition).toEqual({
      StringEquals: { "aws:RequestTag/Environment": "stage", "aws:RequestedRegion": ["eu-west-1", "us-east-1"] },
    });
    expect(bySid("ManageAlarmKeys").Condition).toEqual({ StringEquals: { "aws:ResourceTag/Environment": "stage" } });
    expect(bySid("AlarmKeyAliases").Resource).toEqual([
      "arn:aws:kms:eu-west-1:123456789012:alias/acme-stage-*",
      "arn:aws:kms:us-east-1:123456789012:alias/acme-stage-*",
    ]);
  });

  it("grants no new service wildcard, and may not change another environment's topics, keys or alarms", () => {
    const allowed = statements.filter((s) => s.Effect === "Allow").flatMap((s) => [s.Action].flat());
    expect(allowed.filter((a: string) => /^(sns|kms):\*$/.test(a))).toEqual([]);
    const fence = bySid("AlarmResourcesNotOtherEnvironments");
    expect(fence.Effect).toBe("Deny");
    expect(fence.Action).toEqual(expect.arrayContaining(["sns:*", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "cloudwatch:*"]));
    // Using the state key (tagged for no environment of its own) stays allowed.
    expect(fence.Action).not.toContain("kms:Decrypt");
  });

  it("appends its statements after the existing ones", () => {
    const sids = statements.map((s) => s.Sid);
    expect(sids.indexOf("CreateAlarmTopics")).toBeGreaterThan(sids.indexOf("WhoAmI"));
  });
});
