import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../config/validate";
import { errorText, InputError, isUserError, readInput, runCommand } from "../lib/cli";

describe("command errors", () => {
  const configError = new ConfigError([
    { setting: "stage.network.vpcCidr", value: "10.0.0.0/33", fix: 'is not a valid IPv4 CIDR; use e.g. "10.10.0.0/16"' },
    { setting: "prod.service.cpu", value: 3, fix: "is not a Fargate CPU size" },
  ]);

  it("prints a configuration error as its message alone, each problem on its own line", () => {
    expect(errorText(configError).split("\n")).toEqual([
      "Invalid platform configuration (2 problems):",
      '  - stage.network.vpcCidr "10.0.0.0/33" is not a valid IPv4 CIDR; use e.g. "10.10.0.0/16"',
      "  - prod.service.cpu 3 is not a Fargate CPU size",
    ]);
  });

  it("recognises a ConfigError by name too (a second copy of the validator module)", () => {
    const lookalike = Object.assign(new Error("Invalid platform configuration (1 problem):\n  - x"), { name: "ConfigError" });
    expect(isUserError(lookalike)).toBe(true);
    expect(errorText(lookalike)).toBe(lookalike.message);
  });

  it("turns what reading the environment throws into an input error, printed as its message", () => {
    let caught: unknown;
    try {
      readInput(() => {
        throw new Error('PLATFORM_LOCAL_ENDPOINT "x" is not a loopback URL');
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect(errorText(caught)).toBe('PLATFORM_LOCAL_ENDPOINT "x" is not a loopback URL');
    expect(readInput(() => 42)).toBe(42);
  });

  it("prints anything else (a bug) with its stack", () => {
    const bug = new TypeError("cannot read properties of undefined");
    expect(isUserError(bug)).toBe(false);
    expect(errorText(bug)).toBe(bug.stack);
  });

  it("writes the error once and sets exit code 1; otherwise the body's exit code", () => {
    const written: string[] = [];
    const previous = process.exitCode;
    try {
      runCommand(
        () => {
          throw configError;
        },
        { prefix: "npm run audit: ", write: (text) => written.push(text) },
      );
      expect(written).toEqual([`npm run audit: ${configError.message}\n`]);
      expect(process.exitCode).toBe(1);
      runCommand(() => 0, { write: (text) => written.push(text) });
      expect(process.exitCode).toBe(0);
      expect(written).toHaveLength(1);
    } finally {
      process.exitCode = previous;
    }
  });
});

describe("a bug's stack", () => {
  it("is printed in TypeScript lines although main.ts turns source maps off while it synthesizes", () => {
    // A command as main.ts runs one: maps off for speed, then a bug thrown from a .ts line.
    const dir = mkdtempSync(join(__dirname, "..", "node_modules", ".cache-bug-"));
    const script = join(dir, "bug.ts");
    writeFileSync(
      script,
      [
        `import { runCommand } from ${JSON.stringify(join(__dirname, "..", "lib", "cli"))};`,
        "process.setSourceMapsEnabled(false);",
        "const answer: number = 42;",
        "function broken(): never {",
        "  throw new Error(`a bug after ${answer}`);",
        "}",
        "runCommand(() => broken());",
      ].join("\n"),
    );
    try {
      const result = spawnSync(process.execPath, ["--import", "tsx", script], { cwd: join(__dirname, ".."), encoding: "utf8" });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^Error: a bug after 42\n\s+at broken \(.*bug\.ts:5:9\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
