import { DYNAMODB_RULES, RDS_RULES, S3_RULES } from "../audit/rules";
import type { TerraformJson } from "../audit/types";
import { describeFixtures, ruleById } from "./support/audit-fixtures";
import { checkRule as results, withValue as set } from "./support/audit-testing";

const rule = ruleById;

const BUCKET = "${aws_s3_bucket.b.id}";
const BUCKET_ARN = "${aws_s3_bucket.b.arn}";
const tlsOnly = {
  Sid: "DenyInsecureTransport",
  Effect: "Deny",
  Principal: { AWS: "*" },
  Action: "s3:*",
  Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
  Condition: { Bool: { "aws:SecureTransport": "false" } },
};
const cloudFrontRead = {
  Sid: "AllowCloudFrontRead",
  Effect: "Allow",
  Principal: { Service: "cloudfront.amazonaws.com" },
  Action: "s3:GetObject",
  Resource: `${BUCKET_ARN}/*`,
  Condition: { StringEquals: { "AWS:SourceArn": "${aws_cloudfront_distribution.d.arn}" } },
};
const policy = (...statements: unknown[]): string => JSON.stringify({ Version: "2012-10-17", Statement: statements });

/** A bucket as SecureBucket writes it: every S3 rule passes. */
const secureBucket: TerraformJson = {
  resource: {
    aws_s3_bucket: { b: { bucket: "acme-tfstate-123456789012-eu-west-1", force_destroy: false } },
    aws_s3_bucket_public_access_block: {
      pab: { bucket: BUCKET, block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true },
    },
    aws_s3_bucket_ownership_controls: { own: { bucket: BUCKET, rule: { object_ownership: "BucketOwnerEnforced" } } },
    aws_s3_bucket_server_side_encryption_configuration: {
      sse: {
        bucket: BUCKET,
        rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: "${aws_kms_key.k.arn}" } }],
      },
    },
    aws_s3_bucket_versioning: { v: { bucket: BUCKET, versioning_configuration: { status: "Enabled" } } },
    aws_s3_bucket_lifecycle_configuration: {
      lc: {
        bucket: BUCKET,
        rule: [
          { id: "abort", status: "Enabled", filter: [{}], abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] },
          { id: "noncurrent", status: "Enabled", filter: [{}], noncurrent_version_expiration: [{ noncurrent_days: 90 }] },
        ],
      },
    },
    aws_s3_bucket_policy: { p: { bucket: BUCKET, policy: policy(tlsOnly, cloudFrontRead) } },
  },
};
const stateBucket = { stateBucketName: "acme-tfstate-123456789012-eu-west-1" };

