import type { AuditContext } from "../context";
import { block, blocks, conditionValues, isEveryone, isTrue, parsePolicy, type Statement, statementName, strings } from "../terraform";
import { type AuditTarget, type CheckResult, fail, notApplicable, pass, type Rule } from "../types";

const BUCKET = "aws_s3_bucket";

/** The bucket's `aws_s3_bucket_policy` documents, parsed; an unreadable one is reported as such. */
function bucketPolicies(bucket: AuditTarget, context: AuditContext): { statements: Statement[]; errors: string[] } {
  const statements: Statement[] = [];
  const errors: string[] = [];
  const documents = [
    ...context.bucketChildren("aws_s3_bucket_policy", bucket).map((p) => p.body.policy),
    ...(bucket.body.policy !== undefined ? [bucket.body.policy] : []),
  ];
  for (const document of documents) {
    const parsed = parsePolicy(document);
    if ("error" in parsed) errors.push(parsed.error);
    else statements.push(...parsed.statements);
  }
  return { statements, errors };
}

export const s3PublicAccessBlock: Rule = {
  id: "S3-PUBLIC-ACCESS-BLOCK",
  rationale: "A bucket blocks public ACLs and public policies itself, whatever the account settings are.",
  controls: [
    "S3.8",
    "CKV_AWS_53",
    "CKV_AWS_54",
    "CKV_AWS_55",
    "CKV_AWS_56",
    "CKV2_AWS_6",
    "AVD-AWS-0086",
    "AVD-AWS-0087",
    "AVD-AWS-0091",
    "AVD-AWS-0093",
    "AVD-AWS-0094",
  ],
  appliesTo: [BUCKET],
  check(bucket, context) {
    const blocks = context.bucketChildren("aws_s3_bucket_public_access_block", bucket);
    if (blocks.length === 0) return fail("has no aws_s3_bucket_public_access_block; add one with all four flags true");
    const flags = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];
    const off = flags.filter((f) => !blocks.some((b) => isTrue(b.body[f])));
    return off.length === 0
      ? pass("blocks public ACLs and policies (all four flags true)")
      : fail(`public access block leaves ${off.join(", ")} unset or false; set all four flags to true`);
  },
};

const SSE_ALGORITHMS = ["AES256", "aws:kms", "aws:kms:dsse"];

export const s3Encryption: Rule = {
  id: "S3-ENCRYPTION",
  rationale: "Objects are encrypted at rest with a key the configuration names, not left to account defaults.",
  controls: ["CKV_AWS_19", "AVD-AWS-0088"],
  appliesTo: [BUCKET],
  check(bucket, context) {
    const configs = [
      ...context.bucketChildren("aws_s3_bucket_server_side_encryption_configuration", bucket).map((c) => c.body),
      ...blocks(bucket.body.server_side_encryption_configuration),
    ];
    const algorithms = configs
      .flatMap((c) => blocks(c.rule))
      .map((r) => block(r.apply_server_side_encryption_by_default)?.sse_algorithm)
      .filter((a): a is string => typeof a === "string");
    if (algorithms.length === 0) {
      return fail(
        "has no server-side encryption configuration; add aws_s3_bucket_server_side_encryption_configuration (AES256 or aws:kms)",
      );
    }
    const bad = algorithms.filter((a) => !SSE_ALGORITHMS.includes(a));
    return bad.length === 0
      ? pass(`encrypted by default with ${algorithms.join(", ")}`)
      : fail(`uses unknown sse_algorithm ${bad.join(", ")}`);
  },
};

export const s3OwnershipEnforced: Rule = {
  id: "S3-OWNERSHIP-ENFORCED",
  rationale: "With BucketOwnerEnforced, ACLs are off and the bucket owner owns every object; access is by policy only.",
  controls: ["S3.12", "CKV2_AWS_65"],
  appliesTo: [BUCKET],
  check(bucket, context) {
    const acls = context.bucketChildren("aws_s3_bucket_acl", bucket);
    if (acls.length > 0 || bucket.body.acl !== undefined) {
      return fail("manages an ACL; drop aws_s3_bucket_acl and the acl argument and use BucketOwnerEnforced");
    }
    const ownership = context
      .bucketChildren("aws_s3_bucket_ownership_controls", bucket)
      .flatMap((c) => blocks(c.body.rule))
      .map((r) => r.object_ownership);
    return ownership.includes("BucketOwnerEnforced")
      ? pass("object ownership is BucketOwnerEnforced (ACLs disabled)")
      : fail(
          ownership.length === 0
            ? "has no aws_s3_bucket_ownership_controls; add one with object_ownership BucketOwnerEnforced"
            : `object ownership is ${ownership.join(", ")}; use BucketOwnerEnforced`,
        );
  },
};

