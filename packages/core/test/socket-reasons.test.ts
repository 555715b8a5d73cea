/**
 * Answers that say why: an event the server does not persist, an emit without an ack, a
 * payload that is not a Roomlog send, and the transition option `legacyDelivery` for clients
 * that still listen under the app's own event names.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { type Socket as ClientSocket, io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryStore, type SyncAck } from '../src/index';
import { type RoomlogOptions, roomlog } from '../src/socket.io';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const room = () => `room-${randomUUID()}`;

async function startServer(options: Partial<RoomlogOptions> = {}, setup: (io: Server) => void = () => {}) {
  const http = createServer();
  const io = new Server(http);
  io.on('connection', (socket) => socket.join(socket.handshake.auth.rooms as string[]));
  setup(io);
  const log = roomlog(io, { store: new MemoryStore(), events: ['chat'], ...options });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    await log.close();
    await io.close();
  });
  return { log, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

async function rawClient(url: string, rooms: string[]): Promise<ClientSocket> {
  const socket = connect(url, { auth: { rooms }, forceNew: true, transports: ['websocket'], reconnection: false });
  cleanups.push(() => socket.disconnect());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

const ask = async <T = unknown>(socket: ClientSocket, event: string, payload: unknown): Promise<T> =>
  (await socket.timeout(2_000).emitWithAck(event, payload)) as T;

const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('events the server does not persist', () => {
  it('lists the persisted events in the sync ack when events is a list, and not for a predicate', async () => {
    const r = room();
    const listed = await startServer({ events: ['chat', 'chat', 'roomlog:sync', 'notice'] });
    const answer = await ask<SyncAck>(await rawClient(listed.url, [r]), 'roomlog:sync', { rooms: { [r]: {} } });
    expect(answer).toMatchObject({ ok: true, events: ['chat', 'notice'] });
    const predicate = await startServer({ events: (event) => event.startsWith('chat') });
    const other = await ask<SyncAck>(await rawClient(predicate.url, [r]), 'roomlog:sync', { rooms: { [r]: {} } });
    expect(other.ok && 'events' in other).toBe(false);
  });

  it('answers a send of an event it does not persist at once, naming the events it does', async () => {
    const r = room();
    const { url } = await startServer();
    const socket = await rawClient(url, [r]);
    const started = Date.now();
    const answer = await ask(socket, 'chta', { room: r, data: 'typo', clientMessageId: 'c1' });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(answer).toEqual({
      ok: false,
      error: {
        code: 'INVALID_ARGUMENT',
        message: '[roomlog] [socket] event "chta" is not persisted by this server (it persists: "chat"); see the events option',
      },
    });
  });

  it("leaves the app's own events alone: a listener of that event, or another catch-all, answers instead", async () => {
    const r = room();
    const { url } = await startServer({}, (io) =>
      io.on('connection', (socket) => socket.on('typing', (_payload: unknown, ack: (answer: unknown) => void) => ack('app'))),
    );
    const socket = await rawClient(url, [r]);
    expect(await ask(socket, 'typing', { room: r, clientMessageId: 'c1' })).toBe('app');
    // A payload that is not a Roomlog send is never answered by Roomlog: the app may handle it later.
    await expect(ask(socket, 'presence', { online: true })).rejects.toThrow(/timed out|operation has timed out/);
    const withCatchAll = await startServer({}, (io) =>
      io.on('connection', (s) =>
        s.onAny((event: string, ...args: unknown[]) => event === 'x' && (args.at(-1) as (a: unknown) => void)('any')),
      ),
    );
    expect(await ask(await rawClient(withCatchAll.url, [r]), 'x', { room: r, clientMessageId: 'c2' })).toBe('any');
  });
});

describe('persisted events from clients not on @roomlog/client', () => {
  it('answers a plain-string payload with what a send must look like', async () => {
    const { url } = await startServer();
    const answer = await ask(await rawClient(url, []), 'chat', 'hello');
    expect(answer).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('must be { room, data, clientMessageId? }') },
    });
  });

  it('logs a refused emit that carried no ack, once per socket, instead of dropping it without a word', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { url } = await startServer();
    const socket = await rawClient(url, []);
    socket.emit('chat', 'hello');
    socket.emit('chat', { text: 'no room' });
    await until(() => warn.mock.calls.length > 0, 'the warning');
    await ask(socket, 'roomlog:sync', { rooms: {} }); // both emits were handled by now
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(
      /a "chat" emit without an ack from socket .+ was refused and could not be told: .*payload must be/,
    );
    expect(String(warn.mock.calls[0]![0])).toContain('docs/migrating.md');
  });

  it('stores an emit without an ack that is a valid send, and says nothing', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const r = room();
    const { log, url } = await startServer();
    (await rawClient(url, [r])).emit('chat', { room: r, data: 'fire and forget' });
    await expect.poll(async () => (await log.history(r)).messages.length).toBe(1);
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('legacyDelivery', () => {
  it("also emits each stored message's data under its own event name, and never edit or delete entries", async () => {
    const r = room();
    const { log, url } = await startServer({ legacyDelivery: true });
    const legacy = await rawClient(url, [r]);
    const received: unknown[] = [];
    legacy.on('chat', (data: unknown) => received.push(data));
    const stored = await log.publish({ room: r, event: 'chat', data: { text: 'hi' } });
    await log.edit(r, stored.seq, { text: 'hi!' });
    await log.publish({ room: r, event: 'chat', data: { text: 'second' } });
    await until(() => received.length === 2, 'both messages under "chat"');
    expect(received).toEqual([{ text: 'hi' }, { text: 'second' }]);
  });

  it('emits what a function returns, per recipient when beforeDeliver is set, and nothing for a withheld entry', async () => {
    const r = room();
    const { log, url } = await startServer({
      legacyDelivery: (entry) => (entry.data === 'skip' ? undefined : { from: entry.senderId, text: entry.data }),
      hooks: {
        beforeDeliver: (recipient, envelope) => (envelope.data === 'secret' && recipient.handshake.auth.rooms.length > 0 ? null : envelope),
      },
    });
    const legacy = await rawClient(url, [r]);
    const received: unknown[] = [];
    legacy.on('chat', (data: unknown) => received.push(data));
    for (const data of ['secret', 'skip', 'hello']) await log.publish({ room: r, event: 'chat', data, senderId: 'ada' });
    await until(() => received.length === 1, 'one message under "chat"');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toEqual([{ from: 'ada', text: 'hello' }]);
  });

  it('refuses a legacyDelivery that is neither a boolean nor a function', async () => {
    const io = new Server(); // never attached: nothing to close
    expect(() => roomlog(io, { store: new MemoryStore(), events: ['chat'], legacyDelivery: 'yes' as never })).toThrow(
      /legacyDelivery must be/,
    );
  });
});
