import { App } from "cdktf";
import { platform } from "./config/platform";
import { buildPlatform } from "./lib/platform-app";
import { localTargetFrom } from "./lib/local-target";
import { removeStaleSynthOutput, rewriteHclOutput } from "./lib/synth-output";

// The only place that reads the process environment: everything below receives props.
const app = new App();
buildPlatform(app, platform, {
  local: localTargetFrom(process.env),
  imageTag: process.env.IMAGE_TAG || undefined,
});
app.synth();
rewriteHclOutput(app);
removeStaleSynthOutput(app.outdir, app.hclOutput);
