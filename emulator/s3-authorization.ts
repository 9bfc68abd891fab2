/**
 * S3's side of the call log (call-log.ts): the IAM action of a request by method and sub-resource, and
 * DeleteObjects, which AWS authorizes object by object.
 */
import type { AuthorizedCall, RawCall } from "./call-types";

/**
 * S3's IAM action by HTTP method and sub-resource (the query parameter), bucket or object. moto's own
 * map (moto/s3/responses.py ACTION_MAP) misses several sub-resources (`?encryption`,
 * `?ownershipControls`, `?replication`... fall back to ListBucket); this is the authorization
 * reference's (https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html).
 */
const S3_BUCKET_ACTIONS: Record<string, Record<string, string>> = {
  GET: {
    encryption: "GetEncryptionConfiguration",
    ownershipControls: "GetBucketOwnershipControls",
    replication: "GetReplicationConfiguration",
    lifecycle: "GetLifecycleConfiguration",
    versioning: "GetBucketVersioning",
    policy: "GetBucketPolicy",
    policyStatus: "GetBucketPolicyStatus",
    acl: "GetBucketAcl",
    tagging: "GetBucketTagging",
    logging: "GetBucketLogging",
    cors: "GetBucketCORS",
    website: "GetBucketWebsite",
    accelerate: "GetAccelerateConfiguration",
    requestPayment: "GetBucketRequestPayment",
    "object-lock": "GetBucketObjectLockConfiguration",
    publicAccessBlock: "GetBucketPublicAccessBlock",
    notification: "GetBucketNotification",
    location: "GetBucketLocation",
    versions: "ListBucketVersions",
    uploads: "ListBucketMultipartUploads",
    "": "ListBucket",
  },
  HEAD: { "": "ListBucket" },
  PUT: {
    encryption: "PutEncryptionConfiguration",
    ownershipControls: "PutBucketOwnershipControls",
    replication: "PutReplicationConfiguration",
    lifecycle: "PutLifecycleConfiguration",
    versioning: "PutBucketVersioning",
    policy: "PutBucketPolicy",
    acl: "PutBucketAcl",
    tagging: "PutBucketTagging",
    logging: "PutBucketLogging",
    cors: "PutBucketCORS",
    website: "PutBucketWebsite",
    accelerate: "PutAccelerateConfiguration",
    "object-lock": "PutBucketObjectLockConfiguration",
    publicAccessBlock: "PutBucketPublicAccessBlock",
    notification: "PutBucketNotification",
    "": "CreateBucket",
  },
  DELETE: {
    encryption: "PutEncryptionConfiguration",
    ownershipControls: "PutBucketOwnershipControls",
    replication: "PutReplicationConfiguration",
    lifecycle: "PutLifecycleConfiguration",
    policy: "DeleteBucketPolicy",
    tagging: "PutBucketTagging",
    cors: "PutBucketCORS",
    website: "DeleteBucketWebsite",
    publicAccessBlock: "PutBucketPublicAccessBlock",
    "": "DeleteBucket",
  },
  POST: { delete: "DeleteObject", "": "ListBucket" },
};
const S3_OBJECT_ACTIONS: Record<string, Record<string, string>> = {
  GET: { tagging: "GetObjectTagging", acl: "GetObjectAcl", versionId: "GetObjectVersion", "": "GetObject" },
  HEAD: { "": "GetObject" },
  PUT: { tagging: "PutObjectTagging", acl: "PutObjectAcl", "": "PutObject" },
  DELETE: { uploadId: "AbortMultipartUpload", versionId: "DeleteObjectVersion", tagging: "DeleteObjectTagging", "": "DeleteObject" },
  POST: { "": "PutObject" },
};

/** The S3 action of a request, from its method, sub-resource and whether it names an object. */
export function s3Action(raw: RawCall): string {
  const isObject = /^arn:aws:s3:::[^/]+\/.+/.test(raw.motoResource ?? "");
  const table = (isObject ? S3_OBJECT_ACTIONS : S3_BUCKET_ACTIONS)[raw.method ?? "GET"] ?? {};
  const sub = Object.keys(table).find((key) => key !== "" && key in raw.params);
  return table[sub ?? ""] ?? raw.operation;
}

/**
 * S3's DeleteObjects (POST ?delete) is authorized object by object: s3:DeleteObject on each key, and
 * s3:DeleteObjectVersion on each that names a version
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html).
 */
export function deleteObjectsOf(
  raw: RawCall,
  base: { account: string; region: string; request: string },
  context: Record<string, string | string[]>,
): AuthorizedCall[] {
  const bucket = raw.params.bucket_name ?? raw.params.BucketName;
  const entries = new Map<string, { key?: string; version?: string }>();
  for (const [path, value] of Object.entries(raw.params)) {
    const m = /^Delete\.Object(?:\.(\d+))?\.(Key|VersionId)$/.exec(path);
    if (!m) continue;
    const entry = entries.get(m[1] ?? "1") ?? {};
    if (m[2] === "Key") entry.key = value;
    else entry.version = value;
    entries.set(m[1] ?? "1", entry);
  }
  const calls = [...entries.values()].filter((e) => e.key !== undefined);
  if (bucket === undefined || calls.length === 0) throw new Error(`S3 DeleteObjects without its objects: ${JSON.stringify(raw.params)}`);
  return calls.map(({ key, version }) => ({
    ...base,
    action: version === undefined ? "s3:DeleteObject" : "s3:DeleteObjectVersion",
    resource: `arn:aws:s3:::${bucket}/${key}`,
    context: { ...context },
  }));
}
