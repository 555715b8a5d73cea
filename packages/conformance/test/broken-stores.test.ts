/**
 * The suite must be able to fail: each deliberately broken store (test/fixtures/broken) is run
 * through the real suite in a child vitest (the runner the CLI uses, in a child process), and
 * the rule its defect breaks must show up among the failed tests. The unbroken MemoryStore
 * runs the same groups alongside as the control.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConformanceReport } from '../src/report';
import { BROKEN_STORES } from './fixtures/broken/catalog';
import { runNode } from './cli-process';

const runner = fileURLToPath(new URL('./fixtures/run-broken.ts', import.meta.url));

describe('the suite fails broken stores', () => {
  let reports: ConformanceReport[] = [];
  let dir = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roomlog-broken-'));
    const json = join(dir, 'reports.json');
    const run = await runNode([runner, json]);
    expect(run.code, run.stderr).toBe(0);
    reports = JSON.parse(await readFile(json, 'utf8')) as ConformanceReport[];
  }, 90_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the unbroken MemoryStore passes the same run', () => {
    const report = reports[0]!;
    expect(report.failures, JSON.stringify(report.failures, null, 2)).toEqual([]);
    expect(report.setupErrors).toEqual([]);
    expect(report.passed).toBeGreaterThan(50);
  });

  it.each(BROKEN_STORES.map(({ file, rules }, i) => [file, rules, i + 1] as const))(
    '%s fails the tests of rule(s) %j',
    (name, rules, index) => {
      const report = reports[index]!;
      expect(report.name).toBe(`broken: ${name}`);
      expect(report.setupErrors).toEqual([]);
      const failedRules = new Set(report.failures.flatMap((failure) => failure.rules));
      for (const rule of rules) expect([...failedRules], `rule ${rule} should fail for ${name}`).toContain(rule);
    },
  );
});
