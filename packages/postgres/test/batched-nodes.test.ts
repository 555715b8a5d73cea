/**
 * The batcher's calls in flight against the real database: 4 nodes (pools) with a batcher each
 * over overlapping streams, with retries in other in-flight calls (see core's scenario).
 */
import { afterAll, describe, it } from 'vitest';
import { checkBatchedNodes } from '../../core/test/batched-nodes';
import { newPool, testDatabase } from './fixtures';

const db = testDatabase();
afterAll(() => db.drop());

describe('batched appends from several nodes', () => {
  it('keeps streams gapless, keys unique and per-node arrival order, with retries in other in-flight calls', async () => {
    await db.store();
    const pools = Array.from({ length: 4 }, () => newPool({ max: 4 }));
    try {
      await checkBatchedNodes(pools.map((pool) => db.storeOn(pool)));
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });
});
