/** The `database` section of an environment (config/schema.ts): PostgreSQL on RDS. */
import { z } from "zod";
import { POSTGRES_RESERVED_NAMES, rdsInstanceClassProblem } from "./aws";
import { rdsPostgresVersionProblem } from "./rds-postgres";
import { flag, sectionRule, whole } from "./schema-common";

const POSTGRES_VERSION = /^(1[3-9]|[2-9]\d)(\.\d+)?$/;

export const DatabaseSchema = z
  .strictObject({
    /**
     * PostgreSQL engine version, 13 or newer: a major (`16`), which lets RDS apply minor upgrades in the
     * maintenance window, or a major.minor (`16.4`), which pins the minor version Terraform expects.
     */
    engineVersion: z
      .string({ error: 'must be a PostgreSQL version as a string; use e.g. "16.4"' })
      .regex(POSTGRES_VERSION, {
        error: 'must be a supported PostgreSQL version (13 or newer, "major" or "major.minor"); use e.g. "16.4"',
      })
      .superRefine((version, ctx) => {
        // The format's own message stands alone (zod runs every check).
        if (!POSTGRES_VERSION.test(version)) return;
        const problem = rdsPostgresVersionProblem(version, new Date().toISOString().slice(0, 10));
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    /** RDS instance class, e.g. `db.t4g.micro` (config/aws.ts lists the families). */
    instanceClass: z.string({ error: 'must be an RDS instance class; use e.g. "db.t4g.micro"' }).superRefine((name, ctx) => {
      const problem = rdsInstanceClassProblem(name);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
    /** Initial storage in GiB, 20 to 65536. */
    allocatedStorageGiB: whole(20, 65536, 20, "GiB"),
    /** Storage autoscaling ceiling in GiB, larger than allocatedStorageGiB. */
    maxAllocatedStorageGiB: whole(20, 65536, 100, "GiB"),
    /** Standby in a second AZ with automatic failover. A production guardrail. */
    multiAz: flag("run a standby in a second AZ"),
    /** Refuse deletion of the instance. A production guardrail. */
    deletionProtection: flag("refuse deletion of the database"),
    /** Days of automated backups, 7 to 35 (production: at least 14). */
    backupRetentionDays: whole(7, 35, 14, "days"),
    /** Performance Insights (7 days, free tier). A production guardrail. */
    performanceInsights: flag("turn on Performance Insights"),
    /** Name of the application database: a lowercase identifier PostgreSQL does not reserve. */
    databaseName: z
      .string({ error: 'must be a lowercase identifier; use e.g. "app"' })
      .regex(/^[a-z][a-z0-9_]{0,62}$/, {
        error: 'must be a lowercase identifier (letters, digits, "_", starting with a letter, at most 63); use e.g. "app"',
      })
      .refine((name) => !POSTGRES_RESERVED_NAMES.has(name), { error: 'is a name PostgreSQL or RDS reserves; use e.g. "app"' }),
  })
  .check(
    sectionRule((d, problem) => {
      if (d.maxAllocatedStorageGiB <= d.allocatedStorageGiB) {
        problem(
          "maxAllocatedStorageGiB",
          `must be larger than allocatedStorageGiB (${d.allocatedStorageGiB}) for storage autoscaling; ` +
            `use e.g. ${d.allocatedStorageGiB * 5}`,
        );
      }
    }),
  )
  .readonly();
