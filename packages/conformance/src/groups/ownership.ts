/**
 * Rule 10, ownership: what a store returns belongs to the caller and what the caller passed in
 * stays the caller's. A store that caches entries and hands out (or keeps) the same objects
 * lets one caller's mutation change what every later read returns.
 */
import type { StoredMessage } from '@roomlog/core';
import { expect, it } from 'vitest';
import { defineGroup, freshStream, message } from '../harness';

/** Changes every mutable part of a returned message in place. */
function scribble(stored: StoredMessage): void {
  const data = stored.data as { list?: unknown[]; bin?: Buffer; nested?: { text: string } } | null;
  if (data?.list) data.list.push('scribbled');
  if (data?.bin) data.bin.fill(0xff);
  if (data?.nested) data.nested.text = 'scribbled';
  (stored as { seq: number }).seq = -1;
  (stored as { event: string }).event = 'scribbled';
}

const payload = () => ({ list: [1, 2], bin: Buffer.from([1, 2, 3]), nested: { text: 'original' } });

/** Ownership tests. */
export const ownershipTests = defineGroup('rule 10: returned objects belong to the caller', null, (h) => {
  it('rule 10: changing the data passed to append afterwards does not change what is stored', async () => {
    const store = await h.open();
    const stream = freshStream();
    const data = payload();
    const batch = [message(stream, data, { senderId: 'alice' })];
    await store.append(batch);
    data.list.push(3);
    data.bin.fill(0);
    data.nested.text = 'changed';
    batch[0]!.event = 'changed';
    const [stored] = (await store.read(stream)).messages;
    expect(stored?.data, "rule 10: the store kept a reference to the caller's data").toEqual(payload());
    expect(stored?.event).toBe('chat');
  });

  it('rule 10: changing a returned message (append result, page, duplicate) does not change later results', async () => {
    const store = await h.open();
    const stream = freshStream();
    const [appended] = await store.append([message(stream, payload(), { clientMessageId: 'k' })]);
    scribble(appended!.message);
    const page = await store.read(stream);
    expect(page.messages[0]?.data, "rule 10: mutating append's result changed the stored entry").toEqual(payload());
    expect(page.messages[0]?.seq).toBe(1);
    scribble(page.messages[0]!);
    page.messages.length = 0;
    if (page.head) page.head.seq = 99;
    const [duplicate] = await store.append([message(stream, 'retry', { clientMessageId: 'k' })]);
    expect(duplicate?.message.data, 'rule 10: mutating a read page changed the stored entry').toEqual(payload());
    scribble(duplicate!.message);
    const again = await store.read(stream);
    expect(
      again.messages.map((m) => [m.seq, m.event, m.data]),
      'rule 10: mutating a duplicate result changed the stored entry',
    ).toEqual([[1, 'chat', payload()]]);
    expect(again.head?.seq, "rule 10: mutating a returned head changed the stream's head").toBe(1);
    const head = await store.head(stream);
    head!.firstSeq = 42;
    expect(await store.head(stream)).toMatchObject({ seq: 1, firstSeq: 1 });
  });

  h.needs('editDelete')("rule 10: edit neither keeps the caller's new data nor shares the object it returns", async () => {
    const store = await h.open();
    const stream = freshStream();
    await store.append([message(stream, 'v1')]);
    const data = payload();
    const edited = await store.edit!(stream, 1, data);
    data.nested.text = 'changed by the caller';
    data.bin.fill(0);
    scribble(edited);
    const page = await store.read(stream);
    expect(
      page.messages.map((m) => m.data),
      'rule 10: the edited entry or its log entry shares objects with the caller',
    ).toEqual([payload(), payload()]);
    const tombstone = await store.delete!(stream, 1);
    (tombstone as { deletedAt: number | null }).deletedAt = null;
    expect((await store.read(stream)).messages[0]?.deletedAt, 'rule 10: mutating a returned tombstone revived it').not.toBeNull();
  });
});
