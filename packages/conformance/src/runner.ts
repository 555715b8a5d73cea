/**
 * Runs the suite against store factory modules in a vitest started through its node API
 * (`startVitest` from `vitest/node`), so TypeScript factories are transformed like any test
 * file. Node-only: used by the CLI, never imported by test files.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestModule } from 'vitest/node';
import { startVitest } from 'vitest/node';
import { type ConformanceReport, rulesOf } from './report';
import type { ConformanceGroupName } from './group-names';

/** One store factory module to run the suite against. */
export interface ConformanceTarget {
  /** Path of the module (see `optionsFromModule` for its shape); relative to the working directory. */
  module: string;
  /** Run only these groups for it. @default every group */
  groups?: readonly ConformanceGroupName[] | undefined;
}

/** Options of {@link runConformance}. */
export interface RunOptions {
  /** vitest reporter for progress output, e.g. `'dot'`, `'default'`, `'verbose'`. @default 'dot' */
  reporter?: string | undefined;
  /** Timeout per test in ms. @default 60000 */
  testTimeout?: number | undefined;
  /**
   * Give each module its own worker and module registry. Turn off to load the suite once and
   * run the modules one after another in one worker, which is faster for many small stores.
   * @default true
   */
  isolate?: boolean | undefined;
}

/**
 * The suite's main entry next to the running file (`index.js` when built, `index.ts` from
 * source): the suite without the end-to-end part and its optional peers.
 */
function suiteEntry(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const own = extname(fileURLToPath(import.meta.url)) === '.ts' ? 'index.ts' : 'index.js';
  const entry = join(here, own);
  if (!existsSync(entry)) throw new Error(`@roomlog/conformance entry not found at ${entry}`);
  return entry;
}

/** The test file generated for one target: imports the factory module and registers the suite for it. */
function testFileSource(factoryPath: string, groups: readonly ConformanceGroupName[] | undefined): string {
  const name = basename(factoryPath, extname(factoryPath));
  return [
    `import * as factory from ${JSON.stringify(factoryPath)};`,
    `import { optionsFromModule, runConformanceSuite } from ${JSON.stringify(suiteEntry())};`,
    `runConformanceSuite(optionsFromModule(factory, ${JSON.stringify(name)}), { groups: ${JSON.stringify(groups)} });`,
    '',
  ].join('\n');
}

function firstLine(error: { message?: unknown } | undefined): string {
  const message = typeof error?.message === 'string' ? error.message : String(error);
  return message.split('\n', 1)[0] ?? message;
}

function reportOf(module: TestModule, name: string): ConformanceReport {
  const report: ConformanceReport = { name, passed: 0, skipped: 0, failures: [], setupErrors: [] };
  for (const error of module.errors()) report.setupErrors.push(firstLine(error));
  for (const suite of module.children.allSuites()) {
    for (const error of suite.errors()) report.setupErrors.push(`${suite.fullName}: ${firstLine(error)}`);
  }
  for (const test of module.children.allTests()) {
    const result = test.result();
    if (result.state === 'passed') report.passed++;
    else if (result.state === 'failed') {
      report.failures.push({ rules: rulesOf(test.name), test: test.fullName, errors: result.errors.map(firstLine) });
    } else report.skipped++;
  }
  return report;
}

/**
 * Runs the conformance suite against each target, all in one vitest run, and returns one
 * report per target, in the same order. Errors outside any module (unhandled rejections) are
 * added to every report, since they cannot be attributed.
 */
export async function runConformance(targets: readonly ConformanceTarget[], options: RunOptions = {}): Promise<ConformanceReport[]> {
  const factories = targets.map((target) => resolve(target.module));
  const dir = await mkdtemp(join(tmpdir(), 'roomlog-conformance-'));
  try {
    const testFiles = factories.map((factory, i) => join(dir, `${i}-${basename(factory, extname(factory))}.test.mjs`));
    await Promise.all(factories.map((factory, i) => writeFile(testFiles[i]!, testFileSource(factory, targets[i]!.groups))));
    const vitest = await startVitest('test', [], {
      root: dir,
      config: false,
      watch: false,
      include: ['*.test.mjs'],
      reporters: [options.reporter ?? 'dot'],
      testTimeout: options.testTimeout ?? 60_000,
      hookTimeout: 60_000,
      ...(options.isolate === false ? { isolate: false, maxWorkers: 1 } : {}),
    });
    try {
      const modules = new Map(vitest.state.getTestModules().map((module) => [resolve(module.moduleId), module]));
      const unhandled = vitest.state.getUnhandledErrors().map((error) => firstLine(error as { message?: unknown }));
      return factories.map((factory, i) => {
        const fallback = basename(factory, extname(factory));
        const module = modules.get(testFiles[i]!);
        if (!module) return { name: fallback, passed: 0, skipped: 0, failures: [], setupErrors: ['the test module did not run', ...unhandled] };
        const report = reportOf(module, module.children.array()[0]?.name ?? fallback);
        report.setupErrors.push(...unhandled);
        return report;
      });
    } finally {
      await vitest.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
