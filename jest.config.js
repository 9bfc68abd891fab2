/** Jest runs the TypeScript sources through esbuild (type-checking is `tsc`'s separate step). */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": "<rootDir>/__tests__/support/jest-esbuild.js" },
  // cdktf's and constructs' stack traces without mapping frames no test reads: see the file.
  setupFiles: ["<rootDir>/__tests__/support/stack-traces.ts"],
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  testTimeout: 120000,
  // Two workers on the 2-core machine: the end-to-end suite mostly waits on terraform and the
  // emulator, so the unit suites run beside it instead of after it (jest's default is cores - 1).
  maxWorkers: 2,
  reporters: ["default", "<rootDir>/__tests__/support/summary-reporter.js"],
};
