/**
 * Gapless seqs under real concurrency: 8 DataSources (8 connection pools, as 8 nodes would
 * have) append to one new stream at once, on PostgreSQL and on MariaDB.
 */
import type { DataSourceOptions } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { createTypeormStore } from '../src/index';
import { type Engine, mariadbEngine, postgresEngine } from './fixtures';

const NODES = 8;
const BATCHES = 15;
const BATCH_SIZE = 4;

/**
 * PostgreSQL sessions whose default isolation is SERIALIZABLE (as some DBAs configure it): every
 * concurrent append to the same stream then fails with 40001 except one, and the store must retry.
 */
const SERIALIZABLE_POSTGRES = { extra: { options: '-c default_transaction_isolation=serializable' } } as Partial<DataSourceOptions>;

describe.each([
  ['postgres', postgresEngine, {}],
  ['mariadb', mariadbEngine, {}],
  ['postgres with SERIALIZABLE sessions', postgresEngine, SERIALIZABLE_POSTGRES],
] as const)('concurrent DataSources on %s', (_name, makeEngine, overrides) => {
  it(`${NODES} DataSources appending to one new stream get seqs exactly 1..N, each batch consecutive`, async () => {
    const engine: Engine = await makeEngine();
    try {
      const stores = [];
      for (let i = 0; i < NODES; i++) stores.push(createTypeormStore(await engine.open(overrides), { maxRetries: 50 }));
      const stream = { namespace: '/load', room: `room-${Date.now()}` };
      const seqsByBatch = await Promise.all(
        stores.map(async (store, node) => {
          const seqs: number[][] = [];
          for (let b = 0; b < BATCHES; b++) {
            const batch = Array.from({ length: BATCH_SIZE }, (_, i) => ({ ...stream, event: 'chat', data: { node, b, i } }));
            seqs.push((await store.append(batch)).map((r) => r.message.seq));
          }
          return seqs;
        }),
      );
      const total = NODES * BATCHES * BATCH_SIZE;
      for (const batch of seqsByBatch.flat()) expect(batch).toEqual(batch.map((_, i) => batch[0]! + i));
      expect(seqsByBatch.flat(2).sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      const { messages, head } = await stores[0]!.read(stream, { after: 0, limit: 1000 });
      expect(head?.seq).toBe(total);
      expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      await Promise.all(stores.map((store) => store.close()));
    } finally {
      await engine.cleanup();
    }
  });
});
