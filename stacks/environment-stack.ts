import { DataAwsIamRole } from "@cdktf/provider-aws/lib/data-aws-iam-role";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformElement, TerraformOutput, TerraformResource, TerraformStack } from "cdktf";
import { makeUniqueId } from "cdktf/lib/private/unique";
import type { Construct, Node } from "constructs";
import { guardrail } from "../config/guardrails";
import { Naming, type WorkloadRole } from "../config/naming";
import type { EnvironmentConfig, PreviewsConfig, ProjectConfig } from "../config/types";
import { ApiLoadBalancer } from "../constructs/api-load-balancer";
import { Database } from "../constructs/database";
import { FargateService } from "../constructs/fargate-service";
import { ImageRepository } from "../constructs/image-repository";
import { Monitoring } from "../constructs/monitoring";
import { deploymentAlarmNames } from "../constructs/monitoring-metrics";
import { Network } from "../constructs/network";
import { Notification } from "../constructs/notification";
import { StaticSite } from "../constructs/static-site";
import { exempt } from "../lib/audit-exemptions";
import { platformAwsProvider } from "../lib/aws-provider";
import type { LocalTarget } from "../lib/local-target";
import { useRemoteState } from "../lib/s3-backend";
import { acceptedRisks, httpOnlyReason } from "./accepted-risks";
import { PreviewsHost } from "./environment-previews";
import { addWorkloads, addWorkQueue, type Workloads } from "./environment-workloads";

export interface EnvironmentStackProps {
  readonly project: ProjectConfig;
  readonly environment: EnvironmentConfig;
  /**
   * Tag of the container image to run (a person's deploy passes the commit SHA through IMAGE_TAG).
   * Not with `imageDigest`.
   * @default - "latest", unless `imageDigest` is set
   */
  readonly imageTag?: string;
  /**
   * Digest (`sha256:<64 hex>`) of the container image to run; CI passes the digest it built and
   * attested through IMAGE_DIGEST. Not with `imageTag`.
   * @default - the image is named by tag (`imageTag`)
   */
  readonly imageDigest?: string;
  /** The previews: their host adds what they share (stacks/environment-previews.ts). @default - no previews */
  readonly previews?: PreviewsConfig;
  /**
   * Emulator to deploy to instead of AWS.
   * @default - AWS
   */
  readonly local?: LocalTarget;
}

/**
 * One environment (stage, prod, ...): network, the containerised API behind its load balancer, the
 * PostgreSQL database and the static site. The same class for every environment: what differs is
 * in the environment's config. State lives in the bootstrap bucket under `<env>/`.
 */
export class EnvironmentStack extends TerraformStack {
  readonly network: Network;
  readonly database: Database;
  readonly repository: ImageRepository;
  readonly loadBalancer: ApiLoadBalancer;
  readonly service: FargateService;
  readonly site: StaticSite;
  readonly notification: Notification;
  /** The us-east-1 topic of the CloudFront alarm (the same construct as `notification` when the project region is us-east-1). */
  readonly usEast1Notification: Notification;
  readonly monitoring: Monitoring;
  /** The worker's queue, its worker and the scheduled jobs, where the environment configures them (stacks/environment-workloads.ts). */
  readonly workloads: Workloads;
  /** What the previews share, when this environment hosts them (stacks/environment-previews.ts). */
  readonly previewsHost?: PreviewsHost;
  private readonly databaseIngress: TerraformResource;

