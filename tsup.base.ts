import { defineConfig, type Options } from 'tsup';

/**
 * The one build every published package uses: ESM + CJS with `.d.ts`/`.d.cts`,
 * so both `import` and `require` consumers get types that match their module system.
 */
export function packageBuild(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    ...overrides,
  });
}
