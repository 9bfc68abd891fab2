/** Jest runs the TypeScript sources through SWC (type-checking is `tsc`'s separate step). */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["@swc/jest"] },
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  testTimeout: 120000,
  reporters: ["default", "<rootDir>/scripts/summary-reporter.js"],
};
