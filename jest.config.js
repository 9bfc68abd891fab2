/** Jest runs the TypeScript sources through esbuild (type-checking is `tsc`'s separate step). */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": "<rootDir>/scripts/jest-esbuild.js" },
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  testTimeout: 120000,
  reporters: ["default", "<rootDir>/scripts/summary-reporter.js"],
};
