/**
 * The client heals itself: failed syncs and gap fills are retried until they succeed, a room's
 * status says where it stands, sends to a room are stored in call order, unacked sends survive
 * a restart in the outbox, a first visit starts where asked, and a head hint fetches a dropped
 * last message.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore, type ReadQuery, RoomlogError, type StreamRef } from '@roomlog/core';
import { type Roomlog, roomlog } from '@roomlog/core/socket.io';
import { Server } from 'socket.io';
import { type Socket, io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type MessageEnvelope, type RoomStatus, type RoomlogStorage, memoryStorage, roomlogClient } from '../src/index';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A MemoryStore whose reads (or appends) fail with UNAVAILABLE while `down` is set, as during a database outage. */
class FlakyStore extends MemoryStore {
  readsDown = false;
  appendsDown = false;
  /** Read queries seen, for asserting what the client asked. */
  readonly queries: ReadQuery[] = [];
  override read(stream: StreamRef, query: ReadQuery = {}) {
    this.queries.push(query);
    if (this.readsDown) return Promise.reject(new RoomlogError('UNAVAILABLE', 'database down (test)', { backend: 'memory' }));
    return super.read(stream, query);
  }
  override append(...args: Parameters<MemoryStore['append']>) {
    if (this.appendsDown) return Promise.reject(new RoomlogError('UNAVAILABLE', 'database down (test)', { backend: 'memory' }));
    return super.append(...args);
  }
}

async function startServer(
  store = new FlakyStore(),
  healIntervalMs = 0,
): Promise<{ url: string; log: Roomlog; store: FlakyStore; io: Server }> {
  const http = createServer();
  const io = new Server(http);
  io.on('connection', (socket) => socket.join(socket.handshake.auth.rooms as string[]));
  const log = roomlog(io, { store, events: ['chat'], healIntervalMs });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    await log.close();
    await io.close();
  });
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, log, store, io };
}

function open(url: string, rooms: string[], storage: RoomlogStorage = memoryStorage()) {
  const socket: Socket = connect(url, {
    auth: { rooms },
    forceNew: true,
    transports: ['websocket'],
    reconnectionDelay: 20,
    reconnectionDelayMax: 50,
  });
  const client = roomlogClient(socket, { storage, requestTimeoutMs: 500, retryDelayMs: 20, maxRetryDelayMs: 100 });
  const delivered: MessageEnvelope[] = [];
  const statuses: [string, RoomStatus][] = [];
  const errors: unknown[] = [];
  for (const room of rooms) client.on(room, '*', (message) => delivered.push(message));
  client.onStatus((room, status) => statuses.push([room, status]));
  client.onError((error) => errors.push(error));
  cleanups.push(() => {
    client.close();
    socket.disconnect();
  });
  return { socket, client, delivered, statuses, errors, storage };
}

