/**
 * Capability `streams`: `listStreams` walks every stream once with its head, and `dropStream`
 * removes a whole stream so that it starts over under a new epoch. With `cursorList` too,
 * `listCursors` walks every read marker of a stream (what an export carries).
 */
import { MAX_STREAM_LIST_LIMIT, type MessageStore, type StreamInfo, type StreamRef } from '@roomlog/core';
import { expect, it } from 'vitest';
import { expectNothingWritten, expectRoomlogError } from '../assertions';
import { defineGroup, fill, freshStream, message, uniqueId } from '../harness';

/** Every stream of `namespaces`, walking all pages of `limit` (a stream listed twice counted once). */
/**
 * Most streams a page of `limit` may hold: one `SCAN` step returns whole buckets, so a
 * hash-walking backend (Redis) may go a little over.
 */
const pageAllowance = (limit: number): number => limit * 2 + 16;

async function listNamespaces(store: MessageStore, namespaces: readonly string[], limit: number): Promise<StreamInfo[]> {
  const found: StreamInfo[] = [];
  const seen = new Set<string>();
  let after: string | undefined;
  for (let pages = 0; ; pages++) {
    expect(pages, 'listStreams never reached the last page').toBeLessThan(100_000);
    const page = await store.listStreams!({ after, limit });
    expect(page.streams.length).toBeLessThanOrEqual(pageAllowance(limit));
    for (const stream of page.streams) {
      const key = `${stream.namespace}\u0000${stream.room}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (namespaces.includes(stream.namespace)) found.push(stream);
    }
    if (page.next === null) return found;
    after = page.next;
  }
}

/** Every marker of `stream` by user, walking all pages of `limit` (a marker listed twice must agree). */
async function listMarkers(store: MessageStore, stream: StreamRef, limit: number): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  let after: string | undefined;
  for (let pages = 0; ; pages++) {
    expect(pages, 'listCursors never reached the last page').toBeLessThan(10_000);
    const page = await store.listCursors!(stream, { after, limit });
    expect(page.cursors.length).toBeLessThanOrEqual(MAX_STREAM_LIST_LIMIT);
    for (const { userId, seq } of page.cursors) {
      if (found.has(userId)) expect(seq, `${userId} listed twice with different seqs`).toBe(found.get(userId));
      found.set(userId, seq);
    }
    if (page.next === null) return found;
    after = page.next;
  }
}

/** Every stream of `namespace` (see {@link listNamespaces}). */
function listNamespace(store: MessageStore, namespace: string, limit: number): Promise<StreamInfo[]> {
  return listNamespaces(store, [namespace], limit);
}

/** Capability `streams` tests. */
export const streamTests = defineGroup('capability streams: listStreams and dropStream', 'streams', (h) => {
  it('streams: a walk over every page lists every stream, with its head, also where names repeat or share prefixes', async () => {
    const store = await h.open();
    const base = `/${uniqueId('list')}`;
    // Three namespaces holding the same room names (one a prefix of another's), written in no
    // particular order: paging must neither skip a stream that ties with the page's last one
    // on one of the two names nor depend on the order streams were created.
    const namespaces = [`${base}-b`, base, `${base}-a`];
    const rooms = ['e f', 'a', "c'd", '🎉', 'b:{x}', 'a2'];
    const streams = namespaces.flatMap((namespace, n) => rooms.map((room, r) => ({ namespace, room, count: ((n + r) % 3) + 1 })));
    for (const i of [5, 12, 0, 17, 3, 9, 14, 1, 7, 16, 10, 2, 13, 6, 11, 4, 15, 8]) {
      const { count, ...stream } = streams[i]!;
      await fill(store, stream, count);
    }
    // A page of one before the end tells where the next starts (a store that ends the walk
    // early fails here; one that takes the cursor from the wrong stream of the page fails the
    // walk below). Like any page it may hold fewer streams, even none, or a hash bucket's worth.
    const one = await store.listStreams!({ limit: 1 });
    expect(one.streams.length, 'streams: a page of 1 held more than a hash bucket').toBeLessThanOrEqual(pageAllowance(1));
    expect(one.streams.length, 'streams: a page of 1 held every stream').toBeLessThan(streams.length);
    expect(one.next, 'streams: a page of 1 with more streams after it has no next').not.toBeNull();
    const listed = await listNamespaces(store, namespaces, 2);
    const names = (list: readonly { namespace: string; room: string }[]) => list.map((s) => `${s.namespace} ${s.room}`).sort();
    expect(names(listed), 'streams: the walk missed or invented streams').toEqual(names(streams));
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

  it("streams: dropStream forgets the stream's idempotency keys and read markers, and only that stream's", async () => {
    const store = await h.open();
    const stream = freshStream();
    // Neighbours a sloppy key prefix would catch: a room the dropped one is a prefix of, the
    // same room in another namespace.
    const neighbours = [
      { namespace: stream.namespace, room: `${stream.room}2` },
      { namespace: `${stream.namespace}-other`, room: stream.room },
    ];
    for (const s of [stream, ...neighbours]) await store.append([message(s, 'x', { clientMessageId: 'k' }), message(s, 'y')]);
    if (h.capabilities.cursors) for (const s of [stream, ...neighbours]) await store.setCursor!(s, 'u', 2);
    await store.dropStream!(stream);
    const [repeat] = await store.append([message(stream, 'x', { clientMessageId: 'k' })]);
    expect(repeat).toMatchObject({ duplicate: false, message: { seq: 1 } });
    if (h.capabilities.cursors) expect(await store.getCursor!(stream, 'u')).toBe(0);
    for (const s of neighbours) {
      const label = `${s.namespace} ${s.room}`;
      if (h.capabilities.cursors)
        expect(await store.getCursor!(s, 'u'), `streams: dropping a neighbour cleared the marker of ${label}`).toBe(2);
      const [again] = await store.append([message(s, 'x', { clientMessageId: 'k' })]);
      expect(again, `streams: dropping a neighbour cleared the keys of ${label}`).toMatchObject({ duplicate: true, message: { seq: 1 } });
    }
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

  h.needs('cursorList')(
    'cursor list: a walk lists every marker of the stream once with its seq, none of another stream',
    async () => {
      const [a, b] = await h.openMany(2);
      const stream = freshStream();
      await fill(a!, stream, 10);
      const users = ['alice', 'Bob', 'bob', 'ü', '🎉', 'a b', "o'neil", 'x'.repeat(200), ...Array.from({ length: 20 }, (_, i) => `u${i}`)];
      const expected = new Map(users.map((user, i) => [user, (i % 10) + 1]));
      for (const [user, seq] of expected) await a!.setCursor!(stream, user, seq);
      // Markers only move forward: a lower setCursor leaves the listed value alone.
      await a!.setCursor!(stream, 'alice', 0);
      const other = { namespace: `/${uniqueId('other')}`, room: stream.room };
      await fill(a!, other, 1);
      await a!.setCursor!(other, 'stranger', 1);
      for (const limit of [1, 3, 1000]) expect(await listMarkers(b!, stream, limit)).toEqual(expected);
      expect(await listMarkers(b!, other, 10)).toEqual(new Map([['stranger', 1]]));
      for (const [user, seq] of await listMarkers(b!, stream, 7)) expect(await b!.getCursor!(stream, user)).toBe(seq);
    },
    120_000,
  );

  h.needs('cursorList')(
    'cursor list: a page never holds the whole stream when it has more markers than a page may',
    async () => {
      const store = await h.open();
      const stream = freshStream();
      await fill(store, stream, 1);
      // More markers than a page may ever hold (MAX_STREAM_LIST_LIMIT).
      const users = Array.from({ length: MAX_STREAM_LIST_LIMIT + 10 }, (_, i) => `user-${i}`);
      // Set in rounds of 50 at once: one at a time takes minutes on a slow server.
      for (let i = 0; i < users.length; i += 50) {
        await Promise.all(users.slice(i, i + 50).map((user) => store.setCursor!(stream, user, 1)));
      }
      let after: string | undefined;
      const listed = new Set<string>();
      for (let pages = 0; pages < 1000; pages++) {
        const page = await store.listCursors!(stream, { after, limit: 10 });
        // Redis returns a small (listpack) hash whole whatever the limit (up to
        // hash-max-listpack-entries, 128 by default); a larger one is paged by HSCAN's COUNT. A
        // store that ignores the limit and returns the whole stream fails here.
        expect(page.cursors.length, 'cursor list: a page of limit 10 over 1010 markers').toBeLessThanOrEqual(MAX_STREAM_LIST_LIMIT);
        for (const { userId } of page.cursors) listed.add(userId);
        if (page.next === null) break;
        after = page.next;
      }
      expect([...listed].sort(), 'cursor list: the walk missed or invented markers').toEqual([...users].sort());
    },
    300_000,
  );

  h.needs('cursorList')('cursor list: none for a stream never written or dropped; bad positions and limits are refused', async () => {
    const store = await h.open();
    expect(await store.listCursors!(freshStream())).toEqual({ cursors: [], next: null });
    const stream = freshStream();
    await fill(store, stream, 2);
    await store.setCursor!(stream, 'u', 2);
    await store.dropStream!(stream);
    expect(await listMarkers(store, stream, 10)).toEqual(new Map());
    for (const limit of [0, 1001, 1.5]) {
      await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.listCursors!(stream, { limit }), `listCursors limit ${limit}`);
    }
    for (const after of [42 as unknown as string, '', '!not-a-position!']) {
      await expectRoomlogError(
        store,
        'INVALID_ARGUMENT',
        () => store.listCursors!(stream, { after }),
        `listCursors after ${String(after)}`,
      );
    }
    await expectRoomlogError(
      store,
      'INVALID_ARGUMENT',
      () => store.listCursors!({ namespace: '/', room: '' }),
      'listCursors of an empty room',
    );
    await expectNothingWritten(store, freshStream());
  });

  h.needs('cursorList')(
    'cursor list: markers listed from one stream and set on an imported copy give every user the same unread count',
    async () => {
      const store = await h.open();
      const source = freshStream();
      await fill(store, source, 12);
      for (const [user, seq] of [
        ['alice', 3],
        ['bob', 12],
        ['carol', 7],
      ] as const)
        await store.setCursor!(source, user, seq);
      const head = (await store.head(source))!;
      const target = freshStream();
      if (h.capabilities.import) {
        await store.importEntries!({ ...target, epoch: head.epoch }, (await store.read(source, { after: 0, limit: 1000 })).messages);
      } else {
        await fill(store, target, 12);
      }
      for (const [user, seq] of await listMarkers(store, source, 2)) await store.setCursor!(target, user, seq);
      // Twice: importing markers again changes nothing.
      for (const [user, seq] of await listMarkers(store, source, 2)) await store.setCursor!(target, user, seq);
      expect(await listMarkers(store, target, 1000)).toEqual(await listMarkers(store, source, 1000));
      for (const user of ['alice', 'bob', 'carol', 'dave']) {
        expect(await store.unreadCount!(target, user)).toBe(await store.unreadCount!(source, user));
      }
    },
  );

  it('streams: after close they reject with CLOSED', async () => {
    const store = await h.open();
    await store.close();
    await expectRoomlogError(store, 'CLOSED', () => store.listStreams!());
    await expectRoomlogError(store, 'CLOSED', () => store.dropStream!(freshStream()));
    if (h.capabilities.cursorList) await expectRoomlogError(store, 'CLOSED', () => store.listCursors!(freshStream()));
  });
});
