/**
 * Settings each valid alone but wrong together, or wrong for production: alarms that can never or
 * always fire, a history too short to roll back to, settings another one makes ignored, the
 * documentation's placeholders left in a real production environment.
 */
import type { Collector } from "./problems";
import type { EnvironmentConfig } from "./types";

/** Account ids the documentation and the example configuration use: not a real account. */
export const DOCUMENTATION_ACCOUNT_IDS = ["123456789012", "210987654321"];
/** Domains reserved for documentation (RFC 2606): nobody receives mail or traffic there. */
const EXAMPLE_DOMAIN = /(^|[.@])example\.(com|net|org)(\/|:|$)/i;

/** Memory of an RDS instance class in MiB, for the burstable, general purpose and memory optimised families; else undefined. */
export function rdsInstanceMemoryMiB(instanceClass: string): number | undefined {
  const match = /^db\.([a-z])(\d+)[a-z]*\.(micro|small|medium|large|(\d*)xlarge)$/.exec(instanceClass);
  if (!match) return undefined;
  const [, kind, , size, times] = match;
  const burstable: Record<string, number> = { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, "2xlarge": 32 };
  if (kind === "t") return burstable[size] === undefined ? undefined : burstable[size] * 1024;
  const perLarge = kind === "m" ? 8 : kind === "r" ? 16 : undefined;
  if (perLarge === undefined || size === "micro" || size === "small" || size === "medium") return undefined;
  const multiple = size === "large" ? 1 : 2 * Number(times || 1);
  return perLarge * multiple * 1024;
}

/** The rules between an environment's settings (`at` turns a setting into its name in errors). */
export function validateCombinations(e: EnvironmentConfig, accountId: string, c: Collector, at: (setting: string) => string): void {
  const t = e.monitoring.thresholds ?? {};
  const serviceCpu = t.serviceCpuPercent ?? 90;
  c.check(
    serviceCpu > e.service.cpuTargetPercent,
    at("monitoring.thresholds.serviceCpuPercent"),
    serviceCpu,
    `must be above service.cpuTargetPercent (${e.service.cpuTargetPercent}), the CPU autoscaling holds the service at, ` +
      `or the alarm fires whenever autoscaling works; use e.g. ${Math.min(100, e.service.cpuTargetPercent + 25)}`,
  );
  const memory = rdsInstanceMemoryMiB(e.database.instanceClass);
  const freeable = t.databaseFreeableMemoryMiB ?? 128;
  if (memory !== undefined) {
    c.check(
      freeable < memory / 2,
      at("monitoring.thresholds.databaseFreeableMemoryMiB"),
      freeable,
      `must be below half the memory of a ${e.database.instanceClass} (${memory} MiB; PostgreSQL's buffers take the rest), ` +
        `or the alarm always fires; use e.g. ${Math.max(16, Math.floor(memory / 8))}`,
    );
  }
  if (memory !== undefined) {
    // RDS for PostgreSQL's default max_connections: LEAST(DBInstanceClassMemory / 9531392, 5000), and
    // DBInstanceClassMemory is below the class's memory: at or above this bound, the alarm never fires.
    const maxConnections = Math.min(Math.floor((memory * 1024 * 1024) / 9531392), 5000);
    const connections = t.databaseConnections ?? 80;
    c.check(
      connections < maxConnections,
      at("monitoring.thresholds.databaseConnections"),
      connections,
      `must be below the ${maxConnections} connections a ${e.database.instanceClass} allows at most (max_connections), ` +
        `or the alarm never fires; use e.g. ${Math.floor(maxConnections * 0.7)}`,
    );
  }
  c.check(
    e.service.keepImages >= 2,
    at("service.keepImages"),
    e.service.keepImages,
    "keeps only the running image: a rollback needs the one before it; use at least 2, e.g. 20",
  );
  if (e.tier === "production") {
    for (const [setting, days] of [
      ["service.logRetentionDays", e.service.logRetentionDays],
      ["network.flowLogRetentionDays", e.network.flowLogRetentionDays],
    ] as const) {
      c.check(
        days >= 30,
        at(setting),
        days,
        "must keep production logs at least 30 days (an incident is often found weeks later); use e.g. 365",
      );
    }
  }

  // A setting another one makes ignored: say so rather than ignore it.
  c.check(
    e.loadBalancer.https === undefined || e.loadBalancer.httpOnlyReason === undefined,
    at("loadBalancer.httpOnlyReason"),
    e.loadBalancer.httpOnlyReason,
    "is ignored: loadBalancer.https is set, so the API is not served over plain HTTP; remove httpOnlyReason",
  );
  c.check(
    e.migration === undefined || e.migration.command.length > 0 || e.migration.timeoutMinutes === undefined,
    at("migration.timeoutMinutes"),
    e.migration?.timeoutMinutes,
    "is ignored: migration.command is empty, so no migration runs; remove the timeout or set a command",
  );

  // The documentation's placeholders, left in production in a real account (the example configuration keeps its own).
  if (e.tier === "production" && !DOCUMENTATION_ACCOUNT_IDS.includes(accountId)) {
    const placeholders: [string, string | undefined][] = [
      ...e.monitoring.subscribers.map((s, i): [string, string] => [`monitoring.subscribers[${i}]`, s]),
      ["loadBalancer.https.domainName", e.loadBalancer.https?.domainName],
      ["site.domain.domainName", e.site.domain?.domainName],
    ];
    for (const [setting, value] of placeholders) {
      c.check(
        value === undefined || !EXAMPLE_DOMAIN.test(value),
        at(setting),
        value,
        "is the documentation's placeholder (example.com receives nothing) in a production environment; use your own address or domain",
      );
    }
  }
}
