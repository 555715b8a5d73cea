/**
 * Rooms whose history does not fit one packet: the server ends sync answers and pages early at
 * its byte and attachment budget (`hasMore`), and the client keeps reading until it is caught up,
 * over a default socket.io-client (whose decoder takes 10 binary attachments per packet).
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore } from '@roomlog/core';
import { type RoomlogLimits, roomlog } from '@roomlog/core/socket.io';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type MessageEnvelope, roomlogClient } from '../src/index';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(limits?: RoomlogLimits) {
  const http = createServer();
  const io = new Server(http);
  const log = roomlog(io, { store: new MemoryStore(), events: ['chat'], authorize: () => true, limits });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    await log.close();
    await io.close();
  });
  return { log, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

function open(url: string) {
  const socket = connect(url, { forceNew: true, transports: ['websocket'] });
  const client = roomlogClient(socket);
  cleanups.push(() => {
    client.close();
    socket.disconnect();
  });
  return { socket, client };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).toBe(true);
};

describe('a room larger than one packet', () => {
  it('syncs a room of 50 binary messages through a default socket.io-client, without a disconnect', async () => {
    const { log, url } = await startServer();
    const room = randomUUID();
    for (let i = 1; i <= 50; i++) await log.publish({ room, event: 'chat', data: { i, file: Buffer.from([i]) } });
    const { socket, client } = open(url);
    let disconnects = 0;
    socket.on('disconnect', () => disconnects++);
    const received: MessageEnvelope[] = [];
    client.on(room, 'chat', (message) => received.push(message));
    await client.join(room, { from: 'start' });
    await until(() => received.length === 50);
    expect(received.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(Buffer.isBuffer((received[49]!.data as { file: unknown }).file)).toBe(true);
    expect(disconnects).toBe(0);
  });

  it('catches up rooms whose sync answer shared one byte budget, in order, after a reconnect', async () => {
    const { log, url } = await startServer({ maxPacketBytes: 20_000 });
    const rooms = [randomUUID(), randomUUID(), randomUUID()];
    const { socket, client } = open(url);
    const received = new Map<string, number[]>(rooms.map((room) => [room, []]));
    for (const room of rooms) client.on(room, 'chat', (message) => received.get(room)!.push(message.seq));
    await Promise.all(rooms.map((room) => client.join(room)));
    socket.disconnect();
    for (const room of rooms) for (let i = 1; i <= 30; i++) await log.publish({ room, event: 'chat', data: 'x'.repeat(1_000) });
    socket.connect();
    await until(() => rooms.every((room) => received.get(room)!.length === 30));
    for (const room of rooms) expect(received.get(room)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });
});
