import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Token } from "cdktf";
import type { Construct } from "constructs";
import { API_HEALTH_CHECK_PATH } from "./api-load-balancer";
import type { ServiceImageSource } from "./fargate-task";
import { FargateWorkload } from "./fargate-workload";

/** The host environment's objects a preview runs in (looked up by name; the preview changes none of them). */
export interface PreviewHost {
  /** ARN of the host's ECS cluster the preview's service runs in. */
  readonly clusterArn: string;
  readonly vpcId: string;
  /** CIDR of the host's VPC: the tasks may reach the database port inside it. */
  readonly vpcCidr: string;
  /** The host's private subnets. */
  readonly privateSubnetIds: string[];
  /** Security group of the host's load balancer: the preview's tasks admit it on the API port. */
  readonly loadBalancerSecurityGroupId: string;
  /** The host listener the preview's rule is added to (HTTPS with a preview domain, else HTTP). */
  readonly listenerArn: string;
  /** The host's `<host prefix>-previews` group, which the host lets into its database and its load balancer out to. */
  readonly previewsSecurityGroupId: string;
  /** Endpoint of the host's database server. */
  readonly databaseHost: string;
  readonly databasePort: number;
  /** ARN of the previews' database admin secret (`username`, `password`), which the setup task logs in with. */
  readonly databaseAdminSecretArn: string;
}

/** How requests reach the preview: by host name (a preview domain) or by path on the host's address. */
export type PreviewRoute = { readonly hostHeader: string } | { readonly basePath: string };

export interface PreviewApiProps {
  /** Prefix of the preview's names, `<project>-pr-<n>`: target group `<prefix>`, service and family `<prefix>-api`. */
  readonly namePrefix: string;
  /** Log group of the API's and the setup task's containers, `/ecs/<prefix>/api`. */
  readonly logGroupName: string;
  readonly logRetentionDays: number;
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly host: PreviewHost;
  readonly route: PreviewRoute;
  /** Priority of the listener rule on the host's listener (unique per preview). */
  readonly priority: number;
  /** Port the API listens on (the host's). */
  readonly port: number;
  /** The previews' repository. */
  readonly repository: ServiceImageSource;
  /** @default - "latest", unless `imageDigest` is set */
  readonly imageTag?: string;
  /** @default - the image is named by tag */
  readonly imageDigest?: string;
  /** The bootstrap's preview roles, whose policies the bootstrap writes (the preview writes no IAM). */
  readonly roles: { readonly executionRoleArn: string; readonly taskRoleArn: string; readonly databaseSetupRoleArn: string };
  /** The preview's database and login, `pr_<n>`, on the host's server. */
  readonly databaseName: string;
  /**
   * The secret of the preview's login (previewDatabaseSecret makes it, empty): the workflow puts its value,
   * `{"username": "pr_<n>", "password": ...}`, before the setup task runs, so no role ever reads it back.
   */
  readonly databaseSecret: SecretsmanagerSecret;
  /** Family of the task that creates and drops the database, `<prefix>-database`. */
  readonly databaseSetupFamily: string;
  /** The postgres client image of that task, pinned. */
  readonly databaseSetupImage: string;
}

const CONTAINER_NAME = "api";
const SETUP_CONTAINER_NAME = "database";

/**
 * A pull request's API in its host environment (README "Previews"): a FargateWorkload in the host's
 * cluster, VPC and database server, with one task and no autoscaling, its own target group and rule
 * on the host's listener, its own database login (in a secret of its own, filled by the workflow)
 * and the task that creates and drops its database. The service also carries the host's previews
 * group, which is what the host lets into its database and its load balancer out to.
 */
