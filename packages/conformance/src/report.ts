/** The result of a conformance run, grouped by contract rule, and its text form. */

/** What one error of a failed test says, for an author to act on. */
export interface ConformanceErrorDetail {
  /** The whole assertion message (it names the rule). */
  message: string;
  /** Expected/actual diff, when the assertion compared values. */
  diff?: string | undefined;
  /** Where in the suite's shipped sources the check is, e.g. `src/groups/read.ts:57:5`. */
  location?: string | undefined;
}

/** One failed test. */
export interface ConformanceFailure {
  /** Rules the test checks, from its title: `['5']`, `['4', '8']`, or `['erase']`. */
  rules: string[];
  /** Full test name: store > group > test. */
  test: string;
  /** The first line of each error. */
  errors: string[];
  /** Each error in full: message, diff and location. */
  details?: ConformanceErrorDetail[] | undefined;
}

/** Checks that did not run, grouped by why. */
export interface ConformanceSkip {
  /** Why, e.g. `needs capability editDelete` or `needs the inspect option (…)`. */
  reason: string;
  /** Full names of the tests skipped for it. */
  tests: string[];
}

/** Outcome of a run. */
export interface ConformanceReport {
  /** Store name (from the factory module). */
  name: string;
  passed: number;
  skipped: number;
  failures: ConformanceFailure[];
  /** Errors outside any test: `create()` threw while collecting, a hook failed. */
  setupErrors: string[];
  /** The store factory module could not be loaded or has no `create` (the CLI exits 2). */
  loadErrors?: string[] | undefined;
  /** Skipped checks by reason (sums to `skipped`). */
  skips?: ConformanceSkip[] | undefined;
}

/** True when nothing failed and at least one test passed. */
export function isSuccess(report: ConformanceReport): boolean {
  return report.failures.length === 0 && report.setupErrors.length === 0 && (report.loadErrors ?? []).length === 0 && report.passed > 0;
}

/** Indents every line of `text` by `by`. */
function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((line) => (line.length > 0 ? by + line : line))
    .join('\n');
}

/**
 * The rules a test belongs to, read from its title: `'rule 4 + 8: …'` → `['4', '8']`,
 * `'rules 5, 6: …'` → `['5', '6']`, `'erase + 8: …'` → `['erase', '8']`, `'model: …'` →
 * `['model']`; `['?']` for a title without a prefix.
 */
export function rulesOf(title: string): string[] {
  const colon = title.indexOf(':');
  if (colon < 0) return ['?'];
  return title
    .slice(0, colon)
    .split(/[+,]/)
    .map((part) => part.trim().replace(/^rules? /, ''))
    .filter((part) => part.length > 0);
}

/** A readable report: failures listed under their rule, then one summary line. */
export function formatReport(report: ConformanceReport): string {
  const lines: string[] = [];
  for (const error of report.loadErrors ?? []) lines.push(`✗ cannot load the store factory module: ${error}`);
  for (const error of report.setupErrors) lines.push(`✗ setup: ${error}`);
  const byRule = new Map<string, ConformanceFailure[]>();
  for (const failure of report.failures) {
    for (const rule of failure.rules) {
      const list = byRule.get(rule) ?? [];
      list.push(failure);
      byRule.set(rule, list);
    }
  }
  const ordered = [...byRule.keys()].sort((a, b) => (Number(a) || 99) - (Number(b) || 99) || a.localeCompare(b));
  for (const rule of ordered) {
    lines.push(`✗ ${/^\d+$/.test(rule) ? `rule ${rule}` : rule}`);
    for (const failure of byRule.get(rule)!) {
      lines.push(`    ✗ ${failure.test}`);
      const details: ConformanceErrorDetail[] = failure.details ?? failure.errors.map((message) => ({ message }));
      for (const detail of details) {
        lines.push(indent(detail.message, '        '));
        if (detail.diff) lines.push(indent(detail.diff, '          '));
        if (detail.location) lines.push(`        at ${detail.location}`);
      }
    }
  }
  for (const skip of report.skips ?? []) {
    lines.push(`- skipped ${skip.tests.length}: ${skip.reason}`);
    for (const test of skip.tests.slice(0, 3)) lines.push(`    - ${test}`);
    if (skip.tests.length > 3) lines.push(`    - … and ${skip.tests.length - 3} more`);
  }
  const verdict = isSuccess(report) ? 'PASS' : 'FAIL';
  const failedRules = ordered.length > 0 ? ` (rules failed: ${ordered.join(', ')})` : '';
  lines.push(
    `${verdict} ${report.name}: ${report.passed} passed, ${report.failures.length} failed, ${report.skipped} skipped${failedRules}`,
  );
  return lines.join('\n');
}
