import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Construct } from "constructs";
import { checkFields } from "../config/check-props";
import { WorkerSchema } from "../config/schema";
import { policyJson } from "../lib/policy";
import { addMetricAlarm, type WorkloadAlarm } from "./monitoring";
import type { AlarmDefinition } from "./monitoring-metrics";

export interface WorkQueueProps {
  /** The environment's name, e.g. `stage`: named in every alarm's runbook line. */
  readonly environmentName: string;
  /** Names: the queue `<namePrefix>-worker`, its dead-letter queue `<namePrefix>-worker-dlq`, alarms `<namePrefix>-worker-...`. */
  readonly namePrefix: string;
  /** Receives of one message before it moves to the dead-letter queue (the worker section's maxReceiveCount). */
  readonly maxReceiveCount: number;
  /** Seconds a received message stays hidden from other receivers. */
  readonly visibilityTimeoutSeconds: number;
  /** Age of the oldest waiting message, in seconds, that raises the backlog alarm. */
  readonly oldestMessageAlarmSeconds: number;
  /**
   * SNS topic the alarms notify.
   * @default - no alarms (an environment with monitoring.alarms off)
   */
  readonly alarmTopicArn?: string;
}

/** SQS keeps a message at most 14 days; the dead-letter queue keeps it that long, for a person to look at. */
const FOURTEEN_DAYS = 14 * 24 * 3600;

/**
 * A queue of work and its dead-letter queue, both encrypted with a key of the environment's (rotated),
 * the redrive after `maxReceiveCount` receives, and the alarms: the oldest message waits too long, the
 * dead-letter queue is not empty, and it grows (the worker's deployment alarm: a release that fails
 * messages rolls back). Producers and consumers are granted with grantSend and grantConsume, which
 * write the role's inline policy (the roles are the bootstrap's).
 */