  constructor(scope: Construct, id: string, props: EnvironmentStackProps) {
    super(scope, id);
    const { project, environment: env } = props;
    // The environment's own account (its accountId, or the project's): its state bucket, its roles.
    const naming = Naming.forEnvironment(project, env);
    const w: Wiring = { project, env, naming, prefix: naming.prefix(env.name) };
    const usEast1 = this.useProvidersAndBackend(w, props.local);
    this.network = this.addNetwork(w);
    this.database = this.addDatabase(w);
    this.repository = new ImageRepository(this, REPOSITORY_ID, { repositoryName: naming.repositoryName(env.name), ...env.service });
    this.loadBalancer = this.addLoadBalancer(w);
    const topic = { namePrefix: w.prefix, subscribers: env.monitoring.subscribers };
    this.notification = new Notification(this, "notification", topic);
    this.usEast1Notification = usEast1
      ? new Notification(this, "notification-us-east-1", { ...topic, provider: usEast1 })
      : this.notification;
    const queue = addWorkQueue(this, env, w.prefix, env.monitoring.alarms ? this.notification.topicArn : undefined);
    this.service = this.addService(w, props, queue?.queueUrl);
    this.databaseIngress = this.database.allowConnectionsFrom("service", this.service.securityGroupId);
    this.workloads = addWorkloads({ ...props, ...w, stack: this, role: (kind) => this.workloadRole(w, kind) }, queue);
    const previews = props.previews?.host === env.name ? props.previews : undefined;
    const executionRoleName = this.workloadRole(w, "api-execution").name;
    this.previewsHost = previews && new PreviewsHost(this, "previews", { previews, prefix: w.prefix, host: this, executionRoleName });
    this.site = this.addSite(w);
    this.monitoring = this.addMonitoring(w, usEast1);
    this.declareExemptions(env);
    const removed = FORMER_WORKLOAD_ROLES.map((from) => ({ from, lifecycle: { destroy: false } }));
    this.addOverride("removed", removed);
    this.declareOutputs(env);
  }

  /** The AWS providers (the second one in us-east-1, returned, unless that is the project's region) and the S3 backend. */
  private useProvidersAndBackend({ project, env, naming }: Wiring, local: LocalTarget | undefined): AwsProvider | undefined {
    const localAccountId = naming.accountId === project.accountId ? undefined : naming.accountId;
    const provider = { project, accountId: naming.accountId, environment: env.name, stack: env.name, local };
    platformAwsProvider(this, "aws", provider);
    useRemoteState(this, { naming, region: project.region, stack: env.name, local, localAccountId });
    if (project.region === US_EAST_1) return undefined;
    // CloudFront publishes its metrics in us-east-1, and an alarm notifies a topic of its own region only.
    return platformAwsProvider(this, "aws-us-east-1", { ...provider, region: US_EAST_1, alias: "us_east_1" });
  }

  /**
   * The workload role of that kind: the bootstrap's (bootstrap/workload-roles.ts), this stack writes their policies only.
   * Read, not just named: until the bootstrap has created them every plan fails here, before anything changes
   * (the targeted migration apply included: the execution policy and task definitions depend on them).
   */
  private workloadRole({ env, naming }: Wiring, kind: WorkloadRole) {
    const id = `workload-role-${kind}`;
    const found =
      (this.node.tryFindChild(id) as DataAwsIamRole) ?? new DataAwsIamRole(this, id, { name: naming.workloadRoleName(env.name, kind) });
    return { name: found.name, arn: found.arn };
  }

  private addNetwork(w: Wiring): Network {
    return new Network(this, "network", {
      namePrefix: w.prefix,
      ...w.env.network,
      flowLogRole: this.workloadRole(w, "flow-logs"),
      auditExemptions: acceptedRisks(w.env, "network."),
    });
  }

  private addDatabase({ env, prefix }: Wiring): Database {
    return new Database(this, "database", {
      namePrefix: prefix,
      vpcId: this.network.vpcId,
      subnetIds: this.network.databaseSubnetIds,
      ...env.database,
      // The database's logs are kept as long as the API's.
      logRetentionDays: env.service.logRetentionDays,
      auditExemptions: acceptedRisks(env, "database."),
    });
  }

  private addLoadBalancer({ env, naming, prefix }: Wiring): ApiLoadBalancer {
    return new ApiLoadBalancer(this, LOAD_BALANCER_ID, {
      name: `${prefix}-api`,
      vpcId: this.network.vpcId,
      publicSubnetIds: this.network.publicSubnetIds,
      deletionProtection: env.loadBalancer.deletionProtection,
      accessLogs: env.loadBalancer.accessLogs ? { bucketName: naming.albLogBucket(env.name) } : undefined,
      https: env.loadBalancer.https,
      httpOnlyReason: httpOnlyReason(env),
      // loadBalancer.https is waived on the listener, through httpOnlyReason.
      auditExemptions: acceptedRisks(env, "loadBalancer.").filter((x) => x.rule !== guardrail("loadBalancer.https")?.auditRule),
    });
  }

