import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Construct } from "constructs";
import { SecureBucket } from "../constructs/secure-bucket";
import type { PolicyStatement } from "../lib/policy";

export interface StateBackendProps {
  /** Name of the state bucket (globally unique; from Naming). */
  readonly bucketName: string;
  /** Name of the DynamoDB lock table (from Naming). */
  readonly lockTableName: string;
  /** Alias of the KMS key, `alias/...` (from Naming; the backend refers to the key by it). */
  readonly keyAlias: string;
  /**
   * Days after which replaced versions of state objects are deleted.
   * @default - 90
   */
  readonly noncurrentVersionExpirationDays?: number;
}

/**
 * Where every other stack keeps its Terraform state: a versioned, KMS-encrypted, private, TLS-only
 * bucket and a DynamoDB lock table, both protected from deletion. The logical ids below ("key",
 * "bucket", "lock-table") are a contract: renaming one makes Terraform replace the resource, and
 * with it every stack's state. A test pins the synthesized addresses.
 */
export class StateBackend extends Construct {
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly lockTableName: string;
  readonly lockTableArn: string;
  readonly kmsKeyArn: string;
  private readonly bucket: SecureBucket;

  constructor(scope: Construct, id: string, props: StateBackendProps) {
    super(scope, id);
    const noncurrentDays = props.noncurrentVersionExpirationDays ?? 90;
    if (!Number.isInteger(noncurrentDays) || noncurrentDays < 1) {
      throw new Error(`StateBackend noncurrentVersionExpirationDays ${noncurrentDays} must be a whole number of days >= 1; use e.g. 90`);
    }

    const key = new KmsKey(this, "key", {
      description: `Encrypts Terraform state in ${props.bucketName} and its lock table`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      // Losing the key means losing every state file encrypted with it.
      lifecycle: { preventDestroy: true },
    });
    new KmsAlias(this, "key-alias", { name: props.keyAlias, targetKeyId: key.keyId });
    this.kmsKeyArn = key.arn;

    this.bucket = new SecureBucket(this, "bucket", {
      bucketName: props.bucketName,
      kmsKeyArn: key.arn,
      versioned: true,
      noncurrentVersionExpirationDays: noncurrentDays,
      preventDestroy: true,
    });
    this.bucketName = this.bucket.bucketName;
    this.bucketArn = this.bucket.bucketArn;

    const table = new DynamodbTable(this, "lock-table", {
      name: props.lockTableName,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "LockID",
      attribute: [{ name: "LockID", type: "S" }],
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: key.arn },
      deletionProtectionEnabled: true,
      lifecycle: { preventDestroy: true },
    });
    this.lockTableName = table.name;
    this.lockTableArn = table.arn;
  }

  /** Adds a statement to the state bucket's policy (used to fence each deploy role into its prefix). */
  addToBucketPolicy(statement: PolicyStatement): void {
    this.bucket.addToResourcePolicy(statement);
  }
}
