import { TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AuditExemption } from "../audit/exemptions";
import { guardrail } from "../config/guardrails";
import { Naming } from "../config/naming";
import { EnvironmentConfig, ProjectConfig } from "../config/types";
import { platformAwsProvider } from "../lib/aws-provider";
import { LocalTarget } from "../lib/local-target";
import { useRemoteState } from "../lib/state-backend";
import { Database } from "./database";
import { Network } from "./network";
import { Service } from "./service";
import { StaticSite } from "./static-site";

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
  readonly service: Service;
  readonly site: StaticSite;

  constructor(scope: Construct, id: string, props: EnvironmentStackProps) {
    super(scope, id);
    const { project, environment: env } = props;
    // The environment's own account (its accountId, or the project's): its state bucket, its roles.
    const naming = Naming.forEnvironment(project, env);
    const localAccountId = naming.accountId === project.accountId ? undefined : naming.accountId;
    const prefix = naming.prefix(env.name);
    // The deploy role may create IAM roles only with this boundary (bootstrap/permissions.ts).
    const permissionsBoundaryArn = naming.workloadBoundaryArn(env.name);

    platformAwsProvider(this, "aws", { project, accountId: naming.accountId, environment: env.name, stack: env.name, local: props.local });
    useRemoteState(this, { naming, region: project.region, stack: env.name, local: props.local, localAccountId });

    this.network = new Network(this, "network", {
      namePrefix: prefix,
      ...env.network,
      permissionsBoundaryArn,
      rolePath: naming.workloadRolePath(env.name),
      auditExemptions: acceptedRisks(env, "network."),
    });

    this.database = new Database(this, "database", {
      namePrefix: prefix,
      vpcId: this.network.vpcId,
      subnetIds: this.network.databaseSubnetIds,
      ...env.database,
      // The database's logs are kept as long as the API's.
      logRetentionDays: env.service.logRetentionDays,
      auditExemptions: acceptedRisks(env, "database."),
    });

    this.service = new Service(this, "service", {
      namePrefix: prefix,
      vpcId: this.network.vpcId,
      vpcCidr: this.network.vpcCidr,
      publicSubnetIds: this.network.publicSubnetIds,
      privateSubnetIds: this.network.privateSubnetIds,
      ...env.service,
      imageTag: props.imageTag,
      imageDigest: props.imageDigest,
      permissionsBoundaryArn,
      rolePath: naming.workloadRolePath(env.name),
      database: {
        host: this.database.address,
        port: this.database.port,
        name: this.database.databaseName,
        secretArn: this.database.masterUserSecretArn,
      },
      loadBalancer: {
        deletionProtection: env.loadBalancer.deletionProtection,
        accessLogs: env.loadBalancer.accessLogs ? { bucketName: naming.albLogBucket(env.name) } : undefined,
        https: env.loadBalancer.https,
        httpOnlyReason: httpOnlyReason(env),
        // loadBalancer.https is waived on the listener, through httpOnlyReason.
        auditExemptions: acceptedRisks(env, "loadBalancer.").filter((x) => x.rule !== guardrail("loadBalancer.https")?.auditRule),
      },
    });
    this.database.allowConnectionsFrom("service", this.service.securityGroupId);

    this.site = new StaticSite(this, "site", {
      namePrefix: prefix,
      bucketName: naming.siteBucket(env.name),
      priceClass: env.site.priceClass,
      domain: env.site.domain,
      apiOrigins: [this.service.apiUrl],
    });

    const outputs: Record<string, [string, string]> = {
      api_url: [this.service.apiUrl, "Base URL of the API (the load balancer, or its domain with HTTPS)"],
      site_url: [this.site.siteUrl, "URL of the static site (CloudFront)"],
      site_bucket: [this.site.bucketName, "S3 bucket the frontend build is uploaded to"],
      cloudfront_distribution_id: [this.site.distributionId, "CloudFront distribution to invalidate after an upload"],
      ecr_repository_url: [this.service.repositoryUrl, "ECR repository the API image is pushed to"],
      ecs_cluster_name: [this.service.clusterName, "ECS cluster running the API"],
      ecs_service_name: [this.service.serviceName, "ECS service running the API"],
      database_endpoint: [this.database.address, "Hostname of the PostgreSQL database (reachable from the VPC only)"],
      database_secret_arn: [this.database.masterUserSecretArn, "Secrets Manager secret holding the database credentials (RDS-managed)"],
      log_group_name: [this.service.logGroupName, "CloudWatch log group of the API containers"],
    };
    for (const [name, [value, description]] of Object.entries(outputs)) {
      new TerraformOutput(this, name, { value, description });
    }
  }
}

/** Why the environment serves plain HTTP, with the accepted production risk when it lists one (the audit exemption's reason). */
function httpOnlyReason(env: EnvironmentConfig): string | undefined {
  if (env.loadBalancer.https) return undefined;
  const accepted = acceptedRisks(env, "loadBalancer.https").map((e) => e.reason);
  return [env.loadBalancer.httpOnlyReason ?? [], ...accepted].flat().join("; ") || undefined;
}

/**
 * The production guardrails the environment waives in acceptedRisks whose setting starts with
 * `prefix`, each as the exemption from the audit rule that checks it (config/guardrails.ts).
 */
function acceptedRisks(env: EnvironmentConfig, prefix: string): AuditExemption[] {
  return (env.acceptedRisks ?? []).flatMap((risk) => {
    const rule = guardrail(risk.setting)?.auditRule;
    return risk.setting.startsWith(prefix) && rule ? [{ rule, reason: `accepted risk ${risk.setting}: ${risk.reason}` }] : [];
  });
}
