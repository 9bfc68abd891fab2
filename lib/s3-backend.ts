import { S3Backend, type TerraformStack } from "cdktf";
import type { Naming } from "../config/naming";
import { LOCAL_CREDENTIALS, type LocalTarget, localAccountRoleArn } from "./local-target";

export interface RemoteStateProps {
  readonly naming: Naming;
  readonly region: string;
  /** Stack whose state this is; the key is `<stack>/terraform.tfstate` unless `key` says otherwise. */
  readonly stack: string;
  /**
   * The state's key in the bucket (a preview's: `previews/pr-<n>/terraform.tfstate`).
   * @default - `<stack>/terraform.tfstate`
   */
  readonly key?: string;
  /**
   * Emulator holding the state bucket and lock table.
   * @default - AWS itself
   */
  readonly local?: LocalTarget;
  /**
   * Against the emulator: the account that holds the state, when it is not the project's (its
   * bucket is reached through a role in that account, as the provider reaches its resources).
   * @default - the project's account
   */
  readonly localAccountId?: string;
}

/**
 * Stores a stack's state in the bootstrap bucket, encrypted with the bucket's KMS key, and locks it
 * twice over: the DynamoDB lock table (what Terraform < 1.10 and older tooling understand) and an S3
 * lockfile next to the state (`use_lockfile`, Terraform >= 1.10), the long-term replacement.
 * The single place backend settings are written: every stack that keeps state remotely calls this.
 */
export function useRemoteState(stack: TerraformStack, props: RemoteStateProps): S3Backend {
  const { naming, local } = props;
  const backend = new S3Backend(stack, {
    bucket: naming.stateBucket,
    key: props.key ?? naming.stateKey(props.stack),
    region: props.region,
    encrypt: true,
    // Without a key id the backend asks for SSE-S3 and overrides the bucket's KMS default.
    kmsKeyId: naming.stateKeyAliasArn,
    dynamodbTable: naming.lockTable,
    ...(local && {
      ...LOCAL_CREDENTIALS,
      endpoints: { s3: local.endpoint, dynamodb: local.endpoint, iam: local.endpoint, sts: local.endpoint },
      usePathStyle: true,
      skipCredentialsValidation: true,
      skipMetadataApiCheck: true,
      skipRegionValidation: true,
      // The state's calls are all implemented, so a retry never stalls on a 500; it rides out the emulator
      // dropping a kept-alive connection under load (an unlock once failed so and left prod's state locked).
      maxRetries: 4,
    }),
  });
  // cdktf's S3Backend predates `use_lockfile`; the override writes it into the same backend block.
  backend.addOverride("use_lockfile", true);
  if (local && props.localAccountId !== undefined) {
    backend.addOverride("assume_role", { role_arn: localAccountRoleArn(props.localAccountId), session_name: "platform-local" });
  }
  return backend;
}
