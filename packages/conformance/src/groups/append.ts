/** Rule 3: results in input order; mixed-stream batches; the stored message as returned. */
import { expect, it } from 'vitest';
import { expectRoomlogError } from '../assertions';
import { manualClock } from '../clock';
import { defineGroup, freshStream, message, uniqueId } from '../harness';

/** Rule 3 tests. */
export const appendTests = defineGroup('rule 3: append', null, (h) => {
  it('rule 3: results come back in input order with every field of the stored message', async () => {
    const clock = manualClock();
    const store = await h.open({ now: clock.now });
    const stream = freshStream();
    const [first, second] = await store.append([
      message(stream, { text: 'hi' }, { event: 'chat:message', senderId: 'alice', clientMessageId: 'c-1' }),
      message(stream, [1, 2], { event: 'typing' }),
    ]);
    const head = await store.head(stream);
    expect(first).toEqual({
      duplicate: false,
      message: {
        namespace: stream.namespace,
        room: stream.room,
        seq: 1,
        id: expect.any(String),
        epoch: head?.epoch,
        event: 'chat:message',
        data: { text: 'hi' },
        senderId: 'alice',
        clientMessageId: 'c-1',
        createdAt: clock.now(),
        kind: 'message',
        target: null,
        version: 1,
        editedAt: null,
        deletedAt: null,
        expiresAt: null,
      },
    });
    expect(second?.message).toMatchObject({ seq: 2, event: 'typing', data: [1, 2], senderId: null, clientMessageId: null });
  });

  it('rule 3: read returns exactly what append returned', async () => {
    const [a, b] = await h.openMany(2);
    const stream = freshStream();
    const results = await a!.append([
      message(stream, { deep: { list: [1, 'two', null, true] } }, { senderId: 'u1' }),
      message(stream, 'plain', { clientMessageId: uniqueId('cid') }),
    ]);
    const expected = results.map((r) => r.message);
    expect((await a!.read(stream)).messages).toEqual(expected);
    expect((await b!.read(stream)).messages).toEqual(expected);
  });

  it('rule 3: a batch mixing streams gets consecutive seqs per stream, in input order', async () => {
    const store = await h.open();
    const a = freshStream();
    const b = freshStream();
    await store.append([message(a, 'a0')]);
    const batch = [message(b, 'b1'), message(a, 'a1'), message(a, 'a2'), message(b, 'b2'), message(a, 'a3')];
    const results = await store.append(batch);
    expect(results.map((r) => [r.message.room, r.message.seq, r.message.data])).toEqual([
      [b.room, 1, 'b1'],
      [a.room, 2, 'a1'],
      [a.room, 3, 'a2'],
      [b.room, 2, 'b2'],
      [a.room, 4, 'a3'],
    ]);
    expect((await store.read(a)).messages.map((m) => m.data)).toEqual(['a0', 'a1', 'a2', 'a3']);
    expect((await store.read(b)).messages.map((m) => m.data)).toEqual(['b1', 'b2']);
  });

  it('rule 3: a batch of 1000 messages is appended in one call, in order', async () => {
    const store = await h.open();
    const stream = freshStream();
    const batch = Array.from({ length: 1000 }, (_, i) => message(stream, { i, text: 'x'.repeat(100) }, { clientMessageId: `c${i}` }));
    const results = await store.append(batch);
    expect(results.map((r) => r.message.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    const page = await store.read(stream, { limit: 1000 });
    expect(page.messages.map((m) => (m.data as { i: number }).i)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('rule 3: createdAt comes from the store clock, the same for a whole batch', async () => {
    const clock = manualClock(1_700_000_000_000);
    const store = await h.open({ now: clock.now });
    const stream = freshStream();
    const results = await store.append([message(stream), message(stream)]);
    expect(results.map((r) => r.message.createdAt)).toEqual([1_700_000_000_000, 1_700_000_000_000]);
    clock.advance(1234);
    const [later] = await store.append([message(stream)]);
    expect(later?.message.createdAt).toBe(1_700_000_001_234);
  });

  h.onlyIf(!h.capabilities.retention, 'only for a store without capability retention')(
    'rule 3: ttlMs on a store without retention rejects UNSUPPORTED and writes nothing',
    async () => {
      const store = await h.open();
      const stream = freshStream();
      const error = await expectRoomlogError(store, 'UNSUPPORTED', () => store.append([message(stream, 1, { ttlMs: 1000 })]));
      expect(error.message, 'rule 3: the UNSUPPORTED error names what is not supported').toMatch(/\bttlMs\b/);
      expect(await store.head(stream)).toBeNull();
    },
  );
});
