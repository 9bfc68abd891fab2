import { App } from "cdktf";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { platform } from "./config/platform";
import { buildPlatform } from "./lib/platform-app";
import { localTargetFrom, SANDBOX_DIR } from "./lib/local-target";
import { removeStaleSynthOutput, rewriteHclOutput } from "./lib/synth-output";

// The repository root: the default output and the bootstrap's state file are placed from here, so
// main.ts works from any working directory and with any `cdktf synth --output`.
const ROOT = __dirname;

// The only place that reads the process environment: everything below receives props.
const options = {
  local: localTargetFrom(process.env),
  imageTag: process.env.IMAGE_TAG || undefined,
};
const outdir = process.env.CDKTF_OUTDIR || join(ROOT, "cdktf.out");
// cdktf's App creates only the last level: `cdktf synth --output a/b/c` would fail without this.
mkdirSync(outdir, { recursive: true });
const app = new App({ outdir });
// Against the emulator the state file goes to the sandbox, which npm run local resets with the emulator.
buildPlatform(app, platform, { ...options, bootstrapStateDir: options.local ? join(ROOT, SANDBOX_DIR) : ROOT });
app.synth();
rewriteHclOutput(app);
removeStaleSynthOutput(app.outdir, app.hclOutput);
