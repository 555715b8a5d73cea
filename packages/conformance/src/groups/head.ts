/** Rule 6: head is `{ seq, epoch, firstSeq }` or null; the epoch is fixed at the first append. */
import { expect, it } from 'vitest';
import { defineGroup, fill, freshStream, message } from '../harness';

/** Rule 6 tests. */
export const headTests = defineGroup('rule 6: head and epoch', null, (h) => {
  it('rule 6: head is null for a stream never written', async () => {
    const store = await h.open();
    expect(await store.head(freshStream())).toBeNull();
  });

  it('rule 6: head is { seq, epoch, firstSeq } and follows appends', async () => {
    const store = await h.open();
    const stream = freshStream();
    const [first] = await store.append([message(stream)]);
    const head = await store.head(stream);
    expect(head).toEqual({ seq: 1, epoch: first?.message.epoch, firstSeq: 1 });
    expect(typeof head?.epoch).toBe('string');
    expect(head?.epoch.length).toBeGreaterThan(0);
    await fill(store, stream, 4);
    expect(await store.head(stream)).toEqual({ seq: 5, epoch: head?.epoch, firstSeq: 1 });
  });

  it('rule 6: the epoch stays the same across appends and instances', async () => {
    const [a, b] = await h.openMany(2);
    const stream = freshStream();
    const results = [...(await a!.append([message(stream)])), ...(await b!.append([message(stream), message(stream)]))];
    const epochs = new Set(results.map((r) => r.message.epoch));
    expect(epochs.size).toBe(1);
    expect((await a!.head(stream))?.epoch).toBe([...epochs][0]);
    expect((await b!.head(stream))?.epoch).toBe([...epochs][0]);
  });

  it('rule 6: a stream is not created by reads, heads or failed appends', async () => {
    const store = await h.open();
    const stream = freshStream();
    await store.read(stream);
    await store.head(stream);
    await store.append([message(stream, 1n)]).catch(() => undefined);
    expect(await store.head(stream)).toBeNull();
  });
});
