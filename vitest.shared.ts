import { fileURLToPath } from 'node:url';
import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

const packagesDir = fileURLToPath(new URL('./packages/', import.meta.url));

/**
 * Per-package test settings. `@roomlog/*` imports resolve to the sibling package's
 * source, so tests run against the code as it is now, without a build in between.
 */
export function packageTests(name: string, test: UserWorkspaceConfig['test'] = {}) {
  return defineProject({
    resolve: {
      alias: [
        {
          find: /^@roomlog\/core\/socket\.io$/,
          replacement: `${packagesDir}core/src/socket.io.ts`,
        },
        {
          find: /^@roomlog\/conformance\/e2e$/,
          replacement: `${packagesDir}conformance/src/e2e.ts`,
        },
        {
          find: /^@roomlog\/(core|client|conformance|redis|postgres|mongo|typeorm|cli)$/,
          replacement: `${packagesDir}$1/src/index.ts`,
        },
      ],
    },
    test: {
      name,
      testTimeout: 30_000,
      hookTimeout: 60_000,
      ...test,
    },
  });
}
