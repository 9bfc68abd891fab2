import { DataAwsDbInstance } from "@cdktf/provider-aws/lib/data-aws-db-instance";
import { DataAwsEcrRepository } from "@cdktf/provider-aws/lib/data-aws-ecr-repository";
import { DataAwsEcsCluster } from "@cdktf/provider-aws/lib/data-aws-ecs-cluster";
import { DataAwsIamRole } from "@cdktf/provider-aws/lib/data-aws-iam-role";
import { DataAwsLb } from "@cdktf/provider-aws/lib/data-aws-lb";
import { DataAwsLbListener } from "@cdktf/provider-aws/lib/data-aws-lb-listener";
import { DataAwsSecretsmanagerSecret } from "@cdktf/provider-aws/lib/data-aws-secretsmanager-secret";
import { DataAwsSecurityGroup } from "@cdktf/provider-aws/lib/data-aws-security-group";
import { DataAwsSubnets } from "@cdktf/provider-aws/lib/data-aws-subnets";
import { DataAwsVpc } from "@cdktf/provider-aws/lib/data-aws-vpc";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { Naming } from "../config/naming";
import {
  previewDatabaseSecretName,
  previewDatabaseSetupFamily,
  previewLogGroupName,
  previewsDatabaseAdminName,
  previewsSecurityGroupName,
} from "../config/preview-names";
import {
  PREVIEW_ENVIRONMENT_TAG,
  PREVIEW_TAG,
  type PreviewWorkloadRole,
  previewDatabaseName,
  previewListenerPriority,
  previewName,
  previewPrefix,
  previewRepositoryName,
  previewStackId,
  previewStateKey,
  previewWorkloadRoleName,
} from "../config/preview-naming";
import { PREVIEW_DATABASE_SETUP_IMAGE, previewService } from "../config/schema-previews";
import type { EnvironmentConfig, PreviewsConfig, ProjectConfig } from "../config/types";
import { API_PORT } from "../constructs/api-load-balancer";
import { PreviewApi, type PreviewHost, type PreviewRoute, previewDatabaseSecret } from "../constructs/preview-api";
import { platformAwsProvider } from "../lib/aws-provider";
import type { LocalTarget } from "../lib/local-target";
import { useRemoteState } from "../lib/s3-backend";
import { addPreviewSite, type PreviewSite } from "./preview-site";

export interface PreviewStackProps {
  readonly project: ProjectConfig;
  readonly previews: PreviewsConfig;
  /** The host environment (`previews.host`): its account, VPC, load balancer, database server and cluster. */
  readonly host: EnvironmentConfig;
  /** The pull request's number. */
  readonly pullRequest: number;
  /** @default - "latest", unless `imageDigest` is set */
  readonly imageTag?: string;
  /** Digest of the pull request's image in the previews' repository (IMAGE_DIGEST). @default - the image is named by tag */
  readonly imageDigest?: string;
  /** @default - AWS */
  readonly local?: LocalTarget;
}

/** Name of the output that says how the workflow creates and drops the preview's database. */
export const DATABASE_SETUP_OUTPUT = "database_setup";

/**
 * The preview of one pull request (README "Previews"): its API in the host environment's cluster
 * behind a rule of its own on the host's listener, its database on the host's server, its logs and
 * secret. Everything of the host's is looked up by name (config/naming.ts, preview-names.ts), never
 * changed; everything the preview makes is named `<project>-pr-<n>...` and tagged
 * `Environment=preview`, `Preview=pr-<n>`. Its state is `previews/pr-<n>/terraform.tfstate` in the
 * host account's bucket.
 */
export class PreviewStack extends TerraformStack {
  readonly api: PreviewApi;
  /** The preview's address: `https://pr-<n>.<domain>`, or `http://<host load balancer>/pr-<n>/`. */
  readonly url: string;
  /** Its static site: `previews/pr-<n>/` of the host's site bucket, served by the host's distribution. */
  readonly site: PreviewSite;

