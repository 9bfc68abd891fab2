/**
 * AWS's naming rules, one entry per resource type (and attribute) the stacks name: length,
 * characters, reserved prefixes and suffixes, reserved names. The configuration check applies them
 * to every name the project and environment names make (Naming.resourceNames), and a test applies
 * them to every name in every synthesized stack, so a name AWS would refuse at apply is refused
 * before anything is written. Sources: each service's API reference for the name parameter
 * (CreateLoadBalancer, CreateTargetGroup, CreateSecurityGroup, CreateDBInstance, CreateRepository,
 * CreateRole, CreateAlias, CreateLogGroup, ...), read 2026-12.
 */
import { s3BucketNameProblem } from "./aws";

export interface NameRule {
  /** Terraform resource type, e.g. `aws_lb`. */
  readonly resource: string;
  /** The attribute that holds the name, e.g. `name`, `bucket`, `identifier`. */
  readonly attribute: string;
  /** What the name is, for messages: "load balancer name". */
  readonly what: string;
  readonly minLength: number;
  readonly maxLength: number;
  /** The whole name's form (characters, first and last character). */
  readonly pattern: RegExp;
  /** The form in words, for messages. */
  readonly form: string;
  /** @default - none */
  readonly reservedPrefixes?: readonly string[];
  /** @default - none */
  readonly reservedSuffixes?: readonly string[];
  /** @default - none */
  readonly reservedNames?: readonly string[];
  /** @default - may hold "--" */
  readonly noDoubleHyphen?: boolean;
  /**
   * For a `name_prefix` attribute: the characters AWS (the provider) appends to make the name.
   * @default 0
   */
  readonly appended?: number;
  /** A rule of its own, for names with more rules than fit above (S3). @default - none */
  readonly check?: (name: string) => string | undefined;
}

const ALNUM_HYPHEN = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const ECS_NAME = /^[A-Za-z0-9_-]+$/;
const IAM_NAME = /^[\w+=,.@-]+$/;
const RDS_NAME = /^[a-z](?:[a-z0-9-]*[a-z0-9])?$/;
const PRINTABLE = /^[\x20-\x7e]+$/;

