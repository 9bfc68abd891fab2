/**
 * Imported first by main.ts, before cdktf and the providers load: no source maps while the app
 * synthesizes. cdktf records a full stack trace for every token it creates (each resource attribute
 * referenced), and under tsx each frame would be mapped back to TypeScript, and every module's map
 * parsed as it loads: about a third of a synth. Nothing reads those traces unless a token fails to
 * resolve; `runCommand` (lib/cli.ts) turns the maps back on before it prints a bug's stack, which
 * V8 formats only when it is first read, so a bug still shows TypeScript lines.
 */
process.setSourceMapsEnabled(false);