  constructor(scope: Construct, id: string, props: PreviewStackProps) {
    super(scope, id);
    const { project, previews, host: env, pullRequest: n } = props;
    const naming = Naming.forEnvironment(project, env);
    const stack = previewStackId(n);
    const localAccountId = naming.accountId === project.accountId ? undefined : naming.accountId;
    platformAwsProvider(this, "aws", {
      project,
      accountId: naming.accountId,
      environment: PREVIEW_ENVIRONMENT_TAG,
      stack,
      local: props.local,
      tags: { [PREVIEW_TAG]: previewName(n) },
    });
    useRemoteState(this, { naming, region: project.region, stack, key: previewStateKey(n), local: props.local, localAccountId });

    const { host, loadBalancer } = this.lookUpHost(naming.prefix(env.name), previews);
    const prefix = previewPrefix(project.name, n);
    const domain = previews.domain;
    const route: PreviewRoute = domain ? { hostHeader: `${previewName(n)}.${domain.name}` } : { basePath: `/${previewName(n)}` };
    const role = (kind: PreviewWorkloadRole) =>
      new DataAwsIamRole(this, `role-${kind}`, { name: previewWorkloadRoleName(project.name, kind) }).arn;
    const repository = new DataAwsEcrRepository(this, "repository", { name: previewRepositoryName(project.name) });
    this.api = new PreviewApi(this, "api", {
      namePrefix: prefix,
      logGroupName: previewLogGroupName(project.name, n),
      ...previewService(previews.service),
      host,
      route,
      priority: previewListenerPriority(n),
      port: API_PORT,
      repository: { repositoryUrl: repository.repositoryUrl, repositoryArn: repository.arn },
      imageTag: props.imageTag,
      imageDigest: props.imageDigest,
      roles: { executionRoleArn: role("execution"), taskRoleArn: role("task"), databaseSetupRoleArn: role("database-setup") },
      databaseName: previewDatabaseName(n),
      databaseSecret: previewDatabaseSecret(this, previewDatabaseSecretName(project.name, n), previewDatabaseName(n)),
      databaseSetupFamily: previewDatabaseSetupFamily(project.name, n),
      databaseSetupImage: previews.databaseSetupImage ?? PREVIEW_DATABASE_SETUP_IMAGE,
    });
    if (domain && "hostHeader" in route) {
      new Route53Record(this, "dns-record", {
        zoneId: domain.hostedZoneId,
        name: route.hostHeader,
        type: "A",
        alias: { name: loadBalancer.dnsName, zoneId: loadBalancer.zoneId, evaluateTargetHealth: false },
      });
      this.url = `https://${route.hostHeader}`;
    } else {
      this.url = `http://${loadBalancer.dnsName}/${previewName(n)}/`;
    }
    this.site = addPreviewSite(this, naming, env, n);
    this.declareOutputs();
  }

  /** The host's objects, by the names and tags the host's stack gives them. */
  private lookUpHost(hostPrefix: string, previews: PreviewsConfig): { host: PreviewHost; loadBalancer: DataAwsLb } {
    const vpc = new DataAwsVpc(this, "host-vpc", { tags: { Name: hostPrefix } });
    const subnets = new DataAwsSubnets(this, "host-private-subnets", {
      filter: [{ name: "vpc-id", values: [vpc.id] }],
      tags: { Tier: "private" },
    });
    const lb = new DataAwsLb(this, "host-load-balancer", { name: `${hostPrefix}-api` });
    const listener = new DataAwsLbListener(this, "host-listener", { loadBalancerArn: lb.arn, port: previews.domain ? 443 : 80 });
    const group = (id: string, name: string) => new DataAwsSecurityGroup(this, id, { name, vpcId: vpc.id }).id;
    const database = new DataAwsDbInstance(this, "host-database", { dbInstanceIdentifier: `${hostPrefix}-db` });
    const cluster = new DataAwsEcsCluster(this, "host-cluster", { clusterName: hostPrefix });
    const admin = new DataAwsSecretsmanagerSecret(this, "host-database-admin", { name: previewsDatabaseAdminName(hostPrefix) });
    const host = {
      clusterArn: cluster.arn,
      vpcId: vpc.id,
      vpcCidr: vpc.cidrBlock,
      privateSubnetIds: subnets.ids,
      loadBalancerSecurityGroupId: group("host-load-balancer-group", `${hostPrefix}-api-alb`),
      listenerArn: listener.arn,
      previewsSecurityGroupId: group("host-previews-group", previewsSecurityGroupName(hostPrefix)),
      databaseHost: database.address,
      databasePort: database.port,
      databaseAdminSecretArn: admin.arn,
    };
    return { host, loadBalancer: lb };
  }

  /** What the preview workflow reads: the address it comments, and how it runs the database setup. */
  private declareOutputs(): void {
    const { api } = this;
    new TerraformOutput(this, "preview_url", { value: this.url, description: "Address of the preview (commented on the pull request)" });
    new TerraformOutput(this, "ecs_service_name", { value: api.serviceName, description: "ECS service of the preview's API" });
    new TerraformOutput(this, "log_group_name", { value: api.logGroup.name, description: "Log group of the preview's containers" });
    const setup = new TerraformOutput(this, DATABASE_SETUP_OUTPUT, {
      description: "How the preview workflow creates (before the service starts) and drops (before destroy) the preview's database",
      value: {
        cluster: api.clusterArn,
        taskDefinition: api.databaseSetup.arn,
        subnets: api.subnetIds,
        securityGroups: api.databaseSetupSecurityGroupIds,
        // The workflow puts {"username": <this>, "password": <generated>} here when it has no value yet, before createCommand.
        secretArn: api.databaseSecretArn,
        username: api.databaseName,
        createCommand: api.createCommand,
        dropCommand: api.dropCommand,
      },
    });
    // The workflow applies only what this output needs (-target) before it runs the create command.
    const prerequisites = [api.databaseSetup, ...api.egress, api.logGroup, api.databaseSecret];
    setup.addOverride(
      "depends_on",
      prerequisites.map((r) => `${r.terraformResourceType}.${r.friendlyUniqueId}`),
    );
  }
}
