import { packageBuild } from '../../tsup.base';

// Two entry points: the contract and kit (no Socket.IO), and the Socket.IO integration.
// Shared code goes into chunks both entries load (splitting, for CommonJS too), so there is one
// copy of every class and the integration works on stores made through either entry.
export default packageBuild({ entry: ['src/index.ts', 'src/socket.io.ts'], splitting: true });
