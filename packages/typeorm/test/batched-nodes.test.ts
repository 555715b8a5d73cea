/**
 * The batcher's calls in flight on every engine: 4 DataSources (nodes) with a batcher each over
 * overlapping streams, with retries in other in-flight calls (see core's scenario). sql.js has
 * one connection, shared by the four stores: the store queues its work on it.
 */
import { describe, it } from 'vitest';
import { checkBatchedNodes } from '../../core/test/batched-nodes';
import { createTypeormStore } from '../src/index';
import { mariadbEngine, postgresEngine, sqljsEngine } from './fixtures';

describe.each([
  ['postgres', postgresEngine],
  ['mariadb', mariadbEngine],
  ['sqljs', async () => sqljsEngine()],
] as const)('batched appends from several nodes on %s', (_name, makeEngine) => {
  it('keeps streams gapless, keys unique and per-node arrival order, with retries in other in-flight calls', async () => {
    const engine = await makeEngine();
    try {
      const stores = [];
      for (let i = 0; i < 4; i++) stores.push(createTypeormStore(await engine.open(), { maxRetries: 50 }));
      await checkBatchedNodes(stores, { perNode: 150 });
      await Promise.all(stores.map((store) => store.close()));
    } finally {
      await engine.cleanup();
    }
  });
});
