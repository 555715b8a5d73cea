/**
 * Append on PostgreSQL beyond the suite: one round trip per batch, gapless seqs from many
 * pools at once, concurrent duplicates, and per-stream (not global) locking.
 */
import { randomUUID } from 'node:crypto';
import type { NewMessage, StreamRef } from '@roomlog/core';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { PostgresMessageStore } from '../src/index';
import { newPool, testDatabase } from './fixtures';

const db = testDatabase();
afterAll(() => db.drop());

function stream(): StreamRef {
  return { namespace: '/append', room: `room-${randomUUID()}` };
}

function batch(ref: StreamRef, count: number, fields: (i: number) => Partial<NewMessage> = () => ({})): NewMessage[] {
  return Array.from({ length: count }, (_, i) => ({ ...ref, event: 'chat', data: { i }, ...fields(i) }));
}

async function allSeqs(store: PostgresMessageStore, ref: StreamRef): Promise<number[]> {
  const seqs: number[] = [];
  for (let after = 0; ; ) {
    const page = await store.read(ref, { after, limit: 1000 });
    seqs.push(...page.messages.map((m) => m.seq));
    if (!page.hasMore) return seqs;
    after = seqs.at(-1)!;
  }
}

/** Opens `count` pools on the same database, each with a store on the test schema. */
async function nodes(count: number) {
  await db.store(); // migrated once
  const pools = Array.from({ length: count }, () => newPool({ max: 2 }));
  const stores = pools.map((pool) => db.storeOn(pool));
  return {
    stores,
    end: () => Promise.all(pools.map((pool) => pool.end())),
  };
}

describe('append', () => {
  it('writes a 500-message batch over three streams with one statement', async () => {
    const store = await db.store();
    const refs = [stream(), stream(), stream()];
    const messages = Array.from({ length: 500 }, (_, i) => ({ ...refs[i % 3]!, event: 'chat', data: { i }, clientMessageId: `c${i}` }));
    const spy = vi.spyOn(db.pool, 'query');
    try {
      const results = await store.append(messages);
      expect(spy).toHaveBeenCalledTimes(1);
      for (const [k, ref] of refs.entries()) {
        const seqs = results.filter((_, i) => i % 3 === k).map((r) => r.message.seq);
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
        expect((await store.head(ref))?.seq).toBe(seqs.length);
      }
    } finally {
      spy.mockRestore();
    }
  });

  it('keeps seqs gapless with 8 pools appending 200 messages each into one stream', async () => {
    const { stores, end } = await nodes(8);
    const ref = stream();
    try {
      const perNode = await Promise.all(
        stores.map(async (store, node) => {
          const seqs: number[] = [];
          // 200 messages in batches of 1-20, two batches in flight per node.
          const sizes = [1, 20, 7, 13, 2, 19, 5, 11, 3, 17, 8, 12, 4, 16, 9, 10, 6, 14, 3, 20];
          let sent = 0;
          const work = sizes.map((size) => ({ from: (sent += size) - size, size }));
          await Promise.all(
            [0, 1].map(async (lane) => {
              for (const { from, size } of work.filter((_, i) => i % 2 === lane)) {
                const results = await store.append(batch(ref, size, (i) => ({ senderId: `n${node}`, data: from + i })));
                const batchSeqs = results.map((r) => r.message.seq);
                expect(batchSeqs).toEqual(batchSeqs.map((_, i) => batchSeqs[0]! + i));
                seqs.push(...batchSeqs);
              }
            }),
          );
          return seqs;
        }),
      );
      const written = perNode.flat().sort((a, b) => a - b);
      expect(written).toEqual(Array.from({ length: 8 * 200 }, (_, i) => i + 1));
      expect(await allSeqs(stores[0]!, ref)).toEqual(written);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
      await end();
    }
  });

  it('stores a clientMessageId once when 8 pools send the same batch at the same time', async () => {
    const { stores, end } = await nodes(8);
    const ref = stream();
    try {
      const same = batch(ref, 50, (i) => ({ clientMessageId: `same-${i}` }));
      const results = await Promise.all(
        stores.map((store, node) => store.append([...same, ...batch(ref, 5, (i) => ({ clientMessageId: `own-${node}-${i}` }))])),
      );
      // Every node gets the same stored message for each shared id, and exactly one node stored it.
      for (let i = 0; i < 50; i++) {
        const ids = new Set(results.map((r) => r[i]!.message.id));
        expect(ids.size).toBe(1);
        expect(results.filter((r) => !r[i]!.duplicate)).toHaveLength(1);
      }
      expect(await allSeqs(stores[0]!, ref)).toEqual(Array.from({ length: 50 + 8 * 5 }, (_, i) => i + 1));
    } finally {
      await Promise.all(stores.map((store) => store.close()));
      await end();
    }
  });

  it('never deadlocks when concurrent batches name the same streams in opposite orders', async () => {
    const { stores, end } = await nodes(6);
    const [a, b, c] = [stream(), stream(), stream()];
    try {
      await Promise.all(
        stores.map(async (store, node) => {
          const order = node % 2 === 0 ? [a, b, c] : [c, b, a];
          for (let round = 0; round < 10; round++) {
            await store.append(order.flatMap((ref) => batch(ref!, 2)));
          }
        }),
      );
      for (const ref of [a, b, c]) expect(await allSeqs(stores[0]!, ref!)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    } finally {
      await Promise.all(stores.map((store) => store.close()));
      await end();
    }
  });

  it('locks per stream: a writer held up on one stream does not delay another stream', async () => {
    const store = await db.store();
    const [busy, free] = [stream(), stream()];
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await store.append(batch(busy, 1), { client }); // holds busy's counter row until COMMIT
      const blocked = store.append(batch(busy, 1));
      const settled = vi.fn();
      blocked.then(settled, settled);
      const other = await store.append(batch(free, 3));
      expect(other.map((r) => r.message.seq)).toEqual([1, 2, 3]);
      expect(settled).not.toHaveBeenCalled();
      await client.query('COMMIT');
      expect((await blocked)[0]!.message.seq).toBe(2);
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  });

  it('keeps the codec text byte for byte, \\u0000 and key order included', async () => {
    const store = await db.store();
    const ref = stream();
    const data = { z: 'nul\u0000inside', a: [1, { $gt: 2, __proto__x: Buffer.from([0, 255]) }], m: '😀\u0301' };
    await store.append(batch(ref, 1, () => ({ data })));
    const [stored] = (await store.read(ref)).messages;
    expect(stored!.data).toEqual(data);
    expect(Object.keys(stored!.data as object)).toEqual(['z', 'a', 'm']);
  });
});
