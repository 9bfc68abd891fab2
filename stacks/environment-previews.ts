/**
 * What the host environment of the previews (`previews.host`) adds for them (README "Previews"),
 * beside its own resources: the security group every preview's tasks carry, which the host lets
 * into its database and its load balancer out to; the wildcard certificate on its HTTPS listener
 * (with a preview domain); and the previews' database admin: a login `previews_admin` (CREATEDB
 * CREATEROLE, nothing else), its secret, and the task deploy.yml runs after the migration to
 * (re)create it. A pull request's code can reach that login, never the master one.
 */
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbListenerCertificate } from "@cdktf/provider-aws/lib/lb-listener-certificate";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { TerraformOutput, Token } from "cdktf";
import { Construct } from "constructs";
import { PREVIEWS_DATABASE_ADMIN_LOGIN, previewsDatabaseAdminName, previewsSecurityGroupName } from "../config/preview-names";
import { PREVIEW_DATABASE_SETUP_IMAGE } from "../config/schema-previews";
import type { PreviewsConfig } from "../config/types";
import type { ApiLoadBalancer } from "../constructs/api-load-balancer";
import type { Database } from "../constructs/database";
import type { FargateService } from "../constructs/fargate-service";
import { policyJson } from "../lib/policy";

/** Name of the output deploy.yml reads to run the previews' database admin task. */
export const PREVIEWS_DATABASE_ADMIN_OUTPUT = "previews_database_admin";

export interface PreviewsHostProps {
  readonly previews: PreviewsConfig;
  /** The host's resource prefix, `<project>-<env>`. */
  readonly prefix: string;
  /** The host's resources the previews share (its EnvironmentStack). */
  readonly host: {
    readonly network: { readonly vpcId: string };
    readonly database: Database;
    readonly loadBalancer: ApiLoadBalancer;
    readonly service: FargateService;
  };
  /** Name of the host API's execution role (it starts the admin task, so it reads the admin secret). */
  readonly executionRoleName: string;
}

/**
 * The host's side of the previews. The preview stacks find these objects by name
 * (config/preview-names.ts) and change none of them.
 */
export class PreviewsHost extends Construct {
  /** The group every preview's tasks carry: admitted into the database. */
  readonly securityGroup: SecurityGroup;
  /** The previews' database admin secret (`username`, `password`). */
  readonly adminSecret: SecretsmanagerSecret;
  /** The task that (re)creates the admin login. */
  readonly adminTask: EcsTaskDefinition;

  constructor(scope: Construct, id: string, props: PreviewsHostProps) {
    super(scope, id);
    const { prefix } = props;
    const { loadBalancer: lb, database, service } = props.host;
    this.securityGroup = new SecurityGroup(this, "security-group", {
      name: previewsSecurityGroupName(prefix),
      description: `Tasks of ${prefix}'s previews: from its load balancer, into its database`,
      vpcId: props.host.network.vpcId,
    });
    const tcp = (p: number) => ({ ipProtocol: "tcp", fromPort: p, toPort: p });
    new VpcSecurityGroupEgressRule(this, "alb-egress-previews", {
      securityGroupId: lb.securityGroupId,
      description: "To the previews' tasks on the container port",
      ...tcp(lb.targetPort),
      referencedSecurityGroupId: this.securityGroup.id,
    });
    new VpcSecurityGroupIngressRule(this, "previews-ingress-alb", {
      securityGroupId: this.securityGroup.id,
      description: "From the load balancer on the container port",
      ...tcp(lb.targetPort),
      referencedSecurityGroupId: lb.securityGroupId,
    });
    const databaseIngress = database.allowConnectionsFrom("previews", this.securityGroup.id);
    if (props.previews.domain) {
      // The rule checks ran before: a domain comes with the host's HTTPS listener, its first.
      new LbListenerCertificate(this, "listener-certificate", {
        listenerArn: (lb.listeners[0] as LbListener).arn,
        certificateArn: props.previews.domain.certificateArn,
      });
    }
    const name = previewsDatabaseAdminName(prefix);
    // No value here: deploy.yml puts {"username", "password"} (a password it generates) when the secret has none,
    // so Terraform never holds it and no role reads a secret's value back.
    this.adminSecret = new SecretsmanagerSecret(this, "admin-secret", {
      name,
      description: `Login ${PREVIEWS_DATABASE_ADMIN_LOGIN} that creates and drops ${prefix}'s previews' databases (put by deploy.yml)`,
    });
    const readSecret = new IamRolePolicy(this, "execution-policy", {
      name: "read-previews-db-admin",
      role: props.executionRoleName,
      policy: policyJson({
        Sid: "ReadPreviewsAdminSecret",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: this.adminSecret.arn,
      }),
    });
    this.adminTask = this.addAdminTask(props, name, this.adminSecret.arn);
    const output = new TerraformOutput(this, "output", {
      description: "How deploy.yml (re)creates the previews' database admin login after the migration",
      value: {
        cluster: service.clusterName,
        taskDefinition: this.adminTask.arn,
        subnets: service.subnetIds,
        securityGroups: [service.securityGroupId],
        // deploy.yml puts {"username": <this>, "password": <generated>} here when it has no value yet, before the task.
        secretArn: this.adminSecret.arn,
        username: PREVIEWS_DATABASE_ADMIN_LOGIN,
      },
    });
    output.overrideLogicalId(PREVIEWS_DATABASE_ADMIN_OUTPUT);
    const prerequisites = [this.adminSecret, readSecret, databaseIngress, ...service.migrationPrerequisites];
    output.addOverride(
      "depends_on",
      prerequisites.map((r) => `${r.terraformResourceType}.${r.friendlyUniqueId}`),
    );
  }

