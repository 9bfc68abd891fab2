import { InputError } from "../lib/cli";
import { LOCAL_USAGE, localPlan, parseLocalArgs } from "../scripts/local-plan";
import { sampleConfig } from "./support/sample";

/**
 * `npm run local`'s command line and what it deploys (issue 21, class 8 and the sandbox's output),
 * without starting the emulator. Whether prod has an account of its own or not, each environment
 * brings the bootstrap of its account.
 */

describe("npm run local's arguments", () => {
  it.each([[["--help"]], [["-h"]], [["--env", "prod", "--help"]]])("%j asks for the help, and nothing else", (argv) => {
    expect(parseLocalArgs(argv)).toEqual({ help: true });
    expect(LOCAL_USAGE).toMatch(/^Usage: npm run local \[-- --env/);
  });

  it("takes environments with --env, as one list or several", () => {
    expect(parseLocalArgs([])).toEqual({ help: false, envs: undefined });
    expect(parseLocalArgs(["--env", "prod"])).toEqual({ help: false, envs: ["prod"] });
    expect(parseLocalArgs(["--env=stage,prod"])).toEqual({ help: false, envs: ["stage", "prod"] });
    expect(parseLocalArgs(["--env", "stage", "--env", "prod"])).toEqual({ help: false, envs: ["stage", "prod"] });
  });

  it.each<[string[], RegExp]>([
    [["--force"], /^unknown option "--force"; npm run local -- --help lists the options$/],
    [["prod"], /^unknown option "prod"/],
    [["--env"], /^--env needs environment names/],
    [["--env", "--help2"], /^--env needs environment names/],
  ])("refuses %j in one line", (argv, message) => {
    expect(() => parseLocalArgs(argv)).toThrow(InputError);
    expect(() => parseLocalArgs(argv)).toThrow(message);
  });
});

describe("what npm run local deploys", () => {
  const config = sampleConfig();
  const bootstrapOf = (env: string) =>
    // The bootstrap stack of the account the environment lives in (config/naming.ts's platformAccounts).
    env === "stage" || config.environments.find((e) => e.name === env)?.accountId === undefined ? "bootstrap" : `bootstrap-${env}`;

  it("deploys stage and its account's bootstrap by default", () => {
    expect(localPlan(config)).toEqual({
      envs: ["stage"],
      stacks: [
        { stack: "bootstrap", kind: "bootstrap" },
        { stack: "stage", kind: "environment" },
      ],
    });
  });

  it("deploys prod with the bootstrap of prod's account when asked", () => {
    const plan = localPlan(config, ["prod"]);
    expect(plan.envs).toEqual(["prod"]);
    expect(plan.stacks).toEqual([
      { stack: bootstrapOf("prod"), kind: "bootstrap" },
      { stack: "prod", kind: "environment" },
    ]);
  });

  it("deploys every account's bootstrap before any environment, each once", () => {
    const plan = localPlan(config, ["prod", "stage"]);
    expect(plan.envs).toEqual(["stage", "prod"]);
    const bootstraps = [...new Set([bootstrapOf("stage"), bootstrapOf("prod")])];
    expect(plan.stacks.map((s) => s.stack)).toEqual([...bootstraps, "stage", "prod"]);
  });

  it("with prod in an account of its own, deploys that account's bootstrap for prod and the project's for stage", () => {
    const twoAccounts = sampleConfig() as any;
    twoAccounts.project.accounts = [{ accountId: "210987654321" }];
    twoAccounts.environments.find((e: any) => e.name === "prod").accountId = "210987654321";
    expect(localPlan(twoAccounts, ["prod"]).stacks.map((s) => s.stack)).toEqual(["bootstrap-prod", "prod"]);
    expect(localPlan(twoAccounts, ["stage", "prod"]).stacks.map((s) => s.stack)).toEqual(["bootstrap", "bootstrap-prod", "stage", "prod"]);
  });

  it("refuses an environment the configuration does not have, naming the ones it has", () => {
    expect(() => localPlan(config, ["qa"])).toThrow(/^--env "qa" is not an environment of config\/platform\.ts; use one of stage, prod$/);
  });
});
