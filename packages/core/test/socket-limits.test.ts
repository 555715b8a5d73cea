/**
 * What one client can make a Roomlog server do: nothing thrown while answering escapes, packets
 * stay within Socket.IO's parser limits and a byte budget, and one socket cannot take more than
 * its share of requests, writes, output buffer or rooms.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { type Socket as ClientSocket, io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryStore, type RoomlogError, busy, toRoomlogError } from '../src/index';
import { type RoomlogOptions, roomlog } from '../src/socket.io';

type Options = Omit<RoomlogOptions<Socket>, 'store' | 'events'> & Partial<Pick<RoomlogOptions<Socket>, 'store' | 'events'>>;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A Socket.IO server with Roomlog; the app joins each socket to its handshake's `auth.rooms`. */
async function startServer(options: Options = {}) {
  const http = createServer();
  const io = new Server(http);
  io.on('connection', (socket) => {
    const rooms: unknown = socket.handshake.auth.rooms;
    if (Array.isArray(rooms)) socket.join(rooms as string[]);
  });
  const store = options.store ?? new MemoryStore();
  const errors: RoomlogError[] = [];
  const hooks = { onError: (error: RoomlogError) => errors.push(error), ...options.hooks };
  const userId = (socket: Socket) => (socket.handshake.auth as { user?: string }).user;
  const log = roomlog(io, { events: ['chat'], userId, ...options, hooks, store });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    await log.close();
    await io.close();
  });
  return { io, log, store, errors, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

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

const ask = async <T = Record<string, unknown>>(socket: ClientSocket, event: string, payload: unknown, timeoutMs = 5_000): Promise<T> =>
  (await socket.timeout(timeoutMs).emitWithAck(event, payload)) as T;

/**
 * Emits a binary event whose placeholders all name attachment 0 (raw socket.io-parser packets),
 * and returns the ack's answer.
 */
function emitSharedBinary(socket: ClientSocket, event: string, payload: (ref: object) => unknown, binary: Buffer): Promise<unknown> {
  const id = 800_000 + Math.floor(Math.random() * 99_999);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer')), 5_000);
    const onPacket = (packet: { type: string; data?: unknown }) => {
      const text = typeof packet.data === 'string' ? packet.data : '';
      if (packet.type !== 'message' || !text.startsWith(`3${id}[`)) return;
      clearTimeout(timer);
      socket.io.engine.off('packet', onPacket);
      resolve((JSON.parse(text.slice(`3${id}`.length)) as unknown[])[0]);
    };
    socket.io.engine.on('packet', onPacket);
    socket.io.engine.write(`51-${id}${JSON.stringify([event, payload({ _placeholder: true, num: 0 })])}`);
    socket.io.engine.write(binary);
  });
}

