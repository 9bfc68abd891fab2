import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Lazy } from "cdktf";
import { Construct } from "constructs";
import { denyInsecureTransport, type PolicyStatement, policyJson } from "../lib/policy";

export interface SecureBucketProps {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  /**
   * Customer-managed KMS key for SSE-KMS (with an S3 bucket key, which cuts KMS calls and cost).
   * @default - SSE-S3 (AES256): what ALB access logs and CloudFront's OAC without key grants require
   */
  readonly kmsKeyArn?: string;
  /**
   * Keep every version of every object.
   * @default - true
   */
  readonly versioned?: boolean;
  /**
   * Delete noncurrent versions this many days after they are replaced.
   * @default - noncurrent versions are kept
   */
  readonly noncurrentVersionExpirationDays?: number;
  /**
   * Delete current objects this many days after they were written (for logs).
   * @default - objects are kept
   */
  readonly expirationDays?: number;
  /**
   * Add Terraform's `prevent_destroy`, so no plan can delete the bucket.
   * @default - false
   */
  readonly preventDestroy?: boolean;
}

/**
 * An S3 bucket with the settings every bucket of the platform shares: private (all four public
 * access block flags, BucketOwnerEnforced, no ACLs), encrypted, TLS-only, versioned, never
 * force-destroyed, incomplete uploads cleaned up. Other constructs add the statements they need
 * (CloudFront's read, the ALB's log delivery) with `addToResourcePolicy`.
 */
export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly bucketName: string;
  readonly bucketArn: string;
  /** Regional domain name, as CloudFront origins use it. */
  readonly bucketRegionalDomainName: string;
  /**
   * The bucket policy (the TLS-only deny and every statement added with `addToResourcePolicy`).
   * A writer that checks its access when it is configured (the ALB tests its log delivery) must
   * depend on it: `dependsOn: [bucket.policy]`.
   */
  readonly policy: S3BucketPolicy;
  private readonly statements: PolicyStatement[] = [];

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    const versioned = props.versioned ?? true;

    this.bucket = new S3Bucket(this, "bucket", {
      bucket: props.bucketName,
      // Deleting a bucket that still holds objects must fail, not empty it.
      forceDestroy: false,
      lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
    });
    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;
    this.bucketRegionalDomainName = this.bucket.bucketRegionalDomainName;

    const publicAccessBlock = new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });

    new S3BucketOwnershipControls(this, "ownership", {
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });

    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [
        props.kmsKeyArn
          ? {
              applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyArn },
              bucketKeyEnabled: true,
            }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    });

    const versioning = new S3BucketVersioningA(this, "versioning", {
      bucket: this.bucket.id,
      versioningConfiguration: { status: versioned ? "Enabled" : "Suspended" },
    });

    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      dependsOn: [versioning],
      rule: [
        {
          id: "abort-incomplete-multipart-uploads",
          status: "Enabled",
          filter: [{}],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
        ...(props.noncurrentVersionExpirationDays !== undefined
          ? [
              {
                id: "expire-noncurrent-versions",
                status: "Enabled",
                filter: [{}],
                noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionExpirationDays }],
              },
            ]
          : []),
        ...(props.expirationDays !== undefined
          ? [{ id: "expire-objects", status: "Enabled", filter: [{}], expiration: [{ days: props.expirationDays }] }]
          : []),
      ],
    });

    this.policy = new S3BucketPolicy(this, "policy", {
      bucket: this.bucket.id,
      policy: Lazy.stringValue({
        produce: () => policyJson(denyInsecureTransport(this.bucketArn), ...this.statements),
      }),
      // S3 rejects a policy while the public access block is being written; order them.
      dependsOn: [publicAccessBlock],
    });
  }

  /** Adds a statement to the bucket policy (after the TLS-only deny that every bucket has). */
  addToResourcePolicy(statement: PolicyStatement): void {
    this.statements.push(statement);
  }
}
