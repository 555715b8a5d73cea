/** Rule 1: invalid input rejects with INVALID_ARGUMENT and writes nothing; names are data, never syntax. */
import type { NewMessage } from '@roomlog/core';
import { expect, it } from 'vitest';
import { expectNothingWritten, expectRoomlogError, range, seqs } from '../assertions';
import { defineGroup, fill, freshStream, message } from '../harness';

/** Room names that are syntax somewhere (SQL, Mongo, Redis keys and hash tags, paths, globs). */
export const HOSTILE_ROOM_NAMES: readonly string[] = [
  "'; drop table x; --",
  '{"$gt": ""}',
  '{tag}',
  '}{',
  '*',
  '?',
  '..',
  '../..',
  ':',
  'a:b:c',
  'with spaces ',
  ' ',
  '%_\\',
  '$where',
  '🦄 room 🚀',
  'e\u0301',
  'é'.repeat(256), // exactly 512 UTF-8 bytes
];

/** Message fields that must be refused, each with the field it breaks. */
const INVALID_MESSAGES: readonly [string, Record<string, unknown>][] = [
  ['empty room', { room: '' }],
  ['room of 513 UTF-8 bytes', { room: `${'é'.repeat(256)}x` }],
  ['room with NUL', { room: 'a\u0000b' }],
  ['room with a lone surrogate', { room: 'a\uD800b' }],
  ['room as a number', { room: 5 }],
  ['room missing', { room: undefined }],
  ['room null', { room: null }],
  ['empty namespace', { namespace: '' }],
  ['namespace as an object', { namespace: { $gt: '' } }],
  ['namespace with NUL', { namespace: '/\u0000' }],
  ['empty event', { event: '' }],
  ['event missing', { event: undefined }],
  ['event as a number', { event: 1 }],
  ['event with NUL', { event: 'a\u0000' }],
  ['senderId as a number', { senderId: 42 }],
  ['empty senderId', { senderId: '' }],
  ['clientMessageId as an object', { clientMessageId: { id: 1 } }],
  ['clientMessageId of 257 bytes', { clientMessageId: 'x'.repeat(257) }],
  ['ttlMs 0', { ttlMs: 0 }],
  ['ttlMs -1', { ttlMs: -1 }],
  ['ttlMs 1.5', { ttlMs: 1.5 }],
  ['ttlMs as a string', { ttlMs: '5' }],
  ['data with a BigInt', { data: { n: 1n } }],
];

/** Read queries that must be refused. */
const INVALID_QUERIES: readonly [string, unknown][] = [
  ['limit 0', { limit: 0 }],
  ['limit 1001', { limit: 1001 }],
  ['limit 1.5', { limit: 1.5 }],
  ['limit NaN', { limit: Number.NaN }],
  ['limit -1', { limit: -1 }],
  ["limit '5'", { limit: '5' }],
  ['limit Infinity', { limit: Number.POSITIVE_INFINITY }],
  ['after -1', { after: -1 }],
  ['after 1.5', { after: 1.5 }],
  ["after '3'", { after: '3' }],
  ['before -1', { before: -1 }],
  ['before null', { before: null }],
  ['query as a string', 'latest'],
];

/** Stream references that must be refused by read and head. */
const INVALID_STREAMS: readonly [string, unknown][] = [
  ['null', null],
  ['a string', '/:room'],
  ['missing room', { namespace: '/' }],
  ['missing namespace', { room: 'r' }],
  ['undefined', undefined],
  ['empty room', { namespace: '/', room: '' }],
  ['room of 513 bytes', { namespace: '/', room: 'x'.repeat(513) }],
  ['room with NUL', { namespace: '/', room: '\u0000' }],
  ['room as an operator object', { namespace: '/', room: { $ne: null } }],
];

