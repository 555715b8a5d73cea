import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Namespace, Server, type Socket } from 'socket.io';
import { type Socket as ClientSocket, io as connect } from 'socket.io-client';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  type DeliveredEntry,
  type HistoryAck,
  MemoryStore,
  type MessageStore,
  type ReadQuery,
  type ReadResult,
  RoomlogError,
  type SendAck,
  type StreamRef,
  type SyncAck,
} from '../src/index';
import { type RoomlogOptions, roomlog } from '../src/socket.io';

type Options = Omit<RoomlogOptions<Socket>, 'store' | 'events'> & Partial<Pick<RoomlogOptions<Socket>, 'store' | 'events'>>;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A Socket.IO server on a free loopback port with Roomlog attached. The app joins every socket
 * to the rooms in its handshake `auth.rooms` (the server decides membership, as in plain Socket.IO).
 */
async function startServer(options: Options = {}, namespace = '/') {
  const http = createServer();
  const io = new Server(http);
  const nsp = io.of(namespace);
  nsp.on('connection', (socket) => {
    const rooms: unknown = socket.handshake.auth.rooms;
    if (Array.isArray(rooms)) socket.join(rooms as string[]);
  });
  const store = options.store ?? new MemoryStore();
  const log = roomlog(namespace === '/' ? io : nsp, { events: ['chat'], ...options, store });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}${namespace === '/' ? '' : namespace}`;
  cleanups.push(async () => {
    await log.close();
    await io.close();
  });
  return { io, log, store, url };
}

/** A raw socket.io-client socket (no Roomlog client), connected. */
async function rawClient(url: string, auth: { rooms?: string[]; user?: string } = {}): Promise<ClientSocket> {
  const socket = connect(url, { auth, forceNew: true, transports: ['websocket'], reconnection: false });
  cleanups.push(() => {
    socket.disconnect();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

const ask = async <T>(socket: ClientSocket, event: string, payload: unknown): Promise<T> =>
  (await socket.timeout(5_000).emitWithAck(event, payload)) as T;

/** Collects `roomlog:message` entries a socket receives. */
function inbox(socket: ClientSocket): DeliveredEntry[] {
  const received: DeliveredEntry[] = [];
  socket.on('roomlog:message', (entry: DeliveredEntry) => received.push(entry));
  return received;
}

const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

const room = () => `room-${randomUUID().slice(0, 8)}`;

/** A store that forwards to `inner`, with some methods replaced (to slow down, gate or count them). */
function wrap(inner: MemoryStore, overrides: Partial<MessageStore>): MessageStore {
  return {
    name: inner.name,
    capabilities: inner.capabilities,
    append: (batch) => inner.append(batch),
    read: (stream, query) => inner.read(stream, query),
    head: (stream) => inner.head(stream),
    close: () => inner.close(),
    ...overrides,
  };
}

describe('roomlog() persistence', () => {
  it('stores a persisted event, broadcasts the compact entry to the room under roomlog:message, then acks slim', async () => {
    const { url, store } = await startServer();
    const r = room();
    const sender = await rawClient(url, { rooms: [r] });
    const member = await rawClient(url, { rooms: [r] });
    const outsider = await rawClient(url, { rooms: [] });
    const [atMember, atOutsider] = [inbox(member), inbox(outsider)];
    const ack = await ask<SendAck>(sender, 'chat', { room: r, data: { text: 'hi' }, clientMessageId: 'c1' });
    const [stored] = (await store.read({ namespace: '/', room: r })).messages;
    // Only what the sender lacks: no payload, no event, no defaults.
    expect(ack).toEqual({ ok: true, seq: 1, id: stored!.id, epoch: stored!.epoch, createdAt: stored!.createdAt });
    await until(() => atMember.length === 1, 'the broadcast');
    // Fields at their defaults (senderId null, kind message, version 1, …) stay off the wire,
    // and so does everything store-internal.
    expect(atMember[0]).toStrictEqual({
      room: r,
      seq: 1,
      id: stored!.id,
      epoch: stored!.epoch,
      event: 'chat',
      createdAt: stored!.createdAt,
      data: { text: 'hi' },
    });
    expect(atOutsider).toEqual([]);
  });

  it('acks a duplicate with the stored original, and carries senderId and whatever the server changed', async () => {
    const { url } = await startServer({
      events: ['chat', 'other'],
      userId: (socket) => socket.handshake.auth.user as string,
      hooks: { beforePersist: (_socket, message) => (message.data === 'shout' ? { ...message, data: 'SHOUT' } : message) },
    });
    const r = room();
    const sender = await rawClient(url, { rooms: [r], user: 'alice' });
    const first = await ask<SendAck>(sender, 'chat', { room: r, data: { n: 1 }, clientMessageId: 'same' });
    expect(first).toEqual({
      ok: true,
      seq: 1,
      id: expect.any(String),
      epoch: expect.any(String),
      createdAt: expect.any(Number),
      senderId: 'alice',
    });
    // A retry with other content under the same key gets the original back, data and event included.
    expect(await ask<SendAck>(sender, 'other', { room: r, data: { n: 2 }, clientMessageId: 'same' })).toEqual({
      ...first,
      duplicate: true,
      event: 'chat',
      data: { n: 1 },
    });
    expect(await ask<SendAck>(sender, 'chat', { room: r, data: 'shout' })).toMatchObject({ ok: true, seq: 2, data: 'SHOUT' });
    // Data JSON cannot carry as sent (binary) comes back as stored.
    const binary = await ask<SendAck>(sender, 'chat', { room: r, data: Buffer.from([1, 2, 3]) });
    expect(binary).toMatchObject({ ok: true, seq: 3, data: Buffer.from([1, 2, 3]) });
  });

  it('persists only the configured events, by list or predicate, never roomlog:* ones', async () => {
    const { url, store } = await startServer({ events: (event) => event.startsWith('msg:') || event === 'roomlog:sync' });
    const r = room();
    const socket = await rawClient(url, { rooms: [r] });
    socket.emit('chat', { room: r, data: 'not persisted' });
    expect(await ask<SendAck>(socket, 'msg:text', { room: r, data: 'persisted' })).toMatchObject({ ok: true, seq: 1 });
    expect((await store.read({ namespace: '/', room: r })).messages.map((m) => m.event)).toEqual(['msg:text']);
  });

  it('refuses a write to a room the socket is not in with FORBIDDEN and stores nothing', async () => {
    const { url, store } = await startServer();
    const r = room();
    const socket = await rawClient(url, { rooms: [] });
    const ack = await ask<SendAck>(socket, 'chat', { room: r, data: 'x' });
    expect(ack).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await store.head({ namespace: '/', room: r })).toBeNull();
  });

  it('runs beforePersist to rewrite, drop or refuse, and cannot be used to redirect a message', async () => {
    const { url, store } = await startServer({
      hooks: {
        beforePersist: (_socket, message) => {
          if (message.data === 'drop') return null;
          if (message.data === 'refuse') throw new RoomlogError('INVALID_ARGUMENT', 'no shouting', { cause: new Error('policy') });
          return { ...message, room: 'elsewhere', data: String(message.data).toUpperCase() };
        },
      },
    });
    const r = room();
    const socket = await rawClient(url, { rooms: [r] });
    expect(await ask<SendAck>(socket, 'chat', { room: r, data: 'hello' })).toMatchObject({ ok: true, seq: 1, data: 'HELLO' });
    expect(await ask<SendAck>(socket, 'chat', { room: r, data: 'drop' })).toEqual({ ok: true, dropped: true });
    expect(await ask<SendAck>(socket, 'chat', { room: r, data: 'refuse' })).toEqual({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: '[roomlog] [core] no shouting' },
    });
    expect((await store.read({ namespace: '/', room: r })).messages.map((m) => m.data)).toEqual(['HELLO']);
    expect(await store.head({ namespace: '/', room: 'elsewhere' })).toBeNull();
  });

  it('reports hook failures to onError without failing the ack, and hides INTERNAL details from clients', async () => {
    const errors: { code: string; event: string }[] = [];
    const r = room();
    const { url } = await startServer({
      hooks: {
        afterPersist: () => {
          throw new Error('audit log down');
        },
        onError: (error, context) => errors.push({ code: error.code, event: context.event }),
      },
      authorize: (socket, { room: asked }) => {
        if (asked === 'boom') throw new Error('db password is hunter2');
        return socket.rooms.has(asked);
      },
    });
    const socket = await rawClient(url, { rooms: [r] });
    expect(await ask<SendAck>(socket, 'chat', { room: r, data: 1 })).toMatchObject({ ok: true });
    expect(await ask<SendAck>(socket, 'chat', { room: 'boom', data: 1 })).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: '[roomlog] [socket] internal error' },
    });
    expect(errors).toEqual([
      { code: 'INTERNAL', event: 'afterPersist' },
      { code: 'INTERNAL', event: 'chat' },
    ]);
  });

  it('answers UNAVAILABLE when the append queue is full, and the server keeps serving', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const memory = new MemoryStore();
    const slow = wrap(memory, {
      append: async (batch) => {
        await gate;
        return memory.append(batch);
      },
    });
    const { url } = await startServer({ store: slow, batch: { maxQueue: 1 }, hooks: { onError: () => {} } });
    const r = room();
    const socket = await rawClient(url, { rooms: [r] });
    const inFlight = ask<SendAck>(socket, 'chat', { room: r, data: 1 });
    const queued = ask<SendAck>(socket, 'chat', { room: r, data: 2 });
    const refused = await ask<SendAck>(socket, 'chat', { room: r, data: 3 });
    expect(refused).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    release();
    expect((await Promise.all([inFlight, queued])).map((a) => a.ok && 'seq' in a && a.seq)).toEqual([1, 2]);
  });

  it('publishes server messages to the room and stores them under the namespace it serves', async () => {
    const { url, log, store } = await startServer({}, '/chat');
    const r = room();
    const socket = await rawClient(url, { rooms: [r] });
    const received = inbox(socket);
    const published = await log.publish({ room: r, event: 'system', data: { text: 'welcome' }, senderId: 'server' });
    expect(published).toMatchObject({ room: r, seq: 1, event: 'system', senderId: 'server' });
    await until(() => received.length === 1, 'the published message');
    const { kind, target, version, editedAt, deletedAt, ...rest } = published;
    expect({ kind, target, version, editedAt, deletedAt }).toEqual({
      kind: 'message',
      target: null,
      version: 1,
      editedAt: null,
      deletedAt: null,
    });
    expect(received).toStrictEqual([rest]);
    expect(await store.head({ namespace: '/chat', room: r })).toMatchObject({ seq: 1 });
    expect(await store.head({ namespace: '/', room: r })).toBeNull();
  });

  it('delivers entries stored outside the handle (a transactional append) live, and refuses foreign namespaces', async () => {
    const { url, log, store } = await startServer({}, '/chat');
    const r = room();
    const socket = await rawClient(url, { rooms: [r] });
    const received = inbox(socket);
    const [stored] = await store.append([{ namespace: '/chat', room: r, event: 'chat', data: 'from a transaction' }]);
    await log.deliver([stored!.message]);
    await until(() => received.length === 1, 'the delivered entry');
    expect(received[0]).toMatchObject({ room: r, seq: 1, data: 'from a transaction' });
    const [other] = await store.append([{ namespace: '/', room: r, event: 'chat', data: 'elsewhere' }]);
    await expect(log.deliver([other!.message])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('lets a socket leave a room by a valid name, but never its own socket-id room', async () => {
    const { url, log } = await startServer();
    const r = room();
    const socket = await rawClient(url, { rooms: [r] });
    const received = inbox(socket);
    expect(await ask(socket, 'roomlog:leave', { room: 42 })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await ask(socket, 'roomlog:leave', { room: socket.id })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await ask(socket, 'roomlog:leave', { room: r })).toEqual({ ok: true });
    await log.publish({ room: r, event: 'system', data: 'after leaving' });
    const [mine] = await log.namespace.in(socket.id!).fetchSockets();
    expect(mine?.rooms.has(socket.id!)).toBe(true);
    expect(mine?.rooms.has(r)).toBe(false);
    expect(received).toEqual([]);
  });

  it("types hooks and the handle with the app's Socket.IO event maps and socket data", () => {
    interface ClientEvents {
      chat: (payload: { room: string; data: string }) => void;
    }
    interface AppData {
      userId: string;
    }
    const io = new Server<ClientEvents, Record<string, never>, Record<string, never>, AppData>();
    const log = roomlog(io, {
      store: new MemoryStore(),
      events: ['chat'],
      userId: (socket) => socket.data.userId,
      hooks: {
        beforeDeliver: (recipient, envelope) => {
          expectTypeOf(recipient.data).toEqualTypeOf<AppData>();
          return envelope;
        },
      },
    });
    expectTypeOf(log.namespace).toEqualTypeOf<Namespace<ClientEvents, Record<string, never>, Record<string, never>, AppData>>();
  });

  it('refuses bad options with INVALID_ARGUMENT', () => {
    const io = new Server();
    expect(() => roomlog(io, { store: {} as MessageStore, events: ['chat'] })).toThrow(/store/);
    expect(() => roomlog(io, { store: new MemoryStore(), events: 'chat' as unknown as string[] })).toThrow(/events/);
    expect(() => roomlog(io, { store: new MemoryStore(), events: ['chat'], replayLimit: 5000 })).toThrow(/replayLimit/);
  });

  it('stops serving after close()', async () => {
    const { url, log } = await startServer();
    const r = room();
    const socket = await rawClient(url, { rooms: [r] });
    await log.close();
    await expect(socket.timeout(300).emitWithAck('chat', { room: r, data: 1 })).rejects.toThrow();
    await expect(log.publish({ room: r, event: 'chat', data: 1 })).rejects.toMatchObject({ code: 'CLOSED' });
  });
});

describe('roomlog() sync and history', () => {
  it('refuses sync of a room the socket is not in by default (join needs authorize), and serves joined rooms', async () => {
    const { url, log } = await startServer();
    const [mine, other] = [room(), room()];
    await log.publish({ room: other, event: 'chat', data: 'secret' });
    await log.publish({ room: mine, event: 'chat', data: 'hello' });
    const socket = await rawClient(url, { rooms: [mine] });
    const answer = await ask<SyncAck>(socket, 'roomlog:sync', { rooms: { [mine]: { after: 0 }, [other]: { after: 0 } } });
    expect(answer).toMatchObject({
      ok: true,
      rooms: {
        [mine]: { ok: true, recovered: true, messages: [{ seq: 1, data: 'hello' }], head: { seq: 1 } },
        [other]: { ok: false, error: { code: 'FORBIDDEN' } },
      },
    });
  });

  it('joins before reading when authorize allows join, so the socket gets later messages live', async () => {
    const { url, log } = await startServer({ authorize: (socket, { action, room: r }) => action === 'join' || socket.rooms.has(r) });
    const r = room();
    await log.publish({ room: r, event: 'chat', data: 1 });
    const socket = await rawClient(url);
    const received = inbox(socket);
    const answer = await ask<SyncAck>(socket, 'roomlog:sync', { rooms: { [r]: {} } });
    expect(answer).toMatchObject({ ok: true, rooms: { [r]: { ok: true, messages: [{ seq: 1 }] } } });
    await log.publish({ room: r, event: 'chat', data: 2 });
    await until(() => received.length === 1, 'the live message');
    expect(received[0]).toMatchObject({ seq: 2, data: 2 });
  });

  it('answers too-far-behind with the latest page, epoch-changed for a foreign epoch, truncated after retention', async () => {
    const store = new MemoryStore({ maxCount: 30 });
    const { url, log } = await startServer({ store, replayLimit: 10 });
    const r = room();
    for (let n = 1; n <= 40; n++) await log.publish({ room: r, event: 'chat', data: n });
    const socket = await rawClient(url, { rooms: [r] });
    const head = await store.head({ namespace: '/', room: r });
    const sync = async (offset: object) => {
      const answer = await ask<SyncAck>(socket, 'roomlog:sync', { rooms: { [r]: offset } });
      if (!answer.ok || !answer.rooms[r]!.ok) throw new Error(JSON.stringify(answer));
      const result = answer.rooms[r]!;
      return { ...result, seqs: result.ok ? result.messages.map((m) => m.seq) : [] };
    };
    expect(await sync({ after: 35, epoch: head!.epoch })).toMatchObject({ recovered: true, seqs: [36, 37, 38, 39, 40] });
    expect(await sync({ after: 20, epoch: head!.epoch })).toMatchObject({
      recovered: false,
      reason: 'too-far-behind',
      seqs: range(31, 40),
    });
    expect(await sync({ after: 38, epoch: 'old' })).toMatchObject({ recovered: false, reason: 'epoch-changed', seqs: range(31, 40) });
    expect(await sync({ after: 5, epoch: 'old' })).toMatchObject({ reason: 'epoch-changed' });
    // With a replay limit above the gap, a client behind retention gets `truncated` and the oldest retained onwards.
    const wide = await startServer({ store, replayLimit: 100 });
    const other = await rawClient(wide.url, { rooms: [r] });
    const answer = await ask<SyncAck>(other, 'roomlog:sync', { rooms: { [r]: { after: 5, epoch: head!.epoch } } });
    expect(answer).toMatchObject({ ok: true, rooms: { [r]: { ok: true, recovered: false, reason: 'truncated', head: { firstSeq: 11 } } } });
  });

  it('coalesces a reconnect storm: 1000 sockets syncing the same room and offset cost at most two store reads', async () => {
    const memory = new MemoryStore();
    let reads = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const counting = wrap(memory, {
      read: async (stream: StreamRef, query?: ReadQuery): Promise<ReadResult> => {
        reads++;
        await gate;
        return memory.read(stream, query);
      },
    });
    let asked = 0;
    const { url, log } = await startServer({
      store: counting,
      authorize: (socket, { room: r }) => {
        asked++;
        return socket.rooms.has(r);
      },
    });
    const r = room();
    for (let n = 1; n <= 5; n++) await log.publish({ room: r, event: 'chat', data: n });
    const sockets = await Promise.all(Array.from({ length: 1000 }, () => rawClient(url, { rooms: [r] })));
    const answers = Promise.all(sockets.map((socket) => ask<SyncAck>(socket, 'roomlog:sync', { rooms: { [r]: { after: 2 } } })));
    await until(() => asked === 1000, 'every sync to reach the server');
    // Let the last requests get from authorize to their read (microtasks only).
    await new Promise((resolve) => setImmediate(resolve));
    release();
    for (const answer of await answers) {
      expect(answer).toMatchObject({ ok: true, rooms: { [r]: { ok: true, messages: [{ seq: 3 }, { seq: 4 }, { seq: 5 }] } } });
    }
    expect(reads).toBeGreaterThanOrEqual(1);
    expect(reads).toBeLessThanOrEqual(2);
  }, 60_000);

  it('pages history with the store cursor rules and validates the query', async () => {
    const { url, log } = await startServer();
    const r = room();
    for (let n = 1; n <= 12; n++) await log.publish({ room: r, event: 'chat', data: n });
    const socket = await rawClient(url, { rooms: [r] });
    const page = await ask<HistoryAck>(socket, 'roomlog:history', { room: r, before: 6, limit: 3 });
    expect(page).toMatchObject({ ok: true, hasMore: true, truncated: false, head: { seq: 12 } });
    expect(page.ok && page.messages.map((m) => m.seq)).toEqual([3, 4, 5]);
    expect(await ask<HistoryAck>(socket, 'roomlog:history', { room: r, limit: 5000 })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    expect((await log.history(r, { after: 10 })).messages.map((m) => m.seq)).toEqual([11, 12]);
  });

  it('applies beforeDeliver per recipient live, in replay, in history and in acks, withholding as seq-only entries', async () => {
    const r = room();
    const { url, log } = await startServer({
      hooks: {
        beforeDeliver: (recipient, envelope) => {
          const user = recipient.handshake.auth.user as string;
          if (envelope.data === `secret for ${user}`) return envelope;
          if (typeof envelope.data === 'string' && envelope.data.startsWith('secret')) return null;
          return { ...envelope, data: `${String(envelope.data)} (seen by ${user})` };
        },
      },
    });
    await log.publish({ room: r, event: 'chat', data: 'secret for bob' });
    const alice = await rawClient(url, { rooms: [r], user: 'alice' });
    const bob = await rawClient(url, { rooms: [r], user: 'bob' });
    const [atAlice, atBob] = [inbox(alice), inbox(bob)];
    const ack = await ask<SendAck>(alice, 'chat', { room: r, data: 'hi' });
    expect(ack).toMatchObject({ ok: true, entry: { seq: 2, data: 'hi (seen by alice)' } });
    expect(ack).not.toHaveProperty('duplicate');
    await until(() => atAlice.length === 1 && atBob.length === 1, 'live delivery');
    expect(atBob[0]).toMatchObject({ seq: 2, data: 'hi (seen by bob)' });
    const replay = await ask<SyncAck>(alice, 'roomlog:sync', { rooms: { [r]: { after: 0 } } });
    expect(replay.ok && replay.rooms[r]).toMatchObject({
      ok: true,
      messages: [
        { seq: 1, withheld: true },
        { seq: 2, data: 'hi (seen by alice)' },
      ],
    });
    expect(replay.ok && replay.rooms[r]?.ok && JSON.stringify(replay.rooms[r].messages[0])).not.toContain('secret');
    const page = await ask<HistoryAck>(bob, 'roomlog:history', { room: r });
    expect(page.ok && page.messages).toMatchObject([
      { seq: 1, data: 'secret for bob' },
      { seq: 2, data: 'hi (seen by bob)' },
    ]);
  });
});

describe('roomlog() edits, deletes and read markers', () => {
  it('lets authors edit and delete their own messages, broadcasting the log entries', async () => {
    const r = room();
    const { url } = await startServer({ userId: (socket) => socket.handshake.auth.user as string });
    const alice = await rawClient(url, { rooms: [r], user: 'alice' });
    const bob = await rawClient(url, { rooms: [r], user: 'bob' });
    const atBob = inbox(bob);
    await ask<SendAck>(alice, 'chat', { room: r, data: 'tpyo' });
    expect(await ask(alice, 'roomlog:edit', { room: r, seq: 1, data: 'typo' })).toMatchObject({
      ok: true,
      message: { seq: 1, data: 'typo', version: 2, editedAt: expect.any(Number) },
    });
    expect(await ask(bob, 'roomlog:delete', { room: r, seq: 1 })).toMatchObject({ ok: false, error: { code: 'NOT_OWNER' } });
    expect(await ask(alice, 'roomlog:delete', { room: r, seq: 9 })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const tombstone = await ask<{ ok: true; message: object }>(alice, 'roomlog:delete', { room: r, seq: 1 });
    expect(tombstone).toMatchObject({ ok: true, message: { seq: 1, deletedAt: expect.any(Number) } });
    expect(tombstone.message).not.toHaveProperty('data');
    await until(() => atBob.length === 3, 'message, edit and delete at bob');
    expect(atBob).toMatchObject([
      { seq: 1, data: 'tpyo', senderId: 'alice' },
      { seq: 2, kind: 'edit', target: 1, data: 'typo', senderId: 'alice' },
      { seq: 3, kind: 'delete', target: 1, senderId: 'alice' },
    ]);
    expect(atBob[0]).not.toHaveProperty('kind');
    expect(atBob[2]).not.toHaveProperty('data');
  });

  it('moves read markers forward, broadcasts receipts and counts unread messages', async () => {
    const r = room();
    const { url, log } = await startServer({ userId: (socket) => socket.handshake.auth.user as string });
    const alice = await rawClient(url, { rooms: [r], user: 'alice' });
    const receipts: unknown[] = [];
    alice.on('roomlog:receipt', (receipt: unknown) => receipts.push(receipt));
    for (let n = 1; n <= 4; n++) await log.publish({ room: r, event: 'chat', data: n, senderId: 'bob' });
    expect(await ask(alice, 'roomlog:unread', { room: r })).toEqual({ ok: true, count: 4 });
    expect(await ask(alice, 'roomlog:mark-read', { room: r, seq: 3 })).toEqual({ ok: true, seq: 3 });
    expect(await ask(alice, 'roomlog:mark-read', { room: r, seq: 1 })).toEqual({ ok: true, seq: 3 });
    expect(await log.unreadCount(r, 'alice')).toBe(1);
    // The second mark-read did not move the marker: no write, no receipt.
    await ask(alice, 'roomlog:unread', { room: r });
    expect(receipts).toEqual([{ room: r, userId: 'alice', seq: 3 }]);
    const anonymous = await rawClient(url, { rooms: [r] });
    expect(await ask(anonymous, 'roomlog:mark-read', { room: r, seq: 1 })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
  });

  it('answers UNSUPPORTED when the store lacks the capability', async () => {
    const bare = wrap(new MemoryStore(), {
      capabilities: { editDelete: false, retention: false, cursors: false, erase: false, transactions: false },
    });
    const { url, log } = await startServer({ store: bare, userId: () => 'alice', hooks: { onError: () => {} } });
    const r = room();
    await log.publish({ room: r, event: 'chat', data: 1 });
    const socket = await rawClient(url, { rooms: [r] });
    expect(await ask(socket, 'roomlog:edit', { room: r, seq: 1, data: 2 })).toMatchObject({ ok: false, error: { code: 'UNSUPPORTED' } });
    await expect(log.markRead(r, 'alice', 1)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
