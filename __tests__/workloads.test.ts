/**
 * Issue 22: the queue worker and the scheduled jobs, each a use of the Fargate workload base. Off
 * unless configured; with them configured, the stage stack gets the queues, the worker service and the
 * schedules, and the bootstrap the roles they run as. Resources are found by name, not by count.
 */
import { Testing } from "cdktf";
import type { EnvironmentConfig, JobConfig, PlatformConfig, WorkerConfig } from "../config/types";
import { validate } from "../config/validate";
import { loggedExit } from "../constructs/scheduled-jobs";
import { buildSample, sampleConfig } from "./support/sample";
import { parse, resources, type SynthesizedTerraform } from "./support/synth";

const WORKER: WorkerConfig = {
  command: ["npm", "run", "worker"],
  cpu: 256,
  memoryMiB: 512,
  minCount: 1,
  maxCount: 4,
  messagesPerTask: 100,
  maxReceiveCount: 5,
  visibilityTimeoutSeconds: 60,
  oldestMessageAlarmSeconds: 900,
};
const NIGHTLY: JobConfig = { name: "nightly", schedule: "cron(0 3 * * ? *)", command: ["npm", "run", "nightly"], retries: 3 };

/** The shipped config with stage's workloads set to `change` and prod's left out (the environment without them). */
function withWorkloads(change: Partial<EnvironmentConfig> = { worker: WORKER, jobs: [NIGHTLY] }): PlatformConfig {
  const config = sampleConfig();
  const without = ({ worker: _worker, jobs: _jobs, ...e }: EnvironmentConfig): EnvironmentConfig => e;
  return { ...config, environments: config.environments.map((e) => (e.name === "stage" ? { ...without(e), ...change } : without(e))) };
}

function synthAll(config: PlatformConfig) {
  const platform = buildSample(config);
  const env = (name: string) => parse(Testing.synth(platform.environments[name]));
  return { stage: env("stage"), prod: env("prod"), bootstrap: parse(Testing.synth(Object.values(platform.bootstraps)[0])) };
}

/** The one resource of `type` whose `key` is `value`; fails when none or several are. */
function named(tf: SynthesizedTerraform, type: string, value: string, key = "name"): Record<string, any> {
  const found = Object.values(resources(tf, type)).filter((r) => r[key] === value);
  if (found.length !== 1) throw new Error(`expected one ${type} with ${key} ${value}, found ${found.length}`);
  return found[0];
}

const policyOf = (r: Record<string, any>) => JSON.parse(r.policy);
const names = (tf: SynthesizedTerraform, type: string, key = "name") => Object.values(resources(tf, type)).map((r) => r[key]);

describe("workloads beside the API: off unless configured", () => {
  const config = sampleConfig();
  const plain = { ...config, environments: config.environments.map(({ worker, jobs, ...e }) => e) };
  const { stage, bootstrap } = synthAll(plain);
  it("creates no queue, worker or schedule, and no roles for them, in an environment without worker or jobs", () => {
    expect(stage.resource?.aws_sqs_queue).toBeUndefined();
    expect(stage.resource?.aws_scheduler_schedule).toBeUndefined();
    expect(names(stage, "aws_ecs_service")).toEqual(["acme-stage-api"]);
    expect(names(bootstrap, "aws_iam_role").filter((n) => /worker|jobs|scheduler/.test(n))).toEqual([]);
  });
});

