/**
 * Where the state lives (bootstrap/state-storage.ts, as the bootstrap stack builds it): the state
 * bucket, its KMS key and the lock table, and their pinned addresses. The S3 backend configuration
 * that points stacks at it (lib/s3-backend.ts) is tested in backend-and-provider.test.ts and the stack tests.
 */
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Testing } from "cdktf";
import { Naming } from "../config/naming";
import { buildSample, sampleConfig } from "./support/sample";
import { addresses, only, parse } from "./support/synth";

const config = sampleConfig();
const naming = new Naming(config.project);
const synth = Testing.synth(buildSample(config).bootstrap);
const tf = parse(synth);

describe("state bucket", () => {
  it("is named from project, account and region", () => {
    expect(naming.stateBucket).toBe("acme-tfstate-123456789012-eu-west-1");
    expect(synth).toHaveResourceWithProperties(S3Bucket, { bucket: naming.stateBucket, force_destroy: false });
  });

  it("cannot be destroyed by a plan", () => {
    expect(only(tf, "aws_s3_bucket").lifecycle).toEqual({ prevent_destroy: true });
  });

  it("keeps versions", () => {
    expect(synth).toHaveResourceWithProperties(S3BucketVersioningA, {
      versioning_configuration: { status: "Enabled" },
    });
  });

  it("encrypts with the customer-managed key and a bucket key", () => {
    const sse = only(tf, "aws_s3_bucket_server_side_encryption_configuration");
    expect(sse.rule).toEqual([
      {
        apply_server_side_encryption_by_default: {
          sse_algorithm: "aws:kms",
          kms_master_key_id: expect.stringMatching(/^\$\{aws_kms_key\.[\w-]+\.arn\}$/),
        },
        bucket_key_enabled: true,
      },
    ]);
    expect(synth).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {});
  });

  it("blocks every kind of public access", () => {
    expect(synth).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  it("enforces bucket-owner object ownership (no ACLs)", () => {
    expect(synth).toHaveResourceWithProperties(S3BucketOwnershipControls, {
      rule: { object_ownership: "BucketOwnerEnforced" },
    });
  });

  it("denies every request without TLS", () => {
    const policy = JSON.parse(only(tf, "aws_s3_bucket_policy").policy);
    expect(policy.Statement).toContainEqual({
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: { AWS: "*" },
      Action: "s3:*",
      Resource: [expect.stringContaining("aws_s3_bucket."), expect.stringMatching(/\/\*$/)],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });

  it("expires noncurrent versions after 90 days by default and aborts incomplete uploads", () => {
    expect(synth).toHaveResourceWithProperties(S3BucketLifecycleConfiguration, {
      rule: expect.arrayContaining([
        expect.objectContaining({ status: "Enabled", noncurrent_version_expiration: [{ noncurrent_days: 90 }] }),
        expect.objectContaining({ status: "Enabled", abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] }),
      ]),
    });
  });

  it("takes the noncurrent-version expiry from the config", () => {
    const custom = sampleConfig();
    const withDays = { ...custom, project: { ...custom.project, bootstrap: { noncurrentVersionExpirationDays: 30 } } };
    const out = Testing.synth(buildSample(withDays).bootstrap);
    expect(out).toHaveResourceWithProperties(S3BucketLifecycleConfiguration, {
      rule: expect.arrayContaining([expect.objectContaining({ noncurrent_version_expiration: [{ noncurrent_days: 30 }] })]),
    });
  });
});

describe("state KMS key", () => {
  it("rotates, has a deletion window, and cannot be destroyed by a plan", () => {
    expect(synth).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(only(tf, "aws_kms_key").lifecycle).toEqual({ prevent_destroy: true });
  });

  it("has the alias the backends use", () => {
    expect(synth).toHaveResourceWithProperties(KmsAlias, { name: "alias/acme-tfstate" });
    expect(naming.stateKeyAliasArn).toBe("arn:aws:kms:eu-west-1:123456789012:alias/acme-tfstate");
  });
});

describe("lock table", () => {
  it("is on-demand with LockID as hash key", () => {
    expect(synth).toHaveResourceWithProperties(DynamodbTable, {
      name: "acme-tfstate-lock",
      billing_mode: "PAY_PER_REQUEST",
      hash_key: "LockID",
      attribute: [{ name: "LockID", type: "S" }],
    });
  });

  it("has point-in-time recovery, encryption with the state key and deletion protection", () => {
    const table = only(tf, "aws_dynamodb_table");
    expect(table.point_in_time_recovery).toEqual({ enabled: true });
    expect(table.server_side_encryption).toEqual({
      enabled: true,
      kms_key_arn: expect.stringMatching(/^\$\{aws_kms_key\.[\w-]+\.arn\}$/),
    });
    expect(table.deletion_protection_enabled).toBe(true);
    expect(table.lifecycle).toEqual({ prevent_destroy: true });
  });
});

describe("stateful resource addresses (renaming one replaces it: update this test only on purpose)", () => {
  it("are pinned", () => {
    expect(addresses(tf, "aws_s3_bucket")).toEqual(["aws_s3_bucket.state_bucket_99469A59"]);
    expect(addresses(tf, "aws_dynamodb_table")).toEqual(["aws_dynamodb_table.state_lock-table_6543B35D"]);
    expect(addresses(tf, "aws_kms_key")).toEqual(["aws_kms_key.state_key_84A4E4B8"]);
  });
});