const until = async (check: () => boolean, what: string, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

const seqs = (messages: MessageEnvelope[]) => messages.map((m) => m.seq);

describe('client retries', () => {
  it('retries a room sync the database failed, reports the room behind meanwhile, and goes live once it is back', async () => {
    const { url, log, store } = await startServer();
    for (let n = 1; n <= 3; n++) await log.publish({ room: 'r', event: 'chat', data: n });
    store.readsDown = true;
    const alice = open(url, ['r']);
    const joined = alice.client.join('r');
    await until(() => alice.statuses.some(([, status]) => status === 'behind'), 'behind');
    await until(() => store.queries.length >= 3, 'a few retried syncs');
    expect(alice.client.status('r')).not.toBe('live');
    store.readsDown = false;
    await joined;
    await until(() => alice.delivered.length === 3, 'the replay');
    expect(seqs(alice.delivered)).toEqual([1, 2, 3]);
    await until(() => alice.client.status('r') === 'live', 'live');
  });

  it('retries a failed resync after a reconnect while staying connected', async () => {
    const { url, log, store } = await startServer();
    const alice = open(url, ['r']);
    await alice.client.join('r');
    await log.publish({ room: 'r', event: 'chat', data: 1 });
    await until(() => alice.delivered.length === 1, 'the first message');
    store.readsDown = true;
    alice.socket.disconnect();
    await log.publish({ room: 'r', event: 'chat', data: 2 });
    alice.socket.connect();
    await until(() => alice.errors.length >= 2, 'failed syncs, reported');
    expect(alice.client.status('r')).toBe('behind');
    store.readsDown = false;
    await until(() => alice.delivered.length === 2, 'the missed message, without a new one');
    expect(seqs(alice.delivered)).toEqual([1, 2]);
    await until(() => alice.client.status('r') === 'live', 'live');
  });

  it('retries a gap fill the database failed until the held entry can be delivered', async () => {
    const { url, log, store } = await startServer();
    const alice = open(url, ['r']);
    await alice.client.join('r');
    // Seq 1 is stored without a broadcast; seq 2 is broadcast while reads fail.
    await store.append([{ namespace: '/', room: 'r', event: 'chat', data: 'unannounced' }]);
    store.readsDown = true;
    await log.publish({ room: 'r', event: 'chat', data: 'announced' });
    await until(() => alice.errors.length >= 2, 'failed fills');
    expect(alice.delivered).toEqual([]);
    store.readsDown = false;
    await until(() => alice.delivered.length === 2, 'both, in order');
    expect(alice.delivered.map((m) => m.data)).toEqual(['unannounced', 'announced']);
  });

  it('fetches a dropped last message when its node announces the head', async () => {
    const { url, store } = await startServer(new FlakyStore(), 50);
    const alice = open(url, ['r']);
    await alice.client.join('r');
    await store.append([{ namespace: '/', room: 'r', event: 'chat', data: 'never broadcast' }]);
    await until(() => alice.delivered.length === 1, 'the healed message');
    expect(alice.delivered[0]).toMatchObject({ seq: 1, data: 'never broadcast' });
  });
});

describe('client sends', () => {
  it('stores a room’s sends in call order although every first attempt fails', async () => {
    const { url, store } = await startServer();
    const alice = open(url, ['r']);
    await alice.client.join('r');
    store.appendsDown = true;
    const sends = Array.from({ length: 8 }, (_, n) => alice.client.send('r', 'chat', n));
    await new Promise((resolve) => setTimeout(resolve, 150));
    store.appendsDown = false;
    const acked = await Promise.all(sends);
    expect(acked.map((m) => 'data' in m && m.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const page = await store.read({ namespace: '/', room: 'r' }, { after: 0 });
    expect(page.messages.map((m) => m.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('keeps unacked sends in the outbox and a new client on the same storage re-sends them once, in order', async () => {
    const { url, store } = await startServer();
    const storage = memoryStorage();
    const first = open(url, ['r'], storage);
    await first.client.join('r');
    store.appendsDown = true;
    const lost = [1, 2, 3].map((n) =>
      first.client.send('r', 'chat', { n }, { clientMessageId: `c-${n}` }).catch((error: unknown) => error),
    );
    await until(() => first.client.pending('r').length === 3, 'three pending');
    // The page reloads: the client goes away with its sends unacked.
    first.client.close();
    first.socket.disconnect();
    expect((await lost[0]) as RoomlogError).toMatchObject({ code: 'CLOSED' });
    store.appendsDown = false;

    const second = open(url, ['r'], storage);
    expect(second.client.pending('r')).toEqual([]);
    await second.client.join('r');
    await second.client.send('r', 'chat', { n: 4 }, { clientMessageId: 'c-4' });
    await until(() => second.delivered.length === 4, 'all four');
    expect(second.delivered.map((m) => m.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    expect(second.client.pending()).toEqual([]);
    const page = await store.read({ namespace: '/', room: 'r' }, { after: 0 });
    expect(page.messages.map((m) => m.clientMessageId)).toEqual(['c-1', 'c-2', 'c-3', 'c-4']);
    // A third start finds the outbox empty.
    const third = open(url, ['r'], storage);
    await third.client.join('r');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await store.head({ namespace: '/', room: 'r' }))!.seq).toBe(4);
  });
});

describe('client first visits', () => {
  it('opens at the latest page without a reset notice, from the start, or after a seq', async () => {
    const { url, log } = await startServer(new FlakyStore());
    for (let n = 1; n <= 620; n++) await log.publish({ room: 'r', event: 'chat', data: n });
    const latest = open(url, ['r']);
    const resets: unknown[] = [];
    latest.client.onReset((notice) => resets.push(notice));
    await latest.client.join('r');
    await until(() => latest.delivered.length === 500, 'the latest page');
    expect(latest.delivered[0]!.seq).toBe(121);
    expect(resets).toEqual([]);

    const start = open(url, ['r']);
    await start.client.join('r', { from: 'start' });
    await until(() => start.delivered.length === 620, 'everything, paged');
    expect(seqs(start.delivered)).toEqual(Array.from({ length: 620 }, (_, i) => i + 1));
    await until(() => start.client.status('r') === 'live', 'live');

    const after = open(url, ['r']);
    await after.client.join('r', { from: 610 });
    await until(() => after.delivered.length === 10, 'the last ten');
    expect(after.delivered[0]!.seq).toBe(611);
    await expect(after.client.join('other', { from: -1 as number })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('resumes a later visit from its stored position, also when the first visit found the room empty', async () => {
    const { url, log } = await startServer();
    const storage = memoryStorage();
    const first = open(url, ['r'], storage);
    await first.client.join('r');
    first.client.close();
    first.socket.disconnect();
    for (let n = 1; n <= 600; n++) await log.publish({ room: 'r', event: 'chat', data: n });
    const again = open(url, ['r'], storage);
    const resets: { reason: string }[] = [];
    again.client.onReset((notice) => resets.push(notice));
    await again.client.join('r');
    // Not a first visit: the 600 were missed, and the client is told so rather than shown the latest page as if complete.
    await until(() => resets.length === 1, 'the reset');
    expect(resets[0]).toMatchObject({ reason: 'too-far-behind' });
  });
});
