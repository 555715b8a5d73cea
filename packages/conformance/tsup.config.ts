import { packageBuild } from '../../tsup.base';

// ESM only: vitest, which the suite registers its tests with, cannot be loaded with require().
// `e2e` is the end-to-end suite, apart so the main entry needs no optional peer.
export default packageBuild({ entry: ['src/index.ts', 'src/e2e.ts', 'src/cli.ts'], format: ['esm'] });
