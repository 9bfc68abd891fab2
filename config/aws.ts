/**
 * What AWS accepts, for the checks that need no AWS call: regions and their partitions, RDS
 * instance classes, PostgreSQL's reserved words, S3 bucket naming rules, CloudWatch Logs retention.
 * Each list is the documented one at the time of writing; a value missing here is refused with the
 * fix, so a new AWS region or class is a one-line addition.
 */

/** AWS partitions, by the ARN prefix their resources carry. */
export type Partition = "aws" | "aws-cn" | "aws-us-gov" | "aws-iso" | "aws-iso-b" | "aws-eusc";

/** Regions of the commercial partition (`arn:aws:`), which is the one this platform's ARNs use. */
export const AWS_REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "af-south-1",
  "ap-east-1",
  "ap-east-2",
  "ap-south-1",
  "ap-south-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-6",
  "ap-southeast-7",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ca-central-1",
  "ca-west-1",
  "eu-central-1",
  "eu-central-2",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-south-1",
  "eu-south-2",
  "eu-north-1",
  "il-central-1",
  "me-south-1",
  "me-central-1",
  "mx-central-1",
  "sa-east-1",
] as const;

/** Regions of the other partitions: real, but their ARNs start differently. */
const OTHER_PARTITION_REGIONS: Readonly<Record<string, Partition>> = {
  "us-gov-west-1": "aws-us-gov",
  "us-gov-east-1": "aws-us-gov",
  "cn-north-1": "aws-cn",
  "cn-northwest-1": "aws-cn",
  "us-iso-east-1": "aws-iso",
  "us-iso-west-1": "aws-iso",
  "us-isob-east-1": "aws-iso-b",
  "eusc-de-east-1": "aws-eusc",
};

/** The partition a region belongs to, or undefined for a name AWS does not have. */
export function regionPartition(region: string): Partition | undefined {
  if ((AWS_REGIONS as readonly string[]).includes(region)) return "aws";
  return OTHER_PARTITION_REGIONS[region];
}

/** RDS for PostgreSQL instance class families (db.<family>.<size>). */
const RDS_FAMILIES = [
  "t3",
  "t4g",
  "m5",
  "m5d",
  "m6g",
  "m6gd",
  "m6i",
  "m6id",
  "m7g",
  "m7i",
  "m8g",
  "r5",
  "r5b",
  "r5d",
  "r6g",
  "r6gd",
  "r6i",
  "r6id",
  "r7g",
  "r7i",
  "r8g",
  "x2g",
];
const BURSTABLE_SIZES = ["micro", "small", "medium", "large", "xlarge", "2xlarge"];
const STANDARD_SIZES = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge", "48xlarge"];

/** Why `instanceClass` is not an RDS for PostgreSQL class, or undefined when it is one. */
export function rdsInstanceClassProblem(instanceClass: string): string | undefined {
  const match = /^db\.([a-z0-9]+)\.([a-z0-9]+)$/.exec(instanceClass);
  if (!match) return 'is not an RDS instance class (db.<family>.<size>); use e.g. "db.t4g.micro"';
  const [, family, size] = match;
  if (!RDS_FAMILIES.includes(family)) {
    return `has no RDS for PostgreSQL family "${family}"; use one of ${RDS_FAMILIES.join(", ")}, e.g. "db.t4g.micro"`;
  }
  const sizes = family.startsWith("t") ? BURSTABLE_SIZES : STANDARD_SIZES;
  if (!sizes.includes(size)) return `has no size "${size}" in family ${family}; use one of ${sizes.join(", ")}`;
  return undefined;
}

/**
 * Names RDS refuses for the initial PostgreSQL database: the words PostgreSQL reserves (its SQL key
 * words table, "reserved" column) and the databases every instance already has.
 */
