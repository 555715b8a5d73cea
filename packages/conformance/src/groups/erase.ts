/** Erasure: eraseSender tombstones a sender's entries in place, everywhere, without log entries. */
import { expect, it } from 'vitest';
import { expectRoomlogError } from '../assertions';
import { manualClock } from '../clock';
import { defineGroup, freshStream, message, uniqueId } from '../harness';

/** `eraseSender` tests (capability `erase`). */
export const eraseTests = defineGroup('erase: eraseSender', 'erase', (h) => {
  it('erase: every entry of the sender, in every stream, loses its data and gets deletedAt; nothing else changes', async () => {
    const clock = manualClock();
    const store = await h.open({ now: clock.now });
    const sender = uniqueId('user');
    const other = uniqueId('user');
    const a = freshStream();
    const b = freshStream();
    await store.append([
      message(a, 'mine 1', { senderId: sender }),
      message(a, 'theirs', { senderId: other }),
      message(b, { secret: Buffer.from('x') }, { senderId: sender }),
      message(b, 'anonymous'),
    ]);
    clock.advance(100);
    expect(await store.eraseSender!(sender)).toBe(2);
    const pageA = await store.read(a);
    const pageB = await store.read(b);
    expect([...pageA.messages, ...pageB.messages].map((m) => [m.seq, m.data, m.senderId, m.deletedAt])).toEqual([
      [1, null, sender, clock.now()],
      [2, 'theirs', other, null],
      [1, null, sender, clock.now()],
      [2, 'anonymous', null, null],
    ]);
    expect(pageA.head?.seq).toBe(2);
    expect(pageB.head?.seq).toBe(2);
  });

  it('erase: an erased entry keeps seq, id, event and createdAt; version goes up by 1, as for a delete', async () => {
    const clock = manualClock();
    const store = await h.open({ now: clock.now });
    const sender = uniqueId('user');
    const stream = freshStream();
    const [original] = await store.append([message(stream, 'mine', { senderId: sender, clientMessageId: 'c' })]);
    clock.advance(5);
    await store.eraseSender!(sender);
    const [erased] = (await store.read(stream)).messages;
    expect(erased, 'erase: the erased entry must be the original with data null, deletedAt set and version + 1').toEqual({
      ...original?.message,
      data: null,
      deletedAt: clock.now(),
      version: 2,
    });
  });

  it('erase: a second call erases nothing new; an unknown sender erases nothing', async () => {
    const store = await h.open();
    const sender = uniqueId('user');
    await store.append([message(freshStream(), 'x', { senderId: sender })]);
    expect(await store.eraseSender!(sender)).toBe(1);
    expect(await store.eraseSender!(sender)).toBe(0);
    expect(await store.eraseSender!(uniqueId('nobody'))).toBe(0);
  });

  it('erase: erasure is seen by every instance', async () => {
    const [a, b] = await h.openMany(2);
    const sender = uniqueId('user');
    const stream = freshStream();
    await a!.append([message(stream, 'gone', { senderId: sender })]);
    await a!.eraseSender!(sender);
    expect((await b!.read(stream)).messages[0]?.data).toBeNull();
  });

  h.needs('editDelete')('erase: edits by the sender are erased and already deleted messages are not counted again', async () => {
    const store = await h.open();
    const sender = uniqueId('user');
    const stream = freshStream();
    await store.append([message(stream, 'one', { senderId: sender }), message(stream, 'two', { senderId: sender })]);
    await store.delete!(stream, 1, 'moderator');
    await store.edit!(stream, 2, 'two, edited', sender);
    // Newly erased: message 2 and the sender's edit entry (4), which carries the edited text.
    // Message 1 was already deleted and the delete entry (3) is the moderator's.
    expect(await store.eraseSender!(sender)).toBe(2);
    const page = await store.read(stream);
    expect(page.messages.map((m) => m.data)).toEqual([null, null, null, null]);
    await expectRoomlogError(store, 'NOT_FOUND', () => store.edit!(stream, 2, 'back'));
  });

  h.needs('cursors')('erase: erased messages are no longer unread', async () => {
    const store = await h.open();
    const sender = uniqueId('user');
    const stream = freshStream();
    await store.append([message(stream, 1, { senderId: sender }), message(stream, 2, { senderId: uniqueId('user') })]);
    await store.eraseSender!(sender);
    expect(await store.unreadCount!(stream, 'reader')).toBe(1);
  });

  it('erase: only the exact sender id is erased, not one differing by case or trailing space', async () => {
    const store = await h.open();
    const sender = uniqueId('user');
    const stream = freshStream();
    const others = [sender.toUpperCase(), `${sender} `, `${sender}*`, sender.slice(0, -1)];
    await store.append([
      message(stream, 'mine', { senderId: sender }),
      ...others.map((senderId) => message(stream, senderId, { senderId })),
    ]);
    expect(await store.eraseSender!(sender)).toBe(1);
    expect((await store.read(stream)).messages.map((m) => m.data)).toEqual([null, ...others]);
  });

  it('erase: an invalid sender id rejects INVALID_ARGUMENT', async () => {
    const store = await h.open();
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.eraseSender!(''));
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.eraseSender!(7 as unknown as string));
  });
});
