/**
 * Running a workflow step's script in a test, as GitHub's `shell: bash` runs it, with stand-in commands
 * (aws, terraform, gh...) first on PATH: what the preview workflows' tests share.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Runs a step's script as GitHub's `shell: bash` does, in `cwd`, with `env`, PATH first holding `bin`. */
export function bash(script: string, env: Record<string, string>, cwd: string, bin?: string) {
  const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
    cwd,
    env: { PATH: bin ? `${bin}:${process.env.PATH}` : process.env.PATH, RUNNER_TEMP: cwd, ...env },
    encoding: "utf8",
  });
  return { status: result.status, log: `${result.stdout}${result.stderr}` };
}

/** A stand-in command on PATH that logs its arguments to `<cwd>/<name>-calls.txt` and runs `body`. */
export function fakeCommand(cwd: string, name: string, body: string): { bin: string; calls: () => string[] } {
  const bin = join(cwd, "fake-bin");
  mkdirSync(bin, { recursive: true });
  const log = join(cwd, `${name}-calls.txt`);
  writeFileSync(log, "");
  writeFileSync(join(bin, name), `#!/bin/bash\nprintf '%s\\n' "$*" >> ${JSON.stringify(log)}\n${body}\n`, { mode: 0o755 });
  return { bin, calls: () => readFileSync(log, "utf8").split("\n").filter(Boolean) };
}

/** The step of a job by its name; throws naming it when there is none. */
export function stepNamed<S extends { name?: string }>(job: { steps: S[] }, name: string): S {
  const found = job.steps.find((s) => s.name === name);
  if (!found) throw new Error(`no step "${name}"`);
  return found;
}
