import type { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import type { Construct } from "constructs";
import { checkFields } from "../config/check-props";
import { WorkerSchema } from "../config/schema";
import type { WorkerConfig } from "../config/types";
import { checkCounts, FargateWorkload, type FargateWorkloadProps, type ServiceAlarms } from "./fargate-workload";
import type { WorkQueue } from "./work-queue";

/** The worker's settings are the configuration's `worker` section (config/schema-workloads.ts). */
export interface QueueWorkerProps
  extends Omit<FargateWorkloadProps, "name" | "logGroupName" | "inbound" | "cpu" | "memoryMiB">,
    Omit<WorkerConfig, "maxReceiveCount" | "visibilityTimeoutSeconds" | "oldestMessageAlarmSeconds"> {
  /** Prefix of the names: the service and task family `<namePrefix>-worker`, the log group `/ecs/<namePrefix>/worker`. */
  readonly namePrefix: string;
  /** The cluster the worker runs in (the API's). */
  readonly cluster: { readonly name: string; readonly arn: string };
  /** The queue the worker drains (its URL reaches the container as QUEUE_URL). */
  readonly queue: WorkQueue;
  /** Name of the worker's task role: its inline policy lets it consume the queue. */
  readonly taskRoleName: string;
  /**
   * Where the worker's CPU, memory and running-task alarms go.
   * @default - no alarms (an environment with monitoring.alarms off)
   */
  readonly alarms?: ServiceAlarms;
}

/** The worker's container (and its log stream prefix). */
const CONTAINER_NAME = "worker";

/**
 * A queue worker, a FargateWorkload that takes no traffic: the API's image with the worker's command,
 * a service with no load balancer and no inbound rule, scaled by target tracking on the backlog per
 * task (visible messages over running tasks), allowed to consume its queue, rolled back when a
 * deployment sends messages to the dead-letter queue (the queue's deployment alarm) or its tasks fail
 * to start (the circuit breaker).
 */
export class QueueWorker extends FargateWorkload {
  readonly serviceName: string;
  readonly ecsService: EcsService;

  constructor(scope: Construct, id: string, props: QueueWorkerProps) {
    super(scope, id, {
      ...validate(props),
      name: `${props.namePrefix}-worker`,
      logGroupName: `/ecs/${props.namePrefix}/worker`,
      inbound: "none (a queue worker takes no traffic)",
      environment: { ...props.environment, QUEUE_URL: props.queue.queueUrl },
    });
    const taskDefinition = this.addTaskDefinition("task-definition", this.name, CONTAINER_NAME, { command: props.command });
    const consume = props.queue.grantConsume("consume", props.taskRoleName);
    const service = this.addService({
      cluster: props.cluster.arn,
      taskDefinition,
      desiredCount: props.minCount,
      deploymentAlarmNames: props.queue.deploymentAlarmNames,
      dependsOn: [consume],
    });
    const target = this.addScalingTarget(props.cluster.name, service, props.minCount, props.maxCount);
    const metric = (namespace: string, metricName: string, dimensions: { name: string; value: string }[]) => ({
      metric: { namespace, metricName, dimensions },
      stat: "Average",
    });
    this.addTargetTracking("scaling-policy", `${this.name}-backlog`, target, {
      targetValue: props.messagesPerTask,
      customizedMetricSpecification: {
        metrics: [
          {
            id: "visible",
            returnData: false,
            metricStat: metric("AWS/SQS", "ApproximateNumberOfMessagesVisible", [{ name: "QueueName", value: props.queue.queueName }]),
          },
          {
            id: "tasks",
            returnData: false,
            metricStat: metric("ECS/ContainerInsights", "RunningTaskCount", [
              { name: "ClusterName", value: props.cluster.name },
              { name: "ServiceName", value: service.name },
            ]),
          },
          { id: "backlog", expression: "visible / tasks", label: "Messages per task", returnData: true },
        ],
      },
    });
    if (props.alarms) this.addServiceAlarms("worker", props.cluster.name, service, props.minCount, props.alarms);
    this.serviceName = service.name;
    this.ecsService = service;
  }
}

/** The worker section's checks (FargateTasks checks the size; the counts as every service's); returns the props checked. */
function validate(props: QueueWorkerProps): QueueWorkerProps {
  const { command, messagesPerTask } = WorkerSchema.unwrap().shape;
  checkFields("QueueWorker", { command, messagesPerTask }, props);
  checkCounts("QueueWorker", { desiredCount: props.minCount, minCount: props.minCount, maxCount: props.maxCount });
  return props;
}
