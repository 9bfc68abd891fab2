/**
 * Building blocks of the configuration's schema (config/schema.ts): the value kinds several sections
 * share, each with the fix in its message, and `sectionRule` for a rule between the settings of one
 * section.
 */
import { type core, z } from "zod";
import { LOG_RETENTION_DAYS } from "./aws";

/** A whole number from `min` to `max`, with the fix in the message. */
export const whole = (min: number, max: number, example: number, unit = "") => {
  const error = `must be a whole number ${unit ? `of ${unit} ` : ""}from ${min} to ${max}; use e.g. ${example}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
};

export const flag = (what: string) => z.boolean({ error: `must be true or false (a boolean, not a string): ${what}` });

export const retentionDays = z
  .number({ error: `must be one of CloudWatch's retention values (${LOG_RETENTION_DAYS.join(", ")})` })
  .refine((v) => (LOG_RETENTION_DAYS as readonly number[]).includes(v), {
    error: `must be one of CloudWatch's retention values (${LOG_RETENTION_DAYS.join(", ")})`,
  });

/** Text a person wrote to explain a decision: at least 10 characters. */
export const reasonText = (what: string) =>
  z
    .string({ error: `must say ${what} (10 characters or more)` })
    .refine((s) => s.trim().length >= 10, { error: `must say ${what} (10 characters or more)` });

export const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;

/** A 12-digit AWS account id, as a string (leading zeros count). */
export const accountIdSchema = z
  .string({ error: 'must be the 12-digit AWS account id as a string; use e.g. "123456789012"' })
  .regex(/^\d{12}$/, { error: 'must be the 12-digit AWS account id; use e.g. "123456789012"' });

/** A custom domain served with an ACM certificate. */
export const domainSchema = (example: string) =>
  z
    .strictObject({
      /** Fully qualified lowercase name, e.g. `api.example.com`; unique across environments. */
      domainName: z
        .string({ error: `is not a domain name; use e.g. "${example}"` })
        .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
          error: `is not a domain name; use e.g. "${example}"`,
        }),
      /**
       * ARN of an issued ACM certificate covering `domainName`, in the environment's account: in the
       * project region for the load balancer, in us-east-1 for the site (CloudFront's rule).
       */
      certificateArn: z.string({ error: "must be an ACM certificate ARN" }),
    })
    .readonly();
export const DomainSchema = domainSchema("api.example.com");

/**
 * A check between settings of one section (`maxAllocatedStorageGiB` above `allocatedStorageGiB`),
 * for `.check()`. It runs only once every setting of the section is valid on its own, so a bad
 * value is reported once, by its own setting. `problem` names a setting of the section and the fix.
 */
export function sectionRule<T>(rule: (section: T, problem: (setting: keyof T & string, fix: string) => void) => void) {
  return (payload: core.ParsePayload<T>): void => {
    if (payload.issues.length > 0) return;
    rule(payload.value, (setting, fix) =>
      payload.issues.push({ code: "custom", path: [setting], message: fix, input: payload.value[setting] }),
    );
  };
}
