/** Rule 11: every failure is a RoomlogError; after close() every call rejects CLOSED. */
import type { MessageStore, StreamRef } from '@roomlog/core';
import { expect, it } from 'vitest';
import { expectRoomlogError } from '../assertions';
import { defineGroup, freshStream, message } from '../harness';

/** Every method the store has, called with valid arguments. */
function everyCall(store: MessageStore, stream: StreamRef): [string, () => Promise<unknown>][] {
  const calls: [string, (() => Promise<unknown>) | undefined][] = [
    ['append', () => store.append([message(stream)])],
    ['read', () => store.read(stream)],
    ['head', () => store.head(stream)],
    ['edit', store.edit && (() => store.edit!(stream, 1, 'x'))],
    ['delete', store.delete && (() => store.delete!(stream, 1))],
    ['setCursor', store.setCursor && (() => store.setCursor!(stream, 'u', 1))],
    ['getCursor', store.getCursor && (() => store.getCursor!(stream, 'u'))],
    ['unreadCount', store.unreadCount && (() => store.unreadCount!(stream, 'u'))],
    ['eraseSender', store.eraseSender && (() => store.eraseSender!('nobody'))],
  ];
  return calls.filter((call): call is [string, () => Promise<unknown>] => call[1] !== undefined);
}

/**
 * Every method called with arguments it must refuse with INVALID_ARGUMENT. An optional method
 * counts only under its declared capability: without it, the method may answer UNSUPPORTED.
 */
function everyInvalidCall(store: MessageStore, stream: StreamRef): [string, () => Promise<unknown>][] {
  const bad = null as never;
  const caps = store.capabilities;
  const edit = caps.editDelete ? store.edit : undefined;
  const remove = caps.editDelete ? store.delete : undefined;
  const setCursor = caps.cursors ? store.setCursor : undefined;
  const getCursor = caps.cursors ? store.getCursor : undefined;
  const unreadCount = caps.cursors ? store.unreadCount : undefined;
  const eraseSender = caps.erase ? store.eraseSender : undefined;
  const calls: [string, (() => Promise<unknown>) | undefined][] = [
    ['append of a non-array', () => store.append('batch' as never)],
    ['append with an empty room', () => store.append([{ ...message(stream), room: '' }])],
    ['read of a null stream', () => store.read(bad)],
    ['read with limit 0', () => store.read(stream, { limit: 0 })],
    ['read with a string query', () => store.read(stream, 'latest' as never)],
    ['head of a stream that is a string', () => store.head('room' as never)],
    ['edit of seq 0', edit && (() => edit.call(store, stream, 0, 'x'))],
    ['edit of a null stream', edit && (() => edit.call(store, bad, 1, 'x'))],
    ['delete of seq -1', remove && (() => remove.call(store, stream, -1))],
    ['setCursor with an empty user', setCursor && (() => setCursor.call(store, stream, '', 1))],
    ['setCursor to seq 1.5', setCursor && (() => setCursor.call(store, stream, 'u', 1.5))],
    ['getCursor with a numeric user', getCursor && (() => getCursor.call(store, stream, 5 as never))],
    ['unreadCount of a null stream', unreadCount && (() => unreadCount.call(store, bad, 'u'))],
    ['eraseSender of an empty id', eraseSender && (() => eraseSender.call(store, ''))],
    ['eraseSender of an object', eraseSender && (() => eraseSender.call(store, { $ne: null } as never))],
  ];
  return calls.filter((call): call is [string, () => Promise<unknown>] => call[1] !== undefined);
}

/** Rule 11 tests. */
export const errorTests = defineGroup('rule 11: errors and close', null, (h) => {
  it('rule 11: failures reject with a RoomlogError carrying code, prefixed message and cause', async () => {
    const store = await h.open({ maxPayloadBytes: 100 });
    const stream = freshStream();
    await store.append([message(stream)]);
    const invalid = await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.read(stream, { limit: 0 }));
    expect(invalid, 'a RoomlogError is an Error, with a stack').toBeInstanceOf(Error);
    await expectRoomlogError(store, 'PAYLOAD_TOO_LARGE', () => store.append([message(stream, 'x'.repeat(200))]));
    if (store.capabilities.editDelete && store.edit) await expectRoomlogError(store, 'NOT_FOUND', () => store.edit!(stream, 99, 'x'));
  });

  it('rule 11: after close() every method rejects CLOSED', async () => {
    const store = await h.open();
    const stream = freshStream();
    await store.append([message(stream)]);
    await store.close();
    for (const [name, call] of everyCall(store, stream)) await expectRoomlogError(store, 'CLOSED', call, `rule 11: ${name} after close()`);
  });

  it('rule 11: every method refuses invalid arguments by rejecting INVALID_ARGUMENT, never by throwing synchronously', async () => {
    const store = await h.open();
    const stream = freshStream();
    await store.append([message(stream)]);
    // expectRoomlogError fails a call that throws instead of returning a rejected promise.
    for (const [name, call] of everyInvalidCall(store, stream))
      await expectRoomlogError(store, 'INVALID_ARGUMENT', call, `rule 11: ${name}`);
  });

  it('rule 11: after close() a call with invalid arguments rejects CLOSED, not INVALID_ARGUMENT', async () => {
    const store = await h.open();
    const stream = freshStream();
    await store.append([message(stream)]);
    await store.close();
    for (const [name, call] of everyInvalidCall(store, stream)) {
      await expectRoomlogError(store, 'CLOSED', call, `rule 11: ${name} after close() (CLOSED comes before argument checks)`);
    }
  });

  it('rule 11: close() is idempotent, also when called twice at once', async () => {
    const store = await h.open();
    await store.append([message(freshStream())]);
    await Promise.all([store.close(), store.close()]);
    await expect(store.close()).resolves.toBeUndefined();
  });

  it('rule 11: closing one instance leaves the others working', async () => {
    const [a, b] = await h.openMany(2);
    const stream = freshStream();
    await a!.append([message(stream)]);
    await a!.close();
    const [result] = await b!.append([message(stream)]);
    expect(result?.message.seq).toBe(2);
    expect((await b!.read(stream)).messages).toHaveLength(2);
  });

  it('rule 11: an append rejected by validation leaves the store usable', async () => {
    const store = await h.open();
    const stream = freshStream();
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.append([message(stream, 1, { event: '' })]));
    const [result] = await store.append([message(stream)]);
    expect(result?.message.seq).toBe(1);
  });
});