/** Every named resource type the stacks create, with AWS's rules for the name. */
export const NAME_RULES: readonly NameRule[] = [
  {
    resource: "aws_s3_bucket",
    attribute: "bucket",
    what: "S3 bucket name",
    minLength: 3,
    maxLength: 63,
    pattern: /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/,
    form: "lowercase letters, digits, dots and hyphens",
    check: s3BucketNameProblem,
  },
  {
    resource: "aws_lb",
    attribute: "name",
    what: "load balancer name",
    minLength: 1,
    maxLength: 32,
    pattern: ALNUM_HYPHEN,
    form: "letters, digits and hyphens, not starting or ending with a hyphen",
    reservedPrefixes: ["internal-"],
  },
  {
    resource: "aws_lb_target_group",
    attribute: "name",
    what: "target group name",
    minLength: 1,
    maxLength: 32,
    pattern: ALNUM_HYPHEN,
    form: "letters, digits and hyphens, not starting or ending with a hyphen",
  },
  {
    resource: "aws_security_group",
    attribute: "name",
    what: "security group name",
    minLength: 1,
    maxLength: 255,
    pattern: /^[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]+$/,
    form: "letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*",
    reservedPrefixes: ["sg-"],
  },
  {
    resource: "aws_db_instance",
    attribute: "identifier",
    what: "RDS instance identifier",
    minLength: 1,
    maxLength: 63,
    pattern: RDS_NAME,
    form: "lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen",
    noDoubleHyphen: true,
  },
  {
    resource: "aws_db_subnet_group",
    attribute: "name",
    what: "DB subnet group name",
    minLength: 1,
    maxLength: 255,
    pattern: /^[a-z0-9][a-z0-9 ._-]*$/,
    form: "lowercase letters, digits, spaces, dots, underscores and hyphens",
    reservedNames: ["default"],
  },
  {
    resource: "aws_db_parameter_group",
    attribute: "name_prefix",
    what: "DB parameter group name",
    minLength: 1,
    maxLength: 255,
    pattern: /^[a-z][a-z0-9-]*$/,
    form: "lowercase letters, digits and hyphens, starting with a letter",
    noDoubleHyphen: true,
    appended: 26,
  },
  {
    resource: "aws_ecr_repository",
    attribute: "name",
    what: "ECR repository name",
    minLength: 2,
    maxLength: 256,
    pattern: /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/,
    form: "lowercase letters and digits, separated by single dots, hyphens, underscores or slashes",
  },
  {
    resource: "aws_ecs_cluster",
    attribute: "name",
    what: "ECS cluster name",
    minLength: 1,
    maxLength: 255,
    pattern: ECS_NAME,
    form: "letters, digits, hyphens and underscores",
  },
  {
    resource: "aws_ecs_service",
    attribute: "name",
    what: "ECS service name",
    minLength: 1,
    maxLength: 255,
    pattern: ECS_NAME,
    form: "letters, digits, hyphens and underscores",
  },
  {
    resource: "aws_ecs_task_definition",
    attribute: "family",
    what: "ECS task definition family",
    minLength: 1,
    maxLength: 255,
    pattern: ECS_NAME,
    form: "letters, digits, hyphens and underscores",
  },
  {
    resource: "aws_iam_role",
    attribute: "name",
    what: "IAM role name",
    minLength: 1,
    maxLength: 64,
    pattern: IAM_NAME,
    form: "letters, digits and +=,.@_-",
  },
  {
    resource: "aws_iam_policy",
    attribute: "name",
    what: "IAM policy name",
    minLength: 1,
    maxLength: 128,
    pattern: IAM_NAME,
    form: "letters, digits and +=,.@_-",
  },
  {
    resource: "aws_iam_role_policy",
    attribute: "name",
    what: "IAM inline policy name",
    minLength: 1,
    maxLength: 128,
    pattern: IAM_NAME,
    form: "letters, digits and +=,.@_-",
  },
  {
    resource: "aws_kms_alias",
    attribute: "name",
    what: "KMS alias",
    minLength: 7,
    maxLength: 256,
    pattern: /^alias\/[A-Za-z0-9/_-]+$/,
    form: '"alias/" and letters, digits, slashes, underscores and hyphens',
    reservedPrefixes: ["alias/aws/"],
  },
  {
    resource: "aws_dynamodb_table",
    attribute: "name",
    what: "DynamoDB table name",
    minLength: 3,
    maxLength: 255,
    pattern: /^[A-Za-z0-9_.-]+$/,
    form: "letters, digits, underscores, dots and hyphens",
  },
  {
    resource: "aws_sns_topic",
    attribute: "name",
    what: "SNS topic name",
    minLength: 1,
    maxLength: 256,
    pattern: /^[A-Za-z0-9_-]+$/,
    form: "letters, digits, hyphens and underscores",
    reservedSuffixes: [".fifo"],
  },
  {
    // CreateSecret: 1 to 512 of letters, digits and /_+=.@-.
    resource: "aws_secretsmanager_secret",
    attribute: "name",
    what: "secret name",
    minLength: 1,
    maxLength: 512,
    pattern: /^[A-Za-z0-9/_+=.@-]+$/,
    form: "letters, digits and /_+=.@-",
  },
  {
    resource: "aws_cloudwatch_log_group",
    attribute: "name",
    what: "log group name",
    minLength: 1,
    maxLength: 512,
    pattern: /^[A-Za-z0-9_\-/.#]+$/,
    form: "letters, digits and _-/.#",
    reservedPrefixes: ["aws/"],
  },
  {
    resource: "aws_cloudwatch_metric_alarm",
    attribute: "alarm_name",
    what: "alarm name",
    minLength: 1,
    maxLength: 255,
    pattern: PRINTABLE,
    form: "printable ASCII characters",
  },
  {
    resource: "aws_appautoscaling_policy",
    attribute: "name",
    what: "scaling policy name",
    minLength: 1,
    maxLength: 256,
    pattern: /^[\x20-\x39\x3b-\x7e]+$/,
    form: 'printable characters other than ":"',
  },
  {
    resource: "aws_cloudwatch_log_metric_filter",
    attribute: "name",
    what: "metric filter name",
    minLength: 1,
    maxLength: 512,
    pattern: /^[\x20-\x29\x2b-\x39\x3b-\x7e]+$/,
    form: 'printable characters other than ":" and "*"',
  },
  {
    resource: "aws_sqs_queue",
    attribute: "name",
    what: "SQS queue name",
    minLength: 1,
    maxLength: 80,
    pattern: /^[A-Za-z0-9_-]+$/,
    form: "letters, digits, hyphens and underscores",
  },
  {
    resource: "aws_scheduler_schedule",
    attribute: "name",
    what: "EventBridge Scheduler schedule name",
    minLength: 1,
    maxLength: 64,
    pattern: /^[A-Za-z0-9_.-]+$/,
    form: "letters, digits, dots, hyphens and underscores",
  },
  {
    resource: "aws_cloudfront_origin_access_control",
    attribute: "name",
    what: "CloudFront origin access control name",
    minLength: 1,
    maxLength: 64,
    pattern: PRINTABLE,
    form: "printable ASCII characters",
  },
  {
    resource: "aws_cloudfront_response_headers_policy",
    attribute: "name",
    what: "CloudFront response headers policy name",
    minLength: 1,
    maxLength: 128,
    pattern: /^[A-Za-z0-9_-]+$/,
    form: "letters, digits, hyphens and underscores",
  },
];

/** The rule for a resource type's name attribute, or undefined when the stacks name no such thing. */
export function nameRule(resource: string, attribute: string): NameRule | undefined {
  return NAME_RULES.find((r) => r.resource === resource && r.attribute === attribute);
}

/** "a load balancer name", "an IAM role name". */
const a = (what: string) => `${/^[aeiouAEIOU]/.test(what) ? "an" : "a"} ${what}`;

/** Why AWS would refuse `name` under `rule`, or undefined when it accepts it. */
export function nameProblem(rule: NameRule, name: string): string | undefined {
  const length = name.length + (rule.appended ?? 0);
  if (length < rule.minLength || length > rule.maxLength) {
    const made = rule.appended ? ` with the ${rule.appended} characters AWS appends` : "";
    return `is ${length} characters long${made}; ${a(rule.what)} allows ${rule.minLength} to ${rule.maxLength}`;
  }
  if (!rule.pattern.test(name)) return `is not ${a(rule.what)}: it takes ${rule.form}`;
  if (rule.noDoubleHyphen && name.includes("--")) return `holds "--", which ${a(rule.what)} may not`;
  const prefix = rule.reservedPrefixes?.find((p) => name.startsWith(p));
  if (prefix) return `starts with "${prefix}", which AWS reserves for ${a(rule.what)}`;
  const suffix = rule.reservedSuffixes?.find((s) => name.endsWith(s));
  if (suffix) return `ends with "${suffix}", which AWS reserves for ${a(rule.what)}`;
  if (rule.reservedNames?.includes(name)) return `is ${a(rule.what)} AWS reserves`;
  return rule.check?.(name);
}
