import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsElbServiceAccount } from "@cdktf/provider-aws/lib/data-aws-elb-service-account";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import type { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { type TerraformResource, Token } from "cdktf";
import { Construct } from "constructs";
import { FARGATE_MEMORY } from "../config/fargate";
import type { ServiceConfig } from "../config/types";
import { type AuditExemption, exempt, exemptAll } from "../lib/audit-exemptions";
import { policyJson } from "../lib/policy";
import { IMAGE_DIGEST_PATTERN, IMAGE_TAG_PATTERN } from "../lib/release-image";
import { SecureBucket } from "./secure-bucket";

/** The database the API connects to. */
export interface ServiceDatabaseProps {
  /** Hostname of the database endpoint (passed as DB_HOST). */
  readonly host: string;
  /** Port of the database endpoint (passed as DB_PORT; the service may reach it inside the VPC only). */
  readonly port: number;
  /** Name of the database (passed as DB_NAME). */
  readonly name: string;
  /**
   * ARN of the RDS-managed Secrets Manager secret holding `username` and `password`. The task reads
   * them at start through the execution role; they never appear in the task definition.
   */
  readonly secretArn: string;
}

/** Where ALB access logs go. */
export interface ServiceAccessLogsProps {
  /** Globally unique name of the log bucket this construct creates. */
  readonly bucketName: string;
  /**
   * Delete log objects this many days after they are written.
   * @default - 90 days
   */
  readonly expirationDays?: number;
}

/** HTTPS on a custom domain. */
export interface ServiceHttpsProps {
  /** Domain the API is served on (its DNS record points at the load balancer; managed elsewhere). */
  readonly domainName: string;
  /** ARN of an issued ACM certificate for `domainName`, in the load balancer's region. */
  readonly certificateArn: string;
}

export interface ServiceLoadBalancerProps {
  /** Refuse deletion of the load balancer (a destroy must first turn this off). */
  readonly deletionProtection: boolean;
  /**
   * Write access logs to a private, SSE-S3 encrypted bucket this construct creates.
   * @default - no access logs
   */
  readonly accessLogs?: ServiceAccessLogsProps;
  /**
   * Serve HTTPS on 443 with this certificate; port 80 then only redirects to 443.
   * @default - plain HTTP on port 80, forwarding to the service
   */
  readonly https?: ServiceHttpsProps;
  /**
   * Why this load balancer serves plain HTTP, when `https` is not set: recorded as the audit
   * exemption of the HTTP listener from ALB-HTTP-REDIRECTS-TO-HTTPS.
   * @default - no exemption: the audit fails the HTTP-only listener
   */
  readonly httpOnlyReason?: string;
  /**
   * Audit rules the load balancer deliberately fails (e.g. a production risk accepted in the config), with the reasons.
   * @default - none
   */
  readonly auditExemptions?: readonly AuditExemption[];
}

/** The service's sizes and counts are the configuration's `service` block, documented once in config/schema.ts. */
export interface ServiceProps extends ServiceConfig {
  /**
   * Prefix of every resource name, e.g. `acme-stage`: lowercase letters, digits and hyphens, at most
   * 28 characters so that `<namePrefix>-api` fits the 32-character load balancer and target group limit.
   */
  readonly namePrefix: string;
  /** VPC the service and its load balancer run in. */
  readonly vpcId: string;
  /** CIDR block of the VPC; the tasks may reach the database port inside it and nowhere else. */
  readonly vpcCidr: string;
  /** Public subnets (at least two availability zones) for the internet-facing load balancer. */
  readonly publicSubnetIds: string[];
  /** Private subnets (with a NAT gateway or VPC endpoints) for the tasks. */
  readonly privateSubnetIds: string[];
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
  /**
   * Port the container listens on.
   * @default - 8000
   */
  readonly containerPort?: number;
  /**
   * Path the load balancer probes; must answer 200.
   * @default - "/health"
   */
  readonly healthCheckPath?: string;
  /**
   * Seconds ECS ignores failing load balancer health checks after a task starts.
   * @default - 60 seconds
   */
  readonly healthCheckGracePeriodSeconds?: number;
  /**
   * Permissions boundary policy ARN set on the execution and task roles.
   * @default - none
   */
  readonly permissionsBoundaryArn?: string;
  /**
   * IAM path of the roles created here, e.g. `/acme/stage/`: the deploy role may manage roles under
   * its environment's path only (Naming.workloadRolePath).
   * @default - "/"
   */
  readonly rolePath?: string;
  /** The database the API uses. */
  readonly database: ServiceDatabaseProps;
  /** Load balancer settings. */
  readonly loadBalancer: ServiceLoadBalancerProps;
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

/** Load balancer and target group names may not exceed 32 characters; `-api` takes 4. */
const MAX_NAME_PREFIX_LENGTH = 28;
const CONTAINER_NAME = "api";
/** The migration task's container (and its log stream prefix). */
const MIGRATION_CONTAINER_NAME = "migrate";
const ECS_TASKS_PRINCIPAL = "ecs-tasks.amazonaws.com";
/** TLS 1.3 with TLS 1.2 fallback, forward-secret ciphers only. */
const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

function isWhole(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

function validate(props: ServiceProps, containerPort: number, healthCheckPath: string): void {
  const fail = (message: string): never => {
    throw new Error(`Service: ${message}`);
  };
  if (props.imageTag !== undefined && props.imageDigest !== undefined) {
    fail(
      `imageTag "${props.imageTag}" and imageDigest "${props.imageDigest}" are both set; ` +
        "set one: imageDigest to run exactly one built image, imageTag to run what a tag names",
    );
  }
  if (props.imageTag !== undefined && !IMAGE_TAG_PATTERN.test(props.imageTag)) {
    fail(`imageTag "${props.imageTag}" is not a valid image tag (letters, digits, "_", "." and "-", at most 128); use e.g. the commit SHA`);
  }
  if (props.imageDigest !== undefined && !IMAGE_DIGEST_PATTERN.test(props.imageDigest)) {
    fail(`imageDigest "${props.imageDigest}" is not an image digest; use "sha256:" followed by 64 lowercase hex digits`);
  }
  const prefix = props.namePrefix;
  if (prefix.length > MAX_NAME_PREFIX_LENGTH) {
    fail(
      `namePrefix "${prefix}" is ${prefix.length} characters; use at most ${MAX_NAME_PREFIX_LENGTH} so that ` +
        `"${prefix}-api" fits the 32-character load balancer and target group name limit`,
    );
  }
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(prefix)) {
    fail(
      `namePrefix "${prefix}" must be lowercase letters, digits and hyphens, not starting or ending with a ` +
        `hyphen (ECR and load balancer names); use e.g. "acme-stage"`,
    );
  }
  if (!isWhole(props.minCount, 1, Number.MAX_SAFE_INTEGER)) {
    fail(`minCount ${props.minCount} must be a whole number of at least 1; use e.g. 1`);
  }
  if (!isWhole(props.maxCount, props.minCount, Number.MAX_SAFE_INTEGER)) {
    fail(`maxCount ${props.maxCount} must be a whole number of at least minCount (${props.minCount})`);
  }
  if (!isWhole(props.desiredCount, props.minCount, props.maxCount)) {
    fail(
      `desiredCount ${props.desiredCount} must be a whole number from minCount (${props.minCount}) ` + `to maxCount (${props.maxCount})`,
    );
  }
  const memories = FARGATE_MEMORY[props.cpu];
  if (memories === undefined) {
    fail(`cpu ${props.cpu} is not a Fargate CPU size; use 256, 512, 1024, 2048 or 4096`);
  } else if (!memories.includes(props.memoryMiB)) {
    fail(`memoryMiB ${props.memoryMiB} is not a Fargate memory size for ${props.cpu} CPU units; ` + `use one of ${memories.join(", ")}`);
  }
  if (!isWhole(containerPort, 1, 65535)) {
    fail(`containerPort ${containerPort} must be a whole number from 1 to 65535; use e.g. 8000`);
  }
  if (!healthCheckPath.startsWith("/")) {
    fail(`healthCheckPath "${healthCheckPath}" must start with "/"; use e.g. "/${healthCheckPath}"`);
  }
  if (!isWhole(props.keepImages, 1, 10000)) {
    fail(`keepImages ${props.keepImages} must be a whole number from 1 to 10000; use e.g. 20`);
  }
}

/** Trust policy that lets ECS tasks of this account (and no other account's tasks) assume a role. */
function ecsTasksTrust(accountId: string): string {
  return policyJson({
    Effect: "Allow",
    Principal: { Service: ECS_TASKS_PRINCIPAL },
    Action: "sts:AssumeRole",
    Condition: { StringEquals: { "aws:SourceAccount": accountId } },
  });
}

/**
 * The API: an ECR repository, an ECS Fargate service in private subnets, and an internet-facing
 * Application Load Balancer in front of it, with CPU target-tracking autoscaling. The tasks get the
 * database credentials from the RDS-managed secret at start; nothing secret is in the task definition.
 */
export class Service extends Construct {
  readonly repositoryUrl: string;
  readonly repositoryName: string;
  readonly repositoryArn: string;
  readonly clusterName: string;
  readonly serviceName: string;
  readonly logGroupName: string;
  /** Security group of the tasks; allow it on whatever the API must reach (e.g. the database). */
  readonly securityGroupId: string;
  readonly loadBalancerSecurityGroupId: string;
  readonly loadBalancerArn: string;
  readonly loadBalancerDnsName: string;
  /** `https://<domain>` with HTTPS, else `http://<load balancer DNS name>`. */
  readonly apiUrl: string;
  readonly targetGroupArn: string;
  readonly executionRoleArn: string;
  /** Role the application runs as; it has no permissions yet. */
  readonly taskRoleArn: string;
  /** Name of the access log bucket, when access logs are on. */
  readonly accessLogBucketName?: string;
  /** The load balancer's CloudWatch dimension (`app/<name>/<id>`). */
  readonly loadBalancerArnSuffix: string;
  /** The target group's CloudWatch dimension (`targetgroup/<name>/<id>`). */
  readonly targetGroupArnSuffix: string;
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

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id);
    // A digest names the image by its content: ECS then runs exactly the image that was built and attested.
    const imageReference = props.imageDigest !== undefined ? `@${props.imageDigest}` : `:${props.imageTag ?? "latest"}`;
    const containerPort = props.containerPort ?? 8000;
    const healthCheckPath = props.healthCheckPath ?? "/health";
    const healthCheckGracePeriodSeconds = props.healthCheckGracePeriodSeconds ?? 60;
    const { https, accessLogs } = props.loadBalancer;
    validate(props, containerPort, healthCheckPath);

    const name = `${props.namePrefix}-api`;
    const region = new DataAwsRegion(this, "region");
    const account = new DataAwsCallerIdentity(this, "account");

    // Image registry
    const repository = new EcrRepository(this, "repository", {
      name,
      // Deploys push a new commit-SHA tag each time; a tag can never be repointed at other code.
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: "AES256" }],
      // The images are the user's releases: deleting a repository that still holds some must fail.
      forceDelete: false,
    });
    new EcrLifecyclePolicy(this, "repository-lifecycle", {
      repository: repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: `Keep the last ${props.keepImages} images`,
            selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: props.keepImages },
            action: { type: "expire" },
          },
        ],
      }),
    });

    // Container Insights writes its performance events here. Created first, tagged and with the
    // service's retention, so AWS does not create it untagged (outside the environment fence) and
    // keeping its data forever.
    const insightsLogGroup = new CloudwatchLogGroup(this, "insights-log-group", {
      name: `/aws/ecs/containerinsights/${props.namePrefix}/performance`,
      retentionInDays: props.logRetentionDays,
    });
    const cluster = new EcsCluster(this, "cluster", {
      name: props.namePrefix,
      setting: [{ name: "containerInsights", value: "enabled" }],
      dependsOn: [insightsLogGroup],
    });

    const logGroup = new CloudwatchLogGroup(this, "log-group", {
      name: `/ecs/${props.namePrefix}/api`,
      retentionInDays: props.logRetentionDays,
    });

    // Roles: the execution role is what ECS uses to start the task; the task role is the application's.
    const executionRole = new IamRole(this, "execution-role", {
      name: `${name}-execution`,
      permissionsBoundary: props.permissionsBoundaryArn,
      path: props.rolePath,
      description: `ECS pulls the image, writes logs and reads the database secret for ${name}`,
      assumeRolePolicy: ecsTasksTrust(account.accountId),
    });
    const executionPolicy = new IamRolePolicy(this, "execution-policy", {
      name: "start-task",
      role: executionRole.id,
      policy: policyJson(
        {
          Sid: "EcrLogin",
          Effect: "Allow",
          // GetAuthorizationToken is account-wide: IAM supports no resource for it, only "*".
          Action: "ecr:GetAuthorizationToken",
          Resource: "*",
        },
        {
          Sid: "PullImage",
          Effect: "Allow",
          Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
          Resource: repository.arn,
        },
        {
          Sid: "WriteLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: `${logGroup.arn}:*`,
        },
        {
          Sid: "ReadDatabaseSecret",
          Effect: "Allow",
          Action: "secretsmanager:GetSecretValue",
          Resource: props.database.secretArn,
        },
      ),
    });
    exempt(executionPolicy, "IAM-NO-WILDCARD-RESOURCE", 'ecr:GetAuthorizationToken is account-wide: IAM accepts only "*" for it', {
      findings: ["EcrLogin"],
    });
    const taskRole = new IamRole(this, "task-role", {
      name: `${name}-task`,
      permissionsBoundary: props.permissionsBoundaryArn,
      path: props.rolePath,
      description: `The ${name} application; grant its own permissions here`,
      assumeRolePolicy: ecsTasksTrust(account.accountId),
    });

    // A token number (e.g. an RDS endpoint's port) must become a string token to sit in JSON text.
    const dbPort = Token.isUnresolved(props.database.port) ? Token.asString(props.database.port) : String(props.database.port);
    const secretArn = props.database.secretArn;
    /** The API's container; the migration runs the same one with its own command and log stream. */
    const container = (containerName: string, portMappings: object[], command?: readonly string[]) => ({
      name: containerName,
      image: `${repository.repositoryUrl}${imageReference}`,
      essential: true,
      ...(command && { command: [...command] }),
      portMappings,
      privileged: false,
      // The image is the whole application; anything it writes at run time belongs in a volume or a service.
      readonlyRootFilesystem: true,
      logConfiguration: {
        logDriver: "awslogs",
        options: {
          "awslogs-group": logGroup.name,
          "awslogs-region": region.name,
          "awslogs-stream-prefix": containerName,
        },
      },
      environment: [
        { name: "DB_HOST", value: props.database.host },
        { name: "DB_PORT", value: dbPort },
        { name: "DB_NAME", value: props.database.name },
      ],
      // ECS resolves the JSON keys of the RDS-managed secret at task start; the values never reach Terraform.
      secrets: [
        { name: "DB_USER", valueFrom: `${secretArn}:username::` },
        { name: "DB_PASSWORD", valueFrom: `${secretArn}:password::` },
      ],
    });
    // The API and its migration run with one size, platform and pair of roles.
    const fargateTask = (id: string, family: string, definition: Record<string, unknown>) =>
      new EcsTaskDefinition(this, id, {
        family,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(props.cpu),
        memory: String(props.memoryMiB),
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
        executionRoleArn: executionRole.arn,
        taskRoleArn: taskRole.arn,
        containerDefinitions: JSON.stringify([definition]),
      });
    const taskDefinition = fargateTask("task-definition", name, container(CONTAINER_NAME, [{ containerPort, protocol: "tcp" }]));

    // The migration: the same image, roles, secrets and logs as the API, run once per release before
    // the service moves to the image (deploy.yml). Its own family, so running it never touches the service.
    const migrationCommand = props.migrationCommand ?? [];
    const migrationTask =
      migrationCommand.length > 0
        ? fargateTask("migration-task-definition", `${name}-migrate`, container(MIGRATION_CONTAINER_NAME, [], migrationCommand))
        : undefined;

    // Security groups: rules as separate resources, so each can be read, tested and changed on its own.
    const albSecurityGroup = new SecurityGroup(this, "alb-security-group", {
      name: `${name}-alb`,
      description: `Load balancer of ${name}: HTTP(S) from the internet, to the tasks only`,
      vpcId: props.vpcId,
    });
    const serviceSecurityGroup = new SecurityGroup(this, "service-security-group", {
      name: `${name}-service`,
      description: `Tasks of ${name}: from the load balancer only`,
      vpcId: props.vpcId,
    });
    // Without an HTTPS listener nothing answers on 443, so it stays closed.
    const publicPorts = https ? [80, 443] : [80];
    for (const port of publicPorts) {
      for (const [family, cidr] of [
        ["ipv4", "0.0.0.0/0"],
        ["ipv6", "::/0"],
      ] as const) {
        new VpcSecurityGroupIngressRule(this, `alb-ingress-${port}-${family}`, {
          securityGroupId: albSecurityGroup.id,
          description: `Port ${port} from the internet`,
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          ...(family === "ipv4" ? { cidrIpv4: cidr } : { cidrIpv6: cidr }),
        });
      }
    }
    new VpcSecurityGroupEgressRule(this, "alb-egress-service", {
      securityGroupId: albSecurityGroup.id,
      description: "To the tasks on the container port",
      ipProtocol: "tcp",
      fromPort: containerPort,
      toPort: containerPort,
      referencedSecurityGroupId: serviceSecurityGroup.id,
    });
    new VpcSecurityGroupIngressRule(this, "service-ingress-alb", {
      securityGroupId: serviceSecurityGroup.id,
      description: "From the load balancer on the container port",
      ipProtocol: "tcp",
      fromPort: containerPort,
      toPort: containerPort,
      referencedSecurityGroupId: albSecurityGroup.id,
    });
    const egressHttps = new VpcSecurityGroupEgressRule(this, "service-egress-https", {
      securityGroupId: serviceSecurityGroup.id,
      // ECR, Secrets Manager and CloudWatch Logs are HTTPS APIs reached through NAT or VPC endpoints.
      description: "HTTPS to AWS APIs",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    });
    const egressDatabase = new VpcSecurityGroupEgressRule(this, "service-egress-database", {
      securityGroupId: serviceSecurityGroup.id,
      description: "To the database inside the VPC",
      ipProtocol: "tcp",
      fromPort: props.database.port,
      toPort: props.database.port,
      cidrIpv4: props.vpcCidr,
    });

    // Access logs
    let logBucket: SecureBucket | undefined;
    if (accessLogs) {
      logBucket = new SecureBucket(this, "access-logs", {
        bucketName: accessLogs.bucketName,
        // ALB log delivery writes with SSE-S3 only; it cannot use a KMS key.
        expirationDays: accessLogs.expirationDays ?? 90,
        // Expired logs become noncurrent versions in a versioned bucket; remove those too.
        noncurrentVersionExpirationDays: 1,
      });
      const elbAccount = new DataAwsElbServiceAccount(this, "elb-account");
      logBucket.addToResourcePolicy({
        Sid: "AllowLoadBalancerLogDelivery",
        Effect: "Allow",
        Principal: { AWS: elbAccount.arn },
        Action: "s3:PutObject",
        Resource: `${logBucket.bucketArn}/AWSLogs/${account.accountId}/*`,
      });
    }
    // SecureBucket does not expose its policy resource; the ALB checks write access when logging is enabled.
    const logBucketPolicy = logBucket?.node.findChild("policy") as S3BucketPolicy | undefined;

    const loadBalancer = new Lb(this, "load-balancer", {
      name,
      loadBalancerType: "application",
      internal: false,
      subnets: props.publicSubnetIds,
      securityGroups: [albSecurityGroup.id],
      // Requests with malformed headers are dropped rather than passed on to the application.
      dropInvalidHeaderFields: true,
      enableDeletionProtection: props.loadBalancer.deletionProtection,
      accessLogs: logBucket ? { bucket: logBucket.bucketName, enabled: true } : undefined,
      dependsOn: logBucketPolicy ? [logBucketPolicy] : undefined,
    });
    exemptAll(loadBalancer, props.loadBalancer.auditExemptions);

    const targetGroup = new LbTargetGroup(this, "target-group", {
      name,
      targetType: "ip",
      port: containerPort,
      protocol: "HTTP",
      vpcId: props.vpcId,
      // Tasks drain in 30 s instead of the 300 s default, which would slow every deploy.
      deregistrationDelay: "30",
      healthCheck: {
        enabled: true,
        path: healthCheckPath,
        matcher: "200",
        interval: 15,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
    });

    const forward = [{ type: "forward", targetGroupArn: targetGroup.arn }];
    const listeners: LbListener[] = [];
    if (https) {
      listeners.push(
        new LbListener(this, "https-listener", {
          loadBalancerArn: loadBalancer.arn,
          port: 443,
          protocol: "HTTPS",
          sslPolicy: TLS_POLICY,
          certificateArn: https.certificateArn,
          defaultAction: forward,
        }),
        new LbListener(this, "http-listener", {
          loadBalancerArn: loadBalancer.arn,
          port: 80,
          protocol: "HTTP",
          defaultAction: [{ type: "redirect", redirect: { port: "443", protocol: "HTTPS", statusCode: "HTTP_301" } }],
        }),
      );
    } else {
      const httpListener = new LbListener(this, "http-listener", {
        loadBalancerArn: loadBalancer.arn,
        port: 80,
        protocol: "HTTP",
        defaultAction: forward,
      });
      listeners.push(httpListener);
      const reason = props.loadBalancer.httpOnlyReason;
      if (reason) exempt(httpListener, "ALB-HTTP-REDIRECTS-TO-HTTPS", reason);
    }

    const service = new EcsService(this, "service", {
      name,
      cluster: cluster.id,
      taskDefinition: taskDefinition.arn,
      launchType: "FARGATE",
      desiredCount: props.desiredCount,
      networkConfiguration: {
        subnets: props.privateSubnetIds,
        securityGroups: [serviceSecurityGroup.id],
        assignPublicIp: false,
      },
      loadBalancer: [{ targetGroupArn: targetGroup.arn, containerName: CONTAINER_NAME, containerPort }],
      healthCheckGracePeriodSeconds,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      alarms:
        props.deploymentAlarmNames && props.deploymentAlarmNames.length > 0
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
      dependsOn: [...listeners, executionPolicy],
    });

    const scalingTarget = new AppautoscalingTarget(this, "scaling-target", {
      serviceNamespace: "ecs",
      resourceId: `service/${cluster.name}/${service.name}`,
      scalableDimension: "ecs:service:DesiredCount",
      minCapacity: props.minCount,
      maxCapacity: props.maxCount,
    });
    new AppautoscalingPolicy(this, "scaling-policy", {
      name: `${name}-cpu`,
      policyType: "TargetTrackingScaling",
      serviceNamespace: scalingTarget.serviceNamespace,
      resourceId: scalingTarget.resourceId,
      scalableDimension: scalingTarget.scalableDimension,
      targetTrackingScalingPolicyConfiguration: {
        predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
        targetValue: props.cpuTargetPercent,
        // Add capacity quickly, remove it slowly: a brief lull should not drop tasks that are needed again.
        scaleInCooldown: 300,
        scaleOutCooldown: 60,
      },
    });

    this.repositoryUrl = repository.repositoryUrl;
    this.repositoryName = repository.name;
    this.repositoryArn = repository.arn;
    this.clusterName = cluster.name;
    this.serviceName = service.name;
    this.logGroupName = logGroup.name;
    this.securityGroupId = serviceSecurityGroup.id;
    this.loadBalancerSecurityGroupId = albSecurityGroup.id;
    this.loadBalancerArn = loadBalancer.arn;
    this.loadBalancerDnsName = loadBalancer.dnsName;
    this.apiUrl = https ? `https://${https.domainName}` : `http://${loadBalancer.dnsName}`;
    this.targetGroupArn = targetGroup.arn;
    this.executionRoleArn = executionRole.arn;
    this.taskRoleArn = taskRole.arn;
    this.accessLogBucketName = logBucket?.bucketName;
    this.loadBalancerArnSuffix = loadBalancer.arnSuffix;
    this.targetGroupArnSuffix = targetGroup.arnSuffix;
    this.subnetIds = props.privateSubnetIds;
    this.migrationTaskDefinitionArn = migrationTask?.arn;
    this.migrationTaskFamily = migrationTask?.family;
    this.migrationPrerequisites = [egressHttps, egressDatabase, executionPolicy];
    this.ecsService = service;
  }
}
