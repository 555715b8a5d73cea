/**
 * Hostile input (issue 9, part 3): property-based tests with fast-check on the codec, the
 * validators and every socket event. Whatever a client sends gets a well-formed ack (or, for a
 * packet over Socket.IO's own size limit, the documented drop of that one connection); nothing
 * throws past Roomlog, no prototype is polluted, other clients keep being served, memory stays
 * bounded, and an unauthorized client learns nothing about whether a room exists.
 */
import { isDeepStrictEqual } from 'node:util';
import { ROOMLOG_EVENTS, RoomlogError, decodeData, encodeData, isRoomlogError, normalizeReadQuery, validateStream } from '@roomlog/core';
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { roomlogClient } from '@roomlog/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../src/wait';
import {
  type HostileSetup,
  MAX_PAYLOAD_BYTES,
  ask,
  askRaw,
  assertStillServing,
  codeOf,
  emitSharedBinary,
  hostileSetup,
  isWellFormedAck,
  nastyNumber,
  nastyString,
  nastyValue,
  prototypeSnapshot,
  rawSocket,
} from './hostile-helpers';

const cleanPrototypes = prototypeSnapshot();
const escaped: unknown[] = [];
const onEscape = (error: unknown) => escaped.push(error);

let setup: HostileSetup;
let mallory: Socket;

beforeAll(async () => {
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
  setup = await hostileSetup();
  mallory = await rawSocket(setup.server.url, 'mallory', ['mallory-room']);
  // Something to read, edit and delete in mallory's own room.
  for (let i = 0; i < 3; i++) expect(codeOf(await ask(mallory, 'chat', { room: 'mallory-room', data: i }))).toBeNull();
});

afterAll(async () => {
  mallory?.disconnect();
  await setup?.close();
  process.off('uncaughtException', onEscape);
  process.off('unhandledRejection', onEscape);
});

afterEach(async () => {
  expect(escaped).toEqual([]);
  expect(prototypeSnapshot()).toBe(cleanPrototypes);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  await assertStillServing(setup);
});