  private addService(w: Wiring, props: EnvironmentStackProps, queueUrl: string | undefined): FargateService {
    const { env, prefix } = w;
    const { database: db } = this;
    const executionRole = this.workloadRole(w, "api-execution");
    return new FargateService(this, "service", {
      namePrefix: prefix,
      vpcId: this.network.vpcId,
      vpcCidr: this.network.vpcCidr,
      privateSubnetIds: this.network.privateSubnetIds,
      ...env.service,
      repository: this.repository,
      imageTag: props.imageTag,
      imageDigest: props.imageDigest,
      loadBalancer: this.loadBalancer,
      roles: {
        executionRoleName: executionRole.name,
        executionRoleArn: executionRole.arn,
        taskRoleArn: this.workloadRole(w, "api-task").arn,
      },
      deploymentAlarmNames: env.monitoring.alarms ? deploymentAlarmNames(prefix) : undefined,
      migrationCommand: env.migration?.command,
      environment: queueUrl === undefined ? undefined : { QUEUE_URL: queueUrl },
      database: { host: db.address, port: db.port, name: db.databaseName, secretArn: db.masterUserSecretArn },
    });
  }

  private addSite({ env, naming, prefix }: Wiring): StaticSite {
    return new StaticSite(this, "site", {
      namePrefix: prefix,
      bucketName: naming.siteBucket(env.name),
      priceClass: env.site.priceClass,
      domain: env.site.domain,
      apiOrigins: [this.loadBalancer.url],
    });
  }

  private addMonitoring({ project, env, prefix }: Wiring, usEast1: AwsProvider | undefined): Monitoring {
    return new Monitoring(this, "monitoring", {
      region: project.region,
      alarms: env.monitoring.alarms,
      thresholds: env.monitoring.thresholds,
      topicArn: this.notification.topicArn,
      usEast1TopicArn: this.usEast1Notification.topicArn,
      usEast1Provider: usEast1,
      workloadAlarms: [this.workloads.worker, this.workloads.queue, this.workloads.jobs].flatMap((w) => w?.alarms ?? []),
      resources: {
        environment: env.name,
        namePrefix: prefix,
        loadBalancerArnSuffix: this.loadBalancer.loadBalancerArnSuffix,
        targetGroupArnSuffix: this.loadBalancer.targetGroupArnSuffix,
        // Literal names, not references: the service's deployment alarms name these alarms.
        clusterName: prefix,
        serviceName: `${prefix}-api`,
        logGroupName: `/ecs/${prefix}/api`,
        databaseIdentifier: `${prefix}-db`,
        distributionId: this.site.distributionId,
      },
    });
  }

  /** The audit exemptions the environment's settings imply (the constructs declare their own). */
  private declareExemptions(env: EnvironmentConfig): void {
    if (!env.monitoring.alarms) {
      // Off only outside production (a production guardrail): say so where the audit looks.
      exempt(
        this.service.ecsService,
        "ECS-DEPLOYMENT-ALARMS-ROLLBACK",
        `${env.name}.monitoring.alarms is false: no alarm to roll back on; the circuit breaker still does`,
      );
    }
    // Settings no construct holds (the monitoring guardrails, the account): the stack carries their waivers.
    for (const risk of [...acceptedRisks(env, "monitoring."), ...acceptedRisks(env, "accountId")]) exempt(this, risk.rule, risk.reason);
  }

