// Runs the whole test suite once (vitest, every workspace project) and ends with one plain
// line, `tests: N passed, N failed, N skipped`, so any CI can read the outcome.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const report = '.vitest-report.json';
rmSync(report, { force: true });
const run = spawnSync(
  'pnpm',
  ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
if (existsSync(report)) {
  const { numPassedTests, numFailedTests, numPendingTests, numTodoTests, testResults } = JSON.parse(readFileSync(report, 'utf8'));
  // A file that failed before or around its tests (a hook, an import) fails no single test: count it too.
  const failedFiles = testResults.filter(
    (file) => file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed'),
  ).length;
  console.log(`tests: ${numPassedTests} passed, ${numFailedTests + failedFiles} failed, ${numPendingTests + numTodoTests} skipped`);
} else {
  console.log('tests: 0 passed, 1 failed');
}
process.exit(run.status ?? 1);
