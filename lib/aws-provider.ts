import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { Construct } from "constructs";
import type { ProjectConfig } from "../config/types";
import { LOCAL_CREDENTIALS, type LocalTarget, localAccountRoleArn } from "./local-target";

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
  "sns",
  "sts",
] as const;

export interface PlatformAwsProviderProps {
  readonly project: ProjectConfig;
  /** Value of the Environment tag: the environment's name, or "shared" for account-wide stacks. */
  readonly environment: string;
  /** Value of the Stack tag: the `cdktf deploy` name. */
  readonly stack: string;
  /**
   * Emulator to talk to instead of AWS.
   * @default - AWS itself
   */
  readonly local?: LocalTarget;
  /**
   * The account the stack deploys to (an environment's own account).
   * @default - the project's account
   */
  readonly accountId?: string;
  /**
   * Region of this provider, for a second provider beside the project's (CloudFront's metrics live
   * in us-east-1).
   * @default - the project's region
   */
  readonly region?: string;
  /**
   * Alias of a second provider; resources choose it with `provider`.
   * @default - the default provider
   */
  readonly alias?: string;
}

/** Tags every resource of the platform carries (the provider's default tags). */
export function platformTags(project: ProjectConfig, environment: string, stack: string): Record<string, string> {
  return {
    Project: project.name,
    Environment: environment,
    ManagedBy: "cdktf",
    Repository: `${project.github.owner}/${project.github.repo}`,
    Stack: stack,
  };
}

/**
 * The AWS provider every stack uses: pinned to the stack's account (the project's or the environment's own) (a credential for another
 * account fails before any change) and region, default tags, optional local emulator.
 */
export function platformAwsProvider(scope: Construct, id: string, props: PlatformAwsProviderProps): AwsProvider {
  const { project } = props;
  const local = props.local;
  const accountId = props.accountId ?? project.accountId;
  return new AwsProvider(scope, id, {
    region: props.region ?? project.region,
    alias: props.alias,
    // A credential for any other account fails before any change: each stack acts on its own account only.
    allowedAccountIds: [accountId],
    defaultTags: [{ tags: platformTags(project, props.environment, props.stack) }],
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
      // The emulator's credentials are the project account's; another account is reached as AWS is, by a role in it.
      ...(accountId !== project.accountId && { assumeRole: [{ roleArn: localAccountRoleArn(accountId), sessionName: "platform-local" }] }),
    }),
  });
}
