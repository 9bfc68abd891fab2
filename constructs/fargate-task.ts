import type { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Token } from "cdktf";
import type { Construct } from "constructs";
import { checkFields } from "../config/check-props";
import { FARGATE_MEMORY } from "../config/fargate";
import { ServiceSchema } from "../config/schema";
import { exempt } from "../lib/audit-exemptions";
import { policyJson } from "../lib/policy";
import { IMAGE_DIGEST_PATTERN, IMAGE_TAG_PATTERN } from "../lib/release-image";

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

/** The repository the task's image is pulled from (an ImageRepository fits). */
export interface ServiceImageSource {
  /** URL images are pulled from, `<registry>/<name>`. */
  readonly repositoryUrl: string;
  /** ARN of the repository: the execution role may pull from it and nothing else. */
  readonly repositoryArn: string;
}

/**
 * The existing IAM roles the tasks run as (the bootstrap creates them, trusting ecs-tasks.amazonaws.com
 * only; see bootstrap/workload-roles.ts). Nothing here creates a role or writes a trust.
 */
export interface FargateTaskRoles {
  /**
   * Name of the execution role: its inline policy (pull the image, write logs, read the secret) is written here.
   * @default - no policy is written: the role's owner grants it (a preview's roles: the bootstrap writes their policies)
   */
  readonly executionRoleName?: string;
  /** ARN of the execution role. */
  readonly executionRoleArn: string;
  /** ARN of the role the application runs as (no permissions yet). */
  readonly taskRoleArn: string;
}

export interface FargateTasksProps {
  /** Task CPU units: 256, 512, 1024, 2048 or 4096. */
  readonly cpu: number;
  /** Task memory in MiB, one of the sizes Fargate pairs with `cpu`. */
  readonly memoryMiB: number;
  /** The roles the tasks run as. */
  readonly roles: FargateTaskRoles;
  /** Repository of the image. */
  readonly repository: ServiceImageSource;
  /**
   * Image tag the tasks run. Not with `imageDigest`.
   * @default - "latest", unless `imageDigest` is set
   */
  readonly imageTag?: string;
  /**
   * Digest (`sha256:` and 64 lowercase hex digits) of the image the tasks run, named
   * `<repository URL>@<digest>`. Not with `imageTag`.
   * @default - the image is named by tag
   */
  readonly imageDigest?: string;
  /** Log group the containers write to, one stream prefix per container name. */
  readonly logGroup: CloudwatchLogGroup;
  /** The database: its location as environment variables, its credentials as secrets. */
  readonly database: ServiceDatabaseProps;
  /**
   * Environment variables beside the database's (e.g. a queue's URL), in every container of the family.
   * @default - the database's only
   */
  readonly environment?: Readonly<Record<string, string>>;
}

/** How one task definition of the family differs: its container's ports or command. */
export interface FargateContainerProps {
  /**
   * Ports the container listens on.
   * @default - none
   */
  readonly portMappings?: readonly { readonly containerPort: number; readonly protocol: string }[];
  /**
   * Command replacing the image's.
   * @default - the image's command
   */
  readonly command?: readonly string[];
  /**
   * Task CPU units of this task definition (a scheduled job's own size); with `memoryMiB`.
   * @default - the family's `cpu`
   */
  readonly cpu?: number;
  /**
   * Task memory in MiB of this task definition, paired with `cpu`.
   * @default - the family's `memoryMiB`
   */
  readonly memoryMiB?: number;
}

/** The image and size checks; the messages name the service's props. */
function validate(props: FargateTasksProps): void {
  const fail = (message: string): never => {
    throw new Error(`FargateService: ${message}`);
  };
  const { imageTag, imageDigest } = props;
  if (imageTag !== undefined && imageDigest !== undefined) {
    fail(
      `imageTag "${imageTag}" and imageDigest "${imageDigest}" are both set; ` +
        "set one: imageDigest to run exactly one built image, imageTag to run what a tag names",
    );
  }
  if (imageTag !== undefined && !IMAGE_TAG_PATTERN.test(imageTag)) {
    fail(`imageTag "${imageTag}" is not a valid image tag (letters, digits, "_", "." and "-", at most 128); use e.g. the commit SHA`);
  }
  if (imageDigest !== undefined && !IMAGE_DIGEST_PATTERN.test(imageDigest)) {
    fail(`imageDigest "${imageDigest}" is not an image digest; use "sha256:" followed by 64 lowercase hex digits`);
  }
  const { cpu, memoryMiB } = ServiceSchema.unwrap().shape;
  checkFields("FargateService", { cpu, memoryMiB }, props);
  // The pairing the schema cannot express (config/validate.ts checks the configuration the same way).
  const memories = FARGATE_MEMORY[props.cpu] ?? [];
  if (!memories.includes(props.memoryMiB)) {
    fail(`memoryMiB ${props.memoryMiB} is not a Fargate memory size for ${props.cpu} CPU units; use one of ${memories.join(", ")}`);
  }
}

