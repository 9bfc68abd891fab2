// First: no source maps while the app loads and synthesizes (see the module).
import "./lib/no-source-maps";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { App } from "cdktf";
import { buildAwsPlatform, buildPlatform } from "./app";
import { loadPlatform } from "./config/load";
import { validate } from "./config/validate";
import { outputDirectory, readInput, runCommand } from "./lib/cli";
import { localTargetFrom, SANDBOX_DIR } from "./lib/local-target";
import { releaseImageFrom } from "./lib/release-image";
import { removeStaleSynthOutput, rewriteHclOutput } from "./lib/synth-output";

// The repository root: the default output and the bootstrap's state file are placed from here, so
// main.ts works from any working directory and with any `cdktf synth --output`.
const ROOT = __dirname;

// The only place that reads the process environment: everything below receives props.
// A configuration or environment error prints its message alone and exits 1.
runCommand(() => {
  // Checked before the app exists, so a refused input leaves no synth output for a deploy to pick up.
  const options = readInput(() => ({
    local: localTargetFrom(process.env),
    ...releaseImageFrom(process.env),
  }));
  const outdir = process.env.CDKTF_OUTDIR ? outputDirectory("CDKTF_OUTDIR", process.env.CDKTF_OUTDIR, ROOT) : join(ROOT, "cdktf.out");
  // Before anything touches the output directory: a refused configuration leaves it as it was.
  const platform = validate(loadPlatform());
  // cdktf's App creates only the last level: `cdktf synth --output a/b/c` would fail without this.
  mkdirSync(outdir, { recursive: true });
  const app = new App({ outdir });
  if (options.local) {
    console.error("PLATFORM_LOCAL_ENDPOINT is set: the github stack is left out (GitHub has no local emulator).");
    buildAwsPlatform(app, platform, { ...options, bootstrapStateDir: join(ROOT, SANDBOX_DIR) });
  } else {
    buildPlatform(app, platform, { ...options, bootstrapStateDir: ROOT });
  }
  app.synth();
  rewriteHclOutput(app);
  removeStaleSynthOutput(app.outdir, app.hclOutput);
});
