import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import type { Construct } from "constructs";
import { checkFields } from "../config/check-props";
import { JobsSchema } from "../config/schema";
import type { JobConfig } from "../config/types";
import { policyJson } from "../lib/policy";
import { FargateWorkload, type FargateWorkloadProps } from "./fargate-workload";

/** The jobs are the configuration's `jobs` list (config/schema-workloads.ts). */
export interface ScheduledJobsProps extends Omit<FargateWorkloadProps, "name" | "logGroupName" | "inbound" | "cpu" | "memoryMiB"> {
  /** The environment's name, e.g. `stage`: named in every alarm's runbook line. */
  readonly environmentName: string;
  /** Prefix of the names: schedules `<namePrefix>-<job>`, task families `<namePrefix>-job-<job>`, log group `/ecs/<namePrefix>/jobs`. */
  readonly namePrefix: string;
  /** The jobs, each run as a one-off task of its own task definition. */
  readonly jobs: readonly JobConfig[];
  /** ARN of the cluster the tasks run in (the API's). */
  readonly clusterArn: string;
  /** Name of that cluster: the tasks' ARNs name it. */
  readonly clusterName: string;
  /** The scheduler's role (the bootstrap's): its inline policy, written here, lets it start the jobs' tasks. */
  readonly schedulerRole: { readonly name: string; readonly arn: string };
  /**
   * SNS topic the alarms notify.
   * @default - no alarms (an environment with monitoring.alarms off)
   */
  readonly alarmTopicArn?: string;
}

/** The dead-letter queue keeps a failed start 14 days (SQS's most), for a person to look at. */
const FOURTEEN_DAYS = 14 * 24 * 3600;
/** Namespace of the jobs' failure metric (from their logs). */
export const JOBS_METRIC_NAMESPACE = "ScheduledJobs";

/**
 * Scheduled jobs, a FargateWorkload run as one-off tasks: each job its own task definition (the API's
 * image, the job's command and size) started by an EventBridge Scheduler schedule with retries and a
 * dead-letter queue (encrypted, SQS-managed keys) for starts that fail after them. The command runs
 * under `sh -c`, which logs `{"job":..., "exitCode":...}` when it ends (so the image needs `sh`); a
 * metric filter counts non-zero exits and an alarm per job fires on one, another on the dead-letter queue.
 */
export class ScheduledJobs extends FargateWorkload {
  readonly deadLetterQueueArn: string;
  readonly scheduleNames: string[];

  constructor(scope: Construct, id: string, props: ScheduledJobsProps) {
    super(scope, id, {
      ...validate(props),
      name: `${props.namePrefix}-jobs`,
      logGroupName: `/ecs/${props.namePrefix}/jobs`,
      inbound: "none (scheduled jobs take no traffic)",
      // The size of the task family's default; each job's task definition sets its own.
      cpu: 256,
      memoryMiB: 512,
    });
    const deadLetters = new SqsQueue(this, "dead-letter-queue", {
      name: `${props.namePrefix}-jobs-dlq`,
      messageRetentionSeconds: FOURTEEN_DAYS,
      sqsManagedSseEnabled: true,
    });
    const taskDefinitions = props.jobs.map((job) =>
      this.tasks.add(`job-${job.name}`, `${props.namePrefix}-job-${job.name}`, job.name, {
        command: loggedExit(job.name, job.command),
        cpu: job.cpu ?? 256,
        memoryMiB: job.memoryMiB ?? 512,
      }),
    );
    const families = taskDefinitions.map((t) => `${t.arnWithoutRevision}:*`);
    const account = new DataAwsCallerIdentity(this, "account").accountId;
    const tasks = `arn:aws:ecs:${this.tasks.region.name}:${account}:task/${props.clusterName}/*`;
    const schedulerPolicy = new IamRolePolicy(this, "scheduler-policy", {
      name: "run-scheduled-jobs",
      role: props.schedulerRole.name,
      policy: policyJson(
        {
          Sid: "RunJobTasks",
          Effect: "Allow",
          Action: "ecs:RunTask",
          Resource: families,
          Condition: { ArnEquals: { "ecs:cluster": props.clusterArn } },
        },
        {
          Sid: "TagJobTasks",
          Effect: "Allow",
          Action: "ecs:TagResource",
          Resource: tasks,
          Condition: { StringEquals: { "ecs:CreateAction": "RunTask" } },
        },
        { Sid: "PassJobRoles", Effect: "Allow", Action: "iam:PassRole", Resource: [props.roles.executionRoleArn, props.roles.taskRoleArn] },
        { Sid: "DeadLetters", Effect: "Allow", Action: "sqs:SendMessage", Resource: deadLetters.arn },
      ),
    });
    this.scheduleNames = props.jobs.map((job, i) => {
      const schedule = new SchedulerSchedule(this, `schedule-${job.name}`, {
        name: `${props.namePrefix}-${job.name}`,
        scheduleExpression: job.schedule,
        scheduleExpressionTimezone: job.timezone ?? "UTC",
        flexibleTimeWindow: { mode: "OFF" },
        target: {
          arn: props.clusterArn,
          roleArn: props.schedulerRole.arn,
          ecsParameters: {
            taskDefinitionArn: taskDefinitions[i].arn,
            launchType: "FARGATE",
            taskCount: 1,
            enableEcsManagedTags: true,
            propagateTags: "TASK_DEFINITION",
            networkConfiguration: { subnets: this.subnetIds, securityGroups: [this.securityGroup.id], assignPublicIp: false },
          },
          retryPolicy: { maximumRetryAttempts: job.retries ?? 2, maximumEventAgeInSeconds: 3600 },
          deadLetterConfig: { arn: deadLetters.arn },
        },
        // The scheduler's first run needs its permissions and the tasks' network in place; the flexible
        // window is off: a nightly job runs at the time written, not somewhere in a window after it.
        dependsOn: [schedulerPolicy, ...this.tasks.executionPolicies, ...this.egress],
      });
      return schedule.name;
    });
    this.deadLetterQueueArn = deadLetters.arn;
    if (props.alarmTopicArn) this.addJobAlarms(props, deadLetters.name, props.alarmTopicArn);
  }

