/**
 * Issue 22: the audit judges, prices and draws the queues and schedules the worker and the jobs create
 * (rules SQS-*, SCHEDULER-*; the cost estimate's SQS and Scheduler rows; the diagram's nodes).
 */
import { estimateCost, runsPerMonth } from "../audit/cost";
import { architecture, diagramCoverage } from "../audit/diagram";
import { QUEUE_RULES } from "../audit/rules";
import type { TerraformJson } from "../audit/types";
import { describeFixtures } from "./support/audit-fixtures";

const region = "eu-west-1";
const redrive = JSON.stringify({ deadLetterTargetArn: "${aws_sqs_queue.dlq.arn}", maxReceiveCount: 5 });
const alarm = (actions: string[]) => ({
  metric_name: "ApproximateNumberOfMessagesVisible",
  namespace: "AWS/SQS",
  dimensions: { QueueName: "${aws_sqs_queue.dlq.name}" },
  alarm_actions: actions,
});

/** A queue and its dead-letter queue as WorkQueue writes them, with the DLQ's alarm, and a schedule as ScheduledJobs writes it. */
const compliant: TerraformJson = {
  provider: { aws: [{ region }] },
  resource: {
    aws_sqs_queue: {
      work: { name: "acme-stage-worker", kms_master_key_id: "${aws_kms_key.k.arn}", redrive_policy: redrive },
      dlq: { name: "acme-stage-worker-dlq", kms_master_key_id: "${aws_kms_key.k.arn}" },
    },
    aws_cloudwatch_metric_alarm: { dead: alarm(["${aws_sns_topic.t.arn}"]) },
    aws_scheduler_schedule: {
      nightly: {
        name: "acme-stage-nightly",
        schedule_expression: "cron(0 3 * * ? *)",
        target: {
          arn: "${aws_ecs_cluster.c.arn}",
          role_arn: "${data.aws_iam_role.scheduler.arn}",
          retry_policy: { maximum_retry_attempts: 2 },
          dead_letter_config: { arn: "${aws_sqs_queue.dlq.arn}" },
        },
      },
    },
  },
};
const resourcesOf = (tf: TerraformJson) => tf.resource as Record<string, Record<string, Record<string, unknown>>>;
const changed = (change: (r: Record<string, Record<string, Record<string, any>>>) => void): TerraformJson => {
  const copy = structuredClone(compliant);
  change(resourcesOf(copy));
  return copy;
};

describe("queue and schedule rules", () => {
  describeFixtures(QUEUE_RULES, {
    "SQS-ENCRYPTED": {
      compliant,
      nonCompliant: changed((r) => delete r.aws_sqs_queue.work.kms_master_key_id),
      failure: /unencrypted; set kms_master_key_id/,
    },
    "SQS-DEAD-LETTER-QUEUE": {
      compliant,
      nonCompliant: changed((r) => {
        delete r.aws_sqs_queue.work.redrive_policy;
        delete r.aws_scheduler_schedule;
      }),
      failure: /has no dead-letter queue; set redrive_policy/,
    },
    "SQS-DEAD-LETTERS-ALARM": {
      compliant,
      nonCompliant: changed((r) => {
        r.aws_cloudwatch_metric_alarm.dead = alarm([]);
      }),
      failure: /notifies nobody/,
    },
    "SCHEDULER-RETRY-DEAD-LETTERS": {
      compliant,
      nonCompliant: changed((r) => delete r.aws_scheduler_schedule.nightly.target.dead_letter_config),
      failure: /drops a run that cannot start/,
    },
  });
});

describe("cost of queues and schedules", () => {
  const estimate = estimateCost("stage", compliant);

  it("prices the work queue's requests and counts its dead-letter queue as free", () => {
    expect(estimate.lines.filter((l) => l.address.startsWith("aws_sqs_queue."))).toEqual([
      expect.objectContaining({ address: "aws_sqs_queue.work", priceKey: "sqs.requestMillion", quantity: 1 }),
    ]);
    expect(estimate.notPriced).toEqual([]);
  });

  it("prices a schedule's invocations from its expression", () => {
    const line = estimate.lines.find((l) => l.address === "aws_scheduler_schedule.nightly");
    expect(line).toMatchObject({ priceKey: "scheduler.invocationMillion", assumption: "30 runs a month" });
  });

  it.each([
    ["cron(0 3 * * ? *)", 30],
    ["cron(0 */6 * * ? *)", 122],
    ["cron(0 9 ? * MON-FRI *)", 22],
    ["cron(15,45 * * * ? *)", 1459],
    ["rate(1 hour)", 730],
    ["rate(5 minutes)", 8760],
    ["at(2026-12-24T18:00:00)", 1],
  ])("counts the runs a month of %s as %i", (expression, runs) => {
    expect(runsPerMonth(expression, 730)).toBe(runs);
  });
});

describe("diagram of queues and schedules", () => {
  it("draws each queue and schedule, with their dead-letter edges", () => {
    expect(diagramCoverage("aws_sqs_queue").shown).toBe("drawn");
    expect(diagramCoverage("aws_scheduler_schedule").shown).toBe("drawn");
    const { nodes, edges } = architecture(compliant);
    expect(nodes.map((n) => n.label)).toEqual(
      expect.arrayContaining([
        "SQS queue acme-stage-worker",
        "SQS queue acme-stage-worker-dlq",
        "Schedule acme-stage-nightly<br/>cron(0 3 * * ? *)",
      ]),
    );
    expect(edges).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ from: "aws_sqs_queue.work", to: "aws_sqs_queue.dlq", label: "dead letters" }),
        expect.objectContaining({ from: "aws_scheduler_schedule.nightly", to: "aws_sqs_queue.dlq", label: "dead letters" }),
      ]),
    );
  });
});
