/** Rule 2: seq 1 first, then previous + 1, per stream; never reused. */
import { expect, it } from 'vitest';
import { range, seqs } from '../assertions';
import { defineGroup, freshStream, message, messages } from '../harness';

/** Rule 2 tests (the concurrent cases are in `concurrencyTests`). */
export const sequenceTests = defineGroup('rule 2: sequence', null, (h) => {
  it('rule 2: the first message of a stream gets seq 1 and each next one the previous + 1', async () => {
    const store = await h.open();
    const stream = freshStream();
    const got: number[] = [];
    for (let i = 0; i < 5; i++) {
      const [result] = await store.append([message(stream, i)]);
      got.push(result!.message.seq);
    }
    expect(got).toEqual([1, 2, 3, 4, 5]);
    expect((await store.head(stream))?.seq).toBe(5);
  });

  it('rule 2: each stream counts on its own, also when streams share a room name or a namespace', async () => {
    const store = await h.open();
    const a = freshStream();
    const b = { namespace: a.namespace, room: `${a.room}-b` };
    const c = { namespace: `${a.namespace}-c`, room: a.room };
    await store.append(messages(a, 3));
    const results = await store.append([message(b), message(c), message(b)]);
    expect(results.map((r) => r.message.seq)).toEqual([1, 1, 2]);
    expect((await store.head(a))?.seq).toBe(3);
  });

  it('rule 2: a batch of 50 gets seqs 1..50 and the next batch continues at 51', async () => {
    const store = await h.open();
    const stream = freshStream();
    expect(seqs((await store.append(messages(stream, 50))).map((r) => r.message))).toEqual(range(1, 50));
    expect(seqs((await store.append(messages(stream, 3))).map((r) => r.message))).toEqual([51, 52, 53]);
    expect(seqs((await store.read(stream, { limit: 1000 })).messages)).toEqual(range(1, 53));
  });

  it('rule 2: a second instance continues the sequence of the first', async () => {
    const [a, b] = await h.openMany(2);
    const stream = freshStream();
    await a!.append(messages(stream, 2));
    const [result] = await b!.append([message(stream)]);
    expect(result?.message.seq).toBe(3);
  });

  it('rule 2: seqs are unique ids of entries: message ids differ and seqs are integers', async () => {
    const store = await h.open();
    const stream = freshStream();
    const results = await store.append(messages(stream, 20));
    expect(new Set(results.map((r) => r.message.id)).size).toBe(20);
    for (const { message: m } of results) {
      expect(Number.isSafeInteger(m.seq)).toBe(true);
      expect(typeof m.id).toBe('string');
      expect(m.id.length).toBeGreaterThan(0);
    }
  });

  it('rule 2: entry ids are unique across streams and instances, not only within a stream', async () => {
    const [a, b] = await h.openMany(2);
    const streams = [freshStream(), freshStream(), freshStream()];
    const results = [
      ...(await a!.append(streams.flatMap((stream) => messages(stream, 10)))),
      ...(await b!.append(streams.flatMap((stream) => messages(stream, 10)))),
    ];
    const ids = results.map((r) => r.message.id);
    expect(new Set(ids).size, 'rule 2: two entries share an id (ids must be unique across streams)').toBe(ids.length);
  });
});
