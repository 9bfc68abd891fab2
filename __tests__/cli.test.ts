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
      runCommand(() => {
        throw configError;
      }, { prefix: "npm run audit: ", write: (text) => written.push(text) });
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