export const POSTGRES_RESERVED_NAMES: ReadonlySet<string> = new Set([
  "all",
  "analyse",
  "analyze",
  "and",
  "any",
  "array",
  "as",
  "asc",
  "asymmetric",
  "both",
  "case",
  "cast",
  "check",
  "collate",
  "column",
  "constraint",
  "create",
  "current_catalog",
  "current_date",
  "current_role",
  "current_time",
  "current_timestamp",
  "current_user",
  "default",
  "deferrable",
  "desc",
  "distinct",
  "do",
  "else",
  "end",
  "except",
  "false",
  "fetch",
  "for",
  "foreign",
  "from",
  "grant",
  "group",
  "having",
  "in",
  "initially",
  "intersect",
  "into",
  "lateral",
  "leading",
  "limit",
  "localtime",
  "localtimestamp",
  "not",
  "null",
  "offset",
  "on",
  "only",
  "or",
  "order",
  "placing",
  "primary",
  "references",
  "returning",
  "select",
  "session_user",
  "some",
  "symmetric",
  "system_user",
  "table",
  "then",
  "to",
  "trailing",
  "true",
  "union",
  "unique",
  "user",
  "using",
  "variadic",
  "when",
  "where",
  "window",
  "with",
  "postgres",
  "rdsadmin",
  "template0",
  "template1",
]);

/** Prefixes and suffixes S3 reserves for its own bucket kinds (access points, directory buckets, ...). */
const S3_RESERVED_PREFIXES = ["xn--", "sthree-", "sthree-configurator", "amzn-s3-demo-"];
const S3_RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

/** Why `name` is not a valid general purpose S3 bucket name, or undefined when it is one. */
export function s3BucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `is ${name.length} characters long; S3 allows 3 to 63`;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name))
    return "may hold only lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit";
  if (name.includes("..")) return "may not hold two dots in a row";
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return "may not look like an IP address";
  const prefix = S3_RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix) return `starts with "${prefix}", which S3 reserves`;
  const suffix = S3_RESERVED_SUFFIXES.find((s) => name.endsWith(s));
  if (suffix) return `ends with "${suffix}", which S3 reserves`;
  return undefined;
}

/** Values CloudWatch Logs accepts for retention_in_days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Why `branch` is not a plain git branch name (git check-ref-format's rules), or undefined. */
export function branchNameProblem(branch: string): string | undefined {
  if (branch === "HEAD" || branch === "@") return `is a name git reserves ("${branch}" means the current commit); use e.g. "main"`;
  if (branch.includes("@{")) return 'may not hold "@{" (git reads it as a reflog); use e.g. "main"';
  if (branch.startsWith("refs/")) return `is a ref, not a branch name; use the name alone, e.g. "${branch.replace(/^refs\/heads\//, "")}"`;
  if (!/^[A-Za-z0-9._/-]{1,200}$/.test(branch) || /[*?[\\]/.test(branch)) {
    return 'must be a plain branch name: letters, digits, ".", "_", "-" and "/", no spaces or wildcards; use e.g. "main"';
  }
  if (branch.startsWith("-") || branch.startsWith("/") || branch.endsWith("/") || branch.endsWith(".") || branch.endsWith(".lock")) {
    return 'may not start with "-" or "/" nor end with "/", "." or ".lock" (git refuses it); use e.g. "main"';
  }
  if (branch.includes("..") || branch.includes("//") || branch.split("/").some((part) => part.startsWith("."))) {
    return 'may not hold "..", "//" or a part starting with "." (git refuses it); use e.g. "main"';
  }
  return undefined;
}

/**
 * Why an ACM certificate ARN does not fit `region` (where `user`, the load balancer or CloudFront,
 * takes certificates from) and, when given, `accountId` (a load balancer or distribution cannot use
 * another account's certificate); undefined when it fits.
 */
export function certificateProblem(arn: string, region: string, user: string, accountId?: string): string | undefined {
  const match = /^arn:([a-z-]+):acm:([a-z0-9-]+):(\d{12}):certificate\/[0-9a-f-]{36}$/.exec(arn);
  if (!match) {
    return `must be an ACM certificate ARN in ${region}; use e.g. "arn:aws:acm:${region}:${accountId ?? "123456789012"}:certificate/<id>"`;
  }
  const [, partition, arnRegion, account] = match;
  if (partition !== "aws") return `is in partition ${partition}; this platform deploys to the aws partition`;
  if (arnRegion !== region)
    return `must be an ACM certificate ARN in ${region} (${user} uses certificates from ${region} only), not ${arnRegion}`;
  if (accountId !== undefined && account !== accountId) {
    return (
      `belongs to account ${account}; use a certificate of the environment's account ${accountId} ` +
      "(a load balancer or distribution cannot use another account's)"
    );
  }
  return undefined;
}