/**
 * The Fargate task shape the API and its migration share: one size, platform, image, pair of roles,
 * log group, database environment and secrets. The execution role is what ECS uses to start a task
 * (pull the image, write logs, read the secret: its inline policy is written here); the task role is
 * the application's, with no permissions yet. Both roles exist already (props.roles). Not a
 * construct: its resources are created in the service's scope, beside the service they belong to.
 */
export class FargateTasks {
  readonly executionRoleArn: string;
  readonly taskRoleArn: string;
  /** The execution role's permissions written here (none without `roles.executionRoleName`): no task starts before them. */
  readonly executionPolicies: IamRolePolicy[];
  /** The region the tasks run in (a data source: its `name`). */
  readonly region: DataAwsRegion;
  /** What follows the repository URL in the image name: `:<tag>` or `@<digest>`. */
  private readonly imageReference: string;

  constructor(
    private readonly scope: Construct,
    private readonly props: FargateTasksProps,
  ) {
    validate(props);
    // A digest names the image by its content: ECS then runs exactly the image that was built and attested.
    this.imageReference = props.imageDigest !== undefined ? `@${props.imageDigest}` : `:${props.imageTag ?? "latest"}`;
    this.region = new DataAwsRegion(scope, "region");
    this.executionRoleArn = props.roles.executionRoleArn;
    this.taskRoleArn = props.roles.taskRoleArn;
    this.executionPolicies = [];
    if (props.roles.executionRoleName === undefined) return;
    const executionPolicy = new IamRolePolicy(scope, "execution-policy", {
      name: "start-task",
      role: props.roles.executionRoleName,
      policy: policyJson(
        // GetAuthorizationToken is account-wide: IAM supports no resource for it, only "*".
        { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
          Sid: "PullImage",
          Effect: "Allow",
          Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
          Resource: props.repository.repositoryArn,
        },
        { Sid: "WriteLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${props.logGroup.arn}:*` },
        { Sid: "ReadDatabaseSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: props.database.secretArn },
      ),
    });
    exempt(executionPolicy, "IAM-NO-WILDCARD-RESOURCE", 'ecr:GetAuthorizationToken is account-wide: IAM accepts only "*" for it', {
      findings: ["EcrLogin"],
    });
    this.executionPolicies.push(executionPolicy);
  }

  /** A task definition of the family `family`, running one essential container named `containerName`. */
  add(id: string, family: string, containerName: string, container: FargateContainerProps): EcsTaskDefinition {
    const { props } = this;
    return new EcsTaskDefinition(this.scope, id, {
      family,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(container.cpu ?? props.cpu),
      memory: String(container.memoryMiB ?? props.memoryMiB),
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      executionRoleArn: this.executionRoleArn,
      taskRoleArn: this.taskRoleArn,
      containerDefinitions: JSON.stringify([this.containerDefinition(containerName, container)]),
    });
  }

  private containerDefinition(name: string, container: FargateContainerProps): object {
    const { database } = this.props;
    // A token number (e.g. an RDS endpoint's port) must become a string token to sit in JSON text.
    const dbPort = Token.isUnresolved(database.port) ? Token.asString(database.port) : String(database.port);
    return {
      name,
      image: `${this.props.repository.repositoryUrl}${this.imageReference}`,
      essential: true,
      ...(container.command && { command: [...container.command] }),
      portMappings: [...(container.portMappings ?? [])],
      privileged: false,
      // The image is the whole application; anything it writes at run time belongs in a volume or a service.
      readonlyRootFilesystem: true,
      logConfiguration: {
        logDriver: "awslogs",
        options: { "awslogs-group": this.props.logGroup.name, "awslogs-region": this.region.name, "awslogs-stream-prefix": name },
      },
      environment: [
        { name: "DB_HOST", value: database.host },
        { name: "DB_PORT", value: dbPort },
        { name: "DB_NAME", value: database.name },
        ...Object.entries(this.props.environment ?? {}).map(([name, value]) => ({ name, value })),
      ],
      // ECS resolves the JSON keys of the RDS-managed secret at task start; the values never reach Terraform.
      secrets: [
        { name: "DB_USER", valueFrom: `${database.secretArn}:username::` },
        { name: "DB_PASSWORD", valueFrom: `${database.secretArn}:password::` },
      ],
    };
  }
}
