import { packageBuild } from '../../tsup.base';

// `e2e` is the end-to-end suite, apart so the main entry needs no optional peer.
// `shims` gives the CJS build an `import.meta.url`, which the CLI's runner uses to find the suite.
export default packageBuild({ entry: ['src/index.ts', 'src/e2e.ts', 'src/cli.ts'], shims: true });
