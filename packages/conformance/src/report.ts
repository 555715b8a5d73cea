/** The result of a conformance run, grouped by contract rule, and its text form. */

/** One failed test. */
export interface ConformanceFailure {
  /** Rules the test checks, from its title: `['5']`, `['4', '8']`, or `['erase']`. */
  rules: string[];
  /** Full test name: store > group > test. */
  test: string;
  /** The first line of each error. */
  errors: string[];
}

/** Outcome of a run. */
export interface ConformanceReport {
  /** Store name (from the factory module). */
  name: string;
  passed: number;
  skipped: number;
  failures: ConformanceFailure[];
  /** Errors outside any test: the module failed to load, `create()` threw while collecting, a hook failed. */
  setupErrors: string[];
}

/** True when nothing failed and at least one test passed. */
export function isSuccess(report: ConformanceReport): boolean {
  return report.failures.length === 0 && report.setupErrors.length === 0 && report.passed > 0;
}

/**
 * The rules a test belongs to, read from its title (`'rule 4 + 8: …'` → `['4', '8']`,
 * `'erase: …'` → `['erase']`); `['?']` for a title without a prefix.
 */
export function rulesOf(title: string): string[] {
  const colon = title.indexOf(':');
  if (colon < 0) return ['?'];
  const prefix = title.slice(0, colon);
  const numbers = /^rules? /.test(prefix) ? prefix.match(/\d+/g) : null;
  return numbers ?? [prefix.trim()];
}

/** A readable report: failures listed under their rule, then one summary line. */
export function formatReport(report: ConformanceReport): string {
  const lines: string[] = [];
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
      for (const error of failure.errors) lines.push(`        ${error}`);
    }
  }
  const verdict = isSuccess(report) ? 'PASS' : 'FAIL';
  const failedRules = ordered.length > 0 ? ` (rules failed: ${ordered.join(', ')})` : '';
  lines.push(
    `${verdict} ${report.name}: ${report.passed} passed, ${report.failures.length} failed, ${report.skipped} skipped${failedRules}`,
  );
  return lines.join('\n');
}