export class PreviewApi extends FargateWorkload {
  /** The host's cluster the service and the setup task run in. */
  readonly clusterArn: string;
  readonly serviceName: string;
  readonly targetGroupArn: string;
  readonly listenerRule: LbListenerRule;
  /** The database setup task definition. */
  readonly databaseSetup: EcsTaskDefinition;
  /** Security groups the setup task runs with: the preview's own (egress) and the host's previews group (into the database). */
  readonly databaseSetupSecurityGroupIds: string[];
  /** Argument lists of the setup container that create and drop the preview's database and login. */
  readonly createCommand: string[];
  readonly dropCommand: string[];
  /** The secret of the preview's login, its ARN, and the login's name (`pr_<n>`). */
  readonly databaseSecret: SecretsmanagerSecret;
  readonly databaseSecretArn: string;
  readonly databaseName: string;

  constructor(scope: Construct, id: string, props: PreviewApiProps) {
    const { host, route } = props;
    const basePath = "basePath" in route ? route.basePath : undefined;
    super(scope, id, {
      ...props,
      name: `${props.namePrefix}-api`,
      vpcId: host.vpcId,
      vpcCidr: host.vpcCidr,
      privateSubnetIds: host.privateSubnetIds,
      roles: { executionRoleArn: props.roles.executionRoleArn, taskRoleArn: props.roles.taskRoleArn },
      inbound: "from the host's load balancer only",
      database: { host: host.databaseHost, port: host.databasePort, name: props.databaseName, secretArn: props.databaseSecret.arn },
      // The application serves under the preview's path when previews are reached by path (README "Previews").
      environment: basePath === undefined ? undefined : { BASE_PATH: basePath },
    });
    new VpcSecurityGroupIngressRule(this, "service-ingress-alb", {
      securityGroupId: this.securityGroup.id,
      description: "From the host's load balancer on the API port",
      ipProtocol: "tcp",
      fromPort: props.port,
      toPort: props.port,
      referencedSecurityGroupId: host.loadBalancerSecurityGroupId,
    });
    const targetGroup = new LbTargetGroup(this, "target-group", {
      name: props.namePrefix,
      targetType: "ip",
      port: props.port,
      protocol: "HTTP",
      vpcId: host.vpcId,
      deregistrationDelay: "30",
      healthCheck: {
        enabled: true,
        path: `${basePath ?? ""}${API_HEALTH_CHECK_PATH}`,
        matcher: "200",
        interval: 15,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
    });
    this.listenerRule = new LbListenerRule(this, "listener-rule", {
      listenerArn: host.listenerArn,
      priority: props.priority,
      action: [{ type: "forward", targetGroupArn: targetGroup.arn }],
      condition: [
        "hostHeader" in route ? { hostHeader: { values: [route.hostHeader] } } : { pathPattern: { values: [basePath!, `${basePath}/*`] } },
      ],
    });
    const taskDefinition = this.addTaskDefinition("task-definition", this.name, CONTAINER_NAME, {
      portMappings: [{ containerPort: props.port, protocol: "tcp" }],
    });
    const service = this.addService({
      cluster: host.clusterArn,
      taskDefinition,
      desiredCount: 1,
      loadBalancer: [{ targetGroupArn: targetGroup.arn, containerName: CONTAINER_NAME, containerPort: props.port }],
      healthCheckGracePeriodSeconds: 60,
      extraSecurityGroupIds: [host.previewsSecurityGroupId],
      // ECS refuses a target group no listener rule uses yet.
      dependsOn: [this.listenerRule],
    });
    this.createCommand = psqlScript(CREATE_SQL);
    this.dropCommand = psqlScript(DROP_SQL);
    this.databaseSetup = this.addDatabaseSetup(props);
    this.databaseSetupSecurityGroupIds = [this.securityGroup.id, host.previewsSecurityGroupId];
    this.clusterArn = host.clusterArn;
    this.databaseSecret = props.databaseSecret;
    this.databaseSecretArn = props.databaseSecret.arn;
    this.databaseName = props.databaseName;
    this.serviceName = service.name;
    this.targetGroupArn = targetGroup.arn;
  }

  /**
   * The task that creates (or drops) the preview's login and database, `pr_<n>`, with the previews'
   * admin login: a pinned postgres client, no image of the pull request's, so the pull request's code
   * never holds the admin login. Its password and the preview's are secrets ECS injects at start.
   */
  private addDatabaseSetup(props: PreviewApiProps): EcsTaskDefinition {
    const { host } = props;
    const secretArn = props.databaseSecret.arn;
    const container = {
      name: SETUP_CONTAINER_NAME,
      image: props.databaseSetupImage,
      essential: true,
      command: this.createCommand,
      readonlyRootFilesystem: true,
      privileged: false,
      logConfiguration: {
        logDriver: "awslogs",
        options: { "awslogs-group": this.logGroup.name, "awslogs-region": this.tasks.region.name, "awslogs-stream-prefix": "database" },
      },
      environment: [
        { name: "PGHOST", value: host.databaseHost },
        { name: "PGPORT", value: Token.asString(host.databasePort) },
        // The maintenance database: the admin login may connect to it, not to the host's.
        { name: "PGDATABASE", value: "postgres" },
        { name: "PGSSLMODE", value: "require" },
        { name: "PREVIEW_DATABASE", value: props.databaseName },
      ],
      secrets: [
        { name: "PGUSER", valueFrom: `${host.databaseAdminSecretArn}:username::` },
        { name: "PGPASSWORD", valueFrom: `${host.databaseAdminSecretArn}:password::` },
        { name: "PREVIEW_PASSWORD", valueFrom: `${secretArn}:password::` },
      ],
    };
    return new EcsTaskDefinition(this, "database-setup", {
      family: props.databaseSetupFamily,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      executionRoleArn: props.roles.databaseSetupRoleArn,
      taskRoleArn: props.roles.taskRoleArn,
      containerDefinitions: JSON.stringify([container]),
    });
  }
}

/**
 * SQL of the setup task, run by psql with the preview's name and password as psql variables (never
 * spliced into the text): idempotent, so a re-run after a failed deploy or a repeated destroy succeeds.
 * PostgreSQL 16's CREATEROLE: the admin login manages only roles it created (config/rules-previews.ts).
 */
const CREATE_SQL = [
  "SELECT format('CREATE ROLE %I LOGIN', :'name') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name')\\gexec",
  "ALTER ROLE :\"name\" WITH LOGIN PASSWORD :'password';",
  'GRANT :"name" TO CURRENT_USER;',
  "SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name')" +
    " WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name')\\gexec",
  'REVOKE CONNECT ON DATABASE :"name" FROM PUBLIC;',
];
const DROP_SQL = ['DROP DATABASE IF EXISTS :"name" WITH (FORCE);', 'DROP ROLE IF EXISTS :"name";'];

/** `sh -c` running psql on the SQL lines, its variables from the container's environment. */
function psqlScript(sql: readonly string[]): string[] {
  const script = [
    "set -eu",
    `psql -v ON_ERROR_STOP=1 -v name="$PREVIEW_DATABASE" -v password="$PREVIEW_PASSWORD" <<'SQL'`,
    ...sql,
    "SQL",
  ].join("\n");
  return ["sh", "-c", script];
}

/**
 * The secret of a preview's login, without a value: Terraform never holds the password (not in its
 * state, not in a plan), and neither the deploy nor the plan role reads a secret's value. The preview
 * workflow puts `{"username", "password"}` (a password it generates) when the secret has no value yet.
 */
export function previewDatabaseSecret(scope: Construct, name: string, username: string): SecretsmanagerSecret {
  return new SecretsmanagerSecret(scope, "database-secret", {
    name,
    description: `Login ${username} of a preview's database ({"username", "password"}, put by the preview workflow)`,
    // Deleted at once on destroy: the next preview of the same pull request takes the name again.
    recoveryWindowInDays: 0,
  });
}
