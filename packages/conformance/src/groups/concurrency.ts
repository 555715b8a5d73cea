/** Rules 2, 4 and 12 under concurrency: many instances writing one stream at once. */
import type { AppendResult, NewMessage } from '@roomlog/core';
import { expect, it } from 'vitest';
import { range, seqs } from '../assertions';
import { defineGroup, freshStream, message, uniqueId } from '../harness';

const INSTANCES = 8;
const MESSAGES_PER_INSTANCE = 210;
/** Deterministic, mixed batch sizes between 1 and 50. */
const BATCH_SIZES = [1, 50, 7, 23, 2, 41, 13, 1, 31, 5, 17, 3, 11, 6];

function batchesOf(list: readonly NewMessage[]): NewMessage[][] {
  const out: NewMessage[][] = [];
  for (let start = 0, i = 0; start < list.length; i++) {
    const size = BATCH_SIZES[i % BATCH_SIZES.length]!;
    out.push(list.slice(start, start + size));
    start += size;
  }
  return out;
}

/** Concurrency tests. */
export const concurrencyTests = defineGroup('rules 2, 4, 12: concurrency', null, (h) => {
  const perInstance = h.heavySize(MESSAGES_PER_INSTANCE);
  it(
    `rule 2: ${INSTANCES} instances appending at once get seqs exactly 1..N, each batch consecutive, all readable in order everywhere`,
    async () => {
      const stores = await h.openMany(INSTANCES);
      const stream = freshStream();
      const results = await Promise.all(
        stores.map(async (store, node) => {
          const batches = batchesOf(Array.from({ length: perInstance }, (_, i) => message(stream, { node, i })));
          const own: AppendResult[][] = [];
          // Each node writes its batches one after another, as a batcher would; nodes run in parallel.
          for (const batch of batches) own.push(await store.append(batch));
          return own;
        }),
      );
      const total = INSTANCES * perInstance;
      const all = results.flat(2).map((r) => r.message.seq);
      expect([...all].sort((x, y) => x - y)).toEqual(range(1, total));
      for (const batch of results.flat()) {
        const batchSeqs = batch.map((r) => r.message.seq);
        expect(batchSeqs, 'a batch got non-consecutive seqs').toEqual(range(batchSeqs[0]!, batchSeqs[0]! + batch.length - 1));
      }
      for (const store of stores) {
        const seen: number[] = [];
        const data: unknown[] = [];
        for (let after = 0; after < total; after += 1000) {
          const page = await store.read(stream, { after, limit: 1000 });
          seen.push(...seqs(page.messages));
          data.push(...page.messages.map((m) => m.data));
        }
        expect(seen).toEqual(range(1, total));
        // Each node's own messages appear in the order it sent them.
        for (let node = 0; node < INSTANCES; node++) {
          const own = data.filter((d) => (d as { node: number }).node === node).map((d) => (d as { i: number }).i);
          expect(own).toEqual(range(0, perInstance - 1));
        }
        expect((await store.head(stream))?.seq).toBe(total);
      }
    },
    h.heavyTimeout,
  );

  it(
    `rule 2: ${INSTANCES} instances appending to several streams in mixed batches keep every stream gapless`,
    async () => {
      const stores = await h.openMany(INSTANCES);
      const streams = [freshStream(), freshStream(), freshStream()];
      await Promise.all(
        stores.map(async (store) => {
          for (let round = 0; round < 10; round++) {
            await store.append(streams.flatMap((stream, i) => Array.from({ length: i + 1 }, () => message(stream, round))));
          }
        }),
      );
      for (const [i, stream] of streams.entries()) {
        const expected = INSTANCES * 10 * (i + 1);
        expect(seqs((await stores[0]!.read(stream, { limit: 1000 })).messages)).toEqual(range(1, expected));
      }
    },
    h.heavyTimeout,
  );

  it(
    `rule 4: the same clientMessageId sent by ${INSTANCES} instances at once is stored once`,
    async () => {
      const stores = await h.openMany(INSTANCES);
      const stream = freshStream();
      for (let round = 0; round < 5; round++) {
        const cid = uniqueId('cid');
        const results = (
          await Promise.all(stores.map((store, node) => store.append([message(stream, { node }, { clientMessageId: cid })])))
        ).flat();
        const stored = new Set(results.map((r) => `${r.message.seq}/${r.message.id}`));
        expect(stored.size, 'instances got different messages for one clientMessageId').toBe(1);
        expect(
          results.filter((r) => !r.duplicate),
          'exactly one append must be the original',
        ).toHaveLength(1);
      }
      const page = await stores[0]!.read(stream);
      expect(seqs(page.messages)).toEqual([1, 2, 3, 4, 5]);
      if (h.options.inspect) expect(await h.options.inspect.storedCount(stream)).toBe(5);
    },
    h.heavyTimeout,
  );

  it(
    'rule 4: concurrent retries of a batch store each message once and keep seqs gapless',
    async () => {
      const stores = await h.openMany(4);
      const stream = freshStream();
      const batch = Array.from({ length: 20 }, (_, i) => message(stream, i, { clientMessageId: uniqueId(`cid${i}`) }));
      await Promise.all(stores.map((store) => store.append(batch)));
      const page = await stores[0]!.read(stream);
      expect(seqs(page.messages)).toEqual(range(1, 20));
      expect(page.messages.map((m) => m.data).sort((x, y) => (x as number) - (y as number))).toEqual(range(0, 19));
    },
    h.heavyTimeout,
  );
});
