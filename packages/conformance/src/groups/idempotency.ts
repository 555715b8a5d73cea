/** Rule 4: a retained clientMessageId is stored once; duplicates return the original. */
import { expect, it } from 'vitest';
import { defineGroup, freshStream, message, uniqueId } from '../harness';

/** Rule 4 tests (the concurrent case is in `concurrencyTests`). */
export const idempotencyTests = defineGroup('rule 4: idempotency', null, (h) => {
  it('rule 4: a repeated clientMessageId returns the stored original with duplicate: true and stores nothing', async () => {
    const store = await h.open();
    const stream = freshStream();
    const cid = uniqueId('cid');
    const [first] = await store.append([message(stream, 'original', { clientMessageId: cid, senderId: 'a' })]);
    const [again] = await store.append([message(stream, 'retry with other data', { clientMessageId: cid, senderId: 'a' })]);
    expect(first?.duplicate).toBe(false);
    expect(again).toEqual({ message: first?.message, duplicate: true });
    expect((await store.head(stream))?.seq).toBe(1);
    expect((await store.read(stream)).messages.map((m) => m.data)).toEqual(['original']);
    if (h.options.inspect) expect(await h.options.inspect.storedCount(stream)).toBe(1);
  });

  h.withInspector('rule 4: duplicates, across calls, instances and inside a batch, leave one row in the database', async () => {
    const [a, b] = await h.openMany(2);
    const stream = freshStream();
    const cid = uniqueId('cid');
    await a!.append([message(stream, 1, { clientMessageId: cid }), message(stream, 2, { clientMessageId: cid })]);
    await b!.append([message(stream, 3, { clientMessageId: cid })]);
    await a!.append([message(stream, 4, { clientMessageId: cid }), message(stream, 'other')]);
    expect(await h.options.inspect!.storedCount(stream), 'rule 4: a duplicate was stored as a second row').toBe(2);
  });

  it('rule 4: duplicates inside one batch are collapsed onto the first', async () => {
    const store = await h.open();
    const stream = freshStream();
    const cid = uniqueId('cid');
    const results = await store.append([
      message(stream, 'a', { clientMessageId: cid }),
      message(stream, 'b'),
      message(stream, 'a again', { clientMessageId: cid }),
    ]);
    expect(results.map((r) => [r.message.seq, r.message.data, r.duplicate])).toEqual([
      [1, 'a', false],
      [2, 'b', false],
      [1, 'a', true],
    ]);
    expect(results[2]?.message).toEqual(results[0]?.message);
    expect((await store.head(stream))?.seq).toBe(2);
  });

  it('rule 4: several keys repeated inside one batch, interleaved and across rooms, each collapse onto their first', async () => {
    const store = await h.open();
    const stream = freshStream();
    const other = { namespace: stream.namespace, room: `${stream.room}-other` };
    const [x, y, z] = [uniqueId('cid'), uniqueId('cid'), uniqueId('cid')];
    // The first repeat comes early, the next keys' first copies after it: a store (or a shared
    // helper) that only remembers the keys it had seen by the first repeat stores y and z twice.
    const results = await store.append([
      message(stream, 'x', { clientMessageId: x }),
      message(stream, 'x again', { clientMessageId: x }),
      message(stream, 'y', { clientMessageId: y }),
      message(other, 'y elsewhere', { clientMessageId: y }),
      message(stream, 'z', { clientMessageId: z }),
      message(stream, 'y again', { clientMessageId: y }),
      message(stream, 'x third', { clientMessageId: x }),
      message(stream, 'z again', { clientMessageId: z }),
      message(other, 'y elsewhere again', { clientMessageId: y }),
    ]);
    expect(results.map((r) => [r.message.room === other.room ? 'other' : 'stream', r.message.seq, r.message.data, r.duplicate])).toEqual([
      ['stream', 1, 'x', false],
      ['stream', 1, 'x', true],
      ['stream', 2, 'y', false],
      ['other', 1, 'y elsewhere', false],
      ['stream', 3, 'z', false],
      ['stream', 2, 'y', true],
      ['stream', 1, 'x', true],
      ['stream', 3, 'z', true],
      ['other', 1, 'y elsewhere', true],
    ]);
    expect((await store.head(stream))?.seq, 'rule 4: in-batch repeats took seqs').toBe(3);
    expect((await store.head(other))?.seq, 'rule 4: in-batch repeats took seqs').toBe(1);
  });

  it('rule 4: a retry mixing new and already stored messages stores only the new ones, in order', async () => {
    const store = await h.open();
    const stream = freshStream();
    const ids = [uniqueId('cid'), uniqueId('cid'), uniqueId('cid')];
    await store.append([message(stream, 0, { clientMessageId: ids[0] })]);
    const results = await store.append(ids.map((clientMessageId, i) => message(stream, i, { clientMessageId })));
    expect(results.map((r) => [r.message.seq, r.duplicate])).toEqual([
      [1, true],
      [2, false],
      [3, false],
    ]);
  });

  it('rule 4: the same clientMessageId in another stream is a different message', async () => {
    const store = await h.open();
    const a = freshStream();
    const b = { namespace: a.namespace, room: `${a.room}-b` };
    const cid = uniqueId('cid');
    const results = await store.append([message(a, 1, { clientMessageId: cid }), message(b, 2, { clientMessageId: cid })]);
    expect(results.map((r) => [r.message.room, r.message.seq, r.duplicate])).toEqual([
      [a.room, 1, false],
      [b.room, 1, false],
    ]);
  });

  it('rule 4: a duplicate sent to another instance is recognised too', async () => {
    const [a, b] = await h.openMany(2);
    const stream = freshStream();
    const cid = uniqueId('cid');
    const [first] = await a!.append([message(stream, 'x', { clientMessageId: cid })]);
    const [again] = await b!.append([message(stream, 'x', { clientMessageId: cid })]);
    expect(again).toEqual({ message: first?.message, duplicate: true });
  });

  it('rule 4: clientMessageIds differing only by case, accents, trailing space or normalization are different keys', async () => {
    const store = await h.open();
    const stream = freshStream();
    const ids = ['abc', 'ABC', 'abc ', 'abč', 'caf\u00e9', 'cafe\u0301', 'cafe'];
    const results = await store.append(ids.map((clientMessageId) => message(stream, clientMessageId, { clientMessageId })));
    expect(results.map((r) => [r.message.seq, r.duplicate])).toEqual(ids.map((_, i) => [i + 1, false]));
  });

  h.needs('editDelete')(
    'rule 4 + 7: a deleted message keeps its clientMessageId: a retry returns the tombstone as a duplicate',
    async () => {
      const [a, b] = await h.openMany(2);
      const stream = freshStream();
      const cid = uniqueId('cid');
      await a!.append([message(stream, 'original', { clientMessageId: cid })]);
      const tombstone = await a!.delete!(stream, 1);
      const [retry] = await b!.append([message(stream, 'retry', { clientMessageId: cid })]);
      expect(retry, 'rule 4: deleting a message freed its clientMessageId, so a retry was stored again').toEqual({
        message: tombstone,
        duplicate: true,
      });
      const edited = await a!.append([message(stream, 'other', { clientMessageId: 'edited' })]);
      const after = await a!.edit!(stream, edited[0]!.message.seq, 'changed');
      const [again] = await b!.append([message(stream, 'retry', { clientMessageId: 'edited' })]);
      expect(again, 'rule 4: a retry of an edited message returns it as it is now').toEqual({ message: after, duplicate: true });
      expect((await a!.head(stream))?.seq).toBe(4);
    },
  );

  h.needs('erase')('rule 4 + erase: an erased message keeps its clientMessageId: a retry returns it as erased', async () => {
    const store = await h.open();
    const stream = freshStream();
    const sender = uniqueId('user');
    const cid = uniqueId('cid');
    await store.append([message(stream, 'secret', { clientMessageId: cid, senderId: sender })]);
    await store.eraseSender!(sender);
    const [retry] = await store.append([message(stream, 'secret', { clientMessageId: cid, senderId: sender })]);
    expect(retry, 'rule 4: erasing freed the clientMessageId, so the erased data was stored again').toMatchObject({
      duplicate: true,
      message: { seq: 1, data: null },
    });
    expect(retry?.message.deletedAt).not.toBeNull();
    expect((await store.head(stream))?.seq).toBe(1);
  });

  it('rule 4: messages without clientMessageId are never deduplicated', async () => {
    const store = await h.open();
    const stream = freshStream();
    const results = await store.append([message(stream, 'same'), message(stream, 'same')]);
    expect(results.map((r) => [r.message.seq, r.duplicate])).toEqual([
      [1, false],
      [2, false],
    ]);
  });
});
