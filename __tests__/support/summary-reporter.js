/**
 * Jest reporter that ends the run with the time each kind of suite took and then one plain line,
 * "tests: N passed, N failed, N skipped", which CI systems and people can read without knowing
 * jest's own format.
 *
 * Kinds, by file:
 * - e2e: the suites that need the emulator (moto): the end-to-end deploy and the emulator launcher.
 * - terraform: the suites that run `terraform init` + `validate` with the AWS provider from the
 *   mirror (files named `*terraform-validate.test.ts`).
 * - unit: every other suite. Some start short commands: node scripts, a stand-in terraform, and
 *   real terraform only for `fmt` (the audit's HCL, skipped where terraform is missing) and
 *   `version` (asked by the cdktf CLI); none needs the emulator or the provider.
 *
 * The figures are wall-clock seconds: for each kind, how long at least one of its files was
 * running (the union of its files' start-to-end intervals). That is what the kind adds to a run's
 * wall time, which the line also gives. Workers run files side by side, so kinds overlap and the
 * figures may add up to more than the run; the sum of the files' own times (which also counts
 * files running side by side twice) follows in brackets for each kind.
 */
const KINDS = [
  ["e2e", /[\\/](e2e|moto-launcher)\.test\.ts$/],
  ["terraform", /terraform-validate\.test\.ts$/],
];

function kindOf(path) {
  return (KINDS.find(([, pattern]) => pattern.test(path)) ?? ["unit"])[0];
}

/** Total length of the union of [start, end] intervals (milliseconds). */
function covered(intervals) {
  let total = 0;
  let reach = -Infinity;
  for (const [start, end] of [...intervals].sort((a, b) => a[0] - b[0])) {
    if (end <= reach) continue;
    total += end - Math.max(start, reach);
    reach = end;
  }
  return total;
}

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const intervals = { unit: [], terraform: [], e2e: [] };
    for (const file of results.testResults) {
      const { start, end } = file.perfStats ?? {};
      if (start && end) intervals[kindOf(file.testFilePath)].push([start, end]);
    }
    const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
    const split = Object.entries(intervals)
      .map(([kind, list]) => `${kind} ${seconds(covered(list))} [${seconds(list.reduce((sum, [s, e]) => sum + e - s, 0))}]`)
      .join(", ");
    const wall = results.startTime ? ` of a ${seconds(Date.now() - results.startTime)} run` : "";
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests, numRuntimeErrorTestSuites } = results;
    const failed = numFailedTests + numRuntimeErrorTestSuites;
    process.stdout.write(`\nsuite time: ${split}${wall} (wall clock while a suite of the kind ran [sum of its files' own times])\n`);
    process.stdout.write(`tests: ${numPassedTests} passed, ${failed} failed, ${numPendingTests + numTodoTests} skipped\n`);
  }
}
module.exports = SummaryReporter;
module.exports.kindOf = kindOf;
module.exports.covered = covered;