describe("queue worker", () => {
  const { stage, prod, bootstrap } = synthAll(withWorkloads());
  const queue = named(stage, "aws_sqs_queue", "acme-stage-worker");
  const dlq = named(stage, "aws_sqs_queue", "acme-stage-worker-dlq");
  const service = named(stage, "aws_ecs_service", "acme-stage-worker");

  it("encrypts both queues with the environment's rotated key and redrives after maxReceiveCount receives", () => {
    for (const q of [queue, dlq]) expect(q.kms_master_key_id).toMatch(/^\$\{aws_kms_key\.worker-queue_key_\w+\.arn\}$/);
    expect(Object.values(resources(stage, "aws_kms_key")).some((k) => k.description === "Encrypts the messages of acme-stage-worker")).toBe(
      true,
    );
    expect(JSON.parse(queue.redrive_policy)).toEqual({
      deadLetterTargetArn: expect.stringContaining("worker-queue_dead-letter-queue"),
      maxReceiveCount: 5,
    });
  });

  it("runs the API's image with its own command, no load balancer, no inbound rule", () => {
    const family = named(stage, "aws_ecs_task_definition", "acme-stage-worker", "family");
    const [container] = JSON.parse(family.container_definitions);
    const [api] = JSON.parse(named(stage, "aws_ecs_task_definition", "acme-stage-api", "family").container_definitions);
    expect(container.image).toBe(api.image);
    expect(container.command).toEqual(["npm", "run", "worker"]);
    expect(container.portMappings).toEqual([]);
    expect(container.environment).toContainEqual({ name: "QUEUE_URL", value: expect.stringContaining("worker-queue_") });
    expect(service.load_balancer).toBeUndefined();
    const groupId = service.network_configuration.security_groups[0];
    const ingress = Object.values(resources(stage, "aws_vpc_security_group_ingress_rule")).filter((r) => r.security_group_id === groupId);
    expect(ingress).toEqual([]);
  });

  it("rolls back a deployment on the circuit breaker and on new dead letters", () => {
    expect(service.deployment_circuit_breaker).toEqual({ enable: true, rollback: true });
    expect(service.alarms).toEqual({ alarm_names: [expect.stringContaining("dead-letters-growing")], enable: true, rollback: true });
    expect(named(stage, "aws_cloudwatch_metric_alarm", "acme-stage-worker-dead-letters-growing", "alarm_name")).toBeDefined();
  });

  it("scales on the backlog per task: visible messages over running tasks, held at messagesPerTask", () => {
    const policy = named(stage, "aws_appautoscaling_policy", "acme-stage-worker-backlog");
    const tracking = policy.target_tracking_scaling_policy_configuration;
    expect(tracking.target_value).toBe(100);
    const metrics = tracking.customized_metric_specification.metrics;
    expect(metrics.find((m: any) => m.return_data).expression).toBe("visible / tasks");
    expect(metrics.find((m: any) => m.id === "visible").metric_stat.metric.metric_name).toBe("ApproximateNumberOfMessagesVisible");
    expect(metrics.find((m: any) => m.id === "tasks").metric_stat.metric.metric_name).toBe("RunningTaskCount");
  });

  it("alarms when the oldest message waits too long and when the dead-letter queue is not empty", () => {
    const oldest = named(stage, "aws_cloudwatch_metric_alarm", "acme-stage-worker-oldest-message", "alarm_name");
    expect([oldest.metric_name, oldest.threshold]).toEqual(["ApproximateAgeOfOldestMessage", 900]);
    const dead = named(stage, "aws_cloudwatch_metric_alarm", "acme-stage-worker-dead-letters", "alarm_name");
    expect([dead.metric_name, dead.threshold, dead.dimensions]).toEqual([
      "ApproximateNumberOfMessagesVisible",
      0,
      { QueueName: expect.stringContaining("worker-queue_dead-letter-queue") },
    ]);
  });

  it("lets the worker's task role consume and the API's task role send, nothing more", () => {
    const consume = policyOf(named(stage, "aws_iam_role_policy", "consume-worker-queue"));
    expect(consume.Statement[0].Action).toEqual([
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
    ]);
    expect(named(stage, "aws_iam_role_policy", "consume-worker-queue").role).toBe("${data.aws_iam_role.workload-role-worker-task.name}");
    const send = named(stage, "aws_iam_role_policy", "send-to-worker-queue");
    expect(send.role).toBe("${data.aws_iam_role.workload-role-api-task.name}");
    expect(policyOf(send).Statement[0].Action).toEqual(["sqs:SendMessage", "sqs:GetQueueAttributes"]);
  });

  it("outputs the worker's service and queue for deploy.yml and people, with descriptions", () => {
    expect(stage.output?.ecs_worker_service_name).toEqual({
      value: "${aws_ecs_service.worker_service_E1A32E33.name}",
      description: "ECS service running the queue worker",
    });
    expect(stage.output?.worker_queue_url?.value).toMatch(/^\$\{aws_sqs_queue\.worker-queue_\w+\.url\}$/);
    expect(prod.output?.ecs_worker_service_name).toBeUndefined();
  });

  it("runs as the bootstrap's worker roles, which the bootstrap creates for this environment only", () => {
    expect(stage.data?.aws_iam_role?.["workload-role-worker-execution"]).toEqual({ name: "acme-stage-worker-execution-role" });
    const roles = names(bootstrap, "aws_iam_role");
    expect(roles).toEqual(expect.arrayContaining(["acme-stage-worker-execution-role", "acme-stage-worker-task-role"]));
    expect(roles).not.toContain("acme-prod-worker-task-role");
    expect(prod.resource?.aws_sqs_queue).toBeUndefined();
  });
});

