import { AppautoscalingPolicy, type AppautoscalingPolicyConfig } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import type { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import type { TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { checkFields } from "../config/check-props";
import { ServiceSchema } from "../config/schema";
import {
  type FargateContainerProps,
  type FargateTaskRoles,
  FargateTasks,
  type ServiceDatabaseProps,
  type ServiceImageSource,
} from "./fargate-task";
import { addMetricAlarm, type WorkloadAlarm } from "./monitoring";
import type { AlarmDefinition, MetricDefinition } from "./monitoring-metrics";

/** What every Fargate workload of an environment is given: where it runs, what it runs, as whom, and what it reaches. */
export interface FargateWorkloadProps {
  /** Name of the workload's task family, service and security group, e.g. `acme-stage-api`. */
  readonly name: string;
  /** Log group the workload's containers write to, e.g. `/ecs/acme-stage/api`. */
  readonly logGroupName: string;
  /** Retention of the workload's logs, in days (one of CloudWatch's values). */
  readonly logRetentionDays: number;
  /** Task CPU units: 256, 512, 1024, 2048 or 4096. */
  readonly cpu: number;
  /** Task memory in MiB, one of the sizes Fargate pairs with `cpu`. */
  readonly memoryMiB: number;
  /** VPC the tasks run in. */
  readonly vpcId: string;
  /** CIDR block of the VPC; the tasks may reach the database port inside it and nowhere else in it. */
  readonly vpcCidr: string;
  /** Private subnets (with a NAT gateway or VPC endpoints) for the tasks. */
  readonly privateSubnetIds: string[];
  /** Repository of the image the tasks run. */
  readonly repository: ServiceImageSource;
  /**
   * Image tag the tasks run. Not with `imageDigest`.
   * @default - "latest", unless `imageDigest` is set
   */
  readonly imageTag?: string;
  /**
   * Digest of the image the tasks run (`<repository URL>@<digest>`). Not with `imageTag`.
   * @default - the image is named by tag
   */
  readonly imageDigest?: string;
  /** The existing roles the tasks run as (the bootstrap's); the execution role's inline policy is written here. */
  readonly roles: FargateTaskRoles;
  /** The database: its location as environment variables, its credentials as secrets, its port open in the VPC. */
  readonly database: ServiceDatabaseProps;
  /** What the security group's description says arrives at the tasks, e.g. "from the load balancer only". */
  readonly inbound: string;
  /**
   * Environment variables beside the database's, e.g. a queue's URL.
   * @default - the database's only
   */
  readonly environment?: Readonly<Record<string, string>>;
}

/** Where a service's alarms go and whose they are. */
export interface ServiceAlarms {
  /** SNS topic the alarms notify. */
  readonly topicArn: string;
  /** The environment's name, e.g. `stage`: named in every alarm's runbook line. */
  readonly environment: string;
}

/** How a workload's long-running service is run: its task definition, counts and deployment safety. */
export interface WorkloadServiceOptions {
  /** Cluster (its id or ARN) the service runs in. */
  readonly cluster: string;
  /** The task definition the service runs. */
  readonly taskDefinition: EcsTaskDefinition;
  /** Tasks the service starts with; autoscaling owns the count afterwards. */
  readonly desiredCount: number;
  /**
   * CloudWatch alarms ECS watches during a deployment: one firing fails the deployment and rolls back.
   * @default - none: only the circuit breaker rolls back
   */
  readonly deploymentAlarmNames?: readonly string[];
  /**
   * The target group the tasks register with, for a workload that takes traffic.
   * @default - no load balancer
   */
  readonly loadBalancer?: EcsService["loadBalancerInput"];
  /**
   * Seconds ECS ignores failing load balancer health checks after a task starts (with `loadBalancer` only).
   * @default - none
   */
  readonly healthCheckGracePeriodSeconds?: number;
  /**
   * Security groups the tasks carry besides the workload's own (e.g. a group another stack lets into the database).
   * @default - the workload's own only
   */
  readonly extraSecurityGroupIds?: readonly string[];
  /**
   * What must exist before the first tasks start, besides the execution role's policy (e.g. listeners).
   * @default - the execution role's policy only
   */
  readonly dependsOn?: readonly TerraformResource[];
}

/**
 * The base every Fargate workload is built on, as aws-cdk's ecs-patterns builds its services on one:
 * the workload's log group, its task family (size, image, roles, logs, database environment and
 * secrets: FargateTasks), its security group (out to HTTPS and the database port, in only what the
 * kind adds), and, for the kinds that run continuously, the service with circuit breaker and alarm
 * rollback and its autoscaling target. The API (FargateService, with its load balancer and migration),
 * the queue worker (QueueWorker) and the scheduled jobs (ScheduledJobs) are subclasses: each adds
 * only what its kind needs. Resource ids are the API's, so its addresses did not move.
 */
export class FargateWorkload extends Construct {
  readonly name: string;
  readonly logGroup: CloudwatchLogGroup;
  readonly tasks: FargateTasks;
  readonly securityGroup: SecurityGroup;
  /** The security group's egress rules: a one-off task needs them in place, as a service does. */
  readonly egress: TerraformResource[];
  /** Subnets the tasks run in. */
  readonly subnetIds: string[];
  /** The workload's alarms, which the environment's Monitoring lists and graphs (none for the API: Monitoring makes its). */
  readonly alarms: WorkloadAlarm[] = [];

  constructor(scope: Construct, id: string, props: FargateWorkloadProps) {
    super(scope, id);
    this.name = props.name;
    this.subnetIds = props.privateSubnetIds;
    this.logGroup = new CloudwatchLogGroup(this, "log-group", { name: props.logGroupName, retentionInDays: props.logRetentionDays });
    this.tasks = new FargateTasks(this, { ...props, logGroup: this.logGroup });
    this.securityGroup = new SecurityGroup(this, "service-security-group", {
      name: `${props.name}-service`,
      description: `Tasks of ${props.name}: ${props.inbound}`,
      vpcId: props.vpcId,
    });
    const tcp = (p: number) => ({ ipProtocol: "tcp", fromPort: p, toPort: p });
    const https = new VpcSecurityGroupEgressRule(this, "service-egress-https", {
      securityGroupId: this.securityGroup.id,
      description: "HTTPS to AWS APIs",
      ...tcp(443),
      cidrIpv4: "0.0.0.0/0",
    });
    const database = new VpcSecurityGroupEgressRule(this, "service-egress-database", {
      securityGroupId: this.securityGroup.id,
      description: "To the database inside the VPC",
      ...tcp(props.database.port),
      cidrIpv4: props.vpcCidr,
    });
    this.egress = [https, database];
  }

  /** A task definition of the workload's family (or of `family`), one essential container. */
  protected addTaskDefinition(id: string, family: string, containerName: string, container: FargateContainerProps): EcsTaskDefinition {
    return this.tasks.add(id, family, containerName, container);
  }

  /** The service: rolls back failed deployments, replaces tasks without losing capacity, leaves the count to autoscaling. */
  protected addService(options: WorkloadServiceOptions): EcsService {
    const alarms = options.deploymentAlarmNames ?? [];
    return new EcsService(this, "service", {
      name: this.name,
      cluster: options.cluster,
      taskDefinition: options.taskDefinition.arn,
      launchType: "FARGATE",
      desiredCount: options.desiredCount,
      networkConfiguration: {
        subnets: this.subnetIds,
        securityGroups: [this.securityGroup.id, ...(options.extraSecurityGroupIds ?? [])],
        assignPublicIp: false,
      },
      loadBalancer: options.loadBalancer,
      healthCheckGracePeriodSeconds: options.healthCheckGracePeriodSeconds,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      alarms: alarms.length ? { alarmNames: [...alarms], enable: true, rollback: true } : undefined,
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      propagateTags: "SERVICE",
      enableEcsManagedTags: true,
      // Autoscaling changes the count after creation; applying the configured value again would undo it.
      lifecycle: { ignoreChanges: ["desired_count"] },
      // The first tasks need the execution role's permissions in place to pull the image and read the secret.
      dependsOn: [...(options.dependsOn ?? []), ...this.tasks.executionPolicies],
    });
  }

  /** The service's scalable count, between `min` and `max`; the kind adds its policies with addScalingPolicy. */
  protected addScalingTarget(clusterName: string, service: EcsService, min: number, max: number): AppautoscalingTarget {
    return new AppautoscalingTarget(this, "scaling-target", {
      serviceNamespace: "ecs",
      resourceId: `service/${clusterName}/${service.name}`,
      scalableDimension: "ecs:service:DesiredCount",
      minCapacity: min,
      maxCapacity: max,
    });
  }

  /**
   * The alarms every production service pages on (audit rule MONITORING-PRODUCTION-ALARMS): CPU and memory
   * above 85 % for 15 minutes, fewer running tasks than `minCount` for 5. The API's are Monitoring's.
   */
  protected addServiceAlarms(kind: string, clusterName: string, service: EcsService, minCount: number, alarms: ServiceAlarms): void {
    const { environment } = alarms;
    const dimensions = { ClusterName: clusterName, ServiceName: service.name };
    const metric = (id: string, namespace: string, metricName: string, stat: string, label: string): MetricDefinition => ({
      id,
      namespace,
      metricName,
      dimensions,
      stat,
      periodSeconds: 60,
      label,
    });
    for (const [key, metricName] of [
      ["cpu", "CPUUtilization"],
      ["memory", "MemoryUtilization"],
    ]) {
      const what = metricName.replace("Utilization", "").toLowerCase();
      this.addAlarm(`${metricName.toLowerCase()}-alarm`, `${this.name}-${key}`, alarms, {
        key: `${kind}-${key}`,
        title: `${this.name} ${what} (%)`,
        runbook:
          `${this.name} has used over 85 % of its ${what} for 15 minutes in ${environment}. ` +
          `First look: its logs (${this.logGroup.name}) and its scaling (maxCount).`,
        metrics: [metric(key, "AWS/ECS", metricName, "Average", `${what} %`)],
        comparison: "GreaterThanThreshold",
        threshold: 85,
        thresholdLabel: "85%",
        evaluationPeriods: 15,
        datapointsToAlarm: 15,
        treatMissingData: "notBreaching",
        region: "primary",
        rollsBackDeployment: false,
      });
    }
    this.addAlarm("running-tasks-alarm", `${this.name}-running-tasks`, alarms, {
      key: `${kind}-running-tasks`,
      title: `${this.name} running tasks`,
      runbook:
        `${this.name} has run fewer than ${minCount} task(s) for 5 minutes in ${environment}. First look: the stopped ` +
        `tasks' reason in the ECS console (service ${this.name}) and its logs (${this.logGroup.name}).`,
      metrics: [metric("running", "ECS/ContainerInsights", "RunningTaskCount", "Minimum", "running tasks")],
      comparison: "LessThanThreshold",
      threshold: minCount,
      thresholdLabel: `${minCount} task(s)`,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: "breaching",
      region: "primary",
      rollsBackDeployment: false,
    });
  }

  /** One of the workload's alarms, made from its definition and listed in `alarms` for the environment's Monitoring. */
  protected addAlarm(id: string, alarmName: string, alarms: Pick<ServiceAlarms, "topicArn">, definition: AlarmDefinition): void {
    addMetricAlarm(this, id, definition, { alarmName, topicArn: alarms.topicArn });
    this.alarms.push({ definition, alarmName });
  }

  /** A target-tracking policy on the scaling target: out quickly, in slowly. */
  protected addTargetTracking(
    id: string,
    name: string,
    target: AppautoscalingTarget,
    tracking: Omit<
      NonNullable<AppautoscalingPolicyConfig["targetTrackingScalingPolicyConfiguration"]>,
      "scaleInCooldown" | "scaleOutCooldown"
    >,
  ): AppautoscalingPolicy {
    return new AppautoscalingPolicy(this, id, {
      name,
      policyType: "TargetTrackingScaling",
      serviceNamespace: target.serviceNamespace,
      resourceId: target.resourceId,
      scalableDimension: target.scalableDimension,
      targetTrackingScalingPolicyConfiguration: {
        ...tracking,
        // Add capacity quickly, remove it slowly: a brief lull should not drop tasks that are needed again.
        scaleInCooldown: 300,
        scaleOutCooldown: 60,
      },
    });
  }
}

/** The count checks every service kind shares: the schema's ranges and their order (config/validate.ts checks the configuration alike). */
export function checkCounts(kind: string, counts: { desiredCount: number; minCount: number; maxCount: number }): void {
  const { desiredCount, minCount, maxCount } = ServiceSchema.unwrap().shape;
  checkFields(kind, { minCount, maxCount, desiredCount }, counts);
  if (counts.maxCount < counts.minCount)
    throw new Error(`${kind}: maxCount ${counts.maxCount} must be at least minCount (${counts.minCount})`);
  if (counts.desiredCount < counts.minCount || counts.desiredCount > counts.maxCount) {
    throw new Error(
      `${kind}: desiredCount ${counts.desiredCount} must lie within minCount..maxCount (${counts.minCount}..${counts.maxCount})`,
    );
  }
}
