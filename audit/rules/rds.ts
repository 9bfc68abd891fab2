import type { AuditContext } from "../context";
import { asNumber, blocks, isTrue, referencedAddress, strings } from "../terraform";
import { type AuditTarget, fail, notApplicable, pass, type Rule } from "../types";

const INSTANCE = "aws_db_instance";
const MIN_BACKUP_DAYS = 7;

const engineOf = (db: AuditTarget): string => String(db.body.engine ?? "").toLowerCase();

function productionOnly(context: AuditContext): ReturnType<typeof notApplicable> | undefined {
  return context.isProduction ? undefined : notApplicable(`required in production only (stack tier ${context.tier})`);
}

export const rdsEncrypted: Rule = {
  id: "RDS-ENCRYPTED",
  rationale: "Database storage, snapshots and backups are encrypted at rest.",
  controls: ["RDS.3", "CKV_AWS_16", "AVD-AWS-0080"],
  appliesTo: [INSTANCE],
  check(db) {
    if (db.body.replicate_source_db !== undefined) return notApplicable("a read replica inherits its source's encryption");
    return isTrue(db.body.storage_encrypted)
      ? pass("storage is encrypted")
      : fail("storage is not encrypted; set storage_encrypted = true");
  },
};

export const rdsPrivate: Rule = {
  id: "RDS-PRIVATE",
  rationale: "The database has no public endpoint; only the VPC reaches it.",
  controls: ["RDS.2", "CKV_AWS_17"],
  appliesTo: [INSTANCE],
  check(db) {
    return isTrue(db.body.publicly_accessible)
      ? fail("is publicly accessible; set publicly_accessible = false")
      : pass("not publicly accessible");
  },
};

export const rdsBackupRetention: Rule = {
  id: "RDS-BACKUP-RETENTION",
  rationale: `Automated backups cover at least ${MIN_BACKUP_DAYS} days of point-in-time recovery.`,
  controls: ["RDS.11", "CKV_AWS_133", "AVD-AWS-0077"],
  appliesTo: [INSTANCE],
  check(db) {
    if (db.body.replicate_source_db !== undefined) return notApplicable("a read replica; backups are the source's");
    const days = asNumber(db.body.backup_retention_period);
    if (days === undefined) return fail(`sets no backup_retention_period (RDS defaults to 1 day); set at least ${MIN_BACKUP_DAYS}`);
    return days >= MIN_BACKUP_DAYS
      ? pass(`keeps backups ${days} days`)
      : fail(`keeps backups ${days} day(s); set backup_retention_period >= ${MIN_BACKUP_DAYS}`);
  },
};

/** What production's backup guardrail asks for (config/guardrails.ts, database.backupRetentionDays). */
const MIN_PRODUCTION_BACKUP_DAYS = 14;

export const rdsBackupRetentionProduction: Rule = {
  id: "RDS-BACKUP-RETENTION-PRODUCTION",
  rationale: `In production automated backups cover at least ${MIN_PRODUCTION_BACKUP_DAYS} days: time to notice and undo a bad change.`,
  controls: [],
  appliesTo: [INSTANCE],
  productionOnly: true,
  check(db, context) {
    const skip = productionOnly(context);
    if (skip) return skip;
    if (db.body.replicate_source_db !== undefined) return notApplicable("a read replica; backups are the source's");
    const days = asNumber(db.body.backup_retention_period) ?? 1;
    return days >= MIN_PRODUCTION_BACKUP_DAYS
      ? pass(`keeps backups ${days} days`)
      : fail(`keeps backups ${days} day(s); set backup_retention_period >= ${MIN_PRODUCTION_BACKUP_DAYS} in production`);
  },
};

export const rdsManagedMasterPassword: Rule = {
  id: "RDS-MANAGED-MASTER-PASSWORD",
  rationale: "RDS generates and rotates the master password in Secrets Manager; no password exists in code, config or state.",
  controls: [],
  appliesTo: [INSTANCE],
  check(db) {
    if (db.body.replicate_source_db !== undefined) return notApplicable("a read replica has no master password of its own");
    const argument = ["password", "password_wo"].find((a) => db.body[a] !== undefined);
    if (argument)
      return fail(
        `sets ${argument}, which puts the password in the configuration or state; remove it and set manage_master_user_password = true`,
      );
    return isTrue(db.body.manage_master_user_password)
      ? pass("the master password is managed by RDS in Secrets Manager")
      : fail("set manage_master_user_password = true so RDS keeps the master password in Secrets Manager");
  },
};

/** The parameter that refuses unencrypted connections, by engine. */
const FORCE_SSL: Record<string, { name: string; values: string[] }> = {
  postgres: { name: "rds.force_ssl", values: ["1"] },
  sqlserver: { name: "rds.force_ssl", values: ["1"] },
  mysql: { name: "require_secure_transport", values: ["1", "ON"] },
  mariadb: { name: "require_secure_transport", values: ["1", "ON"] },
};

