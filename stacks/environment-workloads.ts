/**
 * The workloads an environment may add beside the API (config/schema-workloads.ts): a queue with its
 * worker, and scheduled jobs. Each is a use of the Fargate workload base in the API's cluster, image,
 * network and database, with roles of its own from the bootstrap (config/workloads.ts says which).
 */
import type { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { WorkloadRole } from "../config/naming";
import type { EnvironmentConfig } from "../config/types";
import type { Database } from "../constructs/database";
import type { FargateService } from "../constructs/fargate-service";
import type { ImageRepository } from "../constructs/image-repository";
import type { Network } from "../constructs/network";
import { QueueWorker } from "../constructs/queue-worker";
import { ScheduledJobs } from "../constructs/scheduled-jobs";
import { WorkQueue } from "../constructs/work-queue";
import { exempt } from "../lib/audit-exemptions";

/** A workload role of the environment, read from the bootstrap's (EnvironmentStack.workloadRole). */
export type RoleReader = (kind: WorkloadRole) => { readonly name: string; readonly arn: string };

/** What the workloads share with the API (the environment stack and its wiring fit). */
export interface WorkloadContext {
  readonly env: EnvironmentConfig;
  readonly prefix: string;
  /** The environment stack: the workloads are made in its scope, beside the API they share so much with. */
  readonly stack: Construct & {
    readonly network: Network;
    readonly repository: ImageRepository;
    readonly database: Database;
    readonly service: FargateService;
    readonly notification: { readonly topicArn: string };
  };
  readonly imageTag?: string;
  readonly imageDigest?: string;
  readonly role: RoleReader;
}

/** An environment's workloads beside the API, each absent unless configured. */
export interface Workloads {
  readonly queue?: WorkQueue;
  readonly worker?: QueueWorker;
  readonly jobs?: ScheduledJobs;
}

/** The worker's queue, made before the API so that the API's tasks get its URL (QUEUE_URL); none without a `worker`. */
export function addWorkQueue(stack: Construct, env: EnvironmentConfig, prefix: string, alarmTopicArn?: string) {
  if (!env.worker) return undefined;
  return new WorkQueue(stack, "worker-queue", { namePrefix: prefix, environmentName: env.name, ...env.worker, alarmTopicArn });
}

/** The worker and the jobs, and the API's grant to send to the worker's queue. */
export function addWorkloads(c: WorkloadContext, queue: WorkQueue | undefined): Workloads {
  const { env, prefix, stack } = c;
  const { database: db, network, service: api } = stack;
  const alarmTopicArn = env.monitoring.alarms ? stack.notification.topicArn : undefined;
  const shared = {
    namePrefix: prefix,
    vpcId: network.vpcId,
    vpcCidr: network.vpcCidr,
    privateSubnetIds: network.privateSubnetIds,
    repository: stack.repository,
    imageTag: c.imageTag,
    imageDigest: c.imageDigest,
    logRetentionDays: env.service.logRetentionDays,
    database: { host: db.address, port: db.port, name: db.databaseName, secretArn: db.masterUserSecretArn },
  };
  const roles = (kind: "worker" | "jobs") => {
    const execution = c.role(`${kind}-execution`);
    return { executionRoleName: execution.name, executionRoleArn: execution.arn, taskRoleArn: c.role(`${kind}-task`).arn };
  };
  const cluster = { name: api.clusterName, arn: api.clusterArn };
  let worker: QueueWorker | undefined;
  if (queue && env.worker) {
    queue.grantSend("api-send", c.role("api-task").name);
    worker = new QueueWorker(stack, "worker", {
      ...shared,
      ...env.worker,
      cluster,
      queue,
      roles: roles("worker"),
      taskRoleName: c.role("worker-task").name,
      alarms: alarmTopicArn ? { topicArn: alarmTopicArn, environment: env.name } : undefined,
    });
    db.allowConnectionsFrom("worker", worker.securityGroup.id);
  }
  let jobs: ScheduledJobs | undefined;
  if (env.jobs?.length) {
    jobs = new ScheduledJobs(stack, "jobs", {
      ...shared,
      jobs: env.jobs,
      environmentName: env.name,
      clusterArn: cluster.arn,
      clusterName: cluster.name,
      roles: roles("jobs"),
      schedulerRole: c.role("scheduler"),
      alarmTopicArn,
    });
    db.allowConnectionsFrom("jobs", jobs.securityGroup.id);
  }
  if (worker && !alarmTopicArn) exemptNoAlarms(worker.ecsService, env.name);
  if (worker && queue) {
    // deploy.yml waits for every service it lists to become stable, the worker's as the API's.
    new TerraformOutput(stack, "ecs_worker_service_name", {
      value: worker.serviceName,
      description: "ECS service running the queue worker",
    });
    new TerraformOutput(stack, "worker_queue_url", { value: queue.queueUrl, description: "URL of the queue the worker drains" });
  }
  return { queue, worker, jobs };
}

/** Alarms off (only outside production, a guardrail): the worker rolls back on its circuit breaker only; say so where the audit looks. */
function exemptNoAlarms(service: EcsService, environment: string): void {
  const reason = `${environment}.monitoring.alarms is false: no alarm to roll back on; the circuit breaker still does`;
  exempt(service, "ECS-DEPLOYMENT-ALARMS-ROLLBACK", reason);
}