  /** What a person and CI read after a deploy (the ids are the output names), and how deploy.yml runs the migration. */
  private declareOutputs(env: EnvironmentConfig): void {
    const outputs: Record<string, [string, string]> = {
      api_url: [this.loadBalancer.url, "Base URL of the API (the load balancer, or its domain with HTTPS)"],
      site_url: [this.site.siteUrl, "URL of the static site (CloudFront)"],
      site_bucket: [this.site.bucketName, "S3 bucket the frontend build is uploaded to"],
      cloudfront_distribution_id: [this.site.distributionId, "CloudFront distribution to invalidate after an upload"],
      ecr_repository_url: [this.repository.repositoryUrl, "ECR repository the API image is pushed to"],
      ecs_cluster_name: [this.service.clusterName, "ECS cluster running the API"],
      ecs_service_name: [this.service.serviceName, "ECS service running the API"],
      database_endpoint: [this.database.address, "Hostname of the PostgreSQL database (reachable from the VPC only)"],
      database_secret_arn: [this.database.masterUserSecretArn, "Secrets Manager secret holding the database credentials (RDS-managed)"],
      log_group_name: [this.service.logGroupName, "CloudWatch log group of the API containers"],
      alarm_topic_arn: [this.notification.topicArn, "SNS topic the alarms notify (subscribers in monitoring.subscribers)"],
      dashboard_name: [this.monitoring.dashboardName, "CloudWatch dashboard of the environment"],
    };
    for (const [name, [value, description]] of Object.entries(outputs)) new TerraformOutput(this, name, { value, description });
    if (!this.service.migrationTaskDefinitionArn) return;
    // deploy.yml applies only what this output refers to and depends on (-target), runs the task,
    // and applies the rest only when it exits 0: the service never runs an image whose migration failed.
    const migration = new TerraformOutput(this, MIGRATION_OUTPUT, {
      description: "How deploy.yml runs the database migration: cluster, task definition and the service's network",
      value: {
        cluster: this.service.clusterName,
        taskDefinition: this.service.migrationTaskDefinitionArn,
        subnets: this.service.subnetIds,
        securityGroups: [this.service.securityGroupId],
        timeoutMinutes: env.migration?.timeoutMinutes ?? 30,
      },
    });
    // cdktf writes an output's dependsOn as "${...}", which Terraform refuses there: plain addresses.
    const prerequisites = [...this.service.migrationPrerequisites, ...this.network.privateEgress, this.databaseIngress];
    migration.addOverride(
      "depends_on",
      prerequisites.map((r) => `${r.terraformResourceType}.${r.friendlyUniqueId}`),
    );
  }

  /**
   * The resources of the image repository and of the load balancer keep the addresses they had in
   * the Service construct (`service_<ids below it>`), so the split moves no state. Not `moved`
   * blocks: until applied, a moved block fails every plan with -target, and deploy.yml's migration
   * step applies with -target. Here rather than with overrideLogicalId on each resource, which would
   * come too late: an address is fixed when the resource is first referenced, inside its construct.
   * makeUniqueId is cdktf's own (what super.allocateLogicalId applies to a path).
   */
  protected override allocateLogicalId(element: TerraformElement | Node): string {
    const node = TerraformElement.isTerraformElement(element) ? element.node : element;
    const path = node.scopes.slice(node.scopes.indexOf(this) + 1).map((scope) => scope.node.id);
    if (TerraformResource.isTerraformResource(element) && SPLIT_FROM_SERVICE.has(path[0])) {
      return makeUniqueId(["service", ...path.slice(1)]);
    }
    return super.allocateLogicalId(element);
  }
}

/** What each step of the stack's wiring reads: the config, the environment's naming and its resources' name prefix. */
interface Wiring {
  readonly project: ProjectConfig;
  readonly env: EnvironmentConfig;
  readonly naming: Naming;
  readonly prefix: string;
}

const US_EAST_1 = "us-east-1";
const REPOSITORY_ID = "image-repository";
const LOAD_BALANCER_ID = "load-balancer";
/** The stack's constructs that were part of one Service construct, `service`, until the service was split. */
const SPLIT_FROM_SERVICE = new Set([REPOSITORY_ID, LOAD_BALANCER_ID]);
/**
 * The roles this stack created until the bootstrap took them over (issue 13; their names were
 * `<prefix>-api-execution`, `<prefix>-api-task`, `<prefix>-vpc-flow-logs`), as their addresses were.
 * A `removed` block with destroy = false makes Terraform forget each one without deleting it: the
 * deploy role may no longer delete roles, and tasks still running may use them until they are
 * replaced. No-ops where they never existed; an administrator deletes the old roles afterwards.
 * Unlike `moved` blocks, they do not fail plans with -target (deploy.yml's migration step).
 */
export const FORMER_WORKLOAD_ROLES = [
  "aws_iam_role.service_execution-role_C3456AA3",
  "aws_iam_role.service_task-role_58F5AF4F",
  "aws_iam_role.network_flow-log-role_D4C6C2EC",
];
/** Name of the output deploy.yml reads to run the database migration. */
export const MIGRATION_OUTPUT = "database_migration";
