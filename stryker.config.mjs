// @ts-check
/**
 * `pnpm mutation`: StrykerJS mutates MemoryStore and core's shared helpers and runs the
 * conformance suite against each mutant (see mutation/vitest.config.ts). The score is the
 * suite's measure: a mutant that survives is a bug the suite would let a backend ship.
 * Survivors judged equivalent are listed, with the reason, in docs/mutation.md.
 * Long: not part of .ci/run.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'mutation/vitest.config.ts', related: false },
  mutate: [
    'packages/core/src/memory/**/*.ts',
    'packages/core/src/kit/prepare.ts',
    'packages/core/src/kit/retention.ts',
    'packages/core/src/codec.ts',
    'packages/core/src/validation.ts',
  ],
  coverageAnalysis: 'perTest',
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 1),
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['**/dist/**', 'reports/**', 'bench/**', 'examples/**', 'reliability/**', '**/.roomlog-demo/**'],
};
