/**
 * Jest reporter that ends the run with the time each kind of suite took and then one plain line,
 * "tests: N passed, N failed, N skipped", which CI systems and people can read without knowing
 * jest's own format.
 *
 * Kinds: the end-to-end suite (the emulator and real Terraform), the suites that run terraform or
 * the emulator launcher, and every other suite (unit: in-memory synth only). Each figure is the sum
 * of its files' own run times; files run in parallel, so the figures add up to more than the wall time.
 */
const KINDS = [
  ["e2e", /[\\/]e2e\.test\.ts$/],
  ["terraform", /[\\/](terraform-validate|moto-launcher)\.test\.ts$/],
];

function kindOf(path) {
  return (KINDS.find(([, pattern]) => pattern.test(path)) ?? ["unit"])[0];
}

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const seconds = { unit: 0, terraform: 0, e2e: 0 };
    for (const file of results.testResults) {
      const { start, end } = file.perfStats ?? {};
      if (start && end) seconds[kindOf(file.testFilePath)] += (end - start) / 1000;
    }
    const split = Object.entries(seconds)
      .map(([kind, s]) => `${kind} ${s.toFixed(1)} s`)
      .join(", ");
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests, numRuntimeErrorTestSuites } = results;
    const failed = numFailedTests + numRuntimeErrorTestSuites;
    process.stdout.write(`\nsuite time: ${split} (each the sum of its files' run times)\n`);
    process.stdout.write(`tests: ${numPassedTests} passed, ${failed} failed, ${numPendingTests + numTodoTests} skipped\n`);
  }
}
module.exports = SummaryReporter;
module.exports.kindOf = kindOf;
