import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { Construct } from "constructs";
import type { ProjectConfig } from "../config/types";
import { LOCAL_CREDENTIALS, type LocalTarget, localAccountRoleArn } from "./local-target";

/**
 * Services the stacks call; each is pointed at the emulator in local mode. A service missing here
 * would be called on real AWS from a local run: __tests__/local-endpoints.test.ts maps every type
 * the stacks synthesize to its service (`endpointServiceOf`) and fails on one that is not listed.
 */
export const LOCAL_SERVICES = [
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
  "route53",
  "s3",
  "scheduler",
  "secretsmanager",
  "sns",
  "sqs",
  "sts",
] as const;

/**
 * The provider's endpoint key of each AWS resource and data source type, by type name or prefix
 * (`aws_lb` covers `aws_lb_listener`; the longest match wins). `null`: the provider answers it
 * without calling AWS. Types not yet synthesized are listed too (EventBridge rules), so their service must join
 * `LOCAL_SERVICES` when they land.
 */
const ENDPOINT_OF_TYPE: Readonly<Record<string, string | null>> = {
  aws_acm: "acm",
  aws_appautoscaling: "appautoscaling",
  aws_cloudfront: "cloudfront",
  aws_cloudwatch: "cloudwatch",
  aws_cloudwatch_event: "events",
  aws_cloudwatch_log: "cloudwatchlogs",
  aws_dynamodb: "dynamodb",
  aws_availability_zones: "ec2",
  aws_default: "ec2",
  aws_eip: "ec2",
  aws_flow_log: "ec2",
  aws_internet_gateway: "ec2",
  aws_nat_gateway: "ec2",
  aws_network_acl: "ec2",
  aws_route: "ec2",
  aws_security_group: "ec2",
  aws_subnet: "ec2",
  aws_vpc: "ec2",
  aws_ecr: "ecr",
  aws_ecs: "ecs",
  aws_lb: "elbv2",
  aws_iam: "iam",
  aws_kms: "kms",
  aws_db: "rds",
  aws_route53: "route53",
  aws_s3: "s3",
  aws_scheduler: "scheduler",
  aws_secretsmanager: "secretsmanager",
  aws_sns: "sns",
  aws_sqs: "sqs",
  aws_caller_identity: "sts",
  aws_elb_service_account: null,
  aws_partition: null,
  aws_region: null,
};

/**
 * The endpoint key the provider calls for an AWS resource or data source type (`aws_sqs_queue` →
 * `sqs`), `null` when it calls none, `undefined` when the type is not known here.
 */
export function endpointServiceOf(type: string): string | null | undefined {
  const matches = Object.keys(ENDPOINT_OF_TYPE).filter((key) => type === key || type.startsWith(`${key}_`));
  const longest = matches.sort((a, b) => b.length - a.length)[0];
  return longest === undefined ? undefined : ENDPOINT_OF_TYPE[longest];
}

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
   * Default tags beside the platform's (a preview's `Preview=pr-<n>`).
   * @default - the platform's only
   */
  readonly tags?: Readonly<Record<string, string>>;
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
    defaultTags: [{ tags: { ...platformTags(project, props.environment, props.stack), ...props.tags } }],
    ...(local && {
      ...LOCAL_CREDENTIALS,
      endpoints: [Object.fromEntries(LOCAL_SERVICES.map((service) => [service, local.endpoint]))],
      s3UsePathStyle: true,
      skipCredentialsValidation: true,
      skipMetadataApiCheck: "true",
      // Must stay false: with true, rules referencing a security group drift on every plan (measured).
      skipRequestingAccountId: false,
      // Three attempts, not the default 25: an unimplemented emulator call answers 500 and the default would
      // stall for minutes (none of the provider's calls does in the e2e, which logs every status), while one
      // attempt failed a plan when the emulator dropped a kept-alive connection under load (STS AssumeRole:
      // "use of closed network connection"), as the state backend's retries ride out.
      maxRetries: 3,
      // The emulator's credentials are the project account's; another account is reached as AWS is, by a role in it.
      ...(accountId !== project.accountId && { assumeRole: [{ roleArn: localAccountRoleArn(accountId), sessionName: "platform-local" }] }),
    }),
  });
}