export class WorkQueue extends Construct {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly queueName: string;
  readonly deadLetterQueueArn: string;
  readonly deadLetterQueueName: string;
  readonly keyArn: string;
  /** The alarm a deployment of the consumer rolls back on (new messages in the dead-letter queue), when alarms are on. */
  readonly deploymentAlarmNames: string[];
  /** The queue's alarms, which the environment's Monitoring lists and graphs. */
  readonly alarms: WorkloadAlarm[] = [];

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    const { maxReceiveCount, visibilityTimeoutSeconds, oldestMessageAlarmSeconds } = WorkerSchema.unwrap().shape;
    checkFields("WorkQueue", { maxReceiveCount, visibilityTimeoutSeconds, oldestMessageAlarmSeconds }, props);
    const name = `${props.namePrefix}-worker`;
    const root = `arn:aws:iam::${new DataAwsCallerIdentity(this, "account").accountId}:root`;
    const key = new KmsKey(this, "key", {
      description: `Encrypts the messages of ${name}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      // Without it nobody, not even the account, could manage the key: IAM policies decide who may use it.
      policy: policyJson({ Sid: "AccountManagesKeyThroughIam", Effect: "Allow", Principal: { AWS: root }, Action: "kms:*", Resource: "*" }),
    });
    new KmsAlias(this, "key-alias", { name: `alias/${name}`, targetKeyId: key.keyId });
    const encryption = { kmsMasterKeyId: key.arn, kmsDataKeyReusePeriodSeconds: 300 };
    const deadLetters = new SqsQueue(this, "dead-letter-queue", {
      name: `${name}-dlq`,
      messageRetentionSeconds: FOURTEEN_DAYS,
      ...encryption,
    });
    const queue = new SqsQueue(this, "queue", {
      name,
      visibilityTimeoutSeconds: props.visibilityTimeoutSeconds,
      receiveWaitTimeSeconds: 20,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetters.arn, maxReceiveCount: props.maxReceiveCount }),
      ...encryption,
    });
    this.queueUrl = queue.url;
    this.queueArn = queue.arn;
    this.queueName = queue.name;
    this.deadLetterQueueArn = deadLetters.arn;
    this.deadLetterQueueName = deadLetters.name;
    this.keyArn = key.arn;
    this.deploymentAlarmNames = props.alarmTopicArn ? this.addAlarms(name, props, props.alarmTopicArn) : [];
  }

  /** Lets the role send messages to the queue (the API's task role, as `grantSendMessages` in aws-cdk). */
  grantSend(id: string, roleName: string): IamRolePolicy {
    return new IamRolePolicy(this, id, {
      name: "send-to-worker-queue",
      role: roleName,
      policy: policyJson(
        { Sid: "SendMessages", Effect: "Allow", Action: ["sqs:SendMessage", "sqs:GetQueueAttributes"], Resource: this.queueArn },
        { Sid: "EncryptMessages", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: this.keyArn },
      ),
    });
  }

  /** Lets the role receive and delete messages of the queue (the worker's task role). */
  grantConsume(id: string, roleName: string): IamRolePolicy {
    const actions = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"];
    return new IamRolePolicy(this, id, {
      name: "consume-worker-queue",
      role: roleName,
      policy: policyJson(
        { Sid: "ConsumeMessages", Effect: "Allow", Action: actions, Resource: this.queueArn },
        { Sid: "DecryptMessages", Effect: "Allow", Action: "kms:Decrypt", Resource: this.keyArn },
      ),
    });
  }

  /** The queue's alarms; returns the names of those a consumer's deployment rolls back on. */
  private addAlarms(name: string, props: WorkQueueProps, topicArn: string): string[] {
    type Definition = Omit<AlarmDefinition, "key" | "region" | "rollsBackDeployment"> &
      Partial<Pick<AlarmDefinition, "rollsBackDeployment">>;
    const add = (id: string, suffix: string, definition: Definition) => {
      const alarmName = `${name}-${suffix}`;
      const full: AlarmDefinition = { key: `worker-${suffix}`, region: "primary", rollsBackDeployment: false, ...definition };
      addMetricAlarm(this, id, full, { alarmName, topicArn });
      this.alarms.push({ definition: full, alarmName });
      return alarmName;
    };
    const sqs = (id: string, queueName: string, metricName: string, label: string) => ({
      id,
      namespace: "AWS/SQS",
      metricName,
      dimensions: { QueueName: queueName },
      stat: "Maximum",
      periodSeconds: 60,
      label,
    });
    const aboveZero = { comparison: "GreaterThanThreshold", threshold: 0, treatMissingData: "notBreaching" } as const;
    const once = { evaluationPeriods: 1, datapointsToAlarm: 1 };
    add("oldest-message-alarm", "oldest-message", {
      title: `${name}: age of the oldest message (seconds)`,
      runbook:
        `A message has waited over ${props.oldestMessageAlarmSeconds} s in ${name} in ${props.environmentName}. First look: the ` +
        `worker's running tasks and logs (/ecs/${props.namePrefix}/worker): it is down, stuck or too small (worker.maxCount).`,
      metrics: [sqs("oldest", this.queueName, "ApproximateAgeOfOldestMessage", "oldest message (s)")],
      ...aboveZero,
      threshold: props.oldestMessageAlarmSeconds,
      thresholdLabel: `${props.oldestMessageAlarmSeconds} s`,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
    });
    add("dead-letters-alarm", "dead-letters", {
      title: `${name}-dlq: messages`,
      runbook:
        `${name}-dlq holds messages that failed ${props.maxReceiveCount} times in ${props.environmentName}. First look: the ` +
        `worker's logs (/ecs/${props.namePrefix}/worker) for the error; fix it, then redrive the messages (SQS console).`,
      metrics: [sqs("dead", this.deadLetterQueueName, "ApproximateNumberOfMessagesVisible", "messages")],
      ...aboveZero,
      thresholdLabel: "0 messages",
      ...once,
    });
    // Growth, not content: messages left from before a release must not block every release after it.
    const growing = add("dead-letters-growing-alarm", "dead-letters-growing", {
      title: `${name}-dlq: new dead letters`,
      runbook:
        `Messages newly failed into ${name}-dlq in ${props.environmentName}. First look: the worker's logs ` +
        `(/ecs/${props.namePrefix}/worker); during a worker release ECS rolls it back on this alarm by itself.`,
      metrics: [sqs("visible", this.deadLetterQueueName, "ApproximateNumberOfMessagesVisible", "messages")],
      expression: { id: "growth", expression: "DIFF(visible)", label: "New dead letters" },
      ...aboveZero,
      thresholdLabel: "0 new",
      ...once,
      rollsBackDeployment: true,
    });
    return [growing];
  }
}
