/**
 * The `project` section of the configuration (config/schema.ts): the AWS account and region, the
 * GitHub repository that deploys, the bootstrap stacks' settings and the other accounts.
 */
import { z } from "zod";
import { regionPartition } from "./aws";
import { accountIdSchema, flag, GITHUB_LOGIN, whole } from "./schema-common";

/** The GitHub repository whose Actions deploy this platform. */
export const GithubSchema = z
  .strictObject({
    /** Organisation or user that owns the repository, e.g. `acme` (exact case: it is in the role trust). */
    owner: z.string({ error: 'must be a GitHub user or organisation name; use e.g. "acme"' }).regex(GITHUB_LOGIN, {
      error: 'must be a GitHub user or organisation name; use e.g. "acme"',
    }),
    /** Repository name, e.g. `platform`. */
    repo: z
      .string({ error: 'must be a GitHub repository name; use e.g. "platform"' })
      .regex(/^[A-Za-z0-9._-]{1,100}$/, {
        error: 'must be a GitHub repository name (letters, digits, ".", "-", "_"); use e.g. "platform"',
      })
      .refine((r) => r !== "." && r !== "..", { error: 'must be a GitHub repository name; use e.g. "platform"' })
      .refine((r) => !r.toLowerCase().endsWith(".git"), {
        error: 'ends with ".git", which GitHub refuses in a repository name (it is the clone URL\'s suffix); drop it, e.g. "platform"',
      }),
    /**
     * Branch that deploys stage and is protected; the workflows' push trigger names the same branch
     * (a test keeps them equal).
     * @default "main"
     */
    defaultBranch: z.string({ error: 'must be a branch name; use e.g. "main"' }).optional(),
    /**
     * ARN of an IAM OIDC provider for token.actions.githubusercontent.com that already exists in the
     * account (an account holds only one per URL). When set, bootstrap reuses it instead of creating one.
     * @default - bootstrap creates the provider
     */
    existingOidcProviderArn: z.string({ error: "must be an IAM OIDC provider ARN" }).optional(),
    /**
     * Protect the default branch: pull requests with the CI check passing and a code-owner review
     * before merge, for administrators too. A production guardrail.
     * @default true
     */
    protectDefaultBranch: flag("protect the default branch").optional(),
    /**
     * Name of the CI status check that branch protection requires.
     * @default "test"
     */
    requiredCheck: z
      .string({ error: 'must name the CI job; use e.g. "test"' })
      .refine((s) => s.trim() !== "", { error: 'must name the CI job; use e.g. "test"' })
      .optional(),
    /**
     * In environments with required reviewers, the person who starts a deployment cannot approve it
     * (four eyes). A production guardrail: turn off only with an accepted risk.
     * @default true
     */
    preventSelfReview: flag("the deployer may not approve their own deployment").optional(),
    /**
     * GitHub users (`@name`) or teams (`@org/team`) who own the platform: `.github/CODEOWNERS` names
     * them for every path (`*`; a test keeps the file and this list equal), and the default branch's
     * ruleset requires a code owner's review.
     */
    platformOwners: z
      .array(
        z.string().regex(/^@[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(?:\/[A-Za-z0-9._-]{1,100})?$/, {
          error: 'is not a GitHub user ("@name") or team ("@org/team"); use e.g. "@acme/platform-owners"',
        }),
        { error: 'must list the platform\'s code owners; use e.g. ["@acme/platform-owners"]' },
      )
      .min(1, { error: 'must name at least one code owner of the platform; use e.g. ["@acme/platform-owners"]' })
      .readonly(),
    /**
     * The repository's numeric id (`gh api repos/OWNER/REPO --jq .id`). With `ownerId`, the github
     * stack sets the repository's OIDC subject template to the ids and every role trusts
     * `repository_owner_id:<ownerId>:repository_id:<repositoryId>:<context>`, so a renamed or
     * re-created repository of the same name cannot assume the roles. Set both or neither.
     * @default - trust by name: `repo:<owner>/<repo>:<context>`
     */
    repositoryId: z
      .string({ error: "must be the numeric id as a string of digits; find it with gh api repos/OWNER/REPO --jq .id" })
      .regex(/^[1-9][0-9]{0,19}$/, {
        error: "must be the numeric id as a string of digits; find it with gh api repos/OWNER/REPO --jq .id",
      })
      .optional(),
    /**
     * The owner's numeric id (`gh api repos/OWNER/REPO --jq .owner.id`); see `repositoryId`.
     * @default - trust by name
     */
    ownerId: z
      .string({ error: "must be the numeric id as a string of digits; find it with gh api repos/OWNER/REPO --jq .owner.id" })
      .regex(/^[1-9][0-9]{0,19}$/, {
        error: "must be the numeric id as a string of digits; find it with gh api repos/OWNER/REPO --jq .owner.id",
      })
      .optional(),
  })
  .readonly();

/** Settings of the bootstrap stack (state bucket, lock table, OIDC trust). */
export const BootstrapSchema = z
  .strictObject({
    /**
     * Keep the bootstrap stack's own state in the state bucket it created (key `bootstrap/terraform.tfstate`).
     * Flip to true after the first `cdktf deploy bootstrap`, then run
     * `cdktf deploy bootstrap --migrate-state` (see README).
     * @default false - state in the local file terraform.bootstrap.tfstate
     */
    stateInBucket: flag("keep the bootstrap's state in the bucket").optional(),
    /**
     * Days after which noncurrent versions of state objects are deleted, 1 to 3650.
     * @default 90
     */
    noncurrentVersionExpirationDays: whole(1, 3650, 90, "days").optional(),
  })
  .readonly();

/**
 * An AWS account other than the project's that hosts one or more environments (their `accountId`),
 * with the settings of the bootstrap stack that prepares it (`bootstrap-<env>`): its own state
 * bucket, lock table, GitHub OIDC provider, the deploy roles of the environments it hosts and its
 * own plan role. Its environments share these settings: they are written once, here.
 */
export const AccountSchema = z
  .strictObject({
    /** The account's 12-digit id; environments name it as their `accountId`. */
    accountId: accountIdSchema,
    /** @default - state in a local file, noncurrent state versions kept 90 days */
    bootstrap: BootstrapSchema.optional(),
    /**
     * ARN of the GitHub OIDC provider that already exists in this account.
     * @default - the account's bootstrap creates the provider
     */
    existingOidcProviderArn: z.string({ error: "must be an IAM OIDC provider ARN" }).optional(),
  })
  .readonly();

export const ProjectSchema = z
  .strictObject({
    /**
     * Short lowercase name, 3-20 characters; prefixes every resource name (`<name>-<env>-...`) and
     * the state bucket.
     */
    name: z
      .string({ error: 'must be a short lowercase name; use e.g. "acme-platform"' })
      .regex(/^[a-z][a-z0-9-]{1,18}[a-z0-9]$/, {
        error:
          "must be 3-20 lowercase letters, digits or single hyphens, starting with a letter (it prefixes S3 bucket names); " +
          'use e.g. "acme-platform"',
      })
      .refine((n) => !n.includes("--"), { error: 'may not hold "--" (S3 and load balancer names refuse it); use e.g. "acme-platform"' }),
    /**
     * 12-digit AWS account id (as a string: leading zeros count) of the bootstrap and github stacks'
     * state and of every environment that names no `accountId` of its own.
     */
    accountId: accountIdSchema,
    /** AWS region of the commercial partition, e.g. `eu-west-1`. */
    region: z.string({ error: 'is not an AWS region name; use e.g. "eu-west-1"' }).superRefine((region, ctx) => {
      const partition = regionPartition(region);
      if (partition === undefined) ctx.addIssue({ code: "custom", message: 'is not an AWS region name; use e.g. "eu-west-1"' });
      else if (partition !== "aws") {
        ctx.addIssue({
          code: "custom",
          message:
            `is in the ${partition} partition; this platform's ARNs, endpoints and GitHub trust are written for the ` +
            'commercial aws partition: use a region such as "eu-west-1"',
        });
      }
    }),
    github: GithubSchema,
    /** @default - state in a local file, noncurrent state versions kept 90 days */
    bootstrap: BootstrapSchema.optional(),
    /**
     * The other AWS accounts environments deploy to (an account per environment, README "Two
     * layouts"), each bootstrapped by a stack of its own. Every `accountId` an environment names
     * other than the project's must be listed here.
     * @default - none: every environment shares the project's account
     */
    accounts: z
      .array(AccountSchema, { error: 'must be a list of { accountId }; use e.g. [{ accountId: "210987654321" }]' })
      .readonly()
      .optional(),
  })
  .readonly();
