import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Construct } from "constructs";
import { checkProps } from "../config/check-props";
import { DatabaseSchema } from "../config/schema";
import type { DatabaseConfig } from "../config/types";
import { type AuditExemption, exemptAll } from "../lib/audit-exemptions";

/** The database's settings are the configuration's `database` block, documented once in config/schema-database.ts. */
export interface DatabaseProps extends DatabaseConfig {
  /** Prefix of every name, `<project>-<env>`, e.g. `acme-stage`; the instance is `<namePrefix>-db`. */
  readonly namePrefix: string;
  /** VPC the database's security group belongs to. */
  readonly vpcId: string;
  /** Database subnets, in at least two availability zones (RDS requires two even for a single-AZ instance). */
  readonly subnetIds: string[];
  /**
   * Master user name; its password is generated and kept in Secrets Manager by RDS.
   * @default - "app_admin"
   */
  readonly masterUsername?: string;
  /**
   * Port PostgreSQL listens on.
   * @default - 5432
   */
  readonly port?: number;
  /**
   * Days CloudWatch Logs keeps the exported PostgreSQL logs.
   * @default - 30 days
   */
  readonly logRetentionDays?: number;
  /**
   * KMS key ARN encrypting the exported logs (its key policy must admit CloudWatch Logs).
   * @default - CloudWatch Logs' own encryption
   */
  readonly logKmsKeyArn?: string;
  /**
   * Audit rules the instance deliberately fails (e.g. a production risk accepted in the config), with the reasons.
   * @default - none
   */
  readonly auditExemptions?: readonly AuditExemption[];
}

/** The PostgreSQL logs exported to CloudWatch Logs, each to `/aws/rds/instance/<identifier>/<log>`. */
export const DATABASE_LOG_EXPORTS = ["postgresql", "upgrade"] as const;

/** Daily backup window (UTC); ends before the maintenance window starts so the two never overlap. */
const BACKUP_WINDOW = "02:00-03:00";
/** Weekly maintenance window (UTC). */
const MAINTENANCE_WINDOW = "sun:03:30-sun:04:30";

/**
 * A private, encrypted PostgreSQL instance on RDS. RDS generates the master password and keeps it in
 * Secrets Manager (`masterUserSecretArn`), so no password exists in code, config, state inputs or
 * CLI flags. TLS is enforced by the parameter group. Nothing may connect until a client's security
 * group is admitted with `allowConnectionsFrom`.
 */
export class Database extends Construct {
  readonly instanceIdentifier: string;
  /** Endpoint host name. */
  readonly address: string;
  readonly port: number;
  readonly databaseName: string;
  /** ARN of the Secrets Manager secret RDS keeps the master credentials in (JSON with username, password). */
  readonly masterUserSecretArn: string;
  /** Security group of the instance; admits nothing until `allowConnectionsFrom` is called. */
  readonly securityGroupId: string;
  readonly instanceArn: string;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const masterUsername = props.masterUsername ?? "app_admin";
    const port = props.port ?? 5432;
    const major = validate(props, masterUsername, port);
    const identifier = `${props.namePrefix}-db`;

    const attached: AttachedResources = {
      subnetGroup: this.addSubnetGroup(identifier, props),
      securityGroup: this.addSecurityGroup(identifier, props),
      parameterGroup: this.addParameterGroup(identifier, major, props),
      logGroups: this.addLogGroups(identifier, props),
    };
    const instance = this.addInstance(identifier, masterUsername, port, attached, props);
    exemptAll(instance, props.auditExemptions);

