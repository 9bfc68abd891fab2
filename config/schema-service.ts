/** The `service` and `loadBalancer` sections of an environment (config/schema.ts): the API on Fargate behind an ALB. */
import { z } from "zod";
import { FARGATE_MEMORY } from "./fargate";
import { domainSchema, flag, retentionDays, sectionRule, whole } from "./schema-common";

export const ServiceSchema = z
  .strictObject({
    /** Fargate task CPU units: 256, 512, 1024, 2048 or 4096. */
    cpu: z
      .int({ error: "must be a Fargate CPU size: 256, 512, 1024, 2048 or 4096" })
      .refine((v) => [256, 512, 1024, 2048, 4096].includes(v), { error: "must be a Fargate CPU size: 256, 512, 1024, 2048 or 4096" }),
    /** Fargate task memory in MiB, one of the sizes Fargate pairs with `cpu`. */
    memoryMiB: z.int({ error: "must be a whole number of MiB" }),
    /** Tasks the service starts with, within minCount..maxCount; autoscaling owns the count afterwards. */
    desiredCount: whole(0, 100, 2),
    /** Autoscaling lower bound, 1 to 100. */
    minCount: whole(1, 100, 2),
    /** Autoscaling upper bound, minCount to 100. */
    maxCount: whole(1, 100, 6),
    /** Average CPU utilisation that target tracking holds, 10 to 90 percent. */
    cpuTargetPercent: whole(10, 90, 60),
    /** Retention of the container logs, in days (one of CloudWatch's values). */
    logRetentionDays: retentionDays,
    /** Images the ECR repository keeps, 1 to 1000; older ones expire. */
    keepImages: whole(1, 1000, 20),
  })
  .check(
    sectionRule((s, problem) => {
      const memories = FARGATE_MEMORY[s.cpu];
      if (memories && !memories.includes(s.memoryMiB)) {
        problem("memoryMiB", `is not a Fargate memory size for ${s.cpu} CPU units; use one of ${memories.join(", ")}`);
      }
      if (s.maxCount < s.minCount) problem("maxCount", `must be a whole number from minCount (${s.minCount}) to 100`);
      else if (s.desiredCount < s.minCount || s.desiredCount > s.maxCount) {
        problem("desiredCount", `must lie within the autoscaling bounds minCount..maxCount (${s.minCount}..${s.maxCount})`);
      }
    }),
  )
  .readonly();

export const LoadBalancerSchema = z
  .strictObject({
    /** Refuse deletion of the ALB (a destroy must first turn this off). A production guardrail. */
    deletionProtection: flag("refuse deletion of the load balancer"),
    /** Write ALB access logs to an encrypted, private bucket. A production guardrail. */
    accessLogs: flag("write access logs"),
    /**
     * Serve the API over HTTPS on this domain; port 80 then redirects to 443. A production guardrail.
     * @default - HTTP on port 80 only: `httpOnlyReason` must say why
     */
    https: domainSchema("api.example.com").optional(),
    /** Required when `https` is absent: why this environment serves plain HTTP (10 characters or more). */
    httpOnlyReason: z.string({ error: "must say why this environment serves plain HTTP" }).optional(),
  })
  .check(
    sectionRule((lb, problem) => {
      if (!lb.https && (lb.httpOnlyReason ?? "").trim().length < 10) {
        problem(
          "httpOnlyReason",
          "must say why this environment serves plain HTTP (no https domain is configured); or set loadBalancer.https",
        );
      }
    }),
  )
  .readonly();
