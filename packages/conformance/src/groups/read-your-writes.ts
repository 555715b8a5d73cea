/** Rule 12: once append resolves on one instance, every other instance sees it. */
import { expect, it } from 'vitest';
import { seqs } from '../assertions';
import { defineGroup, freshStream, message, messages } from '../harness';

/** Rule 12 tests. */
export const readYourWritesTests = defineGroup('rule 12: read-your-writes across instances', null, (h) => {
  it('rule 12: an append on one instance is seen at once by read and head on another', async () => {
    const [writer, reader] = await h.openMany(2);
    const stream = freshStream();
    for (let i = 1; i <= 20; i++) {
      const [result] = await writer!.append([message(stream, i)]);
      expect((await reader!.head(stream))?.seq).toBe(result?.message.seq);
      const page = await reader!.read(stream, { after: i - 1 });
      expect(page.messages).toEqual([result?.message]);
    }
  });

  it("rule 12: every instance sees the others' writes, in turns", async () => {
    const stores = await h.openMany(3);
    const stream = freshStream();
    for (let round = 0; round < 3; round++) {
      for (const store of stores) await store.append(messages(stream, 2));
    }
    for (const store of stores)
      expect(seqs((await store.read(stream)).messages)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
  });

  h.needs('editDelete')('rule 12: edits and deletes on one instance are seen by another', async () => {
    const [writer, reader] = await h.openMany(2);
    const stream = freshStream();
    await writer!.append(messages(stream, 2));
    await writer!.edit!(stream, 1, 'edited');
    await writer!.delete!(stream, 2);
    const page = await reader!.read(stream);
    expect(page.messages.map((m) => [m.seq, m.kind, m.data])).toEqual([
      [1, 'message', 'edited'],
      [2, 'message', null],
      [3, 'edit', 'edited'],
      [4, 'delete', null],
    ]);
  });

  h.needs('cursors')('rule 12: a cursor set on one instance is read on another', async () => {
    const [writer, reader] = await h.openMany(2);
    const stream = freshStream();
    await writer!.append(messages(stream, 3));
    await writer!.setCursor!(stream, 'u1', 2);
    expect(await reader!.getCursor!(stream, 'u1')).toBe(2);
    expect(await reader!.unreadCount!(stream, 'u1')).toBe(1);
  });
});
