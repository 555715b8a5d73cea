/**
 * Runs the suite against store factory modules in a vitest started through its node API
 * (`startVitest` from `vitest/node`), so TypeScript factories are transformed like any test
 * file. Node-only: used by the CLI, never imported by test files.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestCase, TestModule, TestSuite } from 'vitest/node';
import { startVitest } from 'vitest/node';
import { type ConformanceErrorDetail, type ConformanceReport, rulesOf } from './report';
import type { ConformanceGroupName } from './group-names';

/** One store factory module to run the suite against. */
export interface ConformanceTarget {
  /** Path of the module (see `optionsFromModule` for its shape); relative to the working directory. */
  module: string;
  /** Run only these groups for it. @default every group */
  groups?: readonly ConformanceGroupName[] | undefined;
  /** Sequences the `model` group runs (`ConformanceOptions.modelRuns`). @default the module's, else 30 */
  modelRuns?: number | undefined;
  /** Seed of the `model` group, to replay a printed failure. */
  modelSeed?: number | undefined;
}

/** Starts the message of an error thrown when the factory module cannot be loaded. */
const LOAD_FAILURE = 'roomlog-conformance: cannot load';

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

/**
 * The test file generated for one target: imports the factory module and registers the suite
 * for it. A module that fails to load (or exports no `create`) throws an error marked
 * {@link LOAD_FAILURE}, so the report can tell it from a store that fails its tests.
 */
function testFileSource(factoryPath: string, target: ConformanceTarget): string {
  const name = basename(factoryPath, extname(factoryPath));
  const overrides = {
    ...(target.modelRuns === undefined ? {} : { modelRuns: target.modelRuns }),
    ...(target.modelSeed === undefined ? {} : { modelSeed: target.modelSeed }),
  };
  return [
    `import { optionsFromModule, runConformanceSuite } from ${JSON.stringify(suiteEntry())};`,
    'let options;',
    'try {',
    `  options = optionsFromModule(await import(${JSON.stringify(factoryPath)}), ${JSON.stringify(name)});`,
    '} catch (error) {',
    `  throw new Error(${JSON.stringify(`${LOAD_FAILURE} ${factoryPath}: `)} + (error instanceof Error ? error.message : String(error)), { cause: error });`,
    '}',
    `runConformanceSuite({ ...options, ...${JSON.stringify(overrides)} }, { groups: ${JSON.stringify(target.groups)} });`,
    '',
  ].join('\n');
}

/** The first stack frame inside the suite, as `path:line:column` relative to the package. */
function locationOf(error: { stacks?: readonly { file: string; line: number; column: number }[] }): string | undefined {
  const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const frame = error.stacks?.find((stack) => stack.file.startsWith(packageDir) && !stack.file.includes('node_modules/vitest'));
  if (!frame) return undefined;
  return `${relative(packageDir, frame.file)}:${frame.line}:${frame.column}`;
}

function detailOf(error: {
  message?: unknown;
  diff?: unknown;
  stacks?: readonly { file: string; line: number; column: number }[];
}): ConformanceErrorDetail {
  return {
    message: typeof error.message === 'string' ? error.message : String(error),
    diff: typeof error.diff === 'string' && error.diff.length > 0 ? error.diff : undefined,
    location: locationOf(error),
  };
}

/** Why a test was skipped: its own skip note, else the `needs …` describe it sits in. */
function skipReason(test: TestCase): string {
  const result = test.result();
  const note = result.state === 'skipped' ? result.note : undefined;
  if (note) return note;
  for (let parent: TestSuite | TestModule = test.parent; parent.type === 'suite'; parent = parent.parent) {
    if (/^needs /.test(parent.name)) return parent.name;
  }
  return test.options.mode === 'skip' ? 'skipped by the suite' : `not run (${test.options.mode})`;
}

function firstLine(error: { message?: unknown } | undefined): string {
  const message = typeof error?.message === 'string' ? error.message : String(error);
  return message.split('\n', 1)[0] ?? message;
}

function reportOf(module: TestModule, name: string): ConformanceReport {
  const report: ConformanceReport = { name, passed: 0, skipped: 0, failures: [], setupErrors: [], loadErrors: [], skips: [] };
  const skips = new Map<string, string[]>();
  for (const error of module.errors()) {
    const message = typeof error.message === 'string' ? error.message : String(error);
    if (message.startsWith(LOAD_FAILURE)) report.loadErrors!.push(message.slice(LOAD_FAILURE.length).trim());
    else report.setupErrors.push(firstLine(error));
  }
  for (const suite of module.children.allSuites()) {
    for (const error of suite.errors()) report.setupErrors.push(`${suite.fullName}: ${firstLine(error)}`);
  }
  for (const test of module.children.allTests()) {
    const result = test.result();
    if (result.state === 'passed') report.passed++;
    else if (result.state === 'failed') {
      report.failures.push({
        rules: rulesOf(test.name),
        test: test.fullName,
        errors: result.errors.map(firstLine),
        details: result.errors.map(detailOf),
      });
    } else {
      report.skipped++;
      const reason = skipReason(test);
      skips.set(reason, [...(skips.get(reason) ?? []), test.fullName]);
    }
  }
  report.skips = [...skips].map(([reason, tests]) => ({ reason, tests }));
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
    await Promise.all(factories.map((factory, i) => writeFile(testFiles[i]!, testFileSource(factory, targets[i]!))));
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
        if (!module)
          return { name: fallback, passed: 0, skipped: 0, failures: [], setupErrors: ['the test module did not run', ...unhandled] };
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
