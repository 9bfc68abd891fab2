/**
 * Checks the configuration: first its shape against the schema (config/schema.ts: types, ranges,
 * unknown keys, the rules within a section), then the rules that relate sections, environments and
 * the project (config/rules-environment.ts, config/rules-project.ts).
 */
import { plainDataProblems } from "./plain-data";
import { Collector, ConfigError } from "./problems";
import { validateEnvironment } from "./rules-environment";
import { validatePreviews } from "./rules-previews";
import { validateAcrossEnvironments, validateProject } from "./rules-project";
import { PlatformSchema } from "./schema";
import type { PlatformConfig } from "./types";
import { problemsOfShape, settingName } from "./validate-shape";

export { LOG_RETENTION_DAYS } from "./aws";
export { PRODUCTION_GUARDRAILS } from "./guardrails";
export { ConfigError, type ConfigProblem, formatProblem } from "./problems";
export { RESERVED_ENVIRONMENT_NAMES } from "./rules-environment";

/**
 * Checks the whole configuration before any stack is built: first its shape against the schema
 * (types, ranges, unknown keys), then the rules that relate settings. Throws one ConfigError that
 * lists every bad setting with its value and the fix; returns the config when it is valid.
 */
export function validate(input: unknown): PlatformConfig {
  const name = (path: readonly PropertyKey[]) => settingName(path, input);
  // Code where data belongs (a function, a BigInt, NaN, a getter that throws) first: the schema would misreport it.
  const notData = plainDataProblems(input, name);
  if (notData.length > 0) throw new ConfigError(notData);
  const parsed = PlatformSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(problemsOfShape(parsed.error.issues, input, PlatformSchema, name));
  }
  const config = input as PlatformConfig;
  const c = new Collector();
  validateProject(config.project, c);
  for (const e of config.environments) validateEnvironment(config.project, e, config.environments, c);
  validateAcrossEnvironments(config, c);
  validatePreviews(config, c);
  if (c.problems.length > 0) throw new ConfigError(c.problems);
  return config;
}