/** What JSON (and so Socket.IO) makes of a value: the codec stores exactly that. */
function jsonForm(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (typeof value === 'number') return Number.isFinite(value) ? (Object.is(value, -0) ? 0 : value) : null;
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : jsonForm(item)));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined)
        Object.defineProperty(out, key, { value: jsonForm(item), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

describe('codec and validation', () => {
  it('round-trips every JSON-and-binary value as data, or refuses it with INVALID_ARGUMENT', () => {
    fc.assert(
      fc.property(nastyValue, (value) => {
        let text: string;
        try {
          text = encodeData(value, MAX_PAYLOAD_BYTES).text;
        } catch (error) {
          // Only lone surrogates are refused among these values (depth and size stay small here).
          return isRoomlogError(error) && error.code === 'INVALID_ARGUMENT';
        }
        const decoded = decodeData(text);
        return isDeepStrictEqual(decoded, jsonForm(value));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses data nested deeper than 128 levels and data over the limit, without stack overflow', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const refused = (value: unknown) => {
      try {
        encodeData(value, MAX_PAYLOAD_BYTES);
        return null;
      } catch (error) {
        return isRoomlogError(error) ? error.code : 'not a RoomlogError';
      }
    };
    expect(refused(deep)).toBe('INVALID_ARGUMENT');
    expect(refused({ text: 'x'.repeat(MAX_PAYLOAD_BYTES) })).toBe('PAYLOAD_TOO_LARGE');
    expect(refused(Buffer.alloc(MAX_PAYLOAD_BYTES + 1))).toBe('PAYLOAD_TOO_LARGE');
  });

  it('validators accept or refuse any input with INVALID_ARGUMENT, never throw anything else', () => {
    const refusesCleanly = (call: () => unknown) => {
      try {
        call();
        return true;
      } catch (error) {
        return isRoomlogError(error) && error.code === 'INVALID_ARGUMENT' && error.cause instanceof TypeError;
      }
    };
    fc.assert(
      fc.property(
        nastyValue,
        nastyValue,
        nastyValue,
        nastyValue,
        (room, after, before, limit) =>
          refusesCleanly(() => validateStream('fuzz', { namespace: '/', room })) &&
          refusesCleanly(() => normalizeReadQuery('fuzz', { after, before, limit })) &&
          refusesCleanly(() => normalizeReadQuery('fuzz', after)),
      ),
      { numRuns: 500 },
    );
  });

  it('accepts a read query only with whole, non-negative bounds and a limit of 1-1000', () => {
    fc.assert(
      fc.property(nastyNumber, (n) => {
        let limitOk = true;
        try {
          normalizeReadQuery('fuzz', { limit: n });
        } catch (error) {
          limitOk = !(error instanceof RoomlogError) || error.code !== 'INVALID_ARGUMENT';
        }
        return limitOk === (Number.isSafeInteger(n) && n >= 1 && n <= 1000);
      }),
      { numRuns: 300 },
    );
  });
});

/** Room names mallory may pick: mostly her own (so the handlers go past authorization), sometimes anything. */
const roomName = fc.oneof(
  { weight: 3, arbitrary: fc.constant('mallory-room') },
  { weight: 1, arbitrary: nastyString },
  { weight: 1, arbitrary: nastyValue },
);

/** A request body with any subset of the fields Roomlog reads, each hostile. */
const requestBody = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        room: roomName,
        data: nastyValue,
        clientMessageId: fc.oneof(nastyString, nastyValue),
        seq: fc.oneof(nastyNumber, nastyValue),
        after: fc.oneof(nastyNumber, nastyValue),
        before: fc.oneof(nastyNumber, nastyValue),
        limit: fc.oneof(nastyNumber, nastyValue),
        rooms: fc.oneof(
          fc.dictionary(
            roomName.filter((r): r is string => typeof r === 'string'),
            fc.record({ after: fc.oneof(nastyNumber, nastyValue), epoch: nastyValue }, { requiredKeys: [] }),
            { maxKeys: 4 },
          ),
          nastyValue,
        ),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: nastyValue },
);

// Server-to-client events (entries, receipts, head hints) are never handled when a client sends them.
const serverEvents = new Set<string>([ROOMLOG_EVENTS.message, ROOMLOG_EVENTS.receipt, ROOMLOG_EVENTS.head]);
const clientEvents = [...Object.values(ROOMLOG_EVENTS).filter((event) => !serverEvents.has(event)), 'chat'];

describe('socket events', () => {
  it.each(clientEvents)('%s: any payload gets a well-formed ack, never INTERNAL, never a hang', async (event) => {
    await fc.assert(
      fc.asyncProperty(requestBody, async (body) => {
        const answer = await ask(mallory, event, body);
        return isWellFormedAck(answer) && codeOf(answer) !== 'INTERNAL';
      }),
      { numRuns: 60 },
    );
  });

  it('answers requests with no payload, extra arguments, or no ack callback, and keeps serving', async () => {
    for (const event of clientEvents) {
      expect(isWellFormedAck(await ask(mallory, event))).toBe(true);
      expect(isWellFormedAck(await ask(mallory, event, { room: 'mallory-room' }, 'extra', 42))).toBe(true);
      mallory.emit(event, { room: 'mallory-room', data: 'no ack' });
      mallory.emit(event);
    }
    expect(mallory.connected).toBe(true);
  });

  it('refuses long, NUL-bearing and non-string room names with INVALID_ARGUMENT', async () => {
    for (const room of ['x'.repeat(513), '€'.repeat(171), 'a\u0000b', '', 42, null, ['mallory-room'], { toString: 'mallory-room' }]) {
      expect(codeOf(await ask(mallory, 'chat', { room, data: 1 }))).toBe('INVALID_ARGUMENT');
      expect(codeOf(await ask(mallory, ROOMLOG_EVENTS.history, { room }))).toBe('INVALID_ARGUMENT');
    }
  });

  it('refuses negative, NaN, fractional and huge limits and offsets with INVALID_ARGUMENT', async () => {
    for (const bad of [-1, 0.5, 1e21, Number.NaN, Infinity, '10', [], {}, 1001]) {
      expect(codeOf(await ask(mallory, ROOMLOG_EVENTS.history, { room: 'mallory-room', limit: bad }))).toBe('INVALID_ARGUMENT');
      if (bad !== 1001) {
        expect(codeOf(await ask(mallory, ROOMLOG_EVENTS.history, { room: 'mallory-room', after: bad }))).toBe('INVALID_ARGUMENT');
        const sync = (await ask(mallory, ROOMLOG_EVENTS.sync, { rooms: { 'mallory-room': { after: bad } } })) as {
          rooms: Record<string, unknown>;
        };
        expect(codeOf(sync.rooms['mallory-room'])).toBe('INVALID_ARGUMENT');
      }
    }
  });

  it('stores __proto__, constructor and $-keys as plain data and pollutes nothing', async () => {
    const data = JSON.parse(
      '{"__proto__":{"polluted":true,"isAdmin":true},"constructor":{"prototype":{"polluted":true}},"$where":"1","$bin":"AAAA"}',
    ) as object;
    const answer = (await ask(mallory, 'chat', { room: 'mallory-room', data })) as { ok: boolean; seq: number };
    expect(answer.ok).toBe(true);
    const page = (await ask(mallory, ROOMLOG_EVENTS.history, { room: 'mallory-room', after: answer.seq - 1, limit: 1 })) as {
      messages: { data: Record<string, unknown> }[];
    };
    const stored = page.messages[0]!.data;
    expect(Object.keys(stored).sort()).toEqual(['$bin', '$where', '__proto__', 'constructor']);
    expect(stored.$bin).toBe('AAAA');
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('refuses data over maxPayloadBytes and nested deeper than 128 levels with a clear code', async () => {
    expect(codeOf(await ask(mallory, 'chat', { room: 'mallory-room', data: 'x'.repeat(MAX_PAYLOAD_BYTES + 1) }))).toBe('PAYLOAD_TOO_LARGE');
    expect(codeOf(await ask(mallory, 'chat', { room: 'mallory-room', data: Buffer.alloc(MAX_PAYLOAD_BYTES + 1) }))).toBe(
      'PAYLOAD_TOO_LARGE',
    );
    let deep: unknown = Buffer.from('binary at the bottom');
    for (let i = 0; i < 200; i++) deep = { a: [deep] };
    expect(codeOf(await ask(mallory, 'chat', { room: 'mallory-room', data: deep }))).toBe('INVALID_ARGUMENT');
    // Deeper than socket.io-client can encode (its encoder recurses): sent as raw packet text.
    const depth = 100_000;
    const raw = `["chat",{"room":"mallory-room","data":${'['.repeat(depth)}1${']'.repeat(depth)}}]`;
    expect(codeOf(await askRaw(mallory, raw))).toBe('INVALID_ARGUMENT');
  });

  it('drops only the connection of a packet over Socket.IO maxHttpBufferSize (documented), others keep being served', async () => {
    const flooder = await rawSocket(setup.server.url, 'flooder', ['mallory-room']);
    const disconnected = new Promise<string>((resolve) => flooder.once('disconnect', resolve));
    flooder.emit('chat', { room: 'mallory-room', data: 'x'.repeat(1_100_000) }, () => {});
    expect(await disconnected).toBe('transport close');
    flooder.disconnect();
  });
});

describe('floods', () => {
  it('answers a flood of syncs with absurd offsets, with bounded memory', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const offsets = [1e308, -1, 0.5, Number.NaN, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, '1', {}, null, [], 'x'.repeat(10_000)];
    const rooms = Object.fromEntries(
      offsets.map((after, i) => [i === 0 ? 'mallory-room' : `nope-${i}`, { after, epoch: 'x'.repeat(1_000) }]),
    );
    const answers = await Promise.all(Array.from({ length: 500 }, () => ask(mallory, ROOMLOG_EVENTS.sync, { rooms })));
    expect(answers.every(isWellFormedAck)).toBe(true);
    const tooMany = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`r${i}`, { after: 1e300 }]));
    expect(codeOf(await ask(mallory, ROOMLOG_EVENTS.sync, { rooms: tooMany }))).toBe('INVALID_ARGUMENT');
    // 500 requests of a few KB each: anything retained per request would show as tens of MB.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 2 ** 20);
  });

  it('keeps answering other clients while one floods sends', async () => {
    const flood = Promise.all(Array.from({ length: 1_000 }, (_, i) => ask(mallory, 'chat', { room: 'mallory-room', data: { i } })));
    await assertStillServing(setup);
    const answers = await flood;
    // Past its share of the write queue (limits.maxWritesPerSocket) a socket is answered BUSY.
    expect(answers.every((answer) => codeOf(answer) === null || codeOf(answer) === 'BUSY')).toBe(true);
    expect(answers.filter((answer) => codeOf(answer) === null).length).toBeGreaterThanOrEqual(64);
  });
});

