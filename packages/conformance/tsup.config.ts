import { packageBuild } from '../../tsup.base';

// `stores` is the suite without the end-to-end part (no optional peers); the CLI loads it.
// `shims` gives the CJS build an `import.meta.url`, which the CLI's runner uses to find `stores`.
export default packageBuild({ entry: ['src/index.ts', 'src/stores.ts', 'src/cli.ts'], shims: true });