describe("S3 rules", () => {
  describeFixtures(S3_RULES, {
    "S3-PUBLIC-ACCESS-BLOCK": {
      compliant: secureBucket,
      nonCompliant: set(secureBucket, "resource/aws_s3_bucket_public_access_block/pab/ignore_public_acls", false),
      failure: /leaves ignore_public_acls unset or false/,
    },
    "S3-ENCRYPTION": {
      compliant: secureBucket,
      nonCompliant: set(secureBucket, "resource/aws_s3_bucket_server_side_encryption_configuration", undefined),
      failure: /no server-side encryption configuration/,
    },
    "S3-OWNERSHIP-ENFORCED": {
      compliant: secureBucket,
      nonCompliant: set(secureBucket, "resource/aws_s3_bucket_ownership_controls/own/rule/object_ownership", "BucketOwnerPreferred"),
      failure: /object ownership is BucketOwnerPreferred; use BucketOwnerEnforced/,
    },
    "S3-TLS-ONLY": {
      compliant: secureBucket,
      nonCompliant: set(secureBucket, "resource/aws_s3_bucket_policy/p/policy", policy(cloudFrontRead)),
      failure: /no policy statement denying s3:\* to "\*" when aws:SecureTransport is false/,
    },
    "S3-NO-PUBLIC-PRINCIPAL": {
      compliant: secureBucket,
      nonCompliant: set(
        secureBucket,
        "resource/aws_s3_bucket_policy/p/policy",
        policy(tlsOnly, { Sid: "Public", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${BUCKET_ARN}/*` }),
      ),
      failure: /allows "\*" without a source condition/,
    },
    "S3-STATE-BUCKET-VERSIONING": {
      options: stateBucket,
      compliant: secureBucket,
      nonCompliant: set(secureBucket, "resource/aws_s3_bucket_lifecycle_configuration/lc/rule", [{ id: "abort", status: "Enabled" }]),
      failure: /keeps noncurrent versions forever/,
    },
  });

  it("finds a bucket's sub-resources by its literal name as well as by reference", () => {
    const literal = set(secureBucket, "resource/aws_s3_bucket_public_access_block/pab/bucket", "acme-tfstate-123456789012-eu-west-1");
    expect(results(rule(S3_RULES, "S3-PUBLIC-ACCESS-BLOCK"), literal).map((r) => r.status)).toEqual(["pass"]);
  });

  it("fails a bucket without any public access block", () => {
    const none = set(secureBucket, "resource/aws_s3_bucket_public_access_block", undefined);
    expect(results(rule(S3_RULES, "S3-PUBLIC-ACCESS-BLOCK"), none)[0].message).toMatch(/has no aws_s3_bucket_public_access_block/);
  });

  it("fails a TLS-only statement that covers the objects but not the bucket", () => {
    const objectsOnly = set(secureBucket, "resource/aws_s3_bucket_policy/p/policy", policy({ ...tlsOnly, Resource: `${BUCKET_ARN}/*` }));
    expect(results(rule(S3_RULES, "S3-TLS-ONLY"), objectsOnly)[0]).toMatchObject({
      status: "fail",
      message: expect.stringMatching(/both the bucket ARN and its objects/),
    });
  });

  it('accepts "*" in a bucket policy when a source condition pins it', () => {
    const pinned = set(
      secureBucket,
      "resource/aws_s3_bucket_policy/p/policy",
      policy({
        Effect: "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: "x",
        Condition: { StringEquals: { "aws:SourceVpce": "vpce-1" } },
      }),
    );
    expect(results(rule(S3_RULES, "S3-NO-PUBLIC-PRINCIPAL"), pinned).map((r) => r.status)).toEqual(["pass"]);
  });

  it("applies the state-bucket rule to the state bucket only, and fails it unversioned", () => {
    expect(
      results(rule(S3_RULES, "S3-STATE-BUCKET-VERSIONING"), secureBucket, { stateBucketName: "another-bucket" }).map((r) => r.status),
    ).toEqual(["n/a"]);
    const suspended = set(secureBucket, "resource/aws_s3_bucket_versioning/v/versioning_configuration/status", "Suspended");
    expect(results(rule(S3_RULES, "S3-STATE-BUCKET-VERSIONING"), suspended, stateBucket)[0].message).toMatch(/is not versioned/);
  });
});

const table: TerraformJson = {
  resource: {
    aws_dynamodb_table: {
      lock: {
        name: "acme-tfstate-lock",
        hash_key: "LockID",
        point_in_time_recovery: { enabled: true },
        server_side_encryption: { enabled: true, kms_key_arn: "${aws_kms_key.k.arn}" },
        deletion_protection_enabled: true,
      },
    },
  },
};

describe("DynamoDB rules", () => {
  describeFixtures(DYNAMODB_RULES, {
    "DYNAMODB-PITR": {
      compliant: table,
      nonCompliant: set(table, "resource/aws_dynamodb_table/lock/point_in_time_recovery", { enabled: false }),
      failure: /point-in-time recovery is off/,
    },
    "DYNAMODB-SSE": {
      compliant: table,
      nonCompliant: set(table, "resource/aws_dynamodb_table/lock/server_side_encryption", undefined),
      failure: /uses the AWS-owned key/,
    },
    "DYNAMODB-DELETION-PROTECTION": {
      compliant: table,
      nonCompliant: set(table, "resource/aws_dynamodb_table/lock/deletion_protection_enabled", false),
      failure: /deletion protection is off/,
    },
  });
});

const DB = "resource/aws_db_instance/db";
/** A production PostgreSQL instance as the Database construct writes it. */
const database: TerraformJson = {
  resource: {
    aws_db_parameter_group: {
      pg: { family: "postgres16", parameter: [{ name: "rds.force_ssl", value: "1", apply_method: "immediate" }] },
    },
    aws_db_instance: {
      db: {
        engine: "postgres",
        storage_encrypted: true,
        publicly_accessible: false,
        backup_retention_period: 30,
        manage_master_user_password: true,
        username: "app_admin",
        parameter_group_name: "${aws_db_parameter_group.pg.name}",
        enabled_cloudwatch_logs_exports: ["postgresql", "upgrade"],
        multi_az: true,
        deletion_protection: true,
        skip_final_snapshot: false,
        final_snapshot_identifier: "acme-prod-db-final",
        performance_insights_enabled: true,
      },
    },
  },
};
const production = { tier: "production" as const };

describe("RDS rules", () => {
  describeFixtures(RDS_RULES, {
    "RDS-ENCRYPTED": { compliant: database, nonCompliant: set(database, `${DB}/storage_encrypted`, false), failure: /not encrypted/ },
    "RDS-PRIVATE": {
      compliant: database,
      nonCompliant: set(database, `${DB}/publicly_accessible`, true),
      failure: /is publicly accessible/,
    },
    "RDS-BACKUP-RETENTION": {
      compliant: database,
      nonCompliant: set(database, `${DB}/backup_retention_period`, 3),
      failure: /keeps backups 3 day\(s\); set backup_retention_period >= 7/,
    },
    "RDS-MANAGED-MASTER-PASSWORD": {
      compliant: database,
      nonCompliant: set(set(database, `${DB}/manage_master_user_password`, undefined), `${DB}/password`, "${var.db_password}"),
      failure: /sets password/,
    },
    "RDS-FORCE-SSL": {
      compliant: database,
      nonCompliant: set(database, "resource/aws_db_parameter_group/pg/parameter", [{ name: "log_min_duration_statement", value: "1000" }]),
      failure: /does not set rds\.force_ssl = 1/,
    },
    "RDS-LOG-EXPORTS": {
      compliant: database,
      nonCompliant: set(database, `${DB}/enabled_cloudwatch_logs_exports`, ["upgrade"]),
      failure: /but not "postgresql"/,
    },
    "RDS-MULTI-AZ": {
      options: production,
      compliant: database,
      nonCompliant: set(database, `${DB}/multi_az`, false),
      failure: /single-AZ/,
    },
    "RDS-DELETION-PROTECTION": {
      options: production,
      compliant: database,
      nonCompliant: set(database, `${DB}/deletion_protection`, false),
      failure: /deletion protection is off/,
    },
    "RDS-BACKUP-RETENTION-PRODUCTION": {
      options: production,
      compliant: database,
      nonCompliant: set(database, `${DB}/backup_retention_period`, 7),
      failure: /keeps backups 7 day\(s\); set backup_retention_period >= 14 in production/,
    },
    "RDS-FINAL-SNAPSHOT": {
      compliant: database,
      nonCompliant: set(database, `${DB}/skip_final_snapshot`, true),
      failure: /skips the final snapshot/,
    },
    "RDS-PERFORMANCE-INSIGHTS": {
      options: production,
      compliant: database,
      nonCompliant: set(database, `${DB}/performance_insights_enabled`, false),
      failure: /Performance Insights is off/,
    },
  });

  it("does not require the production settings outside production", () => {
    const relaxed = set(set(database, `${DB}/multi_az`, false), `${DB}/deletion_protection`, false);
    const short = set(relaxed, `${DB}/backup_retention_period`, 7);
    for (const productionRule of RDS_RULES.filter((r) => r.productionOnly)) {
      const broken =
        productionRule.id === "RDS-BACKUP-RETENTION-PRODUCTION" ? short : set(relaxed, `${DB}/performance_insights_enabled`, false);
      expect(results(productionRule, broken, { tier: "non-production" }).map((r) => r.status)).toEqual(["n/a"]);
      expect(results(productionRule, broken, production).map((r) => r.status)).toEqual(["fail"]);
    }
  });

  it("fails force_ssl when the instance uses the default parameter group", () => {
    const byDefault = set(database, `${DB}/parameter_group_name`, undefined);
    expect(results(rule(RDS_RULES, "RDS-FORCE-SSL"), byDefault)[0].message).toMatch(/uses the default parameter group/);
  });

  it("fails a managed password that is not turned on", () => {
    const unmanaged = set(database, `${DB}/manage_master_user_password`, false);
    expect(results(rule(RDS_RULES, "RDS-MANAGED-MASTER-PASSWORD"), unmanaged)[0].message).toMatch(/set manage_master_user_password = true/);
  });
});
