/**
 * The `worker` and `jobs` sections of an environment (config/schema.ts): the workloads beside the API,
 * each run in the API's image with a command of its own. Both are off unless configured, and both
 * need roles the bootstrap creates: turning one on needs a bootstrap apply first (README: "Adding a
 * workload").
 */
import { z } from "zod";
import { FARGATE_MEMORY } from "./fargate";
import { sectionRule, whole } from "./schema-common";

/** An argument list (no shell), e.g. `["npm", "run", "worker"]`. */
const command = (example: string) =>
  z
    .array(z.string().min(1, { error: "may not hold an empty argument" }), { error: `must be a list of arguments; use e.g. ${example}` })
    .min(1, { error: `must name the program to run; use e.g. ${example}` })
    .max(50, { error: "may hold at most 50 arguments" })
    .readonly();

const FARGATE_CPU_ERROR = "must be a Fargate CPU size: 256, 512, 1024, 2048 or 4096";
const fargateCpu = z.int({ error: FARGATE_CPU_ERROR }).refine((v) => v in FARGATE_MEMORY, { error: FARGATE_CPU_ERROR });

/** The CPU/memory pairing Fargate accepts, for a section with `cpu` and `memoryMiB`. */
function fargateSize(s: { cpu: number; memoryMiB: number }, problem: (setting: "memoryMiB", fix: string) => void): void {
  const memories = FARGATE_MEMORY[s.cpu];
  if (memories && !memories.includes(s.memoryMiB)) {
    problem("memoryMiB", `is not a Fargate memory size for ${s.cpu} CPU units; use one of ${memories.join(", ")}`);
  }
}

export const WorkerSchema = z
  .strictObject({
    /** Command the worker runs in the API's image, as an argument list, e.g. `["npm", "run", "worker"]`. */
    command: command('["npm", "run", "worker"]'),
    /** Fargate task CPU units: 256, 512, 1024, 2048 or 4096. */
    cpu: fargateCpu,
    /** Fargate task memory in MiB, one of the sizes Fargate pairs with `cpu`. */
    memoryMiB: z.int({ error: "must be a whole number of MiB" }),
    /** Autoscaling lower bound (and the count it starts with), 1 to 100. */
    minCount: whole(1, 100, 1),
    /** Autoscaling upper bound, minCount to 100. */
    maxCount: whole(1, 100, 4),
    /** Visible messages per running task that target tracking holds (the backlog each task may have), 1 to 100000. */
    messagesPerTask: whole(1, 100_000, 100),
    /** Receives of one message before it moves to the dead-letter queue, 1 to 1000. */
    maxReceiveCount: whole(1, 1000, 5),
    /** Seconds a received message stays hidden from other workers, 0 to 43200; longer than the work on one message takes. */
    visibilityTimeoutSeconds: whole(0, 43_200, 60, "seconds"),
    /** Age in seconds of the oldest waiting message that raises the alarm, 60 to 1209600. */
    oldestMessageAlarmSeconds: whole(60, 1_209_600, 900, "seconds"),
  })
  .check(
    sectionRule((w, problem) => {
      fargateSize(w, problem);
      if (w.maxCount < w.minCount) problem("maxCount", `must be a whole number from minCount (${w.minCount}) to 100`);
    }),
  )
  .readonly();

/** EventBridge Scheduler's expressions: `cron(<6 fields>)`, `rate(<n> <unit>)` or `at(<time>)`. */
const SCHEDULE_EXPRESSION =
  /^(cron\((\S+ ){5}\S+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\)|at\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\))$/;

export const JobSchema = z
  .strictObject({
    /** 1-24 lowercase letters, digits or hyphens, unique in the environment: the schedule's and the alarm's name. */
    name: z.string({ error: 'must be a short lowercase name; use e.g. "nightly-report"' }).regex(/^[a-z]([a-z0-9-]{0,22}[a-z0-9])?$/, {
      error: 'must be 1-24 lowercase letters, digits or hyphens; use e.g. "nightly-report"',
    }),
    /** When it runs, in EventBridge Scheduler's syntax, e.g. `cron(0 3 * * ? *)` (03:00 every day) or `rate(1 hour)`. */
    schedule: z
      .string({ error: 'must be a schedule expression; use e.g. "cron(0 3 * * ? *)"' })
      .regex(SCHEDULE_EXPRESSION, { error: 'must be cron(<6 fields>), rate(<n> <unit>) or at(<time>); use e.g. "cron(0 3 * * ? *)"' }),
    /** IANA time zone of the schedule, e.g. `Europe/Berlin`. @default "UTC" */
    timezone: z
      .string()
      .regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, { error: 'must be an IANA time zone; use e.g. "Europe/Berlin"' })
      .optional(),
    /** Command the job runs in the API's image, as an argument list; its exit code is logged when it ends. */
    command: command('["npm", "run", "report"]'),
    /** Fargate task CPU units. @default 256 */
    cpu: fargateCpu.optional(),
    /** Fargate task memory in MiB, paired with `cpu`. @default 512 */
    memoryMiB: z.int({ error: "must be a whole number of MiB" }).optional(),
    /** Times the scheduler retries starting the task when ECS refuses it, 0 to 185. @default 2 */
    retries: whole(0, 185, 2).optional(),
  })
  .check(sectionRule((j, problem) => fargateSize({ cpu: j.cpu ?? 256, memoryMiB: j.memoryMiB ?? 512 }, problem)))
  .readonly();

export const JobsSchema = z
  .array(JobSchema, { error: 'must be a list of { name, schedule, command }; use e.g. [{ name: "nightly", ... }]' })
  .max(20, { error: "may hold at most 20 jobs" })
  .refine((jobs) => new Set(jobs.map((j) => j.name)).size === jobs.length, { error: "must give each job its own name" })
  .readonly();
