import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import type { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { checkFields } from "../config/check-props";
import { ServiceSchema } from "../config/schema";
import type { ServiceConfig } from "../config/types";
import { type FargateTaskRoles, FargateTasks, type ServiceDatabaseProps, type ServiceImageSource } from "./fargate-task";

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
}

const CONTAINER_NAME = "api";
const NAME_PREFIX = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
/** The migration task's container (and its log stream prefix). */
const MIGRATION_CONTAINER_NAME = "migrate";

/**
 * The API on ECS Fargate: a cluster with Container Insights, the tasks' log group, the execution
 * role's policy and task definition (and the migration's), a service in private subnets behind the
 * load balancer's target group, and CPU target-tracking autoscaling. The tasks get the database credentials from the
 * RDS-managed secret at start; nothing secret is in the task definition. The service opens both
 * sides of its connection to the load balancer (its own ingress, the load balancer's egress).
 */
export class FargateService extends Construct {
  readonly clusterName: string;
  readonly serviceName: string;
  readonly logGroupName: string;
  /** Security group of the tasks; allow it on whatever the API must reach (e.g. the database). */
  readonly securityGroupId: string;
  readonly executionRoleArn: string;
  /** Role the application runs as; it has no permissions yet. */
  readonly taskRoleArn: string;
  /** Subnets the tasks (and the migration task) run in. */
  readonly subnetIds: string[];
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
    super(scope, id);
    validate(props);
    const name = `${props.namePrefix}-api`;

    const cluster = this.cluster(props);
    const logGroup = new CloudwatchLogGroup(this, "log-group", {
      name: `/ecs/${props.namePrefix}/api`,
      retentionInDays: props.logRetentionDays,
    });
    const tasks = new FargateTasks(this, {
      cpu: props.cpu,
      memoryMiB: props.memoryMiB,
      roles: props.roles,
      repository: props.repository,
      imageTag: props.imageTag,
      imageDigest: props.imageDigest,
      logGroup,
      database: props.database,
    });
    const taskDefinition = tasks.add("task-definition", name, CONTAINER_NAME, {
      portMappings: [{ containerPort: props.loadBalancer.targetPort, protocol: "tcp" }],
    });
    // The migration: the same image, roles, secrets and logs as the API, run once per release before
    // the service moves to the image (deploy.yml). Its own family, so running it never touches the service.
    const migrationCommand = props.migrationCommand ?? [];
    const migrationTask =
      migrationCommand.length > 0
        ? tasks.add("migration-task-definition", `${name}-migrate`, MIGRATION_CONTAINER_NAME, { command: migrationCommand })
        : undefined;

    const network = this.securityGroup(props, name);
    const service = this.createService(props, name, cluster, taskDefinition, network.group, tasks.executionPolicy);
    this.autoscaling(props, name, cluster, service);