export const rdsForceSsl: Rule = {
  id: "RDS-FORCE-SSL",
  rationale: "The database refuses connections that are not encrypted with TLS.",
  // checkov's graph check RDSEncryptionInTransit (rds.force_ssl = 1 on postgres/sqlserver parameter groups).
  controls: ["CKV2_AWS_69"],
  appliesTo: [INSTANCE],
  check(db, context) {
    const engine = engineOf(db);
    const family = Object.keys(FORCE_SSL).find((e) => engine.startsWith(e));
    if (!family) return notApplicable(`no TLS-enforcing parameter is known for engine ${engine || "(unset)"}`);
    const { name, values } = FORCE_SSL[family];
    const groupName = db.body.parameter_group_name;
    const group =
      context.get(referencedAddress(groupName)) ??
      context.resources("aws_db_parameter_group").find((g) => typeof groupName === "string" && g.body.name === groupName);
    if (!group) {
      return fail(
        `uses ${groupName === undefined ? "the default parameter group" : `parameter group ${String(groupName)}, not in this stack`}` +
          `; use one that sets ${name} = ${values[0]}`,
      );
    }
    const value = blocks(group.body.parameter).find((p) => p.name === name)?.value;
    return value !== undefined && values.includes(String(value).toUpperCase())
      ? pass(`${name} = ${String(value)} in ${group.address}`)
      : fail(`${group.address} does not set ${name} = ${values[0]}; add the parameter`);
  },
};

/** The log a database must export for its engine to be diagnosable. */
const REQUIRED_LOG: Record<string, string> = {
  postgres: "postgresql",
  mysql: "error",
  mariadb: "error",
  sqlserver: "error",
  oracle: "alert",
};

export const rdsLogExports: Rule = {
  id: "RDS-LOG-EXPORTS",
  rationale: "Database logs are exported to CloudWatch Logs, where they outlive the instance and can be searched.",
  controls: ["RDS.9", "CKV_AWS_129"],
  appliesTo: [INSTANCE],
  check(db) {
    const exported = strings(db.body.enabled_cloudwatch_logs_exports);
    const engine = engineOf(db);
    const required = Object.entries(REQUIRED_LOG).find(([e]) => engine.startsWith(e))?.[1];
    if (exported.length === 0)
      return fail(`exports no logs; set enabled_cloudwatch_logs_exports${required ? ` (at least "${required}")` : ""}`);
    return required && !exported.includes(required)
      ? fail(`exports ${exported.join(", ")} but not "${required}"; add it to enabled_cloudwatch_logs_exports`)
      : pass(`exports ${exported.join(", ")} to CloudWatch Logs`);
  },
};

export const rdsMultiAz: Rule = {
  id: "RDS-MULTI-AZ",
  productionOnly: true,
  rationale: "In production a synchronous standby in a second AZ takes over when the first fails.",
  controls: ["RDS.5", "CKV_AWS_157"],
  appliesTo: [INSTANCE],
  check(db, context) {
    return productionOnly(context) ?? (isTrue(db.body.multi_az) ? pass("multi-AZ") : fail("single-AZ; set multi_az = true"));
  },
};

export const rdsDeletionProtection: Rule = {
  id: "RDS-DELETION-PROTECTION",
  productionOnly: true,
  rationale: "In production the database cannot be deleted until protection is turned off.",
  controls: ["RDS.8", "CKV_AWS_293"],
  appliesTo: [INSTANCE],
  check(db, context) {
    return (
      productionOnly(context) ??
      (isTrue(db.body.deletion_protection)
        ? pass("deletion protection is on")
        : fail("deletion protection is off; set deletion_protection = true"))
    );
  },
};

export const rdsFinalSnapshot: Rule = {
  id: "RDS-FINAL-SNAPSHOT",
  rationale: "Deleting the database first takes a final snapshot, in every environment: a destroy never loses the data.",
  controls: [],
  appliesTo: [INSTANCE],
  check(db) {
    if (db.body.replicate_source_db !== undefined) return notApplicable("a read replica has no snapshot of its own");
    if (isTrue(db.body.skip_final_snapshot)) return fail("skips the final snapshot; set skip_final_snapshot = false");
    return typeof db.body.final_snapshot_identifier === "string"
      ? pass(`takes final snapshot ${db.body.final_snapshot_identifier}`)
      : fail("has no final_snapshot_identifier, so a delete fails or loses the data; set one");
  },
};

export const rdsPerformanceInsights: Rule = {
  id: "RDS-PERFORMANCE-INSIGHTS",
  productionOnly: true,
  rationale: "In production database load can be broken down by query and wait event (Performance Insights).",
  controls: ["CKV_AWS_353"],
  appliesTo: [INSTANCE],
  check(db, context) {
    return (
      productionOnly(context) ??
      (isTrue(db.body.performance_insights_enabled)
        ? pass("Performance Insights is on")
        : fail("Performance Insights is off; set performance_insights_enabled = true"))
    );
  },
};

export const RDS_RULES: readonly Rule[] = [
  rdsEncrypted,
  rdsPrivate,
  rdsBackupRetention,
  rdsBackupRetentionProduction,
  rdsManagedMasterPassword,
  rdsForceSsl,
  rdsLogExports,
  rdsMultiAz,
  rdsDeletionProtection,
  rdsFinalSnapshot,
  rdsPerformanceInsights,
];
