import { packageBuild } from '../../tsup.base';

// ESM only: a command and its programmatic API, loading each backend with import() when a URL asks for it.
export default packageBuild({ entry: ['src/index.ts', 'src/cli.ts'], format: ['esm'] });