/** `store` with some methods replaced (a Proxy: the store's private fields stay reachable). */
function override(store: MemoryStore, methods: Partial<Record<keyof MemoryStore, (...args: never[]) => unknown>>): MemoryStore {
  return new Proxy(store, {
    get(target, key) {
      const replaced = (methods as Record<PropertyKey, unknown>)[key];
      if (replaced) return replaced;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const codeOf = (answer: unknown) => (answer as { error?: { code?: string } }).error?.code ?? null;

describe('answers that cannot be sent', () => {
  it('reports an ack that throws while encoding to onError, answers INTERNAL, and the process lives on', async () => {
    const escaped: unknown[] = [];
    const onEscape = (error: unknown) => escaped.push(error);
    process.on('unhandledRejection', onEscape);
    process.on('uncaughtException', onEscape);
    cleanups.push(() => {
      process.off('unhandledRejection', onEscape);
      process.off('uncaughtException', onEscape);
    });
    // A BigInt makes socket.io-parser's JSON.stringify throw inside the ack call.
    const { url, errors } = await startServer({ hooks: { beforeDeliver: (_, envelope) => ({ ...envelope, data: 10n }) } });
    const socket = await rawClient(url, { rooms: ['r'] });
    await ask(socket, 'chat', { room: 'r', data: 'x' });
    const answer = await ask(socket, 'roomlog:history', { room: 'r' });
    expect(codeOf(answer)).toBe('INTERNAL');
    expect(errors.some((error) => error.code === 'INTERNAL' && /could not send the answer to roomlog:history/.test(error.message))).toBe(
      true,
    );
    expect(escaped).toEqual([]);
    expect(codeOf(await ask(socket, 'roomlog:unread', { room: 'r' }))).not.toBeNull(); // still answering
  });
});

type Page = { ok: boolean; messages: { seq: number; data: unknown }[]; hasMore: boolean; error?: { code: string } };

describe('packets within Socket.IO limits', () => {
  it('ends a history page at 10 binary attachments with hasMore (at least one entry), and a page at the byte budget', async () => {
    const { url, log } = await startServer({ limits: { maxPacketBytes: 10_000 } });
    for (let i = 0; i < 30; i++)
      await log.publish({ room: 'bin', event: 'chat', data: { i, b: [Buffer.alloc(1), Buffer.alloc(1), Buffer.alloc(1)] } });
    for (let i = 0; i < 5; i++) await log.publish({ room: 'big', event: 'chat', data: { text: 'x'.repeat(6_000) } });
    const socket = await rawClient(url, { rooms: ['bin', 'big'] });
    const first = await ask<Page>(socket, 'roomlog:history', { room: 'bin', after: 0, limit: 1000 });
    expect(first.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(first.hasMore).toBe(true);
    const latest = await ask<Page>(socket, 'roomlog:history', { room: 'bin', limit: 1000 });
    expect(latest.messages.map((m) => m.seq)).toEqual([28, 29, 30]);
    expect(latest.hasMore).toBe(true);
    // Each 6 KB entry alone is within the 10 KB budget; two are not; one is always sent.
    const big = await ask<Page>(socket, 'roomlog:history', { room: 'big', after: 0 });
    expect(big.messages.map((m) => m.seq)).toEqual([1]);
    expect(big.hasMore).toBe(true);
    expect(socket.connected).toBe(true);
  });

  it('lets a default socket.io-client page and sync a room of 50 binary messages', async () => {
    const { url, log } = await startServer();
    for (let i = 0; i < 50; i++) await log.publish({ room: 'files', event: 'chat', data: { i, file: Buffer.from([i]) } });
    const socket = await rawClient(url, { rooms: ['files'] });
    let disconnects = 0;
    socket.on('disconnect', () => disconnects++);
    const seen: number[] = [];
    for (let after = 0, more = true; more; ) {
      const page = await ask<Page>(socket, 'roomlog:history', { room: 'files', after, limit: 1000 });
      expect(page.messages.length).toBeGreaterThan(0);
      expect(page.messages.length).toBeLessThanOrEqual(10);
      seen.push(...page.messages.map((m) => m.seq));
      after = page.messages.at(-1)!.seq;
      more = page.hasMore;
    }
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const sync = await ask<{ rooms: Record<string, { ok: boolean; messages: unknown[]; hasMore?: true }> }>(socket, 'roomlog:sync', {
      rooms: { files: { after: 0 } },
    });
    expect(sync.rooms.files!.messages).toHaveLength(10);
    expect(sync.rooms.files!.hasMore).toBe(true);
    expect(disconnects).toBe(0);
  });

  it('reads a sync of rooms full of large entries in chunks, stopping at the packet budget', async () => {
    const store = new MemoryStore();
    let entriesRead = 0;
    let largestRead = 0;
    const counting = override(store, {
      read: async (...args: Parameters<MemoryStore['read']>) => {
        const page = await store.read(...args);
        entriesRead += page.messages.length;
        largestRead = Math.max(largestRead, page.messages.length);
        return page;
      },
    });
    const { url, log } = await startServer({ store: counting });
    const rooms = Array.from({ length: 20 }, (_, i) => `big-${i}`);
    for (const room of rooms) for (let i = 0; i < 30; i++) await log.publish({ room, event: 'chat', data: 'x'.repeat(50_000) });
    const epochs = new Map<string, string>();
    for (const room of rooms) epochs.set(room, (await store.head({ namespace: '/', room }))!.epoch);
    const socket = await rawClient(url, { rooms });
    entriesRead = 0;
    type RoomAnswer = { ok: boolean; messages?: { seq: number }[]; hasMore?: true; recovered?: boolean; reason?: string };
    const sync = (offsets: object) => ask<{ rooms: Record<string, RoomAnswer> }>(socket, 'roomlog:sync', { rooms: offsets });
    const answer = await sync(Object.fromEntries(rooms.map((room) => [room, { after: 1, epoch: epochs.get(room) }])));
    const answered = Object.values(answer.rooms);
    const carried = answered.flatMap((room) => room.messages ?? []);
    // 20 rooms × 29 missed entries of 50 KB is 29 MB; the answer is one packet of at most 1 MiB.
    expect(carried.length).toBeGreaterThan(0);
    expect(carried.length).toBeLessThanOrEqual(21);
    for (const room of answered.filter((r) => r.ok)) expect(room).toMatchObject({ recovered: true, hasMore: true });
    expect(answered.filter((room) => codeOf(room) === 'BUSY').length).toBeGreaterThan(0);
    // Before: every room read its whole replay (29 entries + the one at the offset, 600 in all) at
    // once. Now: 8 rooms at a time, a first chunk of 10 (+ the one at the offset) while their size
    // is unknown, 2 per room once the packet is full, and what fills the packet.
    expect(largestRead).toBeLessThanOrEqual(11);
    expect(entriesRead).toBeLessThanOrEqual(8 * 11 + 12 * 2 + 21);
    // A room further behind than replayLimit is answered from the head, with its latest page.
    entriesRead = 0;
    const far = await startServer({ store: counting, replayLimit: 10 });
    const other = await rawClient(far.url, { rooms: ['big-0'] });
    const behind = await ask<{ rooms: Record<string, RoomAnswer> }>(other, 'roomlog:sync', {
      rooms: { 'big-0': { after: 1, epoch: epochs.get('big-0') } },
    });
    expect(behind.rooms['big-0']).toMatchObject({ ok: true, recovered: false, reason: 'too-far-behind' });
    expect(behind.rooms['big-0']!.messages!.map((m) => m.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 21 + i));
    expect(entriesRead).toBeLessThanOrEqual(11 + 10);
  });

  it('refuses a message with more than 10 binary values at write time, every reference counted', async () => {
    const { url } = await startServer();
    const socket = await rawClient(url, { rooms: ['r'] });
    const one = Buffer.alloc(1);
    const ten = await ask(socket, 'chat', { room: 'r', data: Array.from({ length: 10 }, () => Buffer.alloc(1)) });
    expect(ten.ok).toBe(true);
    // socket.io-client sends one attachment per reference (and the server's decoder takes 10 at
    // most); a hand-made packet can name one attachment many times, which the decoder hands back
    // as one shared Buffer.
    const answer = await emitSharedBinary(socket, 'chat', (ref) => ({ room: 'r', data: Array.from({ length: 11 }, () => ref) }), one);
    expect(codeOf(answer)).toBe('PAYLOAD_TOO_LARGE');
    expect((answer as { error: { message: string } }).error.message).toMatch(
      /more than 10 binary values \(limits\.maxBinariesPerMessage\)/,
    );
  });

  it('refuses limits that could never be sent', async () => {
    await expect(startServer({ limits: { maxBinariesPerMessage: 11 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(startServer({ limits: { maxPacketBytes: 0 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('per-socket fairness', () => {
  it('answers requests past maxRequestsPerSocket with BUSY at once, and serves the socket again after', async () => {
    const store = new MemoryStore();
    let gate: () => void = () => {};
    const held = new Promise<void>((resolve) => (gate = resolve));
    const slowStore = override(store, {
      getCursor: async (...args: Parameters<MemoryStore['getCursor']>) => {
        await held;
        return store.getCursor(...args);
      },
    });
    const { url } = await startServer({ store: slowStore, limits: { maxRequestsPerSocket: 5, maxWritesPerSocket: 5 } });
    const socket = await rawClient(url, { rooms: ['r'], user: 'u' });
    const other = await rawClient(url, { rooms: ['r'], user: 'v' });
    const pending = Array.from({ length: 5 }, () => ask(socket, 'roomlog:mark-read', { room: 'r', seq: 1 }));
    const refused = await ask(socket, 'roomlog:mark-read', { room: 'r', seq: 1 });
    expect(codeOf(refused)).toBe('BUSY');
    expect((refused as { error: { retryAfterMs?: number } }).error.retryAfterMs).toBeGreaterThan(0);
    // Another socket is not affected by this one's share.
    expect((await ask(other, 'chat', { room: 'r', data: 'hi' })).ok).toBe(true);
    gate();
    expect((await Promise.all(pending)).every((answer) => answer.ok)).toBe(true);
    expect((await ask(socket, 'roomlog:mark-read', { room: 'r', seq: 1 })).ok).toBe(true);
  });

  it('keeps one socket within maxWritesPerSocket of the append queue, so honest writers are not refused', async () => {
    const store = new MemoryStore();
    let gate: () => void = () => {};
    let held = new Promise<void>((resolve) => (gate = resolve));
    const slowStore = override(store, {
      append: async (...args: Parameters<MemoryStore['append']>) => {
        await held;
        return store.append(...args);
      },
    });
    const { url } = await startServer({ store: slowStore, batch: { maxQueue: 100 }, limits: { maxWritesPerSocket: 20 } });
    const flooder = await rawClient(url, { rooms: ['r'] });
    const honest = await rawClient(url, { rooms: ['r'] });
    let refused = 0;
    const flood = Array.from({ length: 500 }, (_, i) =>
      ask(flooder, 'chat', { room: 'r', data: i }).then((answer) => {
        if (codeOf(answer) === 'BUSY') refused++;
        return answer;
      }),
    );
    // Every send past the socket's share is answered at once, while its 20 writes still wait.
    for (let i = 0; i < 500 && refused < 480; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const honestSend = ask(honest, 'chat', { room: 'r', data: 'honest' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    gate();
    held = Promise.resolve();
    const answers = await Promise.all(flood);
    expect(answers.filter((a) => a.ok)).toHaveLength(20);
    expect(answers.filter((a) => codeOf(a) === 'BUSY')).toHaveLength(480);
    expect((await honestSend).ok).toBe(true);
  });

  it('holds back reads of a socket that stops reading, so its outgoing buffer stays bounded', async () => {
    const { url, log, io } = await startServer({ limits: { maxBufferedBytesPerSocket: 256 * 1024 } });
    for (let i = 0; i < 20; i++) await log.publish({ room: 'r', event: 'chat', data: 'x'.repeat(20_000) });
    const socket = await rawClient(url, { rooms: ['r'] });
    const [serverSocket] = await io.fetchSockets();
    const conn = (io.sockets.sockets.get(serverSocket!.id) as Socket).conn as unknown as {
      writeBuffer: { data?: unknown }[];
      transport: { socket: { bufferedAmount: number } };
    };
    // Stop reading: the TCP window fills and the server's buffers take the rest.
    const tcp = (socket.io.engine.transport as unknown as { ws: { _socket: { pause(): void; resume(): void } } }).ws._socket;
    tcp.pause();
    const answers = Array.from({ length: 40 }, () => ask(socket, 'roomlog:history', { room: 'r', after: 0, limit: 20 }, 60_000));
    let peak = 0;
    for (let i = 0; i < 50; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const buffered = conn.transport.socket.bufferedAmount + conn.writeBuffer.reduce((n, p) => n + String(p.data ?? '').length, 0);
      peak = Math.max(peak, buffered);
    }
    // 40 pages of 400 KB would be 16 MB; held back, the buffer holds the bound plus the pages of the read slots.
    expect(peak).toBeGreaterThan(256 * 1024);
    expect(peak).toBeLessThan(256 * 1024 + 5 * 400_000);
    tcp.resume();
    const pages = (await Promise.all(answers)) as unknown as Page[];
    expect(pages.every((page) => page.ok && page.messages.length > 0)).toBe(true);
    // A slow reader is served once it reads again, and stays connected under the default hard bound.
    expect(socket.connected).toBe(true);
  });

  it('never answers past its share a socket that stops reading, and disconnects one whose buffer stays over the hard bound', async () => {
    const limits = {
      maxBufferedBytesPerSocket: 256 * 1024,
      maxBufferedBytesBeforeDisconnect: 3 * 1024 * 1024,
      maxRequestsPerSocket: 50,
      maxWritesPerSocket: 20,
    };
    const { url, log, io } = await startServer({ limits });
    for (let i = 0; i < 20; i++) await log.publish({ room: 'r', event: 'chat', data: 'x'.repeat(20_000) });
    const socket = await rawClient(url, { rooms: ['r'] });
    const serverSocket = [...io.sockets.sockets.values()][0]!;
    let disconnected = '';
    serverSocket.on('disconnect', (reason) => (disconnected = reason));
    const buffered = () => {
      const conn = serverSocket.conn as unknown as { writeBuffer: { data?: unknown }[]; transport: { socket: { bufferedAmount: number } } };
      return conn.transport.socket.bufferedAmount + conn.writeBuffer.reduce((n, p) => n + String(p.data ?? '').length, 0);
    };
    const tcp = (socket.io.engine.transport as unknown as { ws: { _socket: { pause(): void } } }).ws._socket;
    tcp.pause();
    // Pages fill the TCP window and then the buffer; then a flood of sends and history requests.
    for (let i = 0; i < 20; i++) socket.emit('roomlog:history', { room: 'r', after: 0, limit: 20 }, () => {});
    let peak = 0;
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 1_000; i++) socket.emit('chat', { room: 'r', data: i, clientMessageId: `m${round}-${i}` }, () => {});
      await new Promise((resolve) => setTimeout(resolve, 20));
      peak = Math.max(peak, buffered());
    }
    // 20,000 BUSY answers alone would be ~2.6 MB; held and dropped, the buffer holds the bound,
    // the pages of the read slots and the answers of the requests that were running.
    console.log(`non-reading sender: server buffer peak ${peak} bytes after 20,000 sends and 20 pages`);
    expect(peak).toBeGreaterThan(limits.maxBufferedBytesPerSocket);
    expect(peak).toBeLessThan(limits.maxBufferedBytesPerSocket + 5 * 400_000);
    expect(disconnected).toBe('');
    // Broadcasts of the room take it past the hard bound: it is disconnected within the grace.
    for (let i = 0; i < 40; i++) await log.publish({ room: 'r', event: 'chat', data: 'y'.repeat(100_000) });
    const started = Date.now();
    while (disconnected === '' && Date.now() - started < 15_000) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(disconnected).toBe('server namespace disconnect');
    // What was queued for it is dropped with the connection as soon as the closed transport is
    // reported, a few ticks later: Engine.IO's write buffer is emptied (the close packet may
    // remain) and the TCP socket is destroyed, so nothing holds the bytes the client never read
    // (a destroyed socket may still count a write that was in flight in its `bufferedAmount`).
    const conn = serverSocket.conn as unknown as {
      writeBuffer: { data?: unknown }[];
      transport: { socket: { _socket?: { destroyed?: boolean } } };
    };
    const dropped = () => conn.writeBuffer.length <= 1 && conn.transport.socket._socket?.destroyed !== false;
    const closing = Date.now();
    while (!dropped() && Date.now() - closing < 5_000) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(conn.writeBuffer.reduce((n, p) => n + String(p.data ?? '').length, 0)).toBeLessThan(1024);
    expect(conn.transport.socket._socket?.destroyed ?? true).toBe(true);
  });

  it('refuses client joins past maxRoomsPerSocket with FORBIDDEN', async () => {
    const { url } = await startServer({ authorize: () => true, limits: { maxRoomsPerSocket: 4 } });
    const socket = await rawClient(url);
    // The socket's own id room counts: three joins fit.
    const rooms = Object.fromEntries(['a', 'b', 'c'].map((room) => [room, {}]));
    const first = await ask<{ rooms: Record<string, { ok: boolean }> }>(socket, 'roomlog:sync', { rooms });
    expect(Object.values(first.rooms).every((r) => r.ok)).toBe(true);
    const more = await ask<{ rooms: Record<string, unknown> }>(socket, 'roomlog:sync', { rooms: { d: {}, a: {} } });
    expect(codeOf(more.rooms.d)).toBe('FORBIDDEN');
    expect((more.rooms.d as { error: { message: string } }).error.message).toMatch(/limits\.maxRoomsPerSocket/);
    expect(codeOf(more.rooms.a)).toBeNull();
  });
});

describe('no amplification, quiet errors', () => {
  it('writes nothing and broadcasts no receipt for a marker that does not move', async () => {
    const store = new MemoryStore();
    let writes = 0;
    const counting = override(store, {
      setCursor: (...args: Parameters<MemoryStore['setCursor']>) => {
        writes++;
        return store.setCursor(...args);
      },
    });
    const { url, log } = await startServer({ store: counting });
    for (let i = 0; i < 3; i++) await log.publish({ room: 'r', event: 'chat', data: i });
    const reader = await rawClient(url, { rooms: ['r'], user: 'u' });
    const member = await rawClient(url, { rooms: ['r'], user: 'm' });
    let receipts = 0;
    member.on('roomlog:receipt', () => receipts++);
    expect((await ask(reader, 'roomlog:mark-read', { room: 'r', seq: 2 })).seq).toBe(2);
    for (let i = 0; i < 50; i++) expect((await ask(reader, 'roomlog:mark-read', { room: 'r', seq: (i % 2) + 1 })).seq).toBe(2);
    await ask(member, 'roomlog:unread', { room: 'r' }); // a round trip after the last receipt could have arrived
    expect(writes).toBe(1);
    expect(receipts).toBe(1);
  });

  it('says when an unread count stopped at the scan limit', async () => {
    const { url, log } = await startServer();
    await log.store.append(
      Array.from({ length: 1_005 }, (_, i) => ({ namespace: '/', room: 'r', event: 'chat', data: i, senderId: 'other' })),
    );
    await log.publish({ room: 'small', event: 'chat', data: 1 });
    const socket = await rawClient(url, { rooms: ['r', 'small'], user: 'u' });
    expect(await ask(socket, 'roomlog:unread', { room: 'r' })).toEqual({ ok: true, count: 1000, capped: true });
    expect(await ask(socket, 'roomlog:unread', { room: 'small' })).toEqual({ ok: true, count: 1 });
  });

  it('answers UNAVAILABLE in its own words; the driver text stays in the cause', async () => {
    const store = new MemoryStore();
    const failing = override(store, {
      read: () =>
        Promise.reject(
          toRoomlogError(new Error('relation "secret_schema.messages" does not exist for role app_rw'), 'postgres', () => 'UNAVAILABLE'),
        ),
    });
    const { url, errors } = await startServer({ store: failing });
    const socket = await rawClient(url, { rooms: ['r'] });
    const answer = await ask<{ error: { code: string; message: string } }>(socket, 'roomlog:history', { room: 'r' });
    expect(answer.error.code).toBe('UNAVAILABLE');
    expect(answer.error.message).not.toMatch(/secret_schema|app_rw/);
    expect(String((errors[0]!.cause as Error).message)).toMatch(/secret_schema/);
  });
});

describe('the default onError', () => {
  it('logs the first server-side error of an interval in full and counts the rest in one line', async () => {
    const { aggregatingOnError } = await import('../src/socket/error-log');
    const errors: unknown[][] = [];
    const warnings: unknown[][] = [];
    const error = vi.spyOn(console, 'error').mockImplementation((...args) => void errors.push(args));
    const warn = vi.spyOn(console, 'warn').mockImplementation((...args) => void warnings.push(args));
    cleanups.push(() => {
      error.mockRestore();
      warn.mockRestore();
    });
    const onError = aggregatingOnError(50);
    const unavailable = toRoomlogError(new Error('connection refused'), 'postgres', () => 'UNAVAILABLE');
    for (let i = 0; i < 20_000; i++) onError(unavailable, { event: 'chat' });
    for (let i = 0; i < 300; i++) onError(busy('socket', 'full', 100), { event: 'chat' });
    expect(errors).toHaveLength(1);
    expect(String(errors[0]![0])).toMatch(/connection refused \(while handling chat/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]![0])).toMatch(/20299 more errors .*UNAVAILABLE \(chat\) ×19999, BUSY \(chat\) ×300/);
  });
});