describe("scheduled jobs", () => {
  const { stage, bootstrap } = synthAll(withWorkloads());
  const schedule = named(stage, "aws_scheduler_schedule", "acme-stage-nightly");

  it("runs each job as a Fargate task from EventBridge Scheduler, with retries and a dead-letter queue", () => {
    expect(schedule.schedule_expression).toBe("cron(0 3 * * ? *)");
    expect(schedule.target.retry_policy.maximum_retry_attempts).toBe(3);
    expect(schedule.target.dead_letter_config.arn).toMatch(/aws_sqs_queue\.jobs_dead-letter-queue_/);
    expect(schedule.target.ecs_parameters).toMatchObject({ launch_type: "FARGATE", task_count: 1 });
    expect(schedule.target.ecs_parameters.network_configuration.assign_public_ip).toBe(false);
    expect(schedule.target.role_arn).toBe("${data.aws_iam_role.workload-role-scheduler.arn}");
    expect(named(stage, "aws_sqs_queue", "acme-stage-jobs-dlq").sqs_managed_sse_enabled).toBe(true);
  });

  it("logs the job's exit code as JSON and alarms on a non-zero one, per job", () => {
    const [container] = JSON.parse(named(stage, "aws_ecs_task_definition", "acme-stage-job-nightly", "family").container_definitions);
    expect(container.command).toEqual(loggedExit("nightly", ["npm", "run", "nightly"]));
    const filter = named(stage, "aws_cloudwatch_log_metric_filter", "acme-stage-jobs-failed-runs");
    expect(filter.pattern).toBe("{ $.exitCode != 0 }");
    const alarm = named(stage, "aws_cloudwatch_metric_alarm", "acme-stage-job-nightly-failed", "alarm_name");
    expect(alarm.dimensions).toEqual({ Environment: "acme-stage", Job: "nightly" });
    expect(named(stage, "aws_cloudwatch_metric_alarm", "acme-stage-jobs-dead-letters", "alarm_name").threshold).toBe(0);
  });

  it("lets the scheduler role start only the jobs' task definitions in the cluster and pass only the jobs' roles", () => {
    const policy = policyOf(named(stage, "aws_iam_role_policy", "run-scheduled-jobs"));
    const sid = (s: string) => policy.Statement.find((x: any) => x.Sid === s);
    expect(sid("RunJobTasks").Resource).toEqual([
      expect.stringMatching(/^\$\{aws_ecs_task_definition\.jobs_job-nightly_\w+\.arn_without_revision\}:\*$/),
    ]);
    expect(sid("PassJobRoles").Resource).toEqual([
      "${data.aws_iam_role.workload-role-jobs-execution.arn}",
      "${data.aws_iam_role.workload-role-jobs-task.arn}",
    ]);
    const trust = JSON.parse(named(bootstrap, "aws_iam_role", "acme-stage-scheduler-role").assume_role_policy).Statement[0];
    expect(trust.Principal).toEqual({ Service: "scheduler.amazonaws.com" });
    expect(trust.Condition.ArnLike["aws:SourceArn"]).toBe("arn:aws:scheduler:eu-west-1:123456789012:schedule/default/acme-stage-*");
  });

  it('runs the command as written: the shell passes the configured arguments through "$@", never parses them', () => {
    const command = loggedExit("nightly", ["echo", "$(rm -rf /)", "a b"]);
    expect(command.slice(0, 2)).toEqual(["sh", "-c"]);
    expect(command.slice(3)).toEqual(["nightly", "echo", "$(rm -rf /)", "a b"]);
  });
});

describe("alarms of the worker and the jobs", () => {
  const { stage } = synthAll(withWorkloads());
  const ours = Object.values(resources(stage, "aws_cloudwatch_metric_alarm")).filter((a) => /-(worker|jobs?)-/.test(a.alarm_name));
  it("say what broke, in which environment, and where to look first, as the API's do", () => {
    expect(ours.length).toBeGreaterThanOrEqual(8);
    for (const alarm of ours) expect(alarm.alarm_description).toMatch(/ in stage[ .,:;].*First look: /);
  });
  it("notify the environment's alarm topic", () => {
    for (const alarm of ours)
      expect(alarm.alarm_actions).toEqual([expect.stringMatching(/^\$\{aws_sns_topic\.notification_topic_\w+\.arn\}$/)]);
  });
});

describe("workload settings", () => {
  const problems = (change: Partial<EnvironmentConfig>) => {
    try {
      validate(withWorkloads(change));
      return "";
    } catch (e) {
      return (e as Error).message;
    }
  };
  it("accepts a worker and jobs", () => expect(problems({ worker: WORKER, jobs: [NIGHTLY] })).toBe(""));
  it("rejects a worker without a command", () =>
    expect(problems({ worker: { ...WORKER, command: [] } })).toMatch(/worker\.command.*must name the program/));
  it("rejects a worker memory Fargate does not pair with its CPU", () =>
    expect(problems({ worker: { ...WORKER, memoryMiB: 4096 } })).toMatch(/worker\.memoryMiB.*not a Fargate memory size for 256/));
  it("rejects maxCount below minCount", () =>
    expect(problems({ worker: { ...WORKER, minCount: 3, maxCount: 2 } })).toMatch(/worker\.maxCount/));
  it("rejects a schedule that is not an EventBridge Scheduler expression", () =>
    expect(problems({ jobs: [{ ...NIGHTLY, schedule: "0 3 * * *" }] })).toMatch(/schedule.*cron\(<6 fields>\)/));
  it("rejects two jobs of one name", () => expect(problems({ jobs: [NIGHTLY, NIGHTLY] })).toMatch(/jobs.*its own name/));
  it("rejects a job name that cannot be part of a resource name", () =>
    expect(problems({ jobs: [{ ...NIGHTLY, name: "Nightly Report" }] })).toMatch(/name.*lowercase letters, digits or hyphens/));
});
