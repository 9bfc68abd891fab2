/**
 * `npm run bench`: median wall time and peak memory of synthesizing the whole app, five runs each,
 * with this project's runner (tsx) side by side with the cdktf template's default (`npx ts-node main.ts`).
 * Figures only, no pass/fail: targets live in the README.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { InputError, readInput, runCommand } from "../lib/cli";

const ROOT = resolve(__dirname, "..");
/** Runs per variant: BENCH_RUNS, default 5. */
function runs(): number {
  const value = Number(process.env.BENCH_RUNS ?? 5);
  if (!Number.isInteger(value) || value < 1) {
    throw new InputError(`BENCH_RUNS "${process.env.BENCH_RUNS}" is not a positive whole number; use e.g. BENCH_RUNS=5`);
  }
  return value;
}

// python3's getrusage(RUSAGE_CHILDREN) gives the peak RSS of the process tree it waited for.
const MEASURE = `
import resource, subprocess, sys, time
start = time.monotonic()
code = subprocess.run(sys.argv[1:]).returncode
elapsed = time.monotonic() - start
print(f"{elapsed:.3f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss} {code}")
`;

interface Sample {
  seconds: number;
  peakMiB: number;
}

function measure(command: string[]): Sample {
  const outdir = mkdtempSync(join(tmpdir(), "bench-synth-"));
  const result = spawnSync("python3", ["-c", MEASURE, ...command], {
    cwd: ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: "1" },
    encoding: "utf8",
  });
  rmSync(outdir, { recursive: true, force: true });
  if (result.error) throw new InputError(`python3 is not installed (${result.error.message}); the bench needs it to measure peak memory`);
  const line = result.stdout.trim().split("\n").pop() ?? "";
  const [seconds, kib, code] = line.split(" ").map(Number);
  if (result.status !== 0 || code !== 0) {
    // What the app printed is the whole story (a configuration error is its message alone).
    throw new InputError(result.stderr.trimEnd() || `${command.join(" ")} failed (exit ${code ?? result.status})`);
  }
  return { seconds, peakMiB: kib / 1024 };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** The floor every cdktf app pays: node loading cdktf and nothing else. */
const BASELINE = "bare require('cdktf')";
const variants: [string, string[]][] = [
  [BASELINE, ["node", "-e", "require('cdktf')"]],
  ["tsx (cdktf.json app)", ["node", "--import", "tsx", "main.ts"]],
  ["npx ts-node main.ts (cdktf default)", ["npx", "ts-node", "main.ts"]],
];

runCommand(() => {
  const RUNS = readInput(runs);
  console.log(`Synthesizing every stack of the app, ${RUNS} runs each (median):`);
  console.log(`${"runner".padEnd(38)}${"wall s".padStart(10)}${"peak MB".padStart(10)}${"x bare".padStart(10)}`);
  let baseline = 0;
  for (const [name, command] of variants) {
    const samples = Array.from({ length: RUNS }, () => measure(command));
    const seconds = median(samples.map((s) => s.seconds));
    const peak = median(samples.map((s) => s.peakMiB));
    if (name === BASELINE) baseline = seconds;
    const ratio = (seconds / baseline).toFixed(1);
    console.log(`${name.padEnd(38)}${seconds.toFixed(2).padStart(10)}${peak.toFixed(0).padStart(10)}${ratio.padStart(10)}`);
  }
  console.log(
    "Target for this project's runner: within 5x a bare require('cdktf') and 250 MB (about 1.5 s on the 2-core reference machine).",
  );
});
