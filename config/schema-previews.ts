/**
 * The `previews` section of the configuration (config/schema.ts, README "Previews"): a pull request's
 * preview in its host environment's account. The shape only; the rules between settings (the host is a
 * non-production environment, a domain needs the host's HTTPS listener, no environment named `pr`)
 * belong with the preview stack.
 */
import { z } from "zod";
import { whole } from "./schema-common";

export const PreviewsSchema = z
  .strictObject({
    /** The environment whose account, VPC, load balancer, database server and cluster previews share, e.g. `stage`. */
    host: z.string({ error: 'must name an environment of tier non-production; use e.g. "stage"' }),
    /** Previews at once: a deploy of one more is refused. */
    maxActive: whole(1, 20, 3),
    /** Days without a push after which the reaper destroys a preview (and a closed pull request's at once). */
    idleDays: whole(1, 30, 7, "days"),
    /**
     * A preview at `pr-<n>.<name>` (host-header rule and an alias record in the zone).
     * @default - none: a path rule `/pr-<n>` on the host's listener
     */
    domain: z
      .strictObject({
        name: z.string({ error: 'must be a DNS name; use e.g. "preview.example.com"' }),
        hostedZoneId: z.string({ error: 'must be a Route 53 hosted zone id; use e.g. "Z0123456789ABCDEFGHIJ"' }),
        certificateArn: z.string({ error: "must be an ACM certificate ARN of a wildcard certificate for the domain" }),
      })
      .readonly()
      .optional(),
    /**
     * The "preview" tier of the API's task.
     * @default - 256 CPU units, 512 MiB, logs kept 3 days
     */
    service: z
      .strictObject({ cpu: z.int().optional(), memoryMiB: z.int().optional(), logRetentionDays: z.int().optional() })
      .readonly()
      .optional(),
  })
  .readonly();
