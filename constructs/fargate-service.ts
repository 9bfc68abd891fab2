import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import type { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { TerraformResource } from "cdktf";
import type { Construct } from "constructs";
import { checkFields } from "../config/check-props";
import { ServiceSchema } from "../config/schema";
import type { ServiceConfig } from "../config/types";
import type { FargateTaskRoles, ServiceDatabaseProps, ServiceImageSource } from "./fargate-task";
import { checkCounts, FargateWorkload } from "./fargate-workload";

export type { FargateTaskRoles, ServiceDatabaseProps, ServiceImageSource } from "./fargate-task";

/** The load balancer in front of the service (an ApiLoadBalancer fits). */
export interface ServiceLoadBalancerTarget {
  /** Security group of the load balancer: the tasks admit it, and it may reach them, on `targetPort` only. */
  readonly securityGroupId: string;
  /** Target group (target type `ip`) the service registers its tasks in. */
  readonly targetGroupArn: string;
  /** Port the target group forwards to: the container listens on it. */
  readonly targetPort: number;
  /** The listeners using the target group: ECS refuses one no listener uses, so the service waits for them. */
  readonly listeners: readonly TerraformResource[];
}

/** The service's sizes and counts are the configuration's `service` block, documented once in config/schema.ts. */
export interface FargateServiceProps extends Omit<ServiceConfig, "keepImages"> {
  /**
   * Prefix of the names, e.g. `acme-stage`: lowercase letters, digits and hyphens. The cluster is
   * `<namePrefix>`; the service and task family `<namePrefix>-api...`; the log group `/ecs/<namePrefix>/api`.
   */
  readonly namePrefix: string;
  /** VPC the tasks run in. */
  readonly vpcId: string;
  /** CIDR block of the VPC; the tasks may reach the database port inside it and nowhere else. */
  readonly vpcCidr: string;
  /** Private subnets (with a NAT gateway or VPC endpoints) for the tasks. */
  readonly privateSubnetIds: string[];
  /** Repository of the image the tasks run. */
  readonly repository: ServiceImageSource;
  /**
   * Image tag the task runs; a person's deploy passes the commit SHA. Not with `imageDigest`.
   * @default - "latest", unless `imageDigest` is set
   */
  readonly imageTag?: string;
  /**
   * Digest (`sha256:` and 64 lowercase hex digits) of the image the task runs: the task definition
   * names `<repository URL>@<digest>`, so ECS pulls exactly that image whatever a tag points at.
   * CI deploys this way. Not with `imageTag`.
   * @default - the image is named by tag (`imageTag`)
   */
  readonly imageDigest?: string;
  /** The load balancer the tasks are registered with. */
  readonly loadBalancer: ServiceLoadBalancerTarget;
  /**
   * Seconds ECS ignores failing load balancer health checks after a task starts.
   * @default - 60 seconds
   */
  readonly healthCheckGracePeriodSeconds?: number;
  /**
   * The existing roles the tasks run as (the bootstrap creates them: bootstrap/workload-roles.ts).
   * The execution role's inline policy is written here; no role is created.
   */
  readonly roles: FargateTaskRoles;
  /** The database the API uses. */
  readonly database: ServiceDatabaseProps;
  /**
   * CloudWatch alarms ECS watches during a deployment: when one fires, the deployment fails and
   * ECS rolls back to the previous task definition (on top of the circuit breaker, which only sees
   * tasks that fail to start). Names, so the alarms may be created after the service.
   * @default - none: only the circuit breaker rolls back
   */
  readonly deploymentAlarmNames?: readonly string[];
  /**
   * Command of the database migration, as an argument list: a second task definition
   * (`<name>-migrate`) runs it in the same image, with the same roles, secrets and environment,
   * as a one-off task before a release reaches the service.
   * @default - no migration task definition
   */
  readonly migrationCommand?: readonly string[];
  /**
   * Environment variables beside the database's, e.g. the worker queue's URL (QUEUE_URL).
   * @default - the database's only
   */
  readonly environment?: Readonly<Record<string, string>>;
}

const CONTAINER_NAME = "api";
const NAME_PREFIX = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
/** The migration task's container (and its log stream prefix). */
const MIGRATION_CONTAINER_NAME = "migrate";

/**
 * The API on ECS Fargate, a FargateWorkload that takes traffic: the cluster (with Container Insights)
 * the environment's workloads share, a service in private subnets behind the load balancer's target
 * group, CPU target-tracking autoscaling, and the migration's task definition. The tasks get the
 * database credentials from the RDS-managed secret at start; nothing secret is in the task definition.
 * The service opens both sides of its connection to the load balancer (its own ingress, the load
 * balancer's egress).
 */
export class FargateService extends FargateWorkload {
  readonly clusterName: string;
  /** ARN of the cluster, which the environment's other workloads run in too. */
  readonly clusterArn: string;
  readonly serviceName: string;
  readonly logGroupName: string;
  /** Security group of the tasks; allow it on whatever the API must reach (e.g. the database). */
  readonly securityGroupId: string;
  readonly executionRoleArn: string;
  /** Role the application runs as; the environment stack grants it what it uses (e.g. sending to a queue). */
  readonly taskRoleArn: string;
  /** ARN of the migration task definition's latest revision, when a migration command is set. */
  readonly migrationTaskDefinitionArn?: string;
  /** Family of the migration task definition, when a migration command is set. */
  readonly migrationTaskFamily?: string;
  /**
   * What a migration task needs in place besides its task definition: the tasks' security group
   * rules and the execution role's policy (to pull the image and read the secret).
   */
  readonly migrationPrerequisites: TerraformResource[];
  /** The ECS service (audit exemptions are recorded on it). */
  readonly ecsService: EcsService;

  constructor(scope: Construct, id: string, props: FargateServiceProps) {
    super(scope, id, {
      ...validate(props),
      name: `${props.namePrefix}-api`,
      logGroupName: `/ecs/${props.namePrefix}/api`,
      inbound: "from the load balancer only",
    });
    const { name } = this;
    const cluster = this.cluster(props);
    const taskDefinition = this.addTaskDefinition("task-definition", name, CONTAINER_NAME, {
      portMappings: [{ containerPort: props.loadBalancer.targetPort, protocol: "tcp" }],
    });
    // The migration: the same image, roles, secrets and logs as the API, run once per release before
    // the service moves to the image (deploy.yml). Its own family, so running it never touches the service.
    const migrationCommand = props.migrationCommand ?? [];
    const migrationTask =
      migrationCommand.length > 0
        ? this.addTaskDefinition("migration-task-definition", `${name}-migrate`, MIGRATION_CONTAINER_NAME, { command: migrationCommand })
        : undefined;

    this.allowLoadBalancer(props);
    const { loadBalancer: lb } = props;
    const service = this.addService({
      cluster: cluster.id,
      taskDefinition,
      desiredCount: props.desiredCount,
      loadBalancer: [{ targetGroupArn: lb.targetGroupArn, containerName: CONTAINER_NAME, containerPort: lb.targetPort }],
      healthCheckGracePeriodSeconds: props.healthCheckGracePeriodSeconds ?? 60,
      deploymentAlarmNames: props.deploymentAlarmNames,
      // ECS rejects a target group not yet attached to a listener.
      dependsOn: lb.listeners,
    });
    const target = this.addScalingTarget(cluster.name, service, props.minCount, props.maxCount);
    this.addTargetTracking("scaling-policy", `${name}-cpu`, target, {
      predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
      targetValue: props.cpuTargetPercent,
    });

    this.clusterName = cluster.name;
    this.clusterArn = cluster.arn;
    this.serviceName = service.name;
    this.logGroupName = this.logGroup.name;
    this.securityGroupId = this.securityGroup.id;
    this.executionRoleArn = this.tasks.executionRoleArn;
    this.taskRoleArn = this.tasks.taskRoleArn;
    this.migrationTaskDefinitionArn = migrationTask?.arn;
    this.migrationTaskFamily = migrationTask?.family;
    this.migrationPrerequisites = [...this.egress, ...this.tasks.executionPolicies];
    this.ecsService = service;
  }

  /**
   * The cluster, with Container Insights. Insights writes its performance events to a log group
   * created first, tagged and with the service's retention, so AWS does not create it untagged
   * (outside the environment fence) and keeping its data forever.
   */
  private cluster(props: FargateServiceProps): EcsCluster {
    const insightsLogGroup = new CloudwatchLogGroup(this, "insights-log-group", {
      name: `/aws/ecs/containerinsights/${props.namePrefix}/performance`,
      retentionInDays: props.logRetentionDays,
    });
    return new EcsCluster(this, "cluster", {
      name: props.namePrefix,
      setting: [{ name: "containerInsights", value: "enabled" }],
      dependsOn: [insightsLogGroup],
    });
  }

  /** From the load balancer on the container port, and the load balancer's egress to the tasks. Rules as separate resources. */
  private allowLoadBalancer(props: FargateServiceProps): void {
    const { targetPort: port, securityGroupId: albGroupId } = props.loadBalancer;
    const tcp = (p: number) => ({ ipProtocol: "tcp", fromPort: p, toPort: p });
    new VpcSecurityGroupEgressRule(this, "alb-egress-service", {
      securityGroupId: albGroupId,
      description: "To the tasks on the container port",
      ...tcp(port),
      referencedSecurityGroupId: this.securityGroup.id,
    });
    new VpcSecurityGroupIngressRule(this, "service-ingress-alb", {
      securityGroupId: this.securityGroup.id,
      description: "From the load balancer on the container port",
      ...tcp(port),
      referencedSecurityGroupId: albGroupId,
    });
  }
}

/** The name and count checks (the image and size checks are FargateTasks'); returns the props checked. */
function validate(props: FargateServiceProps): FargateServiceProps {
  if (!NAME_PREFIX.test(props.namePrefix)) {
    throw new Error(
      `FargateService: namePrefix "${props.namePrefix}" must be lowercase letters, digits and hyphens, not starting or ending ` +
        'with a hyphen (cluster and service names); use e.g. "acme-stage"',
    );
  }
  const { cpuTargetPercent, logRetentionDays } = ServiceSchema.unwrap().shape;
  checkCounts("FargateService", props);
  checkFields("FargateService", { cpuTargetPercent, logRetentionDays }, props);
  return props;
}