  /**
   * The admin task: the master login (RDS's secret) makes `previews_admin` with the admin secret's
   * password and revokes CONNECT on the host's database from PUBLIC, so the previews' logins reach
   * their own databases only. Idempotent; psql variables carry the values, never the SQL text.
   */
  private addAdminTask(props: PreviewsHostProps, family: string, adminSecretArn: string): EcsTaskDefinition {
    const { database, service } = props.host;
    const sql = [
      `SELECT 'CREATE ROLE ${PREVIEWS_DATABASE_ADMIN_LOGIN}' WHERE NOT EXISTS ` +
        `(SELECT FROM pg_roles WHERE rolname = '${PREVIEWS_DATABASE_ADMIN_LOGIN}')\\gexec`,
      `ALTER ROLE ${PREVIEWS_DATABASE_ADMIN_LOGIN} WITH LOGIN CREATEDB CREATEROLE PASSWORD :'password';`,
      `REVOKE CONNECT ON DATABASE :"database" FROM PUBLIC;`,
    ];
    const script = ["set -eu", `psql -v ON_ERROR_STOP=1 -v password="$ADMIN_PASSWORD" -v database="$PGDATABASE" <<'SQL'`, ...sql, "SQL"];
    const container = {
      name: "previews-db-admin",
      image: props.previews.databaseSetupImage ?? PREVIEW_DATABASE_SETUP_IMAGE,
      essential: true,
      command: ["sh", "-c", script.join("\n")],
      readonlyRootFilesystem: true,
      privileged: false,
      logConfiguration: {
        logDriver: "awslogs",
        options: {
          "awslogs-group": service.logGroupName,
          "awslogs-region": service.tasks.region.name,
          "awslogs-stream-prefix": "previews-db-admin",
        },
      },
      environment: [
        { name: "PGHOST", value: database.address },
        { name: "PGPORT", value: Token.asString(database.port) },
        { name: "PGDATABASE", value: database.databaseName },
        { name: "PGSSLMODE", value: "require" },
      ],
      secrets: [
        { name: "PGUSER", valueFrom: `${database.masterUserSecretArn}:username::` },
        { name: "PGPASSWORD", valueFrom: `${database.masterUserSecretArn}:password::` },
        { name: "ADMIN_PASSWORD", valueFrom: `${adminSecretArn}:password::` },
      ],
    };
    return new EcsTaskDefinition(this, "admin-task-definition", {
      family,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      executionRoleArn: service.executionRoleArn,
      taskRoleArn: service.taskRoleArn,
      containerDefinitions: JSON.stringify([container]),
    });
  }
}
