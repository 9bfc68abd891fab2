/**
 * Issue 22: what the workloads beside the API need, declared once and wired into the deploy role,
 * the plan role and the workload boundary with one line each. The queue worker's queues
 * (constructs/queue-worker.ts: `<prefix>-worker`, `<prefix>-worker-dlq`, encrypted with a key of the
 * environment's) and the scheduled jobs' schedules (constructs/scheduled-jobs.ts: `<prefix>-<job>` in
 * the default group, their dead-letter queue `<prefix>-jobs-dlq`). The queue key is created and
 * managed under the monitoring file's tag-fenced key statements (CreateAlarmKeys, ManageAlarmKeys,
 * AlarmKeyAliases on `alias/<prefix>-*`), which hold for any key of the environment.
 */
import type { PolicyStatement } from "../../lib/policy";
import { familyActions, familyPlanReads, type ResourceFamily, runtimeActions } from "./families";
import { allow, keysArn, notOtherEnvironments, type PermissionsContext } from "./statements";

/** The environment's queues and their redrive settings (aws_sqs_queue, aws_sqs_queue_redrive*_policy), by name. */
export const QUEUE_FAMILY: ResourceFamily = {
  name: "queues",
  resources: ["aws_sqs_queue", "aws_sqs_queue_redrive_policy", "aws_sqs_queue_redrive_allow_policy"],
  // With the reads of its own queues among them, in the order of the deploy role's OwnQueues statement.
  changes: [
    "sqs:CreateQueue",
    "sqs:DeleteQueue",
    "sqs:GetQueueAttributes",
    "sqs:SetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ListQueueTags",
    "sqs:TagQueue",
    "sqs:UntagQueue",
  ],
  reads: [],
  planReads: ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueueTags"],
  runtime: {
    actions: ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
    reason: "the API sends and the worker receives (each role's own policy says which)",
  },
};

/** The scheduled jobs' schedules (aws_scheduler_schedule; schedules carry no tags), by name. */
export const SCHEDULE_FAMILY: ResourceFamily = {
  name: "schedules",
  resources: ["aws_scheduler_schedule"],
  // With the read of its own schedules among them, in the order of the deploy role's OwnSchedules statement.
  changes: ["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule"],
  reads: [],
  planReads: ["scheduler:GetSchedule"],
};

/** What `terraform plan` reads of queues and schedules (added to the plan role's read list). */
export const WORKLOAD_PLAN_READS = familyPlanReads([QUEUE_FAMILY, SCHEDULE_FAMILY]);

/** Sid of the workload boundary's one IAM statement: the scheduler passes the jobs' roles to the tasks it starts. */
export const BOUNDARY_IAM_EXCEPTION = "PassJobRolesToEcs";

/** The roles a scheduled job's task runs as, which the scheduler hands to ECS. */
export function jobRoles({ naming }: PermissionsContext, environment: string): string[] {
  return [naming.workloadRoleArn(environment, "jobs-execution"), naming.workloadRoleArn(environment, "jobs-task")];
}

/** The environment's queues and schedules, by name. */
function ownQueuesAndSchedules({ naming, accountId, region }: PermissionsContext, environment: string) {
  const prefix = naming.prefix(environment);
  return {
    queues: `arn:aws:sqs:${region}:${accountId}:${prefix}-*`,
    schedules: `arn:aws:scheduler:${region}:${accountId}:schedule/default/${prefix}-*`,
  };
}

/** The deploy role's statements: its queues and schedules, and handing the scheduler its role. */
export function workloadDeployStatements(ctx: PermissionsContext, environment: string): PolicyStatement[] {
  const { queues, schedules } = ownQueuesAndSchedules(ctx, environment);
  const scheduler = ctx.naming.workloadRoleArn(environment, "scheduler");
  return [
    allow("OwnQueues", familyActions([QUEUE_FAMILY]), queues),
    allow("OwnSchedules", familyActions([SCHEDULE_FAMILY]), schedules),
    // The jobs' failed-runs metric filter lives on their log group (aws_cloudwatch_log_metric_filter).
    allow("OwnMetricFilters", ["logs:PutMetricFilter", "logs:DeleteMetricFilter"], ctx.naming.logGroupArns(environment, ctx.region)),
    allow("ListMetricFilters", "logs:DescribeMetricFilters", `arn:aws:logs:${ctx.region}:${ctx.accountId}:log-group:*`),
    // A schedule names the role it runs as: only the environment's scheduler role, only to the scheduler.
    allow("PassSchedulerRole", "iam:PassRole", scheduler, { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } }),
    notOtherEnvironments(environment, ["sqs:*"], "QueuesNotOtherEnvironments"),
  ];
}

/**
 * The workload boundary's statements: the application may use the environment's queues (the API
 * sends, the worker receives; each role's own policy says which) with their key, through SQS only;
 * the scheduler role may start the environment's task definitions in its cluster and hand them the
 * jobs' roles. Each role's inline policy still has to allow the action.
 */
export function workloadBoundaryStatements(ctx: PermissionsContext, environment: string): PolicyStatement[] {
  const { naming, accountId, region } = ctx;
  const prefix = naming.prefix(environment);
  const { queues } = ownQueuesAndSchedules(ctx, environment);
  return [
    allow("OwnQueues", runtimeActions(QUEUE_FAMILY), queues),
    allow("QueueKeysThroughSqs", ["kms:Decrypt", "kms:GenerateDataKey"], keysArn(accountId, region), {
      StringEquals: { "kms:ViaService": `sqs.${region}.amazonaws.com`, "aws:ResourceTag/Environment": environment },
    }),
    allow("RunOwnTasks", "ecs:RunTask", `arn:aws:ecs:${region}:${accountId}:task-definition/${prefix}-*`, {
      ArnEquals: { "ecs:cluster": `arn:aws:ecs:${region}:${accountId}:cluster/${prefix}` },
    }),
    allow("TagOwnTasks", "ecs:TagResource", `arn:aws:ecs:${region}:${accountId}:task/${prefix}/*`, {
      StringEquals: { "ecs:CreateAction": "RunTask" },
    }),
    // The one IAM action in the boundary (BOUNDARY_IAM_EXCEPTION): starting a task hands ECS its roles. Only
    // the jobs' two roles, only to ECS: the scheduler cannot hand on any other role, or to anything else.
    allow(BOUNDARY_IAM_EXCEPTION, "iam:PassRole", jobRoles(ctx, environment), {
      StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
    }),
  ];
}
