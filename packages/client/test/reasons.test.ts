/**
 * Client failures that say why: a send of an event the server does not persist is refused at
 * once (from the sync answer's event list, or by the server for a predicate), and an outage is
 * logged once, not once per failed request.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore, type MessageStore } from '@roomlog/core';
import { roomlog } from '@roomlog/core/socket.io';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RoomlogError, roomlogClient } from '../src/index';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(events: readonly string[] | ((event: string) => boolean), store: MessageStore = new MemoryStore()) {
  const http = createServer();
  const io = new Server(http);
  const log = roomlog(io, { store, events, authorize: () => true });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    await log.close();
    await io.close();
  });
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

function open(url: string) {
  const socket = connect(url, { forceNew: true, transports: ['websocket'], reconnectionDelay: 20, reconnectionDelayMax: 50 });
  const client = roomlogClient(socket, { requestTimeoutMs: 1_000, retryDelayMs: 20, maxRetryDelayMs: 50 });
  cleanups.push(() => {
    client.close();
    socket.disconnect();
  });
  return { socket, client };
}

describe('a send of an event the server does not persist', () => {
  it('is refused by the client at once when the server listed its events at sync', async () => {
    const { client } = open(await startServer(['chat']));
    const room = randomUUID();
    await client.join(room);
    const started = Date.now();
    const refusal = client.send(room, 'chta', 'typo', { timeoutMs: 20_000 });
    await expect(refusal).rejects.toBeInstanceOf(RoomlogError);
    await expect(refusal).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: '[roomlog] [client] event "chta" is not persisted by the server (it persists: "chat"); see its events option',
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(client.send(room, 'chat', 'fine')).resolves.toMatchObject({ seq: 1 });
  });

  it('is refused by the server at once when events is a predicate, or before any sync', async () => {
    const { client } = open(await startServer((event) => event === 'chat'));
    const room = randomUUID();
    await client.join(room);
    const started = Date.now();
    await expect(client.send(room, 'chta', 'typo', { timeoutMs: 20_000 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: '[roomlog] [socket] event "chta" is not persisted by this server; see the events option',
    });
    const fresh = open(await startServer(['chat']));
    await expect(fresh.client.send(room, 'other', 'x', { timeoutMs: 20_000 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('an outage', () => {
  it('is logged in one line while it lasts, not once per failed sync of each room', async () => {
    let down = false;
    const store = new MemoryStore();
    const read = store.read.bind(store);
    const { RoomlogError: StoreError } = await import('@roomlog/core');
    store.read = (...args) =>
      down ? Promise.reject(new StoreError('UNAVAILABLE', 'database unreachable', { backend: 'memory' })) : read(...args);
    const url = await startServer(['chat'], store);
    const { client, socket } = open(url);
    const rooms = [randomUUID(), randomUUID()];
    await Promise.all(rooms.map((room) => client.join(room)));
    // The server runs in this process too; its own log lines say what they were handling.
    const fromClient = (spy: { mock: { calls: unknown[][] } }) =>
      spy.mock.calls.filter((call) => !String(call[0]).includes('(while handling'));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    down = true;
    // Each reconnect syncs both rooms again, and both fail again.
    for (let i = 0; i < 3; i++) {
      socket.disconnect().connect();
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    expect(fromClient(error)).toEqual([]);
    // The server answers an outage in its own words; the driver's text stays in its own logs.
    expect(fromClient(warn)).toEqual([
      [expect.stringMatching(/the store is unavailable for now.* \(not logged again until the server answers\)$/)],
    ]);
    // Once a sync succeeds the next outage is logged again.
    down = false;
    socket.disconnect().connect();
    await new Promise((resolve) => setTimeout(resolve, 150));
    down = true;
    socket.disconnect().connect();
    await vi.waitFor(() => expect(fromClient(warn)).toHaveLength(2));
    down = false;
  });
});
