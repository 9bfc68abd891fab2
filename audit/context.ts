import { type SourceLocation, sourceLocation, stackTraceOf } from "./source";
import { type Block, isObject, refersTo, type TerraformJson } from "./terraform";

/**
 * How strict the production-only rules are for a stack: an environment's `tier` from the config, or
 * `shared` for stacks that belong to no environment (bootstrap, github).
 */
export type Tier = "production" | "non-production" | "shared";

/** Something a rule checks: a resource, a data source, a provider block, or the stack as a whole. */
export interface AuditTarget {
  readonly kind: "resource" | "data" | "provider" | "stack";
  /** `aws_s3_bucket` for a resource, `data.aws_region`, `provider.aws`, or `stack`. */
  readonly type: string;
  /** Logical name (`site_bucket_DFA168EB`), provider alias index, or the stack name. */
  readonly name: string;
  /** Terraform address: `aws_s3_bucket.site_bucket_DFA168EB`, `data.aws_region.x`, `provider.aws[0]`, `stack`. */
  readonly address: string;
  /** Construct path from cdktf's metadata (`stage/site/bucket/bucket`), when present. */
  readonly constructPath?: string;
  /** The TypeScript line that created it, when the synth recorded stack traces (audit/synth.ts does). */
  readonly source?: SourceLocation;
  readonly body: Block;
}

export interface AuditContextOptions {
  /**
   * The stack's tier; production-only rules apply to `production`.
   * @default - "shared" (a stack of no environment)
   */
  readonly tier?: Tier;
  /**
   * Name of the bucket that holds Terraform state (the state-bucket rule applies to it).
   * @default - no bucket is treated as the state bucket
   */
  readonly stateBucketName?: string;
  /**
   * `owner/repo` of the GitHub repository that OIDC trust policies must name.
   * @default - any single repository is accepted
   */
  readonly githubRepository?: string;
  /**
   * The numeric ids of that repository and its owner, when the config trusts by ids: an ids-based
   * OIDC subject must name these.
   * @default - any single repository id is accepted
   */
  readonly githubRepositoryIds?: GithubRepositoryIds;
  /**
   * The account of every other environment of the platform, by environment name: a production stack
   * pinned to one of them shares its account (PRODUCTION-OWN-ACCOUNT).
   * @default - no other environment
   */
  readonly otherEnvironmentAccounts?: Readonly<Record<string, string>>;
}

/** A GitHub repository by its immutable ids, as `repository_owner_id:<ownerId>:repository_id:<repositoryId>` subjects name it. */
export interface GithubRepositoryIds {
  /** The owner's numeric id. */
  readonly ownerId: string;
  /** The repository's numeric id. */
  readonly repositoryId: string;
}

function metadataPath(body: Block): string | undefined {
  const comment = body["//"];
  const metadata = isObject(comment) ? comment.metadata : undefined;
  return isObject(metadata) && typeof metadata.path === "string" ? metadata.path : undefined;
}

/**
 * One synthesized stack as the rules see it: its Terraform JSON, its tier, and lookups across
 * resources (a bucket's public access block, a VPC's flow log, a listener's load balancer).
 */
export class AuditContext {
  readonly tier: Tier;
  readonly stateBucketName?: string;
  readonly githubRepository?: string;
  readonly githubRepositoryIds?: GithubRepositoryIds;
  readonly otherEnvironmentAccounts: Readonly<Record<string, string>>;
  private readonly all: AuditTarget[];
  private readonly byAddress: Map<string, AuditTarget>;

  constructor(
    readonly stackName: string,
    readonly tf: TerraformJson,
    options: AuditContextOptions = {},
  ) {
    this.tier = options.tier ?? "shared";
    this.stateBucketName = options.stateBucketName;
    this.githubRepository = options.githubRepository;
    this.githubRepositoryIds = options.githubRepositoryIds;
    this.otherEnvironmentAccounts = options.otherEnvironmentAccounts ?? {};
    this.all = collectTargets(stackName, tf);
    this.byAddress = new Map(this.all.map((t) => [t.address, t]));
  }

  get isProduction(): boolean {
    return this.tier === "production";
  }

  /** Every resource, data source and provider block, then the stack itself. */
  targets(): readonly AuditTarget[] {
    return this.all;
  }

  /** Resources (or `data.<type>` data sources) of one type. */
  resources(type: string): AuditTarget[] {
    return this.all.filter((t) => t.type === type && (t.kind === "resource" || t.kind === "data"));
  }

  /** The resource at an address such as `aws_s3_bucket.x`. */
  get(address: string | undefined): AuditTarget | undefined {
    return address === undefined ? undefined : this.byAddress.get(address);
  }

  /** Resources of `type` whose `attribute` references `target` (e.g. the flow logs whose `vpc_id` is this VPC's). */
  referrers(type: string, attribute: string, target: AuditTarget): AuditTarget[] {
    return this.resources(type).filter((r) => refersTo(r.body[attribute], target.address));
  }

  /**
   * The S3 sub-resources of a bucket (`aws_s3_bucket_policy`, `..._public_access_block`, ...): those
   * whose `bucket` references it or names it literally.
   */
  bucketChildren(type: string, bucket: AuditTarget): AuditTarget[] {
    const name = bucket.body.bucket;
    return this.resources(type).filter(
      (r) => refersTo(r.body.bucket, bucket.address) || (typeof name === "string" && r.body.bucket === name),
    );
  }
}

const sourceOf = (body: Block) => sourceLocation(stackTraceOf(body));

function collectTargets(stackName: string, tf: TerraformJson): AuditTarget[] {
  const targets: AuditTarget[] = [];
  for (const [type, byName] of Object.entries(tf.resource ?? {})) {
    for (const [name, body] of Object.entries(byName ?? {})) {
      targets.push({
        kind: "resource",
        type,
        name,
        address: `${type}.${name}`,
        constructPath: metadataPath(body),
        source: sourceOf(body),
        body,
      });
    }
  }
  for (const [type, byName] of Object.entries(tf.data ?? {})) {
    for (const [name, body] of Object.entries(byName ?? {})) {
      const address = `data.${type}.${name}`;
      targets.push({ kind: "data", type: `data.${type}`, name, address, constructPath: metadataPath(body), source: sourceOf(body), body });
    }
  }
  for (const [name, configs] of Object.entries(tf.provider ?? {})) {
    (Array.isArray(configs) ? configs : [configs]).forEach((body, i) => {
      if (!isObject(body)) return;
      const alias = typeof body.alias === "string" ? body.alias : String(i);
      targets.push({
        kind: "provider",
        type: `provider.${name}`,
        name: alias,
        address: `provider.${name}[${alias}]`,
        source: sourceOf(body),
        body,
      });
    });
  }
  targets.push({ kind: "stack", type: "stack", name: stackName, address: "stack", body: tf as Block });
  return targets;
}
