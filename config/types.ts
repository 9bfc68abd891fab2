/**
 * The typed configuration of the platform: one project, one entry per environment.
 * Plain data, no behaviour: `validate()` checks it, `Naming` derives names from it,
 * `main.ts` turns it into stacks.
 */

/** A custom domain served with an ACM certificate. */
export interface DomainConfig {
  /** Fully qualified name, e.g. `api.example.com`. */
  readonly domainName: string;
  /** ARN of an issued ACM certificate covering `domainName`. */
  readonly certificateArn: string;
}

/** GitHub repository whose Actions deploy this platform. */
export interface GithubConfig {
  /** Organisation or user that owns the repository, e.g. `acme`. */
  readonly owner: string;
  /** Repository name, e.g. `platform`. */
  readonly repo: string;
  /**
   * Branch that deploys stage and is protected.
   * @default - "main"
   */
  readonly defaultBranch?: string;
  /**
   * ARN of an IAM OIDC provider for token.actions.githubusercontent.com that already exists in the
   * account (an account holds only one per URL). When set, bootstrap reuses it instead of creating one.
   * @default - bootstrap creates the provider
   */
  readonly existingOidcProviderArn?: string;
  /**
   * Protect the default branch: pull requests with the CI check passing before merge.
   * @default - true
   */
  readonly protectDefaultBranch?: boolean;
  /**
   * Name of the CI status check that branch protection requires.
   * @default - "test"
   */
  readonly requiredCheck?: string;
  /**
   * In environments with required reviewers, the person who starts a deployment cannot approve it
   * (four eyes). Turn off only in a team too small for a second reviewer.
   * @default - true
   */
  readonly preventSelfReview?: boolean;
  /**
   * GitHub users (`@name`) or teams (`@org/team`) who own the platform: `.github/CODEOWNERS` names
   * them for `.github/`, `bootstrap/`, `config/` and `lib/` (a test keeps the file and this list
   * equal), and branch protection requires their review there.
   */
  readonly platformOwners: readonly string[];
  /**
   * The repository's numeric id (`gh api repos/OWNER/REPO --jq .id`). With `ownerId`, the github
   * stack sets the repository's OIDC subject template to the ids and every role trusts
   * `repository_owner_id:<ownerId>:repository_id:<repositoryId>:<context>`, so a renamed or
   * re-created repository of the same name cannot assume the roles. Set both or neither.
   * @default - trust by name: `repo:<owner>/<repo>:<context>`
   */
  readonly repositoryId?: string;
  /**
   * The owner's numeric id (`gh api repos/OWNER/REPO --jq .owner.id`); see `repositoryId`.
   * @default - trust by name
   */
  readonly ownerId?: string;
}

/** Settings of the bootstrap stack (state bucket, lock table, OIDC trust). */
export interface BootstrapConfig {
  /**
   * Keep the bootstrap stack's own state in the state bucket it created (key `bootstrap/terraform.tfstate`).
   * Flip to true after the first `cdktf deploy bootstrap`, then run
   * `cdktf deploy bootstrap --migrate-state` (see README).
   * @default - false: state in the local file terraform.bootstrap.tfstate
   */
  readonly stateInBucket?: boolean;
  /**
   * Days after which noncurrent versions of state objects are deleted.
   * @default - 90
   */
  readonly noncurrentVersionExpirationDays?: number;
}

export interface ProjectConfig {
  /** Short lowercase name; prefixes every resource name (`<name>-<env>-...`) and the state bucket. */
  readonly name: string;
  /** 12-digit AWS account id that every stack deploys to. */
  readonly accountId: string;
  /** AWS region, e.g. `eu-west-1`. */
  readonly region: string;
  readonly github: GithubConfig;
  readonly bootstrap?: BootstrapConfig;
}

/** A deliberate deviation from the production guardrails, with the reason written down. */
export interface AcceptedRisk {
  /** The setting, as named in errors, e.g. `database.multiAz`. */
  readonly setting: string;
  /** Why this environment may run without it. */
  readonly reason: string;
}

