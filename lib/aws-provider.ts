import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Construct } from "constructs";
import { LOCAL_CREDENTIALS, LocalTarget } from "./local-target";

/** Services the stacks call; each is pointed at the emulator in local mode. */
const LOCAL_SERVICES = [
  "acm",
  "appautoscaling",
  "cloudfront",
  "cloudwatch",
  "cloudwatchlogs",
  "dynamodb",
  "ec2",
  "ecr",
  "ecs",
  "elbv2",
  "iam",
  "kms",
  "rds",
  "s3",
  "secretsmanager",
  "sts",
] as const;

export interface PlatformAwsProviderProps {
  readonly region: string;
  /** The only account this provider may act on; a credential for another account fails before any change. */
  readonly accountId: string;
  /** Tags every taggable resource gets. */
  readonly defaultTags: Record<string, string>;
  /**
   * Emulator to talk to instead of AWS.
   * @default - AWS itself
   */
  readonly local?: LocalTarget;
}

/** The AWS provider every stack uses: pinned account, default tags, optional local emulator. */
export function platformAwsProvider(scope: Construct, id: string, props: PlatformAwsProviderProps): AwsProvider {
  const local = props.local;
  return new AwsProvider(scope, id, {
    region: props.region,
    allowedAccountIds: [props.accountId],
    defaultTags: [{ tags: props.defaultTags }],
    ...(local && {
      ...LOCAL_CREDENTIALS,
      endpoints: [Object.fromEntries(LOCAL_SERVICES.map((service) => [service, local.endpoint]))],
      s3UsePathStyle: true,
      skipCredentialsValidation: true,
      skipMetadataApiCheck: "true",
      // Must stay false: with true, rules referencing a security group drift on every plan (measured).
      skipRequestingAccountId: false,
      // An unimplemented emulator call answers 500; the default retries would stall for minutes.
      maxRetries: 1,
    }),
  });
}
