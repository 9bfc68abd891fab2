/** Queues and schedules (issue 22): what the queue worker and the scheduled jobs create. */
import type { AuditContext } from "../context";
import { block, isTrue, refersTo } from "../terraform";
import { type AuditTarget, fail, pass, type Rule } from "../types";

const QUEUE = "aws_sqs_queue";
const SCHEDULE = "aws_scheduler_schedule";

/** What sends failed messages or events to this queue: other queues' redrive policies, schedules' dead-letter configs. */
function deadLetterSources(queue: AuditTarget, context: AuditContext): string[] {
  const fromQueues = context.resources(QUEUE).filter((q) => refersTo(q.body.redrive_policy, queue.address));
  const fromSchedules = context
    .resources(SCHEDULE)
    .filter((s) => refersTo(block(block(s.body.target)?.dead_letter_config)?.arn, queue.address));
  return [...fromQueues, ...fromSchedules].map((t) => t.address);
}

export const sqsEncrypted: Rule = {
  id: "SQS-ENCRYPTED",
  rationale: "Messages at rest are encrypted: with a KMS key (the account controls and audits its use) or SQS-managed keys.",
  controls: ["SQS.1", "CKV_AWS_27"],
  appliesTo: [QUEUE],
  check(queue) {
    if (queue.body.kms_master_key_id !== undefined) return pass("encrypted with a KMS key");
    return isTrue(queue.body.sqs_managed_sse_enabled)
      ? pass("encrypted with SQS-managed keys")
      : fail("stores messages unencrypted; set kms_master_key_id (a key of the environment) or sqs_managed_sse_enabled = true");
  },
};

export const sqsDeadLetterQueue: Rule = {
  id: "SQS-DEAD-LETTER-QUEUE",
  rationale: "A message that keeps failing moves to a dead-letter queue after a set number of receives instead of looping forever.",
  controls: [],
  appliesTo: [QUEUE],
  check(queue, context) {
    const sources = deadLetterSources(queue, context);
    if (sources.length > 0) return pass(`is the dead-letter queue of ${sources.join(", ")}`);
    const raw = queue.body.redrive_policy;
    let redrive: { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown } = {};
    try {
      redrive = typeof raw === "string" ? JSON.parse(raw) : {};
    } catch {
      return fail("redrive_policy is not literal JSON; the audit cannot read it");
    }
    return typeof redrive.deadLetterTargetArn === "string" && Number(redrive.maxReceiveCount) > 0
      ? pass(`moves a message to ${redrive.deadLetterTargetArn} after ${redrive.maxReceiveCount} receives`)
      : fail("has no dead-letter queue; set redrive_policy { deadLetterTargetArn, maxReceiveCount }");
  },
};

export const sqsDeadLettersAlarm: Rule = {
  id: "SQS-DEAD-LETTERS-ALARM",
  rationale: "A dead-letter queue that fills up pages someone: failed work is never only a number nobody reads.",
  controls: [],
  appliesTo: [QUEUE],
  check(queue, context) {
    if (deadLetterSources(queue, context).length === 0) return pass("is not a dead-letter queue");
    const alarms = context
      .resources("aws_cloudwatch_metric_alarm")
      .filter(
        (a) => a.body.metric_name === "ApproximateNumberOfMessagesVisible" && refersTo(block(a.body.dimensions)?.QueueName, queue.address),
      );
    if (alarms.length === 0) return fail("no alarm watches its visible messages; alarm on ApproximateNumberOfMessagesVisible > 0");
    return alarms.some((a) => Array.isArray(a.body.alarm_actions) && a.body.alarm_actions.length > 0)
      ? pass(`watched by ${alarms.map((a) => a.address).join(", ")}`)
      : fail("its alarm notifies nobody; set alarm_actions to the alarm topic");
  },
};

export const schedulerRetriesAndDeadLetters: Rule = {
  id: "SCHEDULER-RETRY-DEAD-LETTERS",
  rationale: "A scheduled run that cannot start is retried, then kept in a dead-letter queue, not dropped without a trace.",
  controls: [],
  appliesTo: [SCHEDULE],
  check(schedule) {
    const target = block(schedule.body.target);
    const retries = block(target?.retry_policy)?.maximum_retry_attempts;
    const deadLetters = block(target?.dead_letter_config)?.arn;
    if (deadLetters === undefined) return fail("drops a run that cannot start; set target.dead_letter_config { arn = <an SQS queue> }");
    if (retries === undefined || Number(retries) < 1)
      return fail("does not retry a failed start; set target.retry_policy.maximum_retry_attempts");
    return pass(`retries ${retries} time(s), then sends the event to its dead-letter queue`);
  },
};

export const QUEUE_RULES: readonly Rule[] = [sqsEncrypted, sqsDeadLetterQueue, sqsDeadLettersAlarm, schedulerRetriesAndDeadLetters];
