import { App } from "cdktf";
import { platform } from "./config/platform";
import { buildPlatform } from "./lib/platform-app";
import { localTargetFrom } from "./lib/local-target";
import { ReleaseImage, releaseImageFrom, ReleaseImageError } from "./lib/release-image";
import { removeStaleSynthOutput } from "./lib/synth-output";

// The only place that reads the process environment: everything below receives props.
let release: ReleaseImage;
try {
  // Checked before the app exists, so a refused input leaves no synth output behind for a deploy to pick up.
  release = releaseImageFrom(process.env);
} catch (error) {
  if (!(error instanceof ReleaseImageError)) throw error;
  // An input error, not a bug: the message says what to change, a stack trace would only bury it.
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

const app = new App();
buildPlatform(app, platform, {
  local: localTargetFrom(process.env),
  imageTag: release.imageTag,
  imageDigest: release.imageDigest,
});
app.synth();
removeStaleSynthOutput(app.outdir, app.hclOutput);