    this.clusterName = cluster.name;
    this.serviceName = service.name;
    this.logGroupName = logGroup.name;
    this.securityGroupId = network.group.id;
    this.executionRoleArn = tasks.executionRoleArn;
    this.taskRoleArn = tasks.taskRoleArn;
    this.subnetIds = props.privateSubnetIds;
    this.migrationTaskDefinitionArn = migrationTask?.arn;
    this.migrationTaskFamily = migrationTask?.family;
    this.migrationPrerequisites = [...network.egress, tasks.executionPolicy];
    this.ecsService = service;
  }

  /** The service: rolls back failed deployments, replaces tasks without losing capacity, leaves the count to autoscaling. */
  private createService(
    props: FargateServiceProps,
    name: string,
    cluster: EcsCluster,
    taskDefinition: EcsTaskDefinition,
    securityGroup: SecurityGroup,
    executionPolicy: TerraformResource,
  ): EcsService {
    return new EcsService(this, "service", {
      name,
      cluster: cluster.id,
      taskDefinition: taskDefinition.arn,
      launchType: "FARGATE",
      desiredCount: props.desiredCount,
      networkConfiguration: { subnets: props.privateSubnetIds, securityGroups: [securityGroup.id], assignPublicIp: false },
      loadBalancer: [
        { targetGroupArn: props.loadBalancer.targetGroupArn, containerName: CONTAINER_NAME, containerPort: props.loadBalancer.targetPort },
      ],
      healthCheckGracePeriodSeconds: props.healthCheckGracePeriodSeconds ?? 60,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      alarms: props.deploymentAlarmNames?.length
        ? { alarmNames: [...props.deploymentAlarmNames], enable: true, rollback: true }
        : undefined,
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      propagateTags: "SERVICE",
      enableEcsManagedTags: true,
      // Autoscaling changes the count after creation; applying the configured value again would undo it.
      lifecycle: { ignoreChanges: ["desired_count"] },
      // ECS rejects a target group not yet attached to a listener, and the first tasks need the
      // execution role's permissions in place to pull the image and read the secret.
      dependsOn: [...props.loadBalancer.listeners, executionPolicy],
    });
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

  /**
   * The tasks' security group: from the load balancer on the container port (and the load balancer's
   * egress to it), out to HTTPS (ECR, Secrets Manager and CloudWatch Logs, through NAT or VPC
   * endpoints) and to the database port inside the VPC. Rules as separate resources.
   */
  private securityGroup(props: FargateServiceProps, name: string): { group: SecurityGroup; egress: TerraformResource[] } {
    const group = new SecurityGroup(this, "service-security-group", {
      name: `${name}-service`,
      description: `Tasks of ${name}: from the load balancer only`,
      vpcId: props.vpcId,
    });
    const { targetPort: port, securityGroupId: albGroupId } = props.loadBalancer;
    const tcp = (p: number) => ({ ipProtocol: "tcp", fromPort: p, toPort: p });
    new VpcSecurityGroupEgressRule(this, "alb-egress-service", {
      securityGroupId: albGroupId,
      description: "To the tasks on the container port",
      ...tcp(port),
      referencedSecurityGroupId: group.id,
    });
    new VpcSecurityGroupIngressRule(this, "service-ingress-alb", {
      securityGroupId: group.id,
      description: "From the load balancer on the container port",
      ...tcp(port),
      referencedSecurityGroupId: albGroupId,
    });
    const https = new VpcSecurityGroupEgressRule(this, "service-egress-https", {
      securityGroupId: group.id,
      description: "HTTPS to AWS APIs",
      ...tcp(443),
      cidrIpv4: "0.0.0.0/0",
    });
    const database = new VpcSecurityGroupEgressRule(this, "service-egress-database", {
      securityGroupId: group.id,
      description: "To the database inside the VPC",
      ...tcp(props.database.port),
      cidrIpv4: props.vpcCidr,
    });
    return { group, egress: [https, database] };
  }

  /** Target tracking on average CPU between minCount and maxCount: out quickly, in slowly. */
  private autoscaling(props: FargateServiceProps, name: string, cluster: EcsCluster, service: EcsService): void {
    const target = new AppautoscalingTarget(this, "scaling-target", {
      serviceNamespace: "ecs",
      resourceId: `service/${cluster.name}/${service.name}`,
      scalableDimension: "ecs:service:DesiredCount",
      minCapacity: props.minCount,
      maxCapacity: props.maxCount,
    });
    new AppautoscalingPolicy(this, "scaling-policy", {
      name: `${name}-cpu`,
      policyType: "TargetTrackingScaling",
      serviceNamespace: target.serviceNamespace,
      resourceId: target.resourceId,
      scalableDimension: target.scalableDimension,
      targetTrackingScalingPolicyConfiguration: {
        predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
        targetValue: props.cpuTargetPercent,
        // Add capacity quickly, remove it slowly: a brief lull should not drop tasks that are needed again.
        scaleInCooldown: 300,
        scaleOutCooldown: 60,
      },
    });
  }
}

/** The name and count checks (the image and size checks are FargateTasks'). */
function validate(props: FargateServiceProps): void {
  const fail = (message: string): never => {
    throw new Error(`FargateService: ${message}`);
  };
  if (!NAME_PREFIX.test(props.namePrefix)) {
    fail(
      `namePrefix "${props.namePrefix}" must be lowercase letters, digits and hyphens, not starting or ending with a ` +
        'hyphen (cluster and service names); use e.g. "acme-stage"',
    );
  }
  const { desiredCount, minCount, maxCount, cpuTargetPercent, logRetentionDays } = ServiceSchema.unwrap().shape;
  checkFields("FargateService", { minCount, maxCount, desiredCount, cpuTargetPercent, logRetentionDays }, props);
  // The bounds' order, which the schema cannot express (config/validate.ts checks the configuration the same way).
  if (props.maxCount < props.minCount) fail(`maxCount ${props.maxCount} must be at least minCount (${props.minCount})`);
  if (props.desiredCount < props.minCount || props.desiredCount > props.maxCount) {
    fail(`desiredCount ${props.desiredCount} must lie within minCount..maxCount (${props.minCount}..${props.maxCount})`);
  }
}
