import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore } from '@roomlog/core';
import { type Roomlog, roomlog } from '@roomlog/core/socket.io';
import { Server } from 'socket.io';
import { type Socket, io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type MessageEnvelope, type RoomlogClient, type RoomlogStorage, memoryStorage, roomlogClient } from '../src/index';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server whose sockets join the rooms named in `auth.rooms`. */
async function startServer(store = new MemoryStore()): Promise<{ url: string; log: Roomlog; store: MemoryStore; io: Server }> {
  const http = createServer();
  const io = new Server(http);
  io.on('connection', (socket) => socket.join(socket.handshake.auth.rooms as string[]));
  const log = roomlog(io, { store, events: ['chat'], userId: (socket) => socket.handshake.auth.user as string });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    await log.close();
    await io.close();
  });
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, log, store, io };
}

function open(url: string, rooms: string[], storage: RoomlogStorage = memoryStorage()) {
  const socket: Socket = connect(url, {
    auth: { rooms, user: 'u1' },
    forceNew: true,
    transports: ['websocket'],
    reconnectionDelay: 20,
    reconnectionDelayMax: 50,
  });
  const client: RoomlogClient = roomlogClient(socket, { storage, requestTimeoutMs: 1_000, retryDelayMs: 20, maxRetryDelayMs: 50 });
  const delivered: MessageEnvelope[] = [];
  for (const room of rooms) client.on(room, '*', (message) => delivered.push(message));
  cleanups.push(() => {
    client.close();
    socket.disconnect();
  });
  return { socket, client, delivered };
}

const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('roomlogClient', () => {
  it('resumes from the stored position after a reload, delivering only what is new', async () => {
    const { url, log } = await startServer();
    const storage = memoryStorage();
    const first = open(url, ['r'], storage);
    await first.client.join('r');
    await log.publish({ room: 'r', event: 'chat', data: 1 });
    await log.publish({ room: 'r', event: 'chat', data: 2 });
    await until(() => first.delivered.length === 2, 'two messages');
    first.client.close();
    first.socket.disconnect();
    await log.publish({ room: 'r', event: 'chat', data: 3 });

    const reloaded = open(url, ['r'], storage);
    await reloaded.client.join('r');
    await until(() => reloaded.delivered.length === 1, 'the missed message');
    expect(reloaded.delivered.map((m) => m.data)).toEqual([3]);
    expect(reloaded.client.position('r')).toMatchObject({ seq: 3 });
  });

  it('fills a gap it detects in live delivery', async () => {
    const { url, log, store } = await startServer();
    const { client, delivered } = open(url, ['r']);
    await client.join('r');
    // Stored without a broadcast, as when a node dies between storing and broadcasting.
    await store.append([{ namespace: '/', room: 'r', event: 'chat', data: 'unannounced' }]);
    await log.publish({ room: 'r', event: 'chat', data: 'announced' });
    await until(() => delivered.length === 2, 'both messages');
    expect(delivered.map((m) => [m.seq, m.data])).toEqual([
      [1, 'unannounced'],
      [2, 'announced'],
    ]);
  });

  it('rejects a refused send at once with the server code, without retrying', async () => {
    const { url, store } = await startServer(new MemoryStore({ maxPayloadBytes: 1000 }));
    const { client } = open(url, ['mine']);
    await client.join('mine');
    await expect(client.send('theirs', 'chat', 'x')).rejects.toMatchObject({ name: 'RoomlogError', code: 'FORBIDDEN' });
    await expect(client.send('mine', 'chat', 'x'.repeat(2000))).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(await store.head({ namespace: '/', room: 'mine' })).toBeNull();
    expect(await store.head({ namespace: '/', room: 'theirs' })).toBeNull();
  });

  it('rejects at once with INVALID_ARGUMENT, without retrying, data the socket cannot encode', async () => {
    const { url, store } = await startServer();
    const { client } = open(url, ['r']);
    await client.join('r');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const started = Date.now();
    await expect(client.send('r', 'chat', circular, { timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await store.head({ namespace: '/', room: 'r' })).toBeNull();
  });

  it('rejects send with UNAVAILABLE once its deadline passes without a server', async () => {
    const { url, io } = await startServer();
    const { client } = open(url, ['r']);
    await client.join('r');
    await io.close();
    const started = Date.now();
    await expect(client.send('r', 'chat', 'nobody listens', { timeoutMs: 300 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('delivers edits and deletes as entries and exposes read markers', async () => {
    const { url } = await startServer();
    const { client, delivered } = open(url, ['r']);
    await client.join('r');
    const sent = await client.send('r', 'chat', 'helo');
    await client.edit('r', sent!.seq, 'hello');
    await client.delete('r', sent!.seq);
    await until(() => delivered.length === 3, 'message, edit, delete');
    expect(delivered.map((m) => [m.kind, m.target, m.data])).toEqual([
      ['message', null, 'helo'],
      ['edit', 1, 'hello'],
      ['delete', 1, null],
    ]);
    expect(await client.markRead('r', 3)).toBe(3);
    expect(await client.unreadCount('r')).toBe(0);
  });

  it('has no Node-only imports, so its ESM build runs in browsers', () => {
    const dir = new URL('../src/', import.meta.url);
    for (const file of readdirSync(dir)) {
      const source = readFileSync(new URL(file, dir), 'utf8');
      expect(source, file).not.toMatch(/from ['"](node:|fs|crypto|buffer|events)['"]/);
      expect(source, file).not.toMatch(/\bBuffer\b|\bprocess\./);
      // Only types come from core, which is Node-only.
      expect(source, file).not.toMatch(/^import (?!type)[^;]*from '@roomlog\/core'/m);
    }
  });
});