    this.securityGroupId = attached.securityGroup.id;
    this.instanceIdentifier = instance.identifier;
    this.address = instance.address;
    this.port = port;
    this.databaseName = props.databaseName;
    this.masterUserSecretArn = instance.masterUserSecret.get(0).secretArn;
    this.instanceArn = instance.arn;
  }

  private addSubnetGroup(identifier: string, props: DatabaseProps): DbSubnetGroup {
    return new DbSubnetGroup(this, "subnet-group", {
      name: identifier,
      description: `Database subnets of ${props.namePrefix}`,
      subnetIds: props.subnetIds,
      tags: { Name: identifier },
    });
  }

  private addSecurityGroup(identifier: string, props: DatabaseProps): SecurityGroup {
    // No inline rules: ingress comes from allowConnectionsFrom as separate rule resources, and the
    // default allow-all egress AWS adds is removed by the provider on create (the database initiates nothing).
    return new SecurityGroup(this, "security-group", {
      name: identifier,
      description: `PostgreSQL of ${props.namePrefix}; admits only the security groups allowed explicitly`,
      vpcId: props.vpcId,
      tags: { Name: identifier },
    });
  }

  /** The engine's settings: TLS enforced, slow statements logged. */
  private addParameterGroup(identifier: string, major: string, props: DatabaseProps): DbParameterGroup {
    return new DbParameterGroup(this, "parameter-group", {
      // A name prefix with create-before-destroy: a major upgrade (new family) swaps in a new group
      // before the old one, still attached to the instance, is deleted.
      namePrefix: `${identifier}-postgres${major}-`,
      family: `postgres${major}`,
      description: `PostgreSQL ${major} settings of ${props.namePrefix}`,
      parameter: [
        { name: "rds.force_ssl", value: "1", applyMethod: "immediate" },
        // Statements slower than a second are logged (and exported to CloudWatch) for diagnosis.
        { name: "log_min_duration_statement", value: "1000", applyMethod: "immediate" },
      ],
      lifecycle: { createBeforeDestroy: true },
      tags: { Name: identifier },
    });
  }

  /**
   * The log groups RDS exports to, created here before the instance: left to RDS they would be
   * created untagged, with no retention, outside every deploy role's fence.
   */
  private addLogGroups(identifier: string, props: DatabaseProps): CloudwatchLogGroup[] {
    return DATABASE_LOG_EXPORTS.map(
      (log) =>
        new CloudwatchLogGroup(this, `log-group-${log}`, {
          name: `/aws/rds/instance/${identifier}/${log}`,
          retentionInDays: props.logRetentionDays ?? 30,
          kmsKeyId: props.logKmsKeyArn,
          tags: { Name: identifier },
        }),
    );
  }

  private addInstance(
    identifier: string,
    masterUsername: string,
    port: number,
    attached: AttachedResources,
    props: DatabaseProps,
  ): DbInstance {
    // The construct id "instance" is a contract: renaming it changes the Terraform address and
    // makes Terraform replace (delete and recreate) the database.
    return new DbInstance(this, "instance", {
      identifier,
      engine: "postgres",
      engineVersion: props.engineVersion,
      instanceClass: props.instanceClass,
      allocatedStorage: props.allocatedStorageGiB,
      maxAllocatedStorage: props.maxAllocatedStorageGiB,
      storageType: "gp3",
      storageEncrypted: true,
      username: masterUsername,
      // RDS generates and rotates the password in Secrets Manager; never set `password`.
      manageMasterUserPassword: true,
      dbName: props.databaseName,
      port,
      dbSubnetGroupName: attached.subnetGroup.name,
      vpcSecurityGroupIds: [attached.securityGroup.id],
      parameterGroupName: attached.parameterGroup.name,
      publiclyAccessible: false,
      multiAz: props.multiAz,
      deletionProtection: props.deletionProtection,
      backupRetentionPeriod: props.backupRetentionDays,
      backupWindow: BACKUP_WINDOW,
      maintenanceWindow: MAINTENANCE_WINDOW,
      skipFinalSnapshot: false,
      // A fixed name: timestamp() would change on every plan and show a perpetual diff.
      finalSnapshotIdentifier: `${identifier}-final`,
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
      enabledCloudwatchLogsExports: [...DATABASE_LOG_EXPORTS],
      dependsOn: attached.logGroups,
      performanceInsightsEnabled: props.performanceInsights,
      performanceInsightsRetentionPeriod: props.performanceInsights ? 7 : undefined,
      iamDatabaseAuthenticationEnabled: true,
      // Changes wait for the maintenance window rather than restarting the database mid-day.
      applyImmediately: false,
      tags: { Name: identifier },
    });
  }

  /**
   * Admits PostgreSQL connections from one security group (the service's), and from nothing else.
   * @param id construct id of the rule, unique within this database, e.g. `service`
   */
  allowConnectionsFrom(id: string, securityGroupId: string): VpcSecurityGroupIngressRule {
    return new VpcSecurityGroupIngressRule(this, `ingress-${id}`, {
      securityGroupId: this.securityGroupId,
      referencedSecurityGroupId: securityGroupId,
      ipProtocol: "tcp",
      fromPort: this.port,
      toPort: this.port,
      description: `PostgreSQL from ${id}`,
    });
  }
}

/** The resources the instance is attached to: its subnet group, security group, parameter group and log groups. */
interface AttachedResources {
  readonly subnetGroup: DbSubnetGroup;
  readonly securityGroup: SecurityGroup;
  readonly parameterGroup: DbParameterGroup;
  readonly logGroups: CloudwatchLogGroup[];
}

/**
 * Throws on props RDS or Terraform would reject: the configuration's `database` settings by the
 * schema's section (version, sizes, backups, name), the rest here. Returns the engine's major version.
 */
function validate(props: DatabaseProps, masterUsername: string, port: number): string {
  checkProps(DatabaseSchema, props, "Database");
  if (props.subnetIds.length < 2) {
    throw new Error(
      `Database subnetIds has ${props.subnetIds.length} subnet(s); RDS needs subnets in at least two AZs, ` +
        `pass e.g. network.databaseSubnetIds`,
    );
  }
  if (!/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(masterUsername)) {
    throw new Error(
      `Database masterUsername "${masterUsername}" is not a valid PostgreSQL user name; ` +
        `use a letter followed by up to 62 letters, digits or underscores, e.g. "app_admin"`,
    );
  }
  if (!Number.isInteger(port) || port < 1150 || port > 65535) {
    throw new Error(`Database port ${port} is outside RDS's 1150 to 65535; use 5432`);
  }
  return props.engineVersion.split(".")[0];
}
