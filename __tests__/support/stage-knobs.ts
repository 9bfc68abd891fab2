import { buildPlatform } from "../../app";
import { synthesizeApp } from "../../audit/synth";
import type { TerraformJson } from "../../audit/types";
import type { PlatformConfig } from "../../config/types";
import { EnvironmentStack } from "../../stacks/environment-stack";
import { sampleConfig } from "./sample";

/** Stack id of stage built with two knobs turned: a NAT gateway per AZ and a multi-AZ database. */
export const STAGE_KNOBS = "stage-knobs";

/**
 * The shipped platform and, in the same app (one synth per test file), stage with `natGateways:
 * "perAz"` and `multiAz: true` as stack `stage-knobs`. Resource addresses depend on the construct
 * path within a stack only, so the two stages compare address by address.
 */
export function synthWithStageKnobs(): { config: PlatformConfig; stacks: Record<string, TerraformJson> } {
  const config = sampleConfig();
  const stage = config.environments.find((e) => e.name === "stage")!;
  const stacks = synthesizeApp(
    (app) => {
      buildPlatform(app, config);
      new EnvironmentStack(app, STAGE_KNOBS, {
        project: config.project,
        environment: { ...stage, network: { ...stage.network, natGateways: "perAz" }, database: { ...stage.database, multiAz: true } },
      });
    },
    { stackTraces: false },
  );
  return { config, stacks: Object.fromEntries(stacks.map((s) => [s.name, s.tf])) };
}
