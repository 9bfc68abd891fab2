/**
 * The PostgreSQL versions RDS offers, as data: what `database.engineVersion` is checked against, so
 * a version RDS does not have stops the check instead of a half-done apply.
 *
 * Source: `aws rds describe-db-engine-versions --engine postgres --query
 * "DBEngineVersions[].EngineVersion"` and the RDS for PostgreSQL release calendar
 * (https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-release-calendar.html).
 * Transcribed by hand: the machine that wrote this table had no network. When RDS adds a version,
 * add it here (the check's message says so).
 */
export const RDS_POSTGRES_VERSIONS = {
  /** The date the table was known to hold; not a download date. */
  date: "2025-06-01",
  /**
   * Each major version RDS offers: the newest minor known on `date` (a newer minor cannot exist yet
   * by that date; RDS retires old minors, so pin a recent one) and the end of RDS standard support,
   * after which RDS charges Extended Support or upgrades the instance.
   */
  majors: {
    13: { latestMinor: 21, endOfStandardSupport: "2026-02-28" },
    14: { latestMinor: 18, endOfStandardSupport: "2027-02-28" },
    15: { latestMinor: 13, endOfStandardSupport: "2028-02-29" },
    16: { latestMinor: 9, endOfStandardSupport: "2029-02-28" },
    17: { latestMinor: 5, endOfStandardSupport: "2030-02-28" },
  } as Record<number, { readonly latestMinor: number; readonly endOfStandardSupport: string }>,
} as const;

/**
 * Why RDS would refuse (or soon stop supporting) PostgreSQL `version` ("16" or "16.4"), or undefined.
 * @param today the date to judge the end of standard support by (YYYY-MM-DD)
 */
export function rdsPostgresVersionProblem(version: string, today: string): string | undefined {
  const [major, minor] = version.split(".").map(Number);
  const known = Object.keys(RDS_POSTGRES_VERSIONS.majors).map(Number);
  const newest = Math.max(...known);
  const entry = RDS_POSTGRES_VERSIONS.majors[major];
  const refresh = `(config/rds-postgres.ts, as of ${RDS_POSTGRES_VERSIONS.date}: add a version RDS has added since)`;
  if (!entry) return `is not a PostgreSQL major version RDS offers; use one of ${known.join(", ")}, e.g. "${newest}" ${refresh}`;
  if (minor !== undefined && minor > entry.latestMinor) {
    return (
      `is not a PostgreSQL ${major} minor version RDS offers (the newest known is ${major}.${entry.latestMinor}); ` +
      `use "${major}" or "${major}.${entry.latestMinor}" ${refresh}`
    );
  }
  if (entry.endOfStandardSupport <= today) {
    return (
      `is past the end of RDS standard support (${entry.endOfStandardSupport}): RDS charges Extended Support for it; ` +
      `upgrade to "${newest}"`
    );
  }
  return undefined;
}
