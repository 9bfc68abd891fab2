// First: no source maps while the app loads and synthesizes (see the module).
import "./lib/no-source-maps";
import { synthesizePlatform } from "./app";
import { loadPlatform } from "./config/load";
import { runCommand } from "./lib/cli";

// The repository root: the default output and the bootstrap's state file are placed from here, so
// main.ts works from any working directory and with any `cdktf synth --output`.
const ROOT = __dirname;

// The only place that reads the process environment: everything below receives it as an argument.
// A configuration or environment error prints its message alone and exits 1.
runCommand(() => void synthesizePlatform(process.env, loadPlatform, ROOT));