/** A statement denying every S3 action over plain HTTP to everyone. */
function deniesInsecureTransport(statement: Statement): boolean {
  if (statement.Effect !== "Deny" || !isEveryone(statement.Principal)) return false;
  const actions = strings(statement.Action);
  if (!actions.includes("s3:*") && !actions.includes("*")) return false;
  return conditionValues(statement, "aws:SecureTransport").some(
    (c) => c.operator === "Bool" && c.values.length === 1 && c.values[0] === "false",
  );
}

export const s3TlsOnly: Rule = {
  id: "S3-TLS-ONLY",
  rationale: "The bucket policy denies every request that does not arrive over TLS.",
  controls: ["S3.5"],
  appliesTo: [BUCKET],
  check(bucket, context) {
    const { statements, errors } = bucketPolicies(bucket, context);
    const denies = statements.filter(deniesInsecureTransport);
    if (denies.length === 0) {
      return fail(
        `has no policy statement denying s3:* to "*" when aws:SecureTransport is ` +
          `false${errors.length ? ` (${errors.join("; ")})` : ""}; add one`,
      );
    }
    const resources = denies.flatMap((s) => strings(s.Resource));
    const coversObjects = resources.some((r) => r.endsWith("/*") || r === "*");
    const coversBucket = resources.some((r) => !r.endsWith("/*"));
    return coversObjects && coversBucket
      ? pass("denies requests without TLS on the bucket and its objects")
      : fail("the TLS-only statement must cover both the bucket ARN and its objects (<arn>/*)");
  },
};

/** Condition keys that pin a request to a known source (a distribution, an account, a VPC, an organisation). */
const SOURCE_KEYS = [
  "aws:SourceArn",
  "aws:SourceAccount",
  "aws:SourceOwner",
  "aws:SourceOrgID",
  "aws:SourceVpc",
  "aws:SourceVpce",
  "aws:SourceIp",
  "aws:PrincipalOrgID",
  "aws:PrincipalAccount",
  "aws:PrincipalArn",
];

export const s3NoPublicPrincipal: Rule = {
  id: "S3-NO-PUBLIC-PRINCIPAL",
  rationale: 'A bucket policy never allows "*" unless a condition pins the request to a known source.',
  controls: ["CKV_AWS_70"],
  appliesTo: ["aws_s3_bucket_policy"],
  check(policy) {
    const parsed = parsePolicy(policy.body.policy);
    if ("error" in parsed) return fail(parsed.error);
    const results: CheckResult[] = [];
    parsed.statements.forEach((statement, i) => {
      if (statement.Effect !== "Allow") return;
      const name = statementName(statement, i);
      if (statement.NotPrincipal !== undefined) {
        results.push(fail("allows with NotPrincipal (everyone but the listed principals); name the principals instead", name));
      } else if (!isEveryone(statement.Principal)) {
        results.push(pass("allows named principals only", name));
      } else if (SOURCE_KEYS.some((key) => conditionValues(statement, key).length > 0)) {
        results.push(pass('allows "*" only with a source condition', name));
      } else {
        results.push(
          fail(`allows "*" without a source condition (${SOURCE_KEYS.slice(0, 3).join(", ")}, ...); name the principal or add one`, name),
        );
      }
    });
    return results.length > 0 ? results : pass("has no Allow statement");
  },
};

export const s3StateBucketVersioning: Rule = {
  id: "S3-STATE-BUCKET-VERSIONING",
  rationale: "Terraform state survives an overwrite or delete (versioning) without growing forever (noncurrent expiry).",
  controls: ["S3.14", "S3.10", "CKV_AWS_21", "AVD-AWS-0090"],
  appliesTo: [BUCKET],
  check(bucket, context) {
    if (context.stateBucketName === undefined || bucket.body.bucket !== context.stateBucketName) {
      return notApplicable("not the Terraform state bucket");
    }
    const statuses = [
      ...context.bucketChildren("aws_s3_bucket_versioning", bucket).map((v) => block(v.body.versioning_configuration)?.status),
      ...blocks(bucket.body.versioning).map((v) => (isTrue(v.enabled) ? "Enabled" : "Suspended")),
    ];
    if (!statuses.includes("Enabled")) {
      return fail("the state bucket is not versioned; add aws_s3_bucket_versioning with status Enabled");
    }
    const expiring = context
      .bucketChildren("aws_s3_bucket_lifecycle_configuration", bucket)
      .flatMap((l) => blocks(l.body.rule))
      .filter((r) => r.status === "Enabled" && blocks(r.noncurrent_version_expiration).some((e) => e.noncurrent_days !== undefined));
    return expiring.length > 0
      ? pass("versioned, with noncurrent versions expiring")
      : fail("the state bucket keeps noncurrent versions forever; add a lifecycle rule with noncurrent_version_expiration");
  },
};

export const S3_RULES: readonly Rule[] = [
  s3PublicAccessBlock,
  s3Encryption,
  s3OwnershipEnforced,
  s3TlsOnly,
  s3NoPublicPrincipal,
  s3StateBucketVersioning,
];
