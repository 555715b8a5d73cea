/**
 * The same room name in two namespaces is two streams, for every operation. A backend that
 * keys anything (seqs, idempotency keys, read markers, edits, retention) by room alone passes
 * every single-namespace test; these run each operation on a pair `(nsA, room)`, `(nsB, room)`.
 */
import type { StreamRef } from '@roomlog/core';
import { expect, it } from 'vitest';
import { expectRoomlogError, seqs } from '../assertions';
import { manualClock } from '../clock';
import { defineGroup, freshStream, message, messages, uniqueId } from '../harness';

/** Two streams with one room name in two random namespaces. */
function twins(): [StreamRef, StreamRef] {
  const room = uniqueId('room');
  return [freshStream(room), freshStream(room)];
}

/** Same-room-in-two-namespaces tests, one per rule the dimension applies to. */
export const namespaceTests = defineGroup('streams are (namespace, room): one room name in two namespaces', null, (h) => {
  it('rule 2: each namespace counts its own seqs for the same room name', async () => {
    const store = await h.open();
    const [a, b] = twins();
    await store.append(messages(a, 3));
    const results = await store.append([message(b), message(a), message(b)]);
    expect(
      results.map((r) => [r.message.namespace, r.message.seq]),
      'rule 2: seqs of one namespace leaked into the other',
    ).toEqual([
      [b.namespace, 1],
      [a.namespace, 4],
      [b.namespace, 2],
    ]);
  });

  it('rule 4: a clientMessageId used in one namespace is new in the other, for the same room name', async () => {
    const store = await h.open();
    const [a, b] = twins();
    const cid = uniqueId('cid');
    const [inA] = await store.append([message(a, 'in a', { clientMessageId: cid })]);
    const [inB] = await store.append([message(b, 'in b', { clientMessageId: cid })]);
    expect(inB, 'rule 4: a key of namespace A made a message of namespace B a duplicate').toMatchObject({
      duplicate: false,
      message: { namespace: b.namespace, seq: 1, data: 'in b' },
    });
    const [again] = await store.append([message(a, 'retry', { clientMessageId: cid })]);
    expect(again, "rule 4: the retry in namespace A must return A's original").toEqual({ message: inA?.message, duplicate: true });
    const [batch1, batch2] = await store.append([
      message(a, 'x', { clientMessageId: 'both' }),
      message(b, 'y', { clientMessageId: 'both' }),
    ]);
    expect([batch1?.duplicate, batch2?.duplicate], 'rule 4: in-batch duplicates collapsed across namespaces').toEqual([false, false]);
  });

  it("rules 5, 6: read and head of one namespace never show the other namespace's entries", async () => {
    const store = await h.open();
    const [a, b] = twins();
    await store.append([...messages(a, 4), ...messages(b, 2, 100)]);
    const pageB = await store.read(b, { after: 0 });
    expect(
      pageB.messages.map((m) => [m.namespace, m.seq, m.data]),
      "rule 5: a read returned another namespace's entries",
    ).toEqual([
      [b.namespace, 1, { n: 100 }],
      [b.namespace, 2, { n: 101 }],
    ]);
    expect(pageB.head?.seq, 'rule 6: head counted the other namespace').toBe(2);
    expect((await store.head(a))?.seq, 'rule 6: head counted the other namespace').toBe(4);
    expect(seqs((await store.read(b, { before: 4 })).messages), 'rule 5: before-read crossed namespaces').toEqual([1, 2]);
    expect(seqs((await store.read(a)).messages), 'rule 5: latest-read crossed namespaces').toEqual([1, 2, 3, 4]);
  });

  h.needs('editDelete')("rule 7: edit and delete change only the named namespace's message, and NOT_FOUND is per namespace", async () => {
    const store = await h.open();
    const [a, b] = twins();
    await store.append([message(a, 'a1'), message(b, 'b1'), message(a, 'a2')]);
    await store.edit!(a, 1, 'a1 edited');
    expect(
      (await store.read(b)).messages.map((m) => [m.seq, m.kind, m.data, m.version]),
      'rule 7: an edit in A changed B',
    ).toEqual([[1, 'message', 'b1', 1]]);
    await store.delete!(b, 1);
    expect(
      (await store.read(a)).messages.map((m) => [m.seq, m.kind, m.data]),
      'rule 7: a delete in B changed A',
    ).toEqual([
      [1, 'message', 'a1 edited'],
      [2, 'message', 'a2'],
      [3, 'edit', 'a1 edited'],
    ]);
    // Seq 2 exists in A only: B has seq 1 (deleted) and 2 (its delete entry).
    await expectRoomlogError(
      store,
      'NOT_FOUND',
      () => store.edit!(b, 2, 'x'),
      "rule 7: edit of B's log entry (A has a message at that seq)",
    );
    await expectRoomlogError(store, 'NOT_FOUND', () => store.delete!(b, 3, 'x'), 'rule 7: delete of a seq only A has');
    expect((await store.head(b))?.seq, 'rule 7: a failed change wrote to B').toBe(2);
  });

  h.needs('retention')('rule 8: maxCount is counted per namespace for the same room name', async () => {
    const store = await h.open({ maxCount: 3 });
    const [a, b] = twins();
    await store.append([message(b, 'b1'), ...messages(a, 6)]);
    expect(
      (await store.read(b, { after: 0 })).messages.map((m) => m.data),
      "rule 8: A's appends pushed out B's entry",
    ).toEqual(['b1']);
    expect(await store.head(b), 'rule 8: firstSeq of B moved with A').toMatchObject({ seq: 1, firstSeq: 1 });
    expect(seqs((await store.read(a, { after: 0 })).messages)).toEqual([4, 5, 6]);
  });

  h.needs('retention')('rule 8: expiry by ttlMs and maxAgeMs is per entry and per namespace', async () => {
    const clock = manualClock();
    const store = await h.open({ now: clock.now, maxAgeMs: 1000 });
    const [a, b] = twins();
    await store.append([message(a, 'a old')]);
    clock.advance(600);
    await store.append([message(b, 'b young'), message(a, 'a ttl', { ttlMs: 100 })]);
    clock.advance(400);
    expect(
      (await store.read(b, { after: 0 })).messages.map((m) => m.data),
      "rule 8: B lost an entry to A's age",
    ).toEqual(['b young']);
    expect((await store.read(a, { after: 0 })).messages.map((m) => m.data)).toEqual([]);
    expect((await store.read(b, { after: 0 })).truncated, 'rule 5: B reads as truncated because of A').toBe(false);
  });

  h.needs('cursors')('rule 9: read markers and unread counts are per namespace for the same room name and user', async () => {
    const store = await h.open();
    const [a, b] = twins();
    await store.append([...messages(a, 5, 1, { senderId: 'bob' }), ...messages(b, 2, 1, { senderId: 'bob' })]);
    expect(await store.setCursor!(a, 'alice', 4)).toBe(4);
    expect(await store.getCursor!(b, 'alice'), 'rule 9: a marker set in A was read in B').toBe(0);
    expect(await store.unreadCount!(b, 'alice'), "rule 9: unread of B used A's marker").toBe(2);
    expect(await store.setCursor!(b, 'alice', 5), "rule 9: the marker of B must be clamped to B's head").toBe(2);
    expect(await store.setCursor!(b, 'alice', 1), "rule 9: B's marker moved back").toBe(2);
    expect(await store.getCursor!(a, 'alice'), "rule 9: setting B's marker changed A's").toBe(4);
    expect(await store.unreadCount!(a, 'alice')).toBe(1);
  });

  h.needs('erase')('erase: a sender is erased in both namespaces and only there', async () => {
    const store = await h.open();
    const [a, b] = twins();
    const sender = uniqueId('user');
    await store.append([
      message(a, 'mine a', { senderId: sender }),
      message(b, 'mine b', { senderId: sender }),
      message(b, 'other', { senderId: 'x' }),
    ]);
    expect(await store.eraseSender!(sender), 'erase: entries in both namespaces count').toBe(2);
    expect((await store.read(a)).messages.map((m) => m.data)).toEqual([null]);
    expect((await store.read(b)).messages.map((m) => m.data)).toEqual([null, 'other']);
  });
});
