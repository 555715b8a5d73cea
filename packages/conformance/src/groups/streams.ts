/**
 * Capability `streams`: `listStreams` walks every stream once with its head, and `dropStream`
 * removes a whole stream so that it starts over under a new epoch.
 */
import type { MessageStore, StreamInfo } from '@roomlog/core';
import { expect, it } from 'vitest';
import { expectNothingWritten, expectRoomlogError } from '../assertions';
import { defineGroup, fill, freshStream, message, uniqueId } from '../harness';

/** Every stream of `namespace`, walking all pages of `limit` (a stream listed twice counted once). */
async function listNamespace(store: MessageStore, namespace: string, limit: number): Promise<StreamInfo[]> {
  const found: StreamInfo[] = [];
  const seen = new Set<string>();
  let after: string | undefined;
  for (let pages = 0; ; pages++) {
    expect(pages, 'listStreams never reached the last page').toBeLessThan(100_000);
    const page = await store.listStreams!({ after, limit });
    expect(page.streams.length).toBeLessThanOrEqual(limit);
    for (const stream of page.streams) {
      const key = `${stream.namespace}\u0000${stream.room}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (stream.namespace === namespace) found.push(stream);
    }
    if (page.next === null) return found;
    after = page.next;
  }
}

/** Capability `streams` tests. */
export const streamTests = defineGroup('capability streams: listStreams and dropStream', 'streams', (h) => {
  it('streams: a walk over every page lists every stream, with its head', async () => {
    const store = await h.open();
    const namespace = `/${uniqueId('list')}`;
    const rooms = ['a', 'b:{x}', "c'd", 'e f', '🎉'];
    for (const [i, room] of rooms.entries()) await fill(store, { namespace, room }, i + 1);
    const listed = await listNamespace(store, namespace, 2);
    expect(listed.map((s) => s.room).sort()).toEqual([...rooms].sort());
    for (const stream of listed) expect(stream.head).toEqual(await store.head(stream));
  }, 120_000);

  it('streams: dropStream removes the stream; the next append starts at seq 1 under a new epoch', async () => {
    const [a, b] = await h.openMany(2);
    const stream = freshStream();
    const [first] = await a!.append([message(stream, 'one'), message(stream, 'two')]);
    expect(await a!.dropStream!(stream)).toBe(true);
    await expectNothingWritten(b!, stream);
    expect(await listNamespace(b!, stream.namespace, 1000)).toEqual([]);
    const [again] = await b!.append([message(stream, 'anew', { clientMessageId: 'k' })]);
    expect(again?.message.seq).toBe(1);
    expect(again?.message.epoch).not.toBe(first?.message.epoch);
    expect(await a!.dropStream!(freshStream())).toBe(false);
  });

  it('streams: dropStream forgets idempotency keys and read markers', async () => {
    const store = await h.open();
    const stream = freshStream();
    await store.append([message(stream, 'x', { clientMessageId: 'k' }), message(stream, 'y')]);
    if (h.capabilities.cursors) await store.setCursor!(stream, 'u', 2);
    await store.dropStream!(stream);
    const [repeat] = await store.append([message(stream, 'x', { clientMessageId: 'k' })]);
    expect(repeat).toMatchObject({ duplicate: false, message: { seq: 1 } });
    if (h.capabilities.cursors) expect(await store.getCursor!(stream, 'u')).toBe(0);
  });

  it('streams: bad positions and limits are refused', async () => {
    const store = await h.open();
    for (const limit of [0, 1001, 1.5]) {
      await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.listStreams!({ limit }), `listStreams limit ${limit}`);
    }
    await expectRoomlogError(
      store,
      'INVALID_ARGUMENT',
      () => store.listStreams!({ after: 42 as unknown as string }),
      'listStreams after 42',
    );
    await expectRoomlogError(
      store,
      'INVALID_ARGUMENT',
      () => store.dropStream!({ namespace: '/', room: '' }),
      'dropStream of an empty room',
    );
  });

  it('streams: after close they reject with CLOSED', async () => {
    const store = await h.open();
    await store.close();
    await expectRoomlogError(store, 'CLOSED', () => store.listStreams!());
    await expectRoomlogError(store, 'CLOSED', () => store.dropStream!(freshStream()));
  });
});
