/**
 * The `previews` section of the platform's configuration (config/schema.ts): an environment per pull
 * request inside a host environment's account (README "Previews"; names in config/preview-naming.ts).
 * Absent: no previews. The rules that need the environments (the host exists and is not production,
 * no environment named `pr`, a domain needs the host's HTTPS listener, the certificate's account and
 * region) are in config/rules-previews.ts.
 */
import { z } from "zod";
import { FARGATE_MEMORY } from "./fargate";
import { retentionDays, sectionRule, whole } from "./schema-common";

/** The "preview" tier: the cheapest Fargate task that runs (0.25 vCPU, 0.5 GB), one task, logs for 3 days. */
export const PREVIEW_SERVICE_DEFAULTS = { cpu: 256, memoryMiB: 512, logRetentionDays: 3 } as const;

/** The postgres client image the database setup task runs, pinned (README "Previews"). */
export const PREVIEW_DATABASE_SETUP_IMAGE = "public.ecr.aws/docker/library/postgres:16.4-alpine";

const FARGATE_CPU_ERROR = "must be a Fargate CPU size: 256, 512, 1024, 2048 or 4096";

/** A preview's API service: smaller than any environment's by default, one task, no autoscaling. */
export const PreviewServiceSchema = z
  .strictObject({
    /**
     * Fargate task CPU units: 256, 512, 1024, 2048 or 4096.
     * @default 256
     */
    cpu: z
      .int({ error: FARGATE_CPU_ERROR })
      .refine((v) => v in FARGATE_MEMORY, { error: FARGATE_CPU_ERROR })
      .optional(),
    /**
     * Fargate task memory in MiB, one of the sizes Fargate pairs with `cpu`.
     * @default 512
     */
    memoryMiB: z.int({ error: "must be a whole number of MiB" }).optional(),
    /**
     * Retention of a preview's container logs, in days (one of CloudWatch's values).
     * @default 3
     */
    logRetentionDays: retentionDays.optional(),
  })
  .check(
    sectionRule((s, problem) => {
      const cpu = s.cpu ?? PREVIEW_SERVICE_DEFAULTS.cpu;
      const memory = s.memoryMiB ?? PREVIEW_SERVICE_DEFAULTS.memoryMiB;
      const memories = FARGATE_MEMORY[cpu] ?? [];
      if (!memories.includes(memory)) {
        problem("memoryMiB", `is not a Fargate memory size for ${cpu} CPU units; use one of ${memories.join(", ")}`);
      }
    }),
  )
  .readonly();

/** The previews' own domain: `pr-<n>.<name>` by host-header rule and DNS record. */
export const PreviewDomainSchema = z
  .strictObject({
    /** Fully qualified lowercase name the previews live under, e.g. `preview.example.com`. */
    name: z
      .string({ error: 'is not a domain name; use e.g. "preview.example.com"' })
      .regex(/^(?=.{1,240}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
        error: 'is not a domain name; use e.g. "preview.example.com"',
      }),
    /** Route 53 hosted zone (in the host's account) the `pr-<n>.<name>` records are written to. */
    hostedZoneId: z
      .string({ error: 'must be a Route 53 hosted zone id; use e.g. "Z0123456789ABCDEFGHIJ"' })
      .regex(/^Z[A-Z0-9]{1,31}$/, { error: 'must be a Route 53 hosted zone id; use e.g. "Z0123456789ABCDEFGHIJ"' }),
    /** ARN of an issued ACM certificate for `*.<name>`, in the project region and the host's account. */
    certificateArn: z.string({ error: "must be an ACM certificate ARN" }),
  })
  .readonly();

export const PreviewsSchema = z
  .strictObject({
    /** The environment whose account, VPC, load balancer, database server and cluster the previews share (not production). */
    host: z.string({ error: 'must name an environment; use e.g. "stage"' }),
    /** Previews alive at once, 1 to 20: the deploy of one more is refused. */
    maxActive: whole(1, 20, 3),
    /** Days without a push after which the reaper destroys a preview, 1 to 30 (a closed pull request's at once). */
    idleDays: whole(1, 30, 7, "days"),
    /**
     * The previews' domain (needs the host's `loadBalancer.https`).
     * @default - no domain: each preview is a path, `http://<host load balancer>/pr-<n>/`
     */
    domain: PreviewDomainSchema.optional(),
    /** @default - the "preview" tier: 256 CPU units, 512 MiB, logs kept 3 days */
    service: PreviewServiceSchema.optional(),
    /**
     * Image of the task that creates and drops a preview's database (a postgres client), pinned by tag or digest.
     * @default - PREVIEW_DATABASE_SETUP_IMAGE
     */
    databaseSetupImage: z
      .string({ error: `must be a container image; use e.g. "${PREVIEW_DATABASE_SETUP_IMAGE}"` })
      .regex(/^[a-z0-9][a-z0-9./_-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[0-9a-f]{64})$/, {
        error: `must be an image pinned by tag or digest; use e.g. "${PREVIEW_DATABASE_SETUP_IMAGE}"`,
      })
      .optional(),
  })
  .readonly();

/** A preview's service settings with the tier's defaults filled in. */
export function previewService(s: { readonly cpu?: number; readonly memoryMiB?: number; readonly logRetentionDays?: number } = {}): {
  cpu: number;
  memoryMiB: number;
  logRetentionDays: number;
} {
  return {
    cpu: s.cpu ?? PREVIEW_SERVICE_DEFAULTS.cpu,
    memoryMiB: s.memoryMiB ?? PREVIEW_SERVICE_DEFAULTS.memoryMiB,
    logRetentionDays: s.logRetentionDays ?? PREVIEW_SERVICE_DEFAULTS.logRetentionDays,
  };
}
