import { packageTests } from '../../vitest.shared.ts';

// Packing seven packages and an `npm install` from the registry take a while on a shared machine.
export default packageTests('packaging', { testTimeout: 60_000, hookTimeout: 240_000 });