/** Rule 1 tests. */
export const validationTests = defineGroup('rule 1: validation', null, (h) => {
  it.each(INVALID_MESSAGES)('rule 1: a batch with %s rejects INVALID_ARGUMENT and writes nothing', async (_, fields) => {
    const store = await h.open();
    const stream = freshStream();
    const bad = { ...message(stream, { ok: false }), ...fields } as NewMessage;
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.append([message(stream, { ok: true }), bad]));
    await expectNothingWritten(store, stream);
  });

  it('rule 1: a batch that is not an array, or holds a non-object, rejects INVALID_ARGUMENT', async () => {
    const store = await h.open();
    const stream = freshStream();
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.append(message(stream) as unknown as NewMessage[]));
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.append([message(stream), null as unknown as NewMessage]));
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.append(['text' as unknown as NewMessage]));
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.append(undefined as unknown as NewMessage[]));
    await expectNothingWritten(store, stream);
  });

  it.each(INVALID_QUERIES)('rule 5: read with %s rejects INVALID_ARGUMENT', async (_, query) => {
    const store = await h.open();
    const stream = freshStream();
    await store.append([message(stream)]);
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.read(stream, query as never));
  });

  it.each(INVALID_STREAMS)('rule 1: read and head of a stream that is %s reject INVALID_ARGUMENT', async (_, stream) => {
    const store = await h.open();
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.read(stream as never));
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.head(stream as never));
  });

  it('rule 1: hostile room names are data: each is written, read back and isolated from the others', async () => {
    const store = await h.open();
    const namespace = freshStream().namespace;
    const batch = HOSTILE_ROOM_NAMES.map((room, i) => ({ namespace, room, event: 'chat', data: { i } }));
    const results = await store.append(batch);
    expect(results.map((r) => [r.message.room, r.message.seq])).toEqual(HOSTILE_ROOM_NAMES.map((room) => [room, 1]));
    for (const [i, room] of HOSTILE_ROOM_NAMES.entries()) {
      const page = await store.read({ namespace, room });
      expect(
        page.messages.map((m) => [m.room, m.data]),
        room,
      ).toEqual([[room, { i }]]);
      expect(page.head?.seq, room).toBe(1);
    }
    // A glob or pattern-like name must not have matched a sibling: a second write to `*` stays in `*`.
    await store.append([{ namespace, room: '*', event: 'chat', data: 'again' }]);
    expect((await store.head({ namespace, room: '*' }))?.seq).toBe(2);
    expect((await store.head({ namespace, room: '?' }))?.seq).toBe(1);
    expect((await store.head({ namespace, room: '{tag}' }))?.seq).toBe(1);
  });

  it('rule 1: hostile namespace names are data too', async () => {
    const store = await h.open();
    const room = 'same-room';
    const namespaces = ["/'; drop table x; --", '/{"$gt": ""}', '/{tag}', '/*', '/..', '/:', '/🦄'].map(
      (ns) => `${ns}-${freshStream().room}`,
    );
    await store.append(namespaces.map((namespace, i) => ({ namespace, room, event: 'chat', data: i })));
    for (const [i, namespace] of namespaces.entries()) {
      expect(
        (await store.read({ namespace, room })).messages.map((m) => m.data),
        namespace,
      ).toEqual([i]);
    }
  });

  it('rule 1: a room of exactly 512 UTF-8 bytes is accepted and 513 is refused', async () => {
    const store = await h.open();
    const namespace = freshStream().namespace;
    const room512 = `${'🦄'.repeat(127)}abcd`;
    expect(Buffer.byteLength(room512)).toBe(512);
    const [result] = await store.append([{ namespace, room: room512, event: 'e', data: 1 }]);
    expect(result?.message.room).toBe(room512);
    expect((await store.read({ namespace, room: room512 })).messages).toHaveLength(1);
    const room513 = `${room512}x`;
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.append([{ namespace, room: room513, event: 'e', data: 1 }]));
  });

  it('rule 1: rooms differing only by case, accents, trailing space or Unicode normalization are distinct', async () => {
    const store = await h.open();
    const namespace = freshStream().namespace;
    const rooms = ['Room', 'room', 'room ', 'ROOM', 'cafe', 'caf\u00e9', 'cafe\u0301', 'straße', 'strasse'];
    await store.append(rooms.map((room) => ({ namespace, room, event: 'chat', data: room })));
    for (const room of rooms) {
      expect((await store.read({ namespace, room })).messages.map((m) => m.data)).toEqual([room]);
    }
  });

  it('rule 1: namespace/room pairs that would join to the same text stay distinct', async () => {
    const store = await h.open();
    const base = freshStream().namespace;
    const pairs: [string, string][] = [
      [base, 'b:c'],
      [`${base}:b`, 'c'],
      [`${base}/b`, 'c'],
      [base, 'b/c'],
      [`${base}\u0001b`, 'c'],
      [base, 'b\u0001c'],
      [`${base}:`, ':b'],
      [`${base}::`, 'b'],
    ];
    await store.append(pairs.map(([namespace, room], i) => ({ namespace, room, event: 'chat', data: i })));
    for (const [i, [namespace, room]] of pairs.entries()) {
      const page = await store.read({ namespace, room });
      expect(
        page.messages.map((m) => [m.namespace, m.room, m.data]),
        `${namespace} + ${room}`,
      ).toEqual([[namespace, room, i]]);
    }
  });

  it('rule 1: hostile event names, sender ids and clientMessageIds are data', async () => {
    const store = await h.open();
    const stream = freshStream();
    const hostile = ["'; drop table x; --", '{"$gt": ""}', '$where', '{tag}', '*', '..', ':', '🦄', 'a b'];
    const batch = hostile.map((text, i) => message(stream, i, { event: text, senderId: text, clientMessageId: text }));
    const results = await store.append(batch);
    expect(results.map((r) => [r.message.seq, r.message.event, r.message.senderId, r.message.clientMessageId, r.duplicate])).toEqual(
      hostile.map((text, i) => [i + 1, text, text, text, false]),
    );
    const again = await store.append([message(stream, 'retry', { clientMessageId: '{"$gt": ""}' })]);
    expect(again[0]).toMatchObject({ duplicate: true, message: { seq: 2 } });
    const longest = 'é'.repeat(128);
    const [ok] = await store.append([message(stream, 'long ids', { senderId: longest, clientMessageId: longest })]);
    expect(ok?.message).toMatchObject({ senderId: longest, clientMessageId: longest });
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.append([message(stream, 'x', { senderId: `${longest}x` })]));
    expect((await store.head(stream))?.seq).toBe(hostile.length + 1);
  });

  it('rule 1: an INVALID_ARGUMENT message names the argument at fault and says what is wrong with it', async () => {
    const store = await h.open();
    const stream = freshStream();
    await store.append([message(stream)]);
    // [argument, call, what the message must say]: the rule broken and the kind of value given
    // (never the value itself for text, which may be large).
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      ['namespace', () => store.append([{ ...message(stream), namespace: '' }]), /must not be empty/],
      ['room', () => store.append([{ ...message(stream), room: 'a\u0000' }]), /must not contain NUL/],
      ['room', () => store.append([{ ...message(stream), room: 'a\uD800' }]), /lone surrogate/],
      ['room', () => store.append([{ ...message(stream), room: 'r'.repeat(513) }]), /at most 512 UTF-8 bytes/],
      ['room', () => store.append([{ ...message(stream), room: ['r'] as never }]), /must be a string, got array/],
      ['event', () => store.append([{ ...message(stream), event: 7 as never }]), /must be a string, got 7/],
      ['event', () => store.append([{ ...message(stream), event: null as never }]), /must be a string, got null/],
      ['senderId', () => store.append([message(stream, 1, { senderId: '' })]), /must not be empty/],
      ['senderId', () => store.append([message(stream, 1, { senderId: true as never })]), /must be a string, got boolean/],
      ['clientMessageId', () => store.append([message(stream, 1, { clientMessageId: 'x'.repeat(257) })]), /at most 256 UTF-8 bytes/],
      ['ttlMs', () => store.append([message(stream, 1, { ttlMs: -5 })]), /must be an integer >= 1, got -5/],
      ['ttlMs', () => store.append([message(stream, 1, { ttlMs: Number.NaN })]), /got NaN/],
      ['ttlMs', () => store.append([message(stream, 1, { ttlMs: '5' as never })]), /got string/],
      ['batch', () => store.append('x' as never), /must be an array, got string/],
      ['batch[1]', () => store.append([message(stream), null as never]), /must be a message object, got null/],
      ['batch[0]', () => store.append([3 as never]), /must be a message object, got 3/],
      ['stream', () => store.read('x' as never), /must be an object \{ namespace, room \}, got string/],
      ['stream', () => store.head(null as never), /got null/],
      ['room', () => store.head({ namespace: '/', room: '' }), /must not be empty/],
      ['namespace', () => store.read({ namespace: 5 as never, room: 'r' }), /must be a string, got 5/],
      ['limit', () => store.read(stream, { limit: 5000 }), /must be at most 1000, got 5000/],
      ['limit', () => store.read(stream, { limit: 0 }), /must be an integer >= 1, got 0/],
      ['after', () => store.read(stream, { after: -1 }), /must be an integer >= 0, got -1/],
      ['before', () => store.read(stream, { before: 1.5 }), /must be an integer >= 0, got 1\.5/],
      ['query', () => store.read(stream, 'latest' as never), /must be an object, got string/],
      ['query', () => store.read(stream, 7 as never), /must be an object, got 7/],
    ];
    if (h.capabilities.editDelete) {
      cases.push(['seq', () => store.edit!(stream, 0, 'x'), /must be an integer >= 1, got 0/]);
      cases.push(['seq', () => store.delete!(stream, 'one' as never), /got string/]);
    }
    if (h.capabilities.cursors) {
      cases.push(['userId', () => store.setCursor!(stream, '', 1), /must not be empty/]);
      cases.push(['userId', () => store.unreadCount!(stream, 9 as never), /must be a string, got 9/]);
    }
    for (const [field, call, problem] of cases) {
      const error = await expectRoomlogError(store, 'INVALID_ARGUMENT', call, `rule 1: invalid ${field}`);
      // The argument's name as a word of its own (the `[roomlog]` prefix holds "room" already).
      const text = error.message.slice(`[roomlog] [${store.name}] `.length);
      const named = new RegExp(`(^|[^\\w$])${field.replace(/[[\]]/g, '\\$&')}($|[^\\w$])`);
      expect(text, `rule 1: the message for an invalid ${field} does not name it`).toMatch(named);
      expect(text, `rule 1: the message for an invalid ${field} does not say what is wrong`).toMatch(problem);
    }
  });

  it('rule 1: ttlMs null is no TTL, like an absent one', async () => {
    const store = await h.open();
    const stream = freshStream();
    const [result] = await store.append([message(stream, 'kept', { ttlMs: null })]);
    expect(result?.message.expiresAt, 'rule 1: ttlMs null set an expiry').toBeNull();
    expect((await store.read(stream)).messages.map((m) => [m.data, m.expiresAt])).toEqual([['kept', null]]);
  });

  it('rule 5: a null query reads like no query: the latest page of the default size', async () => {
    const store = await h.open();
    const stream = freshStream();
    await fill(store, stream, 60);
    const page = await store.read(stream, null as never);
    expect(page, 'rule 5: read(stream, null) differs from read(stream)').toEqual(await store.read(stream));
    expect(seqs(page.messages)).toEqual(range(11, 60));
  });

  it('rule 3: an empty batch resolves to [] and writes nothing', async () => {
    const store = await h.open();
    expect(await store.append([])).toEqual([]);
  });
});