  /** A metric of failed runs (non-zero exits in the logs) and an alarm on it per job; an alarm on the dead-letter queue. */
  private addJobAlarms(props: ScheduledJobsProps, deadLetterQueueName: string, topic: string): void {
    new CloudwatchLogMetricFilter(this, "failed-runs", {
      name: `${this.name}-failed-runs`,
      logGroupName: this.logGroup.name,
      pattern: "{ $.exitCode != 0 }",
      metricTransformation: {
        name: "FailedRuns",
        namespace: JOBS_METRIC_NAMESPACE,
        value: "1",
        unit: "Count",
        dimensions: { Environment: props.namePrefix, Job: "$.job" },
      },
    });
    const target = { topicArn: topic };
    const once = { evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: "notBreaching", region: "primary" } as const;
    const aboveZero = { comparison: "GreaterThanThreshold", threshold: 0, rollsBackDeployment: false } as const;
    for (const job of props.jobs) {
      this.addAlarm(`failed-alarm-${job.name}`, `${props.namePrefix}-job-${job.name}-failed`, target, {
        key: `job-${job.name}-failed`,
        title: `Job ${job.name}: failed runs`,
        runbook:
          `The scheduled job ${job.name} exited non-zero in ${props.environmentName}. First look: its log streams ` +
          `${job.name}/... in ${this.logGroup.name} (the last line holds the exit code).`,
        metrics: [
          {
            id: "failed",
            namespace: JOBS_METRIC_NAMESPACE,
            metricName: "FailedRuns",
            dimensions: { Environment: props.namePrefix, Job: job.name },
            stat: "Sum",
            periodSeconds: 300,
            label: "failed runs",
          },
        ],
        thresholdLabel: "0 failed runs",
        ...aboveZero,
        ...once,
      });
    }
    this.addAlarm("dead-letters-alarm", `${props.namePrefix}-jobs-dead-letters`, target, {
      key: "jobs-dead-letters",
      title: "Jobs that could not be started (dead-letter queue)",
      runbook:
        `A scheduled job could not be started after its retries in ${props.environmentName}. First look: the event in ` +
        `${deadLetterQueueName} (it says which schedule and why), then the cluster's capacity and the scheduler role.`,
      metrics: [
        {
          id: "dead",
          namespace: "AWS/SQS",
          metricName: "ApproximateNumberOfMessagesVisible",
          dimensions: { QueueName: deadLetterQueueName },
          stat: "Maximum",
          periodSeconds: 60,
          label: "messages",
        },
      ],
      thresholdLabel: "0 messages",
      ...aboveZero,
      ...once,
    });
  }
}

/**
 * The job's command under `sh -c`: `"$@"` runs the arguments exactly as written (no shell parses the
 * configuration's text), then one JSON line with the job and its exit code, then the same exit code.
 */
export function loggedExit(job: string, command: readonly string[]): string[] {
  const script = `"$@"; code=$?; printf '{"job":"%s","exitCode":%d}\\n' "$0" "$code"; exit "$code"`;
  return ["sh", "-c", script, job, ...command];
}

function validate(props: ScheduledJobsProps): ScheduledJobsProps {
  checkFields("ScheduledJobs", { jobs: JobsSchema }, props);
  return props;
}