describe('authorization', () => {
  it('answers an unauthorized client the same whether the room exists or not', async () => {
    // `lobby` has messages; `ghost-room` was never written. Mallory may use neither.
    const requests = (room: string): [string, unknown][] => [
      ['chat', { room, data: 'hi' }],
      [ROOMLOG_EVENTS.history, { room }],
      [ROOMLOG_EVENTS.history, { room, after: 0, limit: 1 }],
      [ROOMLOG_EVENTS.sync, { rooms: { [room]: { after: 0 } } }],
      [ROOMLOG_EVENTS.sync, { rooms: { [room]: { after: 1, epoch: 'guess' } } }],
      [ROOMLOG_EVENTS.edit, { room, seq: 1, data: 'x' }],
      [ROOMLOG_EVENTS.delete, { room, seq: 1 }],
      [ROOMLOG_EVENTS.markRead, { room, seq: 1 }],
      [ROOMLOG_EVENTS.unread, { room }],
    ];
    const existing = requests('lobby');
    const missing = requests('ghost-room');
    for (let i = 0; i < existing.length; i++) {
      const [event, body] = existing[i]!;
      const a = JSON.stringify(await ask(mallory, event, body)).replaceAll('lobby', 'ROOM');
      const b = JSON.stringify(await ask(mallory, missing[i]![0], missing[i]![1])).replaceAll('ghost-room', 'ROOM');
      expect(a, event).toBe(b);
      expect(a, event).toContain('FORBIDDEN');
    }
  });

  it('never lets an unauthorized client read, write or join a room through any event', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...clientEvents), requestBody, async (event, body) => {
        const aimed = body !== null && typeof body === 'object' ? { ...body, room: 'lobby', rooms: { lobby: { after: 0 } } } : body;
        const answer = await ask(mallory, event, aimed);
        return isWellFormedAck(answer) && !JSON.stringify(answer).includes('still there?');
      }),
      { numRuns: 100 },
    );
    // Anything mallory had managed to write to the lobby would have reached its member by now.
    await assertStillServing(setup);
    expect(setup.delivered.every((m) => m.senderId === 'alice')).toBe(true);
  });
});

