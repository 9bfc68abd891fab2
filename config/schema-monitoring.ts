/** The `monitoring` section of an environment (config/schema.ts): alarms, who they notify, their thresholds. */
import { z } from "zod";
import { flag, whole } from "./schema-common";

const SUBSCRIBER_EXAMPLE = 'use e.g. "oncall@example.com" or "https://events.pagerduty.com/integration/<key>/enqueue"';
/** An address SNS delivers to and a person reads: plain characters only, so no template or quote can hide in it. */
const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;
/** An https URL of RFC 3986 characters (`{`, `}`, `"`, spaces and the like percent-encoded), without user:password@. */
const HTTPS_URL = /^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*)?$/;

/** Why `s` is not an email address or https URL the alarms can notify, or undefined. */
export function subscriberProblem(s: string): string | undefined {
  if (/^mailto:/i.test(s)) return `is a mailto: link; write the address alone, e.g. "${s.replace(/^mailto:/i, "").split("?")[0]}"`;
  if (/^https?:\/\/[^/]*@/i.test(s)) {
    return (
      "holds credentials (user:password@) in the URL, which SNS shows to anyone who can read the subscription; " +
      "use a URL that carries its token in the path"
    );
  }
  if (EMAIL.test(s) || HTTPS_URL.test(s)) return undefined;
  if (s.startsWith("http://")) return `must be https: plain http would send alarms in clear; ${SUBSCRIBER_EXAMPLE}`;
  return `must be an email address or an https:// URL of plain characters (percent-encode spaces, quotes, braces); ${SUBSCRIBER_EXAMPLE}`;
}

/** An email address or an HTTPS endpoint that the environment's alarms notify. */
const subscriber = z
  .string({ error: 'must be an email address or an https:// URL; use e.g. "oncall@example.com"' })
  .superRefine((s, ctx) => {
    const problem = subscriberProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/**
 * Alarm thresholds. Every one has a production default, chosen so that an alarm means a person must
 * act; stage may relax them, prod may tighten them. Rates are measured over 5-minute periods.
 */
export const MonitoringThresholdsSchema = z
  .strictObject({
    /**
     * Percentage of API requests answered 5xx by the tasks (target 5xx / requests) that pages, 1 to 50.
     * Also a deployment alarm: a release that raises it is rolled back.
     * @default 5
     */
    api5xxRatePercent: whole(1, 50, 5, "percent").optional(),
    /**
     * Requests in a minute below which the 5xx rates (API and site) are not judged, 1 to 100000:
     * two errors out of three requests on a quiet stage are not an incident. A quieter minute counts
     * as 0%, so production takes at most 60 (one a second) without an accepted risk (config/guardrails.ts).
     * @default 10
     */
    minRequestsForErrorRate: whole(1, 100000, 10, "requests").optional(),
    /**
     * 5xx answers the load balancer itself generates (no healthy target, timeouts) per 5 minutes, 1 to 100000.
     * @default 10
     */
    loadBalancer5xxCount: whole(1, 100000, 10, "responses").optional(),
    /**
     * Minutes in a row with at least one unhealthy target before paging, 1 to 30. Also a deployment
     * alarm: a release whose tasks fail their health check is rolled back.
     * @default 3
     */
    unhealthyHostMinutes: whole(1, 30, 3, "minutes").optional(),
    /**
     * p99 target response time, in milliseconds, that pages when held for 15 minutes, 100 to 60000.
     * @default 2000
     */
    p99LatencyMs: whole(100, 60000, 2000, "milliseconds").optional(),
    /**
     * Average service CPU (percent of the task size) held for 15 minutes, 50 to 100: autoscaling
     * targets `service.cpuTargetPercent`, so this means it has run out of room (maxCount reached).
     * @default 90
     */
    serviceCpuPercent: whole(50, 100, 90, "percent").optional(),
    /**
     * Average service memory (percent of the task size) held for 15 minutes, 50 to 100: a leak or a
     * task size too small, before the kernel kills tasks.
     * @default 90
     */
    serviceMemoryPercent: whole(50, 100, 90, "percent").optional(),
    /**
     * Database CPU percent held for 15 minutes, 50 to 100.
     * @default 80
     */
    databaseCpuPercent: whole(50, 100, 80, "percent").optional(),
    /**
     * Freeable database memory, in MiB, below which it pages (15 minutes), 16 to 65536.
     * @default 128
     */
    databaseFreeableMemoryMiB: whole(16, 65536, 128, "MiB").optional(),
    /**
     * Free database storage, in GiB, below which it pages, 1 to 65536; below
     * `database.allocatedStorageGiB`. Storage autoscaling grows the volume first, so this fires only
     * when `maxAllocatedStorageGiB` is nearly reached.
     * @default 5
     */
    databaseFreeStorageGiB: whole(1, 65536, 5, "GiB").optional(),
    /**
     * Database connections held for 15 minutes that page, 1 to 100000; keep it below the instance
     * class's max_connections (about 80 on a db.t4g.micro, 180 on a small).
     * @default 80
     */
    databaseConnections: whole(1, 100000, 80, "connections").optional(),
    /**
     * Percentage of site requests CloudFront answers 5xx that pages, 1 to 100.
     * @default 5
     */
    site5xxRatePercent: whole(1, 100, 5, "percent").optional(),
  })
  .readonly();

export const MonitoringSchema = z
  .strictObject({
    /**
     * Create the environment's alarms, and make ECS roll a release back when its 5xx or
     * unhealthy-host alarm fires. A production guardrail.
     */
    alarms: flag("create the alarms that page and roll back"),
    /**
     * Who the alarms notify: email addresses (each confirms once, from the email AWS sends) and
     * HTTPS endpoints (a paging service's integration URL), at most 20. A production guardrail: at
     * least one, so an alarm reaches a person.
     */
    subscribers: z
      .array(subscriber, { error: 'must list email addresses or https:// URLs; use e.g. ["oncall@example.com"]' })
      .max(20, { error: "may list at most 20 subscribers; point them at a list or a paging service instead" })
      .check((payload) => {
        if (payload.issues.length > 0) return;
        const seen = new Set<string>();
        payload.value.forEach((s, i) => {
          if (seen.has(s.toLowerCase())) {
            const message = "is listed twice; keep one entry (AWS keeps one subscription per address)";
            payload.issues.push({ code: "custom", path: [i], message, input: s });
          }
          seen.add(s.toLowerCase());
        });
      })
      .readonly(),
    /** @default - the production defaults documented on each threshold */
    thresholds: MonitoringThresholdsSchema.optional(),
  })
  .readonly();
