/** Rule 9: read markers per (stream, user) only move forward; unreadCount counts others' live messages. */
import { UNREAD_SCAN_LIMIT } from '@roomlog/core';
import { expect, it } from 'vitest';
import { expectRoomlogError } from '../assertions';
import { manualClock } from '../clock';
import { defineGroup, freshStream, message, messages } from '../harness';

/** Rule 9 tests (capability `cursors`). */
export const cursorTests = defineGroup('rule 9: cursors', 'cursors', (h) => {
  it('rule 9: an unset cursor is 0; setCursor moves it forward and returns it', async () => {
    const store = await h.open();
    const stream = freshStream();
    expect(await store.getCursor!(stream, 'alice')).toBe(0);
    await store.append(messages(stream, 10));
    expect(await store.getCursor!(stream, 'alice')).toBe(0);
    expect(await store.setCursor!(stream, 'alice', 4)).toBe(4);
    expect(await store.getCursor!(stream, 'alice')).toBe(4);
    expect(await store.setCursor!(stream, 'alice', 9)).toBe(9);
    expect(await store.getCursor!(stream, 'alice')).toBe(9);
  });

  it('rule 9: a lower value is ignored and the current cursor returned', async () => {
    const store = await h.open();
    const stream = freshStream();
    await store.append(messages(stream, 10));
    await store.setCursor!(stream, 'alice', 7);
    expect(await store.setCursor!(stream, 'alice', 3)).toBe(7);
    expect(await store.setCursor!(stream, 'alice', 0)).toBe(7);
    expect(await store.setCursor!(stream, 'alice', 7)).toBe(7);
    expect(await store.getCursor!(stream, 'alice')).toBe(7);
  });

  it('rule 9: a cursor is clamped to the head seq', async () => {
    const store = await h.open();
    const stream = freshStream();
    expect(await store.setCursor!(stream, 'alice', 5)).toBe(0);
    await store.append(messages(stream, 3));
    expect(await store.setCursor!(stream, 'alice', 1000)).toBe(3);
    expect(await store.getCursor!(stream, 'alice')).toBe(3);
    await store.append(messages(stream, 2));
    expect(await store.setCursor!(stream, 'alice', 1000)).toBe(5);
  });

  it('rule 9: concurrent setCursor calls from several instances end at the highest value', async () => {
    const stores = await h.openMany(4);
    const stream = freshStream();
    await stores[0]!.append(messages(stream, 50));
    const values = [12, 50, 3, 31, 49, 7, 20, 1];
    await Promise.all(values.map((seq, i) => stores[i % stores.length]!.setCursor!(stream, 'alice', seq)));
    expect(await stores[1]!.getCursor!(stream, 'alice')).toBe(50);
  });

  it('rule 9: cursors are per user and per stream', async () => {
    const store = await h.open();
    const a = freshStream();
    const b = { namespace: a.namespace, room: `${a.room}-b` };
    await store.append([...messages(a, 5), ...messages(b, 5)]);
    await store.setCursor!(a, 'alice', 4);
    expect(await store.getCursor!(a, 'bob')).toBe(0);
    expect(await store.getCursor!(b, 'alice')).toBe(0);
    await store.setCursor!(b, 'bob', 2);
    expect(await store.getCursor!(a, 'alice')).toBe(4);
    expect(await store.getCursor!(b, 'bob')).toBe(2);
  });

  it('rule 9: user ids differing only by case or trailing space have separate cursors', async () => {
    const store = await h.open();
    const stream = freshStream();
    await store.append(messages(stream, 5));
    await store.setCursor!(stream, 'alice', 4);
    expect(await store.getCursor!(stream, 'Alice')).toBe(0);
    expect(await store.getCursor!(stream, 'alice ')).toBe(0);
    expect(await store.getCursor!(stream, "'; drop table x; --")).toBe(0);
    expect(await store.setCursor!(stream, '{"$gt": ""}', 2)).toBe(2);
    expect(await store.getCursor!(stream, 'alice')).toBe(4);
  });

  it('rule 9: unreadCount counts messages after the cursor that the user did not send', async () => {
    const store = await h.open();
    const stream = freshStream();
    expect(await store.unreadCount!(stream, 'alice')).toBe(0);
    await store.append([
      message(stream, 1, { senderId: 'bob' }),
      message(stream, 2, { senderId: 'alice' }),
      message(stream, 3, { senderId: 'bob' }),
      message(stream, 4),
      message(stream, 5, { senderId: 'alice' }),
    ]);
    expect(await store.unreadCount!(stream, 'alice')).toBe(3);
    expect(await store.unreadCount!(stream, 'bob')).toBe(3);
    await store.setCursor!(stream, 'alice', 3);
    expect(await store.unreadCount!(stream, 'alice')).toBe(1);
    await store.setCursor!(stream, 'alice', 5);
    expect(await store.unreadCount!(stream, 'alice')).toBe(0);
  });

  it(`rule 9: unreadCount counts among at most ${UNREAD_SCAN_LIMIT} entries after the cursor, so its work is bounded`, async () => {
    const store = await h.open();
    const stream = freshStream();
    const batch = Array.from({ length: UNREAD_SCAN_LIMIT }, (_, i) => message(stream, i, { senderId: 'bob' }));
    await store.append(batch);
    await store.append(Array.from({ length: 5 }, (_, i) => message(stream, `late-${i}`, { senderId: 'bob' })));
    expect(await store.unreadCount!(stream, 'alice'), 'rule 9: the count stops at the scan limit').toBe(UNREAD_SCAN_LIMIT);
    await store.setCursor!(stream, 'alice', 10);
    expect(await store.unreadCount!(stream, 'alice'), 'rule 9: the limit counts from the cursor').toBe(UNREAD_SCAN_LIMIT - 5);
  });

  h.needs('editDelete')('rule 9: unreadCount skips deleted messages and edit/delete log entries', async () => {
    const store = await h.open();
    const stream = freshStream();
    await store.append(messages(stream, 4, 1, { senderId: 'bob' }));
    await store.delete!(stream, 2, 'bob');
    await store.edit!(stream, 3, 'edited', 'bob');
    expect(await store.unreadCount!(stream, 'alice')).toBe(3);
  });

  h.needs('retention')('rule 9: unreadCount skips expired messages', async () => {
    const clock = manualClock();
    const store = await h.open({ now: clock.now, maxCount: 3 });
    const stream = freshStream();
    await store.append([...messages(stream, 3, 1, { senderId: 'bob' }), message(stream, 'ttl', { senderId: 'bob', ttlMs: 10 })]);
    expect(await store.unreadCount!(stream, 'alice')).toBe(3);
    clock.advance(10);
    expect(await store.unreadCount!(stream, 'alice')).toBe(2);
  });

  it('rule 9: invalid cursor arguments reject INVALID_ARGUMENT', async () => {
    const store = await h.open();
    const stream = freshStream();
    await store.append(messages(stream, 3));
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.setCursor!(stream, 'alice', -1));
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.setCursor!(stream, 'alice', 1.5));
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.setCursor!(stream, 'alice', '2' as unknown as number));
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.setCursor!(stream, '', 1));
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.getCursor!(stream, 5 as unknown as string));
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.unreadCount!({ namespace: '/', room: '\u0000' }, 'alice'));
    expect(await store.getCursor!(stream, 'alice')).toBe(0);
  });
});
