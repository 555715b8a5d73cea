/**
 * The batcher's calls in flight against the real database: several nodes (each its own pool and
 * batcher with 4 calls in flight) send into overlapping streams, and re-send messages (same
 * clientMessageId, from another node too) while the originals may still be in flight. Each
 * stream must end gapless, each key stored once, retries answered with the stored original,
 * and each node's messages of a stream in its arrival order.
 */
import { randomUUID } from 'node:crypto';
import { AppendBatcher, type AppendResult, type StreamRef } from '@roomlog/core';
import { afterAll, describe, expect, it } from 'vitest';
import { newPool, testDatabase } from './fixtures';

const db = testDatabase();
afterAll(() => db.drop());

const NODES = 4;
const STREAMS = 5;
const PER_NODE = 300;

describe('batched appends from several nodes', () => {
  it('keeps streams gapless, keys unique and per-node arrival order, with retries in other in-flight calls', async () => {
    await db.store();
    const pools = Array.from({ length: NODES }, () => newPool({ max: 4 }));
    const stores = pools.map((pool) => db.storeOn(pool));
    const batchers = stores.map((store) => new AppendBatcher(store, { concurrency: 4, maxBatchSize: 16 }));
    const refs: StreamRef[] = Array.from({ length: STREAMS }, (_, i) => ({ namespace: '/lanes', room: `r${i}-${randomUUID()}` }));
    // What each node sent, in order, with its result: first sends and retries alike.
    const sent = batchers.map(() => [] as { ref: StreamRef; key: string; retry: boolean; result: Promise<AppendResult> }[]);
    const keys: { ref: StreamRef; key: string }[] = [];
    try {
      await Promise.all(
        batchers.map(async (batcher, node) => {
          for (let i = 0; i < PER_NODE; i++) {
            const retryOf = keys.length > 0 && Math.random() < 0.25 ? keys[Math.floor(Math.random() * keys.length)]! : null;
            const ref = retryOf?.ref ?? refs[Math.floor(Math.random() * STREAMS)]!;
            const key = retryOf?.key ?? `n${node}-${i}`;
            if (retryOf === null) keys.push({ ref, key });
            const result = batcher.append({ ...ref, event: 'chat', data: { node, i, key }, clientMessageId: key, senderId: `n${node}` });
            sent[node]!.push({ ref, key, retry: retryOf !== null, result });
            // Let calls settle now and then, so batches of every size and mix occur.
            if (Math.random() < 0.3) await new Promise((resolve) => setImmediate(resolve));
          }
        }),
      );
      const settled = await Promise.all(sent.map((list) => Promise.all(list.map((s) => s.result))));
      const byKey = new Map<string, { seq: number; id: string; room: string }>();
      for (const [node, list] of sent.entries()) {
        const lastSeq = new Map<string, number>();
        for (const [k, { ref, key, retry }] of list.entries()) {
          const { message, duplicate } = settled[node]![k]!;
          expect(message.room).toBe(ref.room);
          const known = byKey.get(key);
          if (known) expect({ seq: message.seq, id: message.id, room: message.room }).toEqual(known);
          else byKey.set(key, { seq: message.seq, id: message.id, room: message.room });
          if (duplicate) continue;
          // A node's first stores of a stream come in its own arrival order.
          expect(message.seq).toBeGreaterThan(lastSeq.get(ref.room) ?? 0);
          lastSeq.set(ref.room, message.seq);
          if (retry) expect(message.clientMessageId).toBe(key);
        }
      }
      let total = 0;
      for (const ref of refs) {
        const page = await stores[0]!.read(ref, { after: 0, limit: 1000 });
        expect(page.hasMore).toBe(false);
        expect(page.messages.map((m) => m.seq)).toEqual(page.messages.map((_, i) => i + 1));
        const stored = page.messages.map((m) => m.clientMessageId);
        expect(new Set(stored).size).toBe(stored.length);
        for (const m of page.messages) expect(byKey.get(m.clientMessageId!)).toEqual({ seq: m.seq, id: m.id, room: ref.room });
        total += page.messages.length;
      }
      expect(total).toBe(keys.length);
    } finally {
      await Promise.all(batchers.map((batcher) => batcher.close()));
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });
});