export interface NetworkConfig {
  /** IPv4 CIDR of the VPC, /16 to /22, e.g. `10.10.0.0/16`; must not overlap another environment's. */
  readonly vpcCidr: string;
  /** Availability zones to spread subnets over, 2 to 4. */
  readonly azCount: number;
  /** `single`: one NAT gateway shared by all AZs (cheap); `perAz`: one per AZ (survives an AZ outage). */
  readonly natGateways: "single" | "perAz";
  /** Retention of VPC flow logs in CloudWatch Logs, in days. */
  readonly flowLogRetentionDays: number;
}

export interface ServiceConfig {
  /** Fargate task CPU units (256, 512, 1024, 2048, 4096). */
  readonly cpu: number;
  /** Fargate task memory in MiB, valid for the CPU size. */
  readonly memoryMiB: number;
  /** Tasks the service starts with; between minCount and maxCount. */
  readonly desiredCount: number;
  /** Autoscaling lower bound. */
  readonly minCount: number;
  /** Autoscaling upper bound. */
  readonly maxCount: number;
  /** Average CPU utilisation that target tracking holds, in percent. */
  readonly cpuTargetPercent: number;
  /** Retention of the container logs, in days. */
  readonly logRetentionDays: number;
  /** Images ECR keeps; older ones expire. */
  readonly keepImages: number;
}

export interface LoadBalancerConfig {
  /** Refuse deletion of the ALB (a destroy must first turn this off). */
  readonly deletionProtection: boolean;
  /** Write ALB access logs to an encrypted, private bucket. */
  readonly accessLogs: boolean;
  /**
   * Serve the API over HTTPS on this domain; port 80 then redirects to 443.
   * Without it the ALB listens on HTTP port 80 only: set `httpOnlyReason` to say why.
   */
  readonly https?: DomainConfig;
  /** Required when `https` is absent: the reason this environment serves plain HTTP. */
  readonly httpOnlyReason?: string;
}

export interface DatabaseConfig {
  /** PostgreSQL engine version, e.g. `16.4` (major.minor) or `16`. */
  readonly engineVersion: string;
  /** Instance class, e.g. `db.t4g.micro`. */
  readonly instanceClass: string;
  /** Initial storage in GiB (>= 20). */
  readonly allocatedStorageGiB: number;
  /** Storage autoscaling ceiling in GiB (> allocatedStorageGiB). */
  readonly maxAllocatedStorageGiB: number;
  /** Standby in a second AZ with automatic failover. */
  readonly multiAz: boolean;
  /** Refuse deletion of the instance. */
  readonly deletionProtection: boolean;
  /** Days of automated backups, 7 to 35. */
  readonly backupRetentionDays: number;
  /** Performance Insights (7 days, free tier). */
  readonly performanceInsights: boolean;
  /** Name of the application database. */
  readonly databaseName: string;
}

export interface SiteConfig {
  /** CloudFront price class: PriceClass_100, PriceClass_200 or PriceClass_All. */
  readonly priceClass: "PriceClass_100" | "PriceClass_200" | "PriceClass_All";
  /** Custom domain; its certificate must be in us-east-1 (CloudFront's requirement). */
  readonly domain?: DomainConfig;
}

export interface GithubEnvironmentConfig {
  /** GitHub users who must approve a deployment to this environment (none: no approval). */
  readonly requiredReviewers: readonly string[];
}

export interface EnvironmentConfig {
  /** Lowercase name, e.g. `stage`: the stack name, the GitHub environment, the state key prefix. */
  readonly name: string;
  /**
   * `production` turns on the production guardrails: multi-AZ database, deletion protection,
   * NAT per AZ and backups of at least 14 days, unless listed in `acceptedRisks` with a reason.
   */
  readonly tier: "production" | "non-production";
  readonly network: NetworkConfig;
  readonly service: ServiceConfig;
  readonly loadBalancer: LoadBalancerConfig;
  readonly database: DatabaseConfig;
  readonly site: SiteConfig;
  readonly github: GithubEnvironmentConfig;
  /** Production guardrails this environment deliberately does without. */
  readonly acceptedRisks?: readonly AcceptedRisk[];
}

export interface PlatformConfig {
  readonly project: ProjectConfig;
  readonly environments: readonly EnvironmentConfig[];
}
