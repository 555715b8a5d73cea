/**
 * A scenario for real backends (run by their own tests): several nodes, each a store of its own
 * (own pool) behind a batcher with 4 calls in flight, send into overlapping streams and re-send
 * messages (same clientMessageId, from another node too) while the originals may still be in
 * flight. Each stream must end gapless, each key stored once, every retry answered with the
 * stored original, and each node's stored messages of a stream in its arrival order.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { AppendBatcher, type AppendResult, type MessageStore, type StreamRef } from '../src/index';

/** Sizes of one run. */
export interface BatchedNodesOptions {
  streams?: number;
  perNode?: number;
}

/**
 * Runs the scenario on `stores` (one per node, all on the same database) and asserts the
 * outcome. The stores are left open.
 */
export async function checkBatchedNodes(
  stores: readonly MessageStore[],
  { streams = 5, perNode = 300 }: BatchedNodesOptions = {},
): Promise<void> {
  const batchers = stores.map((store) => new AppendBatcher(store, { concurrency: 4, maxBatchSize: 16 }));
  const refs: StreamRef[] = Array.from({ length: streams }, (_, i) => ({ namespace: '/lanes', room: `r${i}-${randomUUID()}` }));
  // What each node sent, in order, with its result: first sends and retries alike.
  const sent = batchers.map(() => [] as { ref: StreamRef; key: string; result: Promise<AppendResult> }[]);
  const keys: { ref: StreamRef; key: string }[] = [];
  try {
    await Promise.all(
      batchers.map(async (batcher, node) => {
        for (let i = 0; i < perNode; i++) {
          const retryOf = keys.length > 0 && Math.random() < 0.25 ? keys[Math.floor(Math.random() * keys.length)]! : null;
          const ref = retryOf?.ref ?? refs[Math.floor(Math.random() * streams)]!;
          const key = retryOf?.key ?? `n${node}-${i}`;
          if (retryOf === null) keys.push({ ref, key });
          const result = batcher.append({ ...ref, event: 'chat', data: { node, i, key }, clientMessageId: key, senderId: `n${node}` });
          sent[node]!.push({ ref, key, result });
          // Let calls settle now and then, so batches of every size and mix occur.
          if (Math.random() < 0.3) await new Promise((resolve) => setImmediate(resolve));
        }
      }),
    );
  } finally {
    await Promise.all(batchers.map((batcher) => batcher.close()));
  }
  const settled = await Promise.all(sent.map((list) => Promise.all(list.map((s) => s.result))));
  const byKey = new Map<string, { seq: number; id: string; room: string }>();
  for (const [node, list] of sent.entries()) {
    const lastSeq = new Map<string, number>();
    for (const [k, { ref, key }] of list.entries()) {
      const { message, duplicate } = settled[node]![k]!;
      expect(message.room).toBe(ref.room);
      expect(message.clientMessageId).toBe(key);
      const known = byKey.get(key);
      if (known) expect({ seq: message.seq, id: message.id, room: message.room }).toEqual(known);
      else byKey.set(key, { seq: message.seq, id: message.id, room: message.room });
      if (duplicate) continue;
      // A node's stores of a stream come in its own arrival order.
      expect(message.seq).toBeGreaterThan(lastSeq.get(ref.room) ?? 0);
      lastSeq.set(ref.room, message.seq);
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
}