/** p99 of an honest client's send round trips while `attack` runs, in ms. */
async function honestP99(attack: Promise<unknown>): Promise<number> {
  const times: number[] = [];
  let running = true;
  void attack.finally(() => {
    running = false;
  });
  while (running || times.length < 20) {
    const started = performance.now();
    await setup.healthy.send('lobby', 'chat', { text: 'still there?' }, { timeoutMs: 10_000 });
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length * 0.99)] ?? times.at(-1)!;
}

describe('attacks of issue 14', () => {
  it('refuses a packet naming one 700 KB attachment 500 times at the cost of the packet, while honest sends go on', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const refs = Array.from({ length: 500 }, () => ({ _placeholder: true, num: 0 }));
    const attack = Promise.all(
      Array.from({ length: 5 }, () =>
        emitSharedBinary(mallory, 'chat', { room: 'mallory-room', data: { refs } }, Buffer.alloc(700_000), 10_000),
      ),
    );
    const p99 = await honestP99(attack);
    const answers = await attack;
    expect(answers.map(codeOf)).toEqual(Array(5).fill('PAYLOAD_TOO_LARGE'));
    // Before the fix one such packet took the heap from 81 MB to 1.3 GB.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(128 * 2 ** 20);
    expect(p99).toBeLessThan(2_000);
  });

  it('loads a room of 30 one-byte binary messages in a default socket.io-client, without a disconnect', async () => {
    const room = 'mallory-room';
    for (let i = 0; i < 30; i++) expect(codeOf(await ask(mallory, 'chat', { room, data: { b: Buffer.alloc(1) } }))).toBeNull();
    const socket = await rawSocket(setup.server.url, 'reader', [room]);
    let disconnects = 0;
    socket.on('disconnect', () => disconnects++);
    const client = roomlogClient(socket);
    const seen: number[] = [];
    client.on(room, 'chat', (message) => seen.push(message.seq));
    await client.join(room, { from: 'start' });
    const head = ((await ask(socket, ROOMLOG_EVENTS.history, { room, limit: 1 })) as { head: { seq: number } }).head.seq;
    await waitFor('the whole room to load', () => seen.at(-1) === head, 10_000);
    expect(disconnects).toBe(0);
    client.close();
    socket.disconnect();
  });

  it('answers 2,000 concurrent history requests from one socket with BUSY past its share, honest p99 bounded', async () => {
    const flood = Promise.all(
      Array.from({ length: 2_000 }, () => ask(mallory, ROOMLOG_EVENTS.history, { room: 'mallory-room', limit: 1000 })),
    );
    const p99 = await honestP99(flood);
    const answers = await flood;
    expect(answers.every(isWellFormedAck)).toBe(true);
    expect(answers.filter((answer) => codeOf(answer) === 'BUSY').length).toBeGreaterThan(0);
    expect(p99).toBeLessThan(2_000);
  });
});
